"""The demo's direct-supply channels: the online store and the rows of
``channels.demo_data``, opened through the real service.

Idempotent by code. Runs after ``canteens.demo`` (each demo canteen opens its own
channel), so the demo has the report's 77 channels in all.
"""

from channels import services
from channels.demo_data import CHANNELS
from channels.models import Channel


def ensure_channels() -> int:
    """Open the demo channels that are missing; how many this run opened."""
    services.online_store()
    existing = set(Channel.objects.values_list("code", flat=True))
    opened = 0
    for row in CHANNELS:
        if row.code in existing:
            continue
        services.open_channel(
            code=row.code,
            name=row.name,
            kind=row.kind,
            operator=row.operator,
            city=row.city,
            district=row.district,
            opened_on=row.opened_on,
        )
        opened += 1
    return opened
