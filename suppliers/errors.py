"""Typed errors raised by supply services; adapters turn them into 4xx answers."""


class StockConflict(Exception):
    """The stock a request needs is not there (any more): answered with 409."""

    def __init__(self, message: str, *, field: str = "kg"):
        super().__init__(message)
        self.message = message
        self.field = field
