"""Helpers of the ledger tests: a supermarket counter channel and sale rows."""

import datetime

from django.utils import timezone

from ledger.counter_sales import CounterSaleInput
from tests.integration.bulk import D

TODAY = timezone.localdate


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


def sale(line=2, *, kg="10", yuan="62.00", sku="LZ-RICE-5", **kwargs):
    values = {
        "line": line,
        "sale_date": TODAY(),
        "channel": "grandbuy-beijing-rd",
        "sku": sku,
        "kg": D(kg),
        "yuan": D(yuan),
        **kwargs,
    }
    return CounterSaleInput(**values)
