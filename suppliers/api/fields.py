"""Serializer fields shared by the supply API's request bodies.

They exist so that every malformed value is a 400 before a service or the database
sees it: kilograms with at most 12 digits and 3 decimals, ids that are integers in
the databases' range, and ids looked up only in the user's scoped querysets.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from suppliers.access import is_staff
from suppliers.selectors import managed_cooperative_ids, managed_cooperatives

# Largest id the databases store; a larger int in an ``IN (...)`` crashes SQLite.
MAX_ID = 2**63 - 1


class KgField(serializers.DecimalField):
    """Kilograms as the models keep them: 12 digits, exact to the gram."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=12, decimal_places=3, **kwargs)


class IdField(serializers.IntegerField):
    """A bare id (resolved later by a service, inside its own scope)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """An id looked up in a queryset chosen for the requesting user.

    Ids outside the scope (another cooperative's objects) fail with exactly the
    message of ids that do not exist, so a body cannot probe for them. Ids outside
    the databases' range are refused before the lookup: SQLite raises on them when
    the primary key is a relation (a cooperative's is its partner's).
    """

    def __init__(self, *, scope, **kwargs):
        self.scope = scope
        kwargs.setdefault("pk_field", IdField())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # ``run_validation``: the id field's range is checked by its validators.
        return super().to_internal_value(self.pk_field.run_validation(data))

    def get_queryset(self):
        return self.scope(user=self.context["request"].user)


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
