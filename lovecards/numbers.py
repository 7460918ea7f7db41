"""Card numbers and PINs.

A number is 16 digits: the prefix ``8668``, eleven random digits from
``secrets`` (not a sequence: knowing one card tells nothing about the next) and
a Luhn check digit, so a mistyped digit is caught before the database or the
PIN counter is touched. PINs are six random digits.
"""

import re
import secrets

PREFIX = "8668"
LENGTH = 16
PIN_LENGTH = 6


def check_digit(payload: str) -> str:
    """The Luhn digit that makes ``payload`` + digit valid."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid(number: str) -> bool:
    return (
        len(number) == LENGTH
        and number.isdigit()
        and check_digit(number[:-1]) == number[-1]
    )


def normalise(typed: str) -> str:
    """What a person typed (spaces, dashes) to the stored digits."""
    return re.sub(r"[\s-]", "", typed or "")


def new_number() -> str:
    body = "".join(
        secrets.choice("0123456789") for _ in range(LENGTH - len(PREFIX) - 1)
    )
    payload = PREFIX + body
    return payload + check_digit(payload)


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
