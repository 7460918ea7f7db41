"""Serializer fields every API module's request bodies use.

They exist so that every malformed value is a 400 before a service or the database
sees it: kilograms with at most 12 digits and 3 decimals, ids that are integers in
the databases' range, and ids looked up only in the user's scoped querysets.
"""

from rest_framework import serializers

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
