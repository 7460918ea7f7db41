"""Typed refusals of the billing services; adapters show ``message``."""

from suppliers.errors import StockConflict


class BillingError(Exception):
    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class CreditLimitExceeded(StockConflict):
    """An order on account would take the canteen beyond its credit limit.

    A conflict like a stock shortage (409 in the API, the form's error on the
    pages, the whole order rolled back so nothing is reserved), so the order
    adapters need no billing-specific branch.
    """

    code = "credit_limit_exceeded"

    def __init__(self, message: str, *, limit, used, needed):
        super().__init__(message, field="credit")
        self.limit = limit
        self.used = used
        self.needed = needed
