"""`purchase`, `redeem` and `adjust`: the everyday changes of points."""

from __future__ import annotations

from decimal import Decimal

import click

from loyalty_cli import clock, formats
from loyalty_cli import points as core
from loyalty_cli.language import _, ngettext
from loyalty_cli.money import to_text

from .context import AMOUNT, Env, json_option, pass_env
from .render import emit_json
from .translated import Command


@click.command(cls=Command)
@click.argument("member_ref", metavar="MEMBER")
@click.argument("amount", type=AMOUNT)
@click.option("--receipt", help="The till receipt; recording it twice is refused.  [default: generated]")
@click.option("--at", "when", metavar="WHEN", help="When it happened (ISO 8601), if not now.")
@click.option("--store", help="Which shop of the business, if more than one.")
@click.option("--confirm", is_flag=True, help="Record an amount above purchase.max_amount.")
@json_option
@pass_env
def purchase(env: Env, member_ref, amount, receipt, when, store, confirm, as_json):
    """Record a purchase; it earns floor(AMOUNT x rate x tier multiplier) points.

    MEMBER is a card number or a phone number; AMOUNT takes 12.30 or 12,30. The answer
    names the member and any tier change or bonus the purchase brought. An AMOUNT above
    the programme's purchase.max_amount is refused unless --confirm is given.

    \b
    Example:
      loyalty purchase 123456789015 12,30 --receipt K1-004512
      loyalty purchase 29123456 8.90 --at 2025-01-15T10:30
      loyalty purchase 29123456 1250 --confirm
    """
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        done = core.purchase(
            shop,
            member_ref,
            amount,
            at=at,
            operator=env.operator,
            receipt=receipt,
            store=store,
            confirmed=confirm,
        )
        referrers = {b.card: shop.members.get(b.card).get("name") for b in done.bonuses}
        currency = shop.programme().currency
    entry = done.entry
    change = done.tier_change
    bonuses = [{"card": b.card, "points": b.points, "reason": b.reason} for b in done.bonuses]
    if as_json:
        emit_json(
            {
                "card": entry.card,
                "name": done.member.get("name"),
                "receipt": entry.receipt,
                "amount": entry.amount,
                "points": entry.points,
                "balance": done.balance,
                "tier": done.member.get("tier"),
                "tier_change": {"from": change[0], "to": change[1]} if change else None,
                "bonuses": bonuses,
            }
        )
        return
    click.echo(
        ngettext(
            "{name} ({card}): +{count} point for {amount} (receipt {receipt}); balance {balance}",
            "{name} ({card}): +{count} points for {amount} (receipt {receipt}); balance {balance}",
            entry.points,
        ).format(
            name=done.member.get("name") or _("(name erased)"),
            card=entry.card,
            count=formats.number(entry.points),
            amount=formats.money(Decimal(entry.amount), currency),
            receipt=entry.receipt,
            balance=formats.number(done.balance),
        )
    )
    if change and change[0]:
        click.echo(_("New tier: {tier} (was {previous})").format(tier=change[1], previous=change[0]))
    elif change:
        click.echo(_("New tier: {tier} (had none)").format(tier=change[1]))
    for bonus in done.bonuses:  # a purchase brings one bonus only: the referrer's, at the first
        click.echo(
            ngettext(
                "Bonus: +{count} point to {name} ({card}) for the referral of {referred}",
                "Bonus: +{count} points to {name} ({card}) for the referral of {referred}",
                bonus.points,
            ).format(
                count=formats.number(bonus.points),
                name=referrers.get(bonus.card) or _("(name erased)"),
                card=bonus.card,
                referred=entry.card,
            )
        )


@click.command(cls=Command)
@click.argument("member_ref", metavar="MEMBER")
@click.argument("points", type=int)
@click.option("--receipt", help="The till receipt the points were spent on.")
@click.option("--reason", help="What the points paid for.")
@click.option("--at", "when", metavar="WHEN", help="When it happened (ISO 8601), if not now.")
@json_option
@pass_env
def redeem(env: Env, member_ref, points, receipt, reason, when, as_json):
    """Spend POINTS of a member's balance; the soonest-expiring points go first.

    More than the balance is refused (exit 1) and nothing is written.

    \b
    Example:
      loyalty redeem 123456789015 200 --receipt K1-004513 --reason "coffee"
    """
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        done = core.redeem(
            shop,
            member_ref,
            points,
            at=at,
            operator=env.operator,
            receipt=receipt,
            reason=reason,
            now=env.clock.now,
        )
        programme = shop.programme()
        value = programme.redeem_value * points
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "receipt": done.entry.receipt,
                "points": points,
                "value": to_text(value),
                "balance": done.balance,
            }
        )
    else:
        click.echo(
            ngettext(
                "{card}: -{count} point (worth {value}); balance {balance}",
                "{card}: -{count} points (worth {value}); balance {balance}",
                points,
            ).format(
                card=done.entry.card,
                count=formats.number(points),
                value=formats.money(value, programme.currency),
                balance=formats.number(done.balance),
            )
        )


