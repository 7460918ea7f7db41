"""Typed refusals of the settlement services; adapters show ``message``."""


class SettlementError(Exception):
    def __init__(self, message: str, *, code: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
