"""Reads of the ledger."""

from collections.abc import Iterable

from ledger.models import HouseholdIncome


def income_by_household(*, household_ids: Iterable[int], year: int) -> dict:
    """Yuan each household has earned this year (households with none: absent)."""
    return dict(
        HouseholdIncome.objects.filter(
            household_id__in=set(household_ids), year=year
        ).values_list("household_id", "yuan")
    )
