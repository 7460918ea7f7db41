"""Write services for cooperatives and households (stock lives in ``stock.py``)."""

import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from suppliers.models import (
    Cooperative,
    Household,
    HouseholdStatus,
    HouseholdStatusChange,
    Membership,
    Village,
)

FIRST_LIFT_YEAR = 2013  # targeted poverty alleviation (精准扶贫) began in 2013


@transaction.atomic
def create_cooperative(
    *,
    name: str,
    registration_code: str,
    village: Village,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    managers=(),
) -> Cooperative:
    """Create a cooperative and the Oscar partner it is; managers get its dashboard."""
    Partner = apps.get_model("partner", "Partner")
    if Cooperative.objects.filter(registration_code=registration_code).exists():
        raise ValidationError(
            {"registration_code": _("A cooperative with this code already exists.")}
        )
    partner = Partner.objects.create(name=name)
    cooperative = Cooperative.objects.create(
        partner=partner,
        registration_code=registration_code,
        village=village,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    for user in managers:
        add_manager(cooperative=cooperative, user=user)
    audit.record(
        "cooperative.created",
        cooperative,
        {"name": name, "registration_code": registration_code, "village": village},
    )
    return cooperative


def add_manager(*, cooperative: Cooperative, user) -> None:
    """Make a user a manager: a partner user with Oscar's dashboard access."""
    Permission = apps.get_model("auth", "Permission")
    cooperative.partner.users.add(user)
    user.user_permissions.add(
        Permission.objects.get(
            codename="dashboard_access", content_type__app_label="partner"
        )
    )


@transaction.atomic
def update_cooperative(*, cooperative: Cooperative, **fields) -> Cooperative:
    """Change a cooperative's contact details (name is kept on its partner)."""
    allowed = {"address", "contact_name", "contact_phone", "name"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({f: _("This field cannot be changed.") for f in unknown})
    before = {"name": cooperative.partner.name} | {
        field: getattr(cooperative, field) for field in fields if field != "name"
    }
    if "name" in fields:
        cooperative.partner.name = fields.pop("name")
        cooperative.partner.save(update_fields=["name"])
    for field, value in fields.items():
        setattr(cooperative, field, value)
    if fields:
        cooperative.save(update_fields=list(fields))
    after = {"name": cooperative.partner.name} | fields
    if changes := audit.diff(before, after):
        audit.record("cooperative.updated", cooperative, changes)
    return cooperative


def _check_status(status: str, year_lifted_out: int | None) -> None:
    if status not in HouseholdStatus.values:
        raise ValidationError({"status": _("Unknown poverty status.")})
    this_year = timezone.localdate().year
    if status == HouseholdStatus.REGISTERED and year_lifted_out is not None:
        raise ValidationError(
            {
                "year_lifted_out": _(
                    "A registered household has not been lifted out yet."
                )
            }
        )
    if status == HouseholdStatus.LIFTED and year_lifted_out is None:
        raise ValidationError(
            {"year_lifted_out": _("Give the year the household was lifted out.")}
        )
    if year_lifted_out is not None and not (
        FIRST_LIFT_YEAR <= year_lifted_out <= this_year
    ):
        raise ValidationError(
            {
                "year_lifted_out": _("The year must be between %(a)s and %(b)s.")
                % {"a": FIRST_LIFT_YEAR, "b": this_year}
            }
        )


@transaction.atomic
def register_household(
    *,
    cooperative: Cooperative,
    archive_number: str,
    village: Village,
    size: int,
    status: str = HouseholdStatus.REGISTERED,
    year_lifted_out: int | None = None,
    joined_on: datetime.date | None = None,
    actor=None,
) -> Household:
    """Add a household to a cooperative, creating its record on first registration.

    A household already on file (same archive number) just gains the membership; its
    recorded facts are not overwritten by another cooperative.
    """
    archive_number = (archive_number or "").strip()
    if not archive_number:
        raise ValidationError({"archive_number": _("Give the archive number.")})
    if not 1 <= size <= 30:
        raise ValidationError({"size": _("A household has 1 to 30 members.")})
    household = (
        Household.objects.select_for_update()
        .filter(archive_number=archive_number)
        .first()
    )
    if household is None:
        _check_status(status, year_lifted_out)
        household = Household.objects.create(
            archive_number=archive_number,
            village=village,
            size=size,
            status=status,
            year_lifted_out=year_lifted_out,
        )
        HouseholdStatusChange.objects.create(
            household=household,
            status=status,
            year_lifted_out=year_lifted_out,
            note=_("registered"),
            changed_by=actor if actor is not None and actor.is_authenticated else None,
        )
    elif household.village_id != village.pk:
        raise ValidationError(
            {"village": _("This household is on file in another village.")}
        )
    elif Membership.objects.filter(
        cooperative=cooperative, household=household
    ).exists():
        raise ValidationError(
            {"archive_number": _("This household is already a member.")}
        )
    membership = Membership.objects.create(
        cooperative=cooperative,
        household=household,
        joined_on=joined_on or timezone.localdate(),
    )
    audit.record(
        "household.registered",
        household,
        {
            "cooperative": cooperative,
            "joined_on": membership.joined_on,
            "status": household.status,
            "size": household.size,
        },
        actor=actor,
    )
    return household


@transaction.atomic
def change_household_status(
    *,
    household_id: int,
    status: str,
    year_lifted_out: int | None = None,
    note: str = "",
    actor=None,
) -> Household:
    """Change a household's poverty status and keep the history row with it."""
    _check_status(status, year_lifted_out)
    household = Household.objects.select_for_update().get(pk=household_id)
    if status == HouseholdStatus.MONITORED and year_lifted_out is None:
        year_lifted_out = household.year_lifted_out
    audit.record(
        "household.status_changed",
        household,
        audit.diff(
            {"status": household.status, "year_lifted_out": household.year_lifted_out},
            {"status": status, "year_lifted_out": year_lifted_out},
        )
        | {"note": note},
        actor=actor,
    )
    household.status = status
    household.year_lifted_out = year_lifted_out
    household.save(update_fields=["status", "year_lifted_out"])
    HouseholdStatusChange.objects.create(
        household=household,
        status=status,
        year_lifted_out=year_lifted_out,
        note=note[:255],
        changed_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return household


@transaction.atomic
def update_household(*, household_id: int, size: int | None = None) -> Household:
    """Correct a household's size (status has its own service, with history)."""
    household = Household.objects.select_for_update().get(pk=household_id)
    if size is not None:
        if not 1 <= size <= 30:
            raise ValidationError({"size": _("A household has 1 to 30 members.")})
        if household.size != size:
            audit.record(
                "household.updated", household, {"size": [household.size, size]}
            )
        household.size = size
        household.save(update_fields=["size"])
    return household
