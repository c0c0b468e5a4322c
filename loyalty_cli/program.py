"""The programme: the shop's rules (rates, expiry, tiers, bonuses), one set per data directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from loyalty_cli import clock, language, phones, text_fields
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import N_, _
from loyalty_cli.money import parse_amount, parse_rate, to_text


@dataclass(frozen=True)
class Tier:
    """A tier: reached at `spend` over the last 12 months, earning at `multiplier`, with
    `discount` percent off every receipt (0 = none)."""

    name: str
    spend: Decimal
    multiplier: Decimal
    discount: Decimal = Decimal(0)


DEFAULTS: dict[str, object] = {
    "name": "My shop",
    "currency": "EUR",
    "timezone": "Europe/Riga",
    "region": "LV",
    "earn.rate": "1",
    "earn.min_purchase": "0.00",
    "redeem.value": "0.01",
    "redeem.min_points": 1,
    "expiry.months": 12,
    "tiers": "",
    "bonus.welcome": 0,
    "bonus.birthday": 0,
    "bonus.referral": 0,
    "purchase.max_amount": "",
    "language": language.ENGLISH,
    "discount.threshold": "",
    "discount.percent": "0",
    "discount.stack": "false",
    "earn.mode": "points",
    "earn.cashback_percent": "0",
    "earn.pending_days": 0,
    "mail.server": "",
    "mail.from": "",
    "mail.birthdays": "false",
}

# Shown in `program set --help`, translated there.
KEY_HELP = {
    "name": N_("the shop's name, printed on statements"),
    "currency": N_("ISO 4217 code, e.g. EUR"),
    "timezone": N_("IANA timezone for days, months and birthdays, e.g. Europe/Riga"),
    "region": N_("default phone region, e.g. LV"),
    "earn.rate": N_("points per currency unit spent"),
    "earn.min_purchase": N_("smallest purchase that earns points"),
    "redeem.value": N_("what one point is worth in money"),
    "redeem.min_points": N_("smallest redemption"),
    "expiry.months": N_("months after the month of earning that points expire (0 = never)"),
    "tiers": N_("name:12-month spend:multiplier[:discount %], comma separated"),
    "bonus.welcome": N_("points on enrolment"),
    "bonus.birthday": N_("points on the member's birthday"),
    "bonus.referral": N_("points to the referrer at the referred member's first purchase"),
    "purchase.max_amount": N_("largest purchase recorded without --confirm (empty = no limit)"),
    "language": N_("the language of members enrolled from now on: en, lv or ru"),
    "discount.threshold": N_("receipt total from which discount.percent is taken off (empty = none)"),
    "discount.percent": N_("discount % on receipts reaching discount.threshold"),
    "discount.stack": N_("true: the tier's and the threshold's discounts add up; false: the better one"),
    "earn.mode": N_("points, or cashback: purchases earn money (earn.cashback_percent of what is paid)"),
    "earn.cashback_percent": N_("cashback % of the money paid, in cashback mode"),
    "earn.pending_days": N_("days what a purchase earns stays pending (the return window; 0 = none)"),
    "mail.server": N_("smtp://user@host:587 or smtps://user@host:465 (password: LOYALTY_SMTP_PASSWORD)"),
    "mail.from": N_('the sender of mail to members, "Name <address>"'),
    "mail.birthdays": N_("true: maintain mails a birthday greeting to members with consent and an e-mail"),
}


def _text(value: str) -> str:
    text = text_fields.clean(value, _("shop's name"))
    if not text:
        raise InvalidInput(_("the value must be 1 to 200 characters"))
    return text


def _currency(value: str) -> str:
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(_("{value} is not a currency code (such as EUR)").format(value=repr(value)))
    return code


def _timezone(value: str) -> str:
    clock.zone(value)
    return str(value).strip()


def _count(value: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("{value} is not a whole number").format(value=repr(value))) from None
    if number < 0 or number > 1_000_000:
        raise InvalidInput(_("{value} must be between 0 and 1000000").format(value=repr(value)))
    return number


def _months(value: str) -> int:
    number = _count(value)
    if number > 1200:
        raise InvalidInput(_("expiry.months must be at most 1200 (0 means never)"))
    return number


def _tier_names_checked(value: str) -> str:
    # Only when the tiers are set: tiers stored before this check still load.
    # (Spends and multipliers are numbers: their own parsers refuse anything else.)
    for part in str(value).split(","):
        text_fields.clean(part.split(":")[0], _("tier name"))
    return value


def parse_tiers(value: str) -> list[Tier]:
    """ "Bronze:0:1,Silver:500:1.25" -> tiers ordered by spend; the first must start at 0."""
    text = str(value).strip()
    if not text:
        return []
    tiers = []
    for part in text.split(","):
        pieces = part.strip().split(":")
        if len(pieces) not in (3, 4) or not pieces[0].strip():
            raise InvalidInput(
                _("tier {tier} is not name:spend:multiplier[:discount]").format(tier=repr(part.strip()))
            )
        name = pieces[0].strip()
        spend = parse_amount(pieces[1], allow_zero=True)
        multiplier = parse_rate(pieces[2], _("the multiplier of {tier}").format(tier=name))
        discount = (
            _percent(pieces[3], _("the discount of {tier}").format(tier=name)) if len(pieces) == 4 else 0
        )
        tiers.append(Tier(name, spend, multiplier, Decimal(discount)))
    tiers.sort(key=lambda t: t.spend)
    names = [t.name.lower() for t in tiers]
    if len(set(names)) != len(names):
        raise InvalidInput(_("tier names must be different"))
    if len({t.spend for t in tiers}) != len(tiers):
        raise InvalidInput(_("tier thresholds must be different"))
    if tiers[0].spend != 0:
        raise InvalidInput(_("the first tier must start at spend 0"))
    return tiers


def format_tiers(tiers: list[Tier]) -> str:
    """The stored form of a tier list (the discount only when some tier has one)."""
    if not any(t.discount for t in tiers):
        return ",".join(f"{t.name}:{to_text(t.spend)}:{t.multiplier}" for t in tiers)
    return ",".join(f"{t.name}:{to_text(t.spend)}:{t.multiplier}:{t.discount}" for t in tiers)


def _percent(value: str, what: str) -> Decimal:
    """A percentage from 0 to 100 (a discount, a cashback)."""
    number = parse_rate(value, what)
    if number > 100:
        raise InvalidInput(
            _("{what} is a percentage from 0 to 100, not {value}").format(what=what, value=value)
        )
    return number


def _flag(value: str) -> str:
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return "true"
    if text in ("false", "no", "0", "off"):
        return "false"
    raise InvalidInput(_("{value!r} is neither true nor false").format(value=value))


def _mode(value: str) -> str:
    text = str(value).strip().lower()
    if text not in EARN_MODES:
        raise InvalidInput(
            _("{value!r} is not an earn mode; choose one of {choices}").format(
                value=value, choices=", ".join(EARN_MODES)
            )
        )
    return text


def _days(value: str) -> int:
    number = _count(value)
    if number > 366:
        raise InvalidInput(_("earn.pending_days must be at most 366"))
    return number


EARN_MODES = ("points", "cashback")


def _language(value: str) -> str:
    code = str(value).strip().lower()
    if code not in language.LANGUAGES:
        raise InvalidInput(
            _("{value!r} is not a language loyalty speaks; choose one of {choices}").format(
                value=value, choices=", ".join(language.LANGUAGES)
            )
        )
    return code


PARSERS: dict[str, Callable[[str], object]] = {
    "name": _text,
    "currency": _currency,
    "timezone": _timezone,
    "region": phones.check_region,
    "earn.rate": lambda v: str(parse_rate(v, "earn.rate")),
    "earn.min_purchase": lambda v: to_text(parse_amount(v, allow_zero=True)),
    "redeem.value": lambda v: str(parse_rate(v, "redeem.value")),
    "redeem.min_points": _count,
    "expiry.months": _months,
    "tiers": lambda v: format_tiers(parse_tiers(_tier_names_checked(v))),
    "bonus.welcome": _count,
    "bonus.birthday": _count,
    "bonus.referral": _count,
    "purchase.max_amount": lambda v: to_text(parse_amount(v)) if str(v).strip() else "",
    "language": _language,
    "discount.threshold": lambda v: to_text(parse_amount(v)) if str(v).strip() else "",
    "discount.percent": lambda v: str(_percent(v, "discount.percent")),
    "discount.stack": _flag,
    "earn.mode": _mode,
    "earn.cashback_percent": lambda v: str(_percent(v, "earn.cashback_percent")),
    "earn.pending_days": _days,
    "mail.server": lambda v: _mail_settings().parse_server(v),
    "mail.from": lambda v: _mail_settings().parse_sender(v),
    "mail.birthdays": _flag,
}


def _mail_settings():
    from loyalty_cli.mail import settings  # only `program set mail.*` needs it

    return settings


def check_change(settings: dict, before: dict, *, has_entries: bool) -> None:
    """Refuse a change of settings that would make the recorded entries mean something else.

    The ledger keeps points, or cents in cashback mode: the mode is chosen before the first entry.
    """
    if has_entries and settings.get("earn.mode", "points") != before.get("earn.mode", "points"):
        raise Refused(_("earn.mode is chosen before the first entry, and this programme already has entries"))


def parse_setting(key: str, value: str) -> object:
    """The stored form of `value` for `key`, or InvalidInput naming what is wrong."""
    if key not in PARSERS:
        known = ", ".join(PARSERS)
        raise InvalidInput(
            _("{key} is not a programme setting; known settings: {known}").format(key=repr(key), known=known)
        )
    try:
        return PARSERS[key](value)
    except InvalidInput as error:
        said = str(error)  # named once: some messages already begin with the setting's name
        raise InvalidInput(said if said.startswith(key) else f"{key}: {said}") from None


@dataclass(frozen=True)
class Programme:
    """The settings as typed values; built from the stored document."""

    settings: dict

    @property
    def name(self) -> str:
        return self.settings["name"]

    @property
    def currency(self) -> str:
        return self.settings["currency"]

    @cached_property
    def tz(self):
        return clock.zone(self.settings["timezone"])

    @property
    def region(self) -> str:
        return self.settings["region"]

    @cached_property
    def earn_rate(self) -> Decimal:
        return Decimal(self.settings["earn.rate"])

    @property
    def min_purchase(self) -> Decimal:
        return Decimal(self.settings["earn.min_purchase"])

    @property
    def redeem_value(self) -> Decimal:
        return Decimal(self.settings["redeem.value"])

    @property
    def redeem_min_points(self) -> int:
        return int(self.settings["redeem.min_points"])

    @property
    def expiry_months(self) -> int:
        return int(self.settings["expiry.months"])

    @cached_property
    def tiers(self) -> list[Tier]:
        return parse_tiers(self.settings["tiers"])

    @property
    def language(self) -> str:
        """The language of members enrolled from now on (en for a programme set up before languages)."""
        return self.settings.get("language") or language.ENGLISH

    @property
    def max_purchase(self) -> Decimal | None:
        """The largest purchase recorded without confirmation, or None (no limit)."""
        text = self.settings.get("purchase.max_amount") or ""
        return Decimal(text) if text else None

    @property
    def discount_threshold(self) -> Decimal | None:
        """The receipt total from which discount.percent applies, or None (no threshold discount)."""
        text = self.settings.get("discount.threshold") or ""
        return Decimal(text) if text else None

    @property
    def discount_percent(self) -> Decimal:
        return Decimal(self.settings.get("discount.percent") or "0")

    @property
    def discount_stack(self) -> bool:
        return self.settings.get("discount.stack") == "true"

    @property
    def cashback(self) -> bool:
        """Whether purchases earn money (cashback) rather than points; the ledger then keeps cents."""
        return self.settings.get("earn.mode") == "cashback"

    @property
    def cashback_percent(self) -> Decimal:
        return Decimal(self.settings.get("earn.cashback_percent") or "0")

    @property
    def pending_days(self) -> int:
        return int(self.settings.get("earn.pending_days") or 0)

    @property
    def mail_birthdays(self) -> bool:
        """Whether `maintain` mails the day's birthday greetings (mail birthdays)."""
        return self.settings.get("mail.birthdays") == "true"

    def bonus(self, kind: str) -> int:
        """Points for the welcome, birthday or referral bonus (0 = none)."""
        return int(self.settings[f"bonus.{kind}"])

    def expiry_month(self, earned_month: str) -> str:
        """The lot that points earned in `earned_month` join: their expiry month, or "never"."""
        lot = self._lots.get(earned_month)
        if lot is None:
            months = self.expiry_months
            lot = "never" if months == 0 else clock.add_months(earned_month, months)
            self._lots[earned_month] = lot
        return lot

    @cached_property
    def _lots(self) -> dict[str, str]:
        return {}


def new_settings(**given: object) -> dict:
    """Defaults overlaid with the given values, each validated."""
    settings = dict(DEFAULTS)
    for key, value in given.items():
        if value is not None:
            settings[key] = parse_setting(key, str(value))
    return settings
