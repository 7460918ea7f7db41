"""What the love-card services refuse, with a message meant for the card holder
or the staff member (the views show it as it is)."""

from django.utils.translation import gettext_lazy as _


class CardRefused(Exception):
    """A card cannot do what was asked; nothing was changed (except, for a wrong
    PIN, the card's counter)."""

    default = _("This love card cannot be used.")

    def __init__(self, message=None, *, number: str = ""):
        self.message = str(message or self.default)
        self.number = number
        super().__init__(self.message)


class WrongPin(CardRefused):
    """Unknown number or wrong PIN: one message for both, so the answer does not
    tell which numbers exist."""

    default = _("The card number or the PIN is wrong.")


class CardLocked(CardRefused):
    default = _("This love card is locked after too many wrong PINs; try later.")


class TooManyAttempts(CardRefused):
    default = _("Too many wrong card numbers or PINs from here; try again later.")


class NotEnoughBalance(CardRefused):
    default = _("The love card's balance is not enough.")
