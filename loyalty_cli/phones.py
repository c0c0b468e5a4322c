"""Phone numbers, normalised to E.164 with the programme's region as the default."""

from __future__ import annotations

from loyalty_cli.errors import InvalidInput
from loyalty_cli.language import _


def normalise(text: str, region: str) -> str:
    """+37129123456 from "29123456" in region LV; refuse numbers that cannot exist."""
    import phonenumbers

    try:
        number = phonenumbers.parse(str(text), region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("{text!r} is not a phone number").format(text=text)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("{text!r} is not a valid phone number in region {region}").format(
                text=text, region=region.upper()
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise(text: str, region: str) -> str | None:
    """The E.164 form, or None when `text` is no phone number."""
    try:
        return normalise(text, region)
    except InvalidInput:
        return None


def mask(phone: str | None) -> str:
    """+371 ****3456: enough to recognise, not enough to call."""
    if not phone:
        return ""
    return phone[:4] + " " + "*" * max(len(phone) - 8, 0) + phone[-4:]


def check_region(region: str) -> str:
    """A region code phonenumbers knows (LV, DE, GB ...)."""
    import phonenumbers

    code = str(region).strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            _("{region!r} is not a known region code (such as LV, DE, GB)").format(region=region)
        )
    return code
