"""Representations and request bodies of channels. Bodies only check shape and
types; the rules (unique slug codes, dates in order, what may change) are the
services'."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from channels.models import Channel, ChannelKind


def _max_length(field: str) -> int:
    return Channel._meta.get_field(field).max_length


class ChannelSerializer(serializers.ModelSerializer):
    """A channel, and the body that opens one (one schema component, so the kind's
    choices are named once)."""

    # No unique validator here: the service checks the code, once, with its message.
    code = serializers.CharField(
        max_length=_max_length("code"),
        help_text=_("Letters, digits, hyphens; how uploads and the API name it."),
    )

    class Meta:
        model = Channel
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "operator",
            "city",
            "district",
            "opened_on",
            "closed_on",
            "is_active",
        ]
        read_only_fields = ["id", "closed_on", "is_active"]


class ChannelQuerySerializer(serializers.Serializer):
    """The list's query string (absent values do not narrow it)."""

    kind = serializers.ChoiceField(choices=ChannelKind.choices, required=False)
    active = serializers.BooleanField(
        required=False, help_text=_("true: open channels only; false: closed ones")
    )


class ChannelUpdateSerializer(serializers.Serializer):
    """A PATCH body: naming a field that cannot change (code, kind, dates) is an
    error, because a silently ignored field would look changed to the client."""

    name = serializers.CharField(max_length=_max_length("name"), required=False)
    operator = serializers.CharField(
        max_length=_max_length("operator"), allow_blank=True, required=False
    )
    city = serializers.CharField(max_length=_max_length("city"), required=False)
    district = serializers.CharField(
        max_length=_max_length("district"), allow_blank=True, required=False
    )

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed here.")] for name in unknown}
            )
        return super().validate(attrs)


class ChannelCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField()
