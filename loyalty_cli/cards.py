"""Card numbers: what a member shows at the till; generated ones carry a Luhn check digit."""

from __future__ import annotations

import re

from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _

GENERATED_LENGTH = 12
_SEPARATORS = re.compile(r"[\s\-]+")
_CARD = re.compile(r"^[0-9A-Za-z]{4,32}$")


def normalise(text: str) -> str:
    """A card number as written on a card or typed at the till, without spaces and dashes."""
    return _SEPARATORS.sub("", str(text)).upper()


def validate(text: str) -> str:
    """A card number given by the shop: 4-32 letters or digits after normalising."""
    card = normalise(text)
    if not _CARD.match(card):
        raise InvalidInput(_("{text!r} is not a card number (4 to 32 letters or digits)").format(text=text))
    return card


def luhn_check_digit(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_luhn_valid(card: str) -> bool:
    """True when the last digit of an all-digit card is its Luhn check digit."""
    return card.isdigit() and len(card) >= 2 and luhn_check_digit(card[:-1]) == card[-1]


def generate(taken) -> str:
    """A new random card number, not in `taken` (anything that supports `in`)."""
    import secrets  # only enrolment needs it; every other command starts without it

    while True:
        body = str(secrets.randbelow(9 * 10 ** (GENERATED_LENGTH - 2)) + 10 ** (GENERATED_LENGTH - 2))
        card = body + luhn_check_digit(body)
        if card not in taken:
            return card


def display(card: str) -> str:
    """A card grouped in fours for people: 1234 5678 9012."""
    return " ".join(card[i : i + 4] for i in range(0, len(card), 4))
