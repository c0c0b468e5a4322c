"""Members: enrolment, lookup by card or phone, personal details, language and status."""

from __future__ import annotations

import re
from datetime import date, datetime

from loyalty_cli import cards, clock, language, phones, projection, text_fields
from loyalty_cli.errors import CardMoved, InvalidInput, MemberNotActive, Refused, UnknownMember
from loyalty_cli.language import N_, _
from loyalty_cli.storage.unit_of_work import Shop

STATUSES = ("active", "blocked", "closed")
# A status as people read it; the stored value stays English (`status_name`).
STATUS_NAMES = {"active": N_("active"), "blocked": N_("blocked"), "closed": N_("closed")}
# The status reason of an erased member: stored in English, shown translated.
ERASED = N_("personal data erased")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def find(shop: Shop, text: str) -> dict:
    """The member named by card number (spaces and dashes ignored) or by phone number."""
    card = cards.normalise(text)
    member = shop.members.get(card) if card else None
    if member is None and card:
        phone = phones.try_normalise(text, shop.programme().region)
        if phone:
            member = shop.members.by_phone(phone)
    if member is None:
        moved = (shop.meta.get("card_moves") or {}).get(card) if card else None
        if moved:
            from loyalty_cli import card_moves  # card_moves builds on this module

            now = card_moves.current_card(shop, card)
            raise CardMoved(
                _("card {card} was replaced by card {now}; use card {now}").format(card=card, now=now)
            )
        raise UnknownMember(_("no member with card or phone {ref!r}").format(ref=str(text).strip()))
    return member


def require_active(member: dict) -> None:
    """Blocked and closed members cannot earn or redeem."""
    if member.get("merged_into"):
        into = member["merged_into"]
        raise CardMoved(
            _("card {card} was merged into card {into}; use card {into}").format(
                card=member["card"], into=into
            )
        )
    if member["status"] != "active":
        raise MemberNotActive(
            _("member {card} is {status}").format(card=member["card"], status=status_name(member["status"]))
        )


def status_name(status: str | None) -> str:
    """A stored status as people read it in the active language ("blocked" -> "bloķēts")."""
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else str(status)


def enroll(
    shop: Shop,
    *,
    name: str,
    at: datetime,
    phone: str | None = None,
    email: str | None = None,
    birthday: str | None = None,
    card: str | None = None,
    consent: bool = False,
    referred_by: str | None = None,
    operator: str = "",
    welcome: bool = True,
    language: str | None = None,
) -> dict:
    """A new member with a fresh card (or the given one); their phone and card must be free.

    `language` (en, lv, ru) is the language the member is written to in; without it, the
    programme's default language (`program set language`), else English. The programme's
    welcome bonus, if any, is credited at once (unless `welcome` is False:
    an import of members a shop already had).
    """
    programme = shop.programme()
    doc = {
        "card": None,
        "name": clean_name(name),
        "phone": None,
        "email": clean_email(email),
        "birthday": clean_birthday(birthday, at),
        "consent": bool(consent),
        "status": "active",
        "tier": programme.tiers[0].name if programme.tiers else None,
        "enrolled_at": clock.iso(at),
        "referred_by": None,
        "language": default_language(programme) if language is None else clean_language(language),
        "points": projection.empty(),
    }
    doc["phone"] = _free_phone(shop, phone, None)
    from loyalty_cli import card_moves  # card_moves builds on this module

    taken = card_moves.Taken(shop)  # members' cards and cards that were replaced
    if card:
        doc["card"] = cards.validate(card)
        if doc["card"] in taken:
            raise Refused(_("card {card} is already taken").format(card=doc["card"]))
    else:
        doc["card"] = cards.generate(taken)
    if referred_by:
        referrer = find(shop, referred_by)
        card_moves.refuse_write(shop, referrer)  # a merged record refers nobody: its card moved
        doc["referred_by"] = referrer["card"]
    shop.members.add(doc)
    from loyalty_cli import bonuses  # bonuses record entries through points, which uses this module

    if welcome:
        bonuses.welcome(shop, doc, at=at, operator=operator)
    bonuses.late_birthday(shop, doc, at=at, operator=operator)
    return doc