@click.command(cls=Command, context_settings={"ignore_unknown_options": True})
@click.argument("member_ref", metavar="MEMBER")
@click.argument("points", type=int)
@click.option("--reason", required=True, help="Why; kept on the ledger entry (required).")
@click.option("--at", "when", metavar="WHEN", help="When it takes effect (ISO 8601), if not now.")
@json_option
@pass_env
def adjust(env: Env, member_ref, points, reason, when, as_json):
    """Add (positive POINTS) or remove (negative POINTS) points by hand, with a reason.

    \b
    Example:
      loyalty adjust 123456789015 50 --reason "apology for a wrong order"
      loyalty adjust 123456789015 -20 --reason "duplicate paper card"
    """
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        done = core.adjust(
            shop, member_ref, points, reason=reason, at=at, operator=env.operator, now=env.clock.now
        )
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "points": points,
                "reason": done.entry.reason,
                "balance": done.balance,
            }
        )
    elif points > 0:
        click.echo(
            ngettext(
                "{card}: +{count} point ({reason}); balance {balance}",
                "{card}: +{count} points ({reason}); balance {balance}",
                points,
            ).format(
                card=done.entry.card,
                count=formats.number(points),
                reason=done.entry.reason,
                balance=formats.number(done.balance),
            )
        )
    else:
        click.echo(
            ngettext(
                "{card}: -{count} point ({reason}); balance {balance}",
                "{card}: -{count} points ({reason}); balance {balance}",
                -points,
            ).format(
                card=done.entry.card,
                count=formats.number(-points),
                reason=done.entry.reason,
                balance=formats.number(done.balance),
            )
        )


@click.command(cls=Command)
@click.argument("receipt")
@click.option(
    "--amount", type=AMOUNT, help="Refund only this much of the purchase.  [default: all that is left]"
)
@click.option("--reason", help="Why; kept on the ledger entry.")
@click.option("--at", "when", metavar="WHEN", help="When it happened (ISO 8601), if not now.")
@json_option
@pass_env
def refund(env: Env, receipt, amount, reason, when, as_json):
    """Refund a purchase by its RECEIPT and take back its points in proportion.

    The points are taken back at the rate and tier multiplier the purchase earned at.
    Refunds of a receipt never exceed its amount. If the member already spent the points,
    the balance goes negative and the next purchases pay it off first. Points that
    already expired are not taken back: of a purchase whose points lapsed, only the share
    that was spent. Points redeemed under the same receipt are given back. A refund
    cannot be dated before the member's latest entry.

    \b
    Example:
      loyalty refund K1-004512 --amount 4,00 --reason "stale bread"
      loyalty refund K1-004512
    """
    from loyalty_cli import refunds

    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        result = refunds.refund(
            shop, receipt, amount, at=at, operator=env.operator, reason=reason, now=env.clock.now
        )
        currency = shop.programme().currency
    if as_json:
        emit_json(result.to_json())
        return
    click.echo(_refunded(result, currency))


def _refunded(result, currency: str) -> str:
    """The till's answer to a refund: what was refunded, the points taken and given back."""
    fields = {
        "card": result.card,
        "amount": formats.money(result.amount, currency),
        "receipt": result.receipt,
        "balance": formats.number(result.balance),
    }
    if result.points_taken:
        fields["taken"] = ngettext("-{count} point", "-{count} points", result.points_taken).format(
            count=formats.number(result.points_taken)
        )
    else:
        fields["taken"] = _("no points taken back")
    if not result.points_returned:
        text = _("{card}: refunded {amount} of receipt {receipt}, {taken}; balance {balance}")
        return text.format(**fields)
    fields["returned"] = ngettext(
        "+{count} redeemed point given back", "+{count} redeemed points given back", result.points_returned
    ).format(count=formats.number(result.points_returned))
    return _("{card}: refunded {amount} of receipt {receipt}, {taken}, {returned}; balance {balance}").format(
        **fields
    )
