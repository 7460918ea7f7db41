"""Oscar stock records, derived from cooperatives' harvest lots.

A stock record's ``num_in_stock`` and ``num_allocated`` are written only by
``suppliers.stock`` from the lots (kg are the truth, units are derived in the same
transaction). Oscar's own allocate/consume/cancel hooks therefore go through the lot
services instead of bumping the counters, so the two never disagree.
"""

from django.db import models
from oscar.apps.partner.abstract_models import AbstractStockRecord

from suppliers import stock


class StockRecord(AbstractStockRecord):
    class Meta(AbstractStockRecord.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "product"],
                name="partner_stockrecord_one_per_product",
            )
        ]

    def allocate(self, quantity):
        stock.reserve_units(stockrecord=self, units=quantity, reason="store order")

    def consume_allocation(self, quantity):
        stock.ship_reserved_units(stockrecord=self, units=quantity, reason="dispatched")

    def cancel_allocation(self, quantity):
        stock.release_units(stockrecord=self, units=quantity, reason="order cancelled")


from oscar.apps.partner.models import *  # noqa: E402, F403
