"""The audit log's API shapes: an entry, and the list's query string."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from audit.forms import check_action, check_dates, check_object_type
from audit.models import AuditEntry
from audit.selectors import AuditQuery
from shop.api.fields import IdField


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "actor_label",
            "ip",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]
        read_only_fields = fields


def _django(check):
    """A form validator as a serializer validator (same rule, same message)."""

    def validate(value):
        try:
            return check(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return validate


class AuditQuerySerializer(serializers.Serializer):
    object_type = serializers.CharField(
        required=False,
        max_length=100,
        validators=[_django(check_object_type)],
        help_text=_(
            "A model's label: order.order, fulfilment.allocation, "
            "suppliers.stocklot, channels.channel, payments.payment…"
        ),
    )
    object_id = serializers.CharField(required=False, max_length=64)
    action = serializers.CharField(
        required=False,
        max_length=64,
        validators=[_django(check_action)],
        help_text=_(
            "An action (allocation.accepted), or its first part for all of "
            "them (allocation)."
        ),
    )
    actor = IdField(required=False, help_text=_("The acting user's id."))
    actor_label = serializers.CharField(
        required=False,
        max_length=255,
        help_text=_("The start of who acted: an email, task:, command:, system."),
    )
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False, help_text=_("Included."))

    def validate(self, data):
        try:
            check_dates(data.get("date_from"), data.get("date_to"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return data

    def query(self) -> AuditQuery:
        data = self.validated_data
        return AuditQuery(
            object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""),
            actor=data.get("actor"),
            actor_label=data.get("actor_label", ""),
            action=data.get("action", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
