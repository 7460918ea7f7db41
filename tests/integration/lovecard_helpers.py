"""Helpers of the love-card tests: cards issued through the service."""

import datetime
from decimal import Decimal

from django.utils import timezone

from lovecards import services

D = Decimal


def issue(staff, *, count=2, face_value="200.00", days=365, name="广州市总工会"):
    """A batch issued through the service; returns (batch, [(number, pin)])."""
    issued = services.issue_batch(
        organisation_name=name,
        face_value=D(face_value),
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
        count=count,
        issued_by=staff,
    )
    return issued.batch, [(c.number, c.pin) for c in issued.cards]