def edit(shop: Shop, member: dict, changes: dict, today: date) -> dict:
    """Change personal details; keys: name, phone, email, birthday, consent, language.

    Every value is checked before anything changes, so a refusal leaves the member as it was.
    """
    if "language" in changes:
        chosen = clean_language(changes["language"])
    if "name" in changes:
        member["name"] = clean_name(changes["name"])
    if "phone" in changes:
        member["phone"] = _free_phone(shop, changes["phone"], member["card"])
    if "email" in changes:
        member["email"] = clean_email(changes["email"])
    if "birthday" in changes:
        member["birthday"] = clean_birthday(changes["birthday"], None, today)
    if "consent" in changes:
        member["consent"] = bool(changes["consent"])
    if "language" in changes:
        member["language"] = chosen
    shop.members.put(member)
    return member


def set_status(
    shop: Shop,
    member: dict,
    action: str,
    reason: str | None,
    *,
    at: datetime | None = None,
    operator: str = "",
) -> dict:
    """block, unblock or close a member; the reason, when given, is kept on the member.

    Given `at`, the change joins the member's status changes (which decide whose birthday
    counts on which day), and a member unblocked on their birthday after that day's job
    ran gets the bonus then.
    """
    reason = text_fields.clean(reason, "reason")
    current = member["status"]
    if action == "block":
        if current != "active":
            raise Refused(
                _("member {card} is {status}; only active members can be blocked").format(
                    card=member["card"], status=status_name(current)
                )
            )
        status = "blocked"
    elif action == "unblock":
        if current != "blocked":
            raise Refused(
                _("member {card} is {status}, not blocked").format(
                    card=member["card"], status=status_name(current)
                )
            )
        status = "active"
    elif action == "close":
        if current == "closed":
            raise Refused(_("member {card} is already closed").format(card=member["card"]))
        status = "closed"
    else:
        raise ValueError(action)
    if reason:  # blocking again without a reason keeps the one given before
        member["status_reason"] = reason
    change_status(member, status, at)
    shop.members.put(member)
    if at is not None and action == "unblock":
        from loyalty_cli import bonuses  # bonuses record entries through points, which uses this module

        bonuses.late_birthday(shop, member, at=at, operator=operator)
    return member


def change_status(member: dict, status: str, at: datetime | None) -> None:
    """Set the member's status; given `at`, the change joins their status changes."""
    if at is not None:
        changes = member.get("status_changes") or [[member["enrolled_at"], member["status"]]]
        member["status_changes"] = [*changes, [clock.iso(at), status]]
    else:  # a change without its time would leave the record wrong: drop it instead
        member.pop("status_changes", None)
    member["status"] = status


def clean_name(name: str | None) -> str:
    """A name is 1-200 printable characters."""
    text = text_fields.clean(name or "", "name")
    if not text:
        raise InvalidInput(_("the name must not be empty"))
    return text


def clean_email(email: str | None) -> str | None:
    """An address like name@example.com, or None."""
    if email is None or not str(email).strip():
        return None
    text_fields.check(email, "e-mail")
    text = str(email).strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidInput(_("{text!r} is not an e-mail address").format(text=text))
    return text


def clean_birthday(text: str | None, at: datetime | None, today: date | None = None) -> str | None:
    """A past date YYYY-MM-DD, or None."""
    if text is None or not str(text).strip():
        return None
    day = clock.parse_date(text)
    limit = today or (at.date() if at else None)
    if day.year < 1900 or (limit and day > limit):
        raise InvalidInput(_("birthday {text} is not a plausible date of birth").format(text=text))
    return day.isoformat()


def clean_language(text: str | None) -> str:
    """A language a member can be written to in: en, lv or ru ("LV", "lv_LV" also do)."""
    code = language.normalise(str(text)) if text is not None else None
    if code is None:
        raise InvalidInput(
            _("{text!r} is not a language loyalty speaks; choose one of {choices}").format(
                text=str(text or "").strip(), choices=", ".join(language.LANGUAGES)
            )
        )
    return code


def default_language(programme) -> str:
    """The language of members enrolled without one: the programme's, else English."""
    return language.normalise(programme.settings.get("language")) or language.ENGLISH


def _free_phone(shop: Shop, phone: str | None, card: str | None) -> str | None:
    if phone is None or not str(phone).strip():
        return None
    normalised = phones.normalise(phone, shop.programme().region)
    holder = shop.members.by_phone(normalised)
    if holder is not None and holder["card"] != card:
        raise Refused(
            _("phone {phone} already belongs to member {card}").format(phone=normalised, card=holder["card"])
        )
    return normalised
