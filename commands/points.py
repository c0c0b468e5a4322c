"""`purchase`, `redeem` and `adjust`: the everyday changes of points."""

from __future__ import annotations

import click

from loyalty_cli import clock
from loyalty_cli import points as core
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
    who = done.member.get("name") or "(name erased)"
    click.echo(
        f"{who} ({entry.card}): +{entry.points} points for {entry.amount} (receipt {entry.receipt}); "
        f"balance {done.balance}"
    )
    if change:
        click.echo(f"New tier: {change[1]} (was {change[0] or 'none'})")
    for bonus in bonuses:
        referrer = referrers.get(bonus["card"]) or "(name erased)"
        click.echo(
            f"Bonus: +{bonus['points']} points to {referrer} ({bonus['card']}) for the {bonus['reason']}"
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
        value = to_text(shop.programme().redeem_value * points)
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "receipt": done.entry.receipt,
                "points": points,
                "value": value,
                "balance": done.balance,
            }
        )
    else:
        click.echo(f"{done.entry.card}: -{points} points (worth {value}); balance {done.balance}")


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
    else:
        click.echo(f"{done.entry.card}: {points:+d} points ({done.entry.reason}); balance {done.balance}")


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
    if as_json:
        emit_json(result.to_json())
        return
    line = f"{result.card}: refunded {to_text(result.amount)} of receipt {result.receipt}, " + (
        f"-{result.points_taken} points" if result.points_taken else "no points taken back"
    )
    if result.points_returned:
        line += f", +{result.points_returned} redeemed points given back"
    click.echo(f"{line}; balance {result.balance}")
