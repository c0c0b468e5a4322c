"""Who may be mailed, and what a letter may say about them (the placeholders' values).

Only an active member who agreed to hear from the shop (consent) and gave an e-mail gets
a letter; every other member a campaign is about is left out with the reason, in English
(it is data: `--json` reports it). The values are written in the member's language.
"""

from __future__ import annotations

from datetime import date

from loyalty_cli import balances, cards, clock, expiry, formats
from loyalty_cli.program import Programme

NO_CONSENT = "no consent"
NO_EMAIL = "no e-mail"
# Placeholders every letter can fill, with what they say (docs/mail-campaigns.md lists them).
MEMBER_PLACEHOLDERS = ("name", "first_name", "card", "balance", "expiring", "expiry_date", "tier", "shop")


def why_not(member: dict) -> str | None:
    """Why `member` gets no letter ("no consent", "no e-mail", "blocked" ...), or None."""
    if member.get("merged_into"):
        return "card merged"
    if member.get("status") != "active":
        return str(member.get("status"))
    if not member.get("consent"):
        return NO_CONSENT
    if not member.get("email"):
        return NO_EMAIL
    return None


def values(programme: Programme, member: dict, day: date) -> dict[str, str]:
    """The member's placeholders as of shop day `day`, in the active language."""
    name = member.get("name") or ""
    held = balances.shown_lots(member["points"]["lots"], day.isoformat())
    soonest = expiry.next_expiry({"points": {"lots": held}})
    month, expiring = soonest if soonest else (None, 0)
    return {
        "name": name,
        "first_name": name.split()[0] if name.split() else "",
        "card": cards.display(member["card"]),
        "balance": balances.amount(programme, member["points"]["balance"]),
        "expiring": balances.amount(programme, expiring),
        "expiry_date": formats.day(last_day(month)) if month else "",
        "tier": member.get("tier") or "",
        "shop": programme.name,
    }


def last_day(month: str) -> date:
    """The last day of a month YYYY-MM: the day points of that lot lapse at the end of."""
    following = date.fromisoformat(clock.add_months(month, 1) + "-01")
    return date.fromordinal(following.toordinal() - 1)
