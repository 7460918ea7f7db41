"""Typed errors of the fulfilment services; the API maps each to its status."""

from suppliers.errors import StockConflict


class InsufficientStock(StockConflict):
    """An all-or-nothing order could not be covered in full (409)."""

    code = "insufficient_stock"

    def __init__(self, message: str, *, short: dict):
        super().__init__(message, field="lines")
        self.short = short


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with another request body (422)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedNow(StockConflict):
    """The order or allocation is not in a state that allows this (409)."""

    def __init__(self, message: str):
        super().__init__(message, field="status")
