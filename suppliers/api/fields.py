"""Bodies of the supply API acting for one of the user's cooperatives, and PATCH
bodies; the generic fields (kg, ids) are in ``shop.api.fields``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shop.api.fields import ScopedIdField
from suppliers.access import is_staff
from suppliers.selectors import managed_cooperative_ids, managed_cooperatives


def only_managed_cooperative(user):
    """The cooperative a body is for when it names none: the manager's only one.

    Staff and managers of several cooperatives must say which; ``None`` then.
    """
    if is_staff(user):
        return None
    ids = managed_cooperative_ids(user=user)
    if len(ids) != 1:
        return None
    return managed_cooperatives(user=user).get(pk=ids[0])


class ForCooperativeSerializer(serializers.Serializer):
    """A body acting for one of the user's cooperatives (optional if they have one)."""

    cooperative = ScopedIdField(
        scope=managed_cooperatives,
        required=False,
        help_text=_(
            "Required for staff and for managers of several cooperatives; "
            "must be one the user manages."
        ),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs.get("cooperative") is None:
            only = only_managed_cooperative(self.context["request"].user)
            if only is None:
                message = self.fields["cooperative"].error_messages["required"]
                raise serializers.ValidationError({"cooperative": [message]})
            attrs["cooperative"] = only
        return attrs


class ChangesOnlySerializer(serializers.Serializer):
    """A PATCH body: naming a field that cannot change is an error, because a
    silently ignored field would look changed to the client."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed here.")] for name in unknown}
            )
        return super().validate(attrs)
