"""`purchase`, `redeem` and `adjust`: the everyday changes of points."""

from __future__ import annotations

import click

from loyalty_cli import balances, checkout, clock, formats, pending, projection
from loyalty_cli import points as core
from loyalty_cli.language import N_, _, ngettext
from loyalty_cli.money import to_text

from .context import AMOUNT, Env, json_option, member_argument, pass_env
from .render import emit_json, printable
from .translated import Command


def payment_options(function):
    """--pay-points, --pay-amount and --pay-all: part of the receipt paid with the balance."""
    function = click.option(
        "--pay-all",
        is_flag=True,
        help="Pay with all the member can spend, up to what is left to pay.",
    )(function)
    function = click.option(
        "--pay-amount",
        type=AMOUNT,
        metavar="MONEY",
        help="Pay this much of the receipt with points (with cashback, in a cashback programme).",
    )(function)
    function = click.option(
        "--pay-points",
        type=click.IntRange(min=1),
        metavar="N",
        help="Pay part of the receipt with N points, at redeem.value each.",
    )(function)
    return function


def _one_payment(pay_points, pay_amount, pay_all) -> None:
    if sum(bool(x) for x in (pay_points, pay_amount, pay_all)) > 1:
        raise click.UsageError(_("give one of --pay-points, --pay-amount and --pay-all"))


_ORDER = N_(
    """The receipt is computed in a fixed order: AMOUNT, the receipt total -> the loyalty
discount (the better of the tier's and discount.percent when AMOUNT reaches
discount.threshold; both when discount.stack is true) -> points paid as money (at
redeem.value, never more than is left) -> to_pay, the money the customer pays. Points,
cashback and tier spend are earned on to_pay only.

\b
Worked receipt: a Silver member (3 %, x1.25); discount.threshold 50 at 5 %; redeem.value 0.01:
  AMOUNT 60.00 -> discount 5 % = 3.00 -> 700 points pay 7.00 -> to_pay 50.00
  -> earns floor(50.00 x 1 x 1.25) = 62 points"""
)


@click.command(cls=Command, epilog=_ORDER)
@member_argument()
@click.argument("amount", type=AMOUNT)
@click.option("--receipt", help="The till receipt; recording it twice is refused.  [default: generated]")
@click.option("--at", "when", metavar="WHEN", help="When it happened (ISO 8601), if not now.")
@click.option("--store", help="Which shop of the business, if more than one.")
@click.option("--confirm", is_flag=True, help="Record an amount above purchase.max_amount.")
@click.option("--partner", metavar="NAME", help="The partner shop where it happened (see `loyalty partner`).")
@payment_options
@json_option
@pass_env
def purchase(
    env: Env,
    member_ref,
    amount,
    receipt,
    when,
    store,
    confirm,
    partner,
    pay_points,
    pay_amount,
    pay_all,
    as_json,
):
    """Record a purchase of AMOUNT, the receipt total; what is paid in money earns points.

    MEMBER is a card number or a phone number; AMOUNT takes 12.30 or 12,30. The answer
    names the member, the discount and payment with points if any, and any tier change
    or bonus the purchase brought. An AMOUNT above the programme's purchase.max_amount is
    refused unless --confirm is given.

    \b
    Example:
      loyalty purchase 123456789015 12,30 --receipt K1-004512
      loyalty purchase 29123456 8.90 --at 2025-01-15T10:30
      loyalty purchase 29123456 60.00 --pay-points 700
      loyalty purchase 29123456 1250 --confirm
      loyalty purchase 29123456 4.50 --partner "Kafejnīca Pie Tilta"
    """
    _one_payment(pay_points, pay_amount, pay_all)
    with env.store().transaction() as shop:
        programme = shop.programme()
        at = clock.parse_at(when, env.clock, programme.tz)
        done = core.purchase(
            shop,
            member_ref,
            amount,
            at=at,
            operator=env.operator,
            receipt=receipt,
            store=store,
            confirmed=confirm,
            payment=checkout.Payment(pay_points, pay_amount, pay_all),
            partner=partner,
        )
        referrers = {b.card: shop.members.get(b.card).get("name") for b in done.bonuses}
        waiting = pending.held(done.member["points"]["lots"], projection.day_of(env.clock.now, programme.tz))
    entry, bill = done.entry, done.bill
    change = done.tier_change
    bonuses = [{"card": b.card, "points": b.points, "reason": b.reason} for b in done.bonuses]
    if as_json:
        emit_json(
            {
                "card": entry.card,
                "name": done.member.get("name"),
                "receipt": entry.receipt,
                "partner": entry.partner,
                **_bill_json(programme, bill),
                "balance": balances.json_value(programme, done.balance),
                "pending": balances.json_value(programme, waiting),
                "tier": done.member.get("tier"),
                "tier_change": {"from": change[0], "to": change[1]} if change else None,
                "bonuses": bonuses,
            }
        )
        return
    click.echo(_purchase_line(programme, done, waiting))
    if not bill.plain:
        click.echo("  " + _bill_line(programme, bill))
    if entry.partner:
        click.echo("  " + _("At partner shop {partner}").format(partner=entry.partner))
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


def _purchase_line(programme, done, waiting: int) -> str:
    entry = done.entry
    fields = {
        "name": done.member.get("name") or _("(name erased)"),
        "card": entry.card,
        "amount": formats.money(done.bill.amount, programme.currency),
        "receipt": entry.receipt,
    }
    if programme.cashback:
        line = _(
            "{name} ({card}): +{earned} cashback for {amount} (receipt {receipt}); balance {balance}"
        ).format(
            earned=balances.figure(programme, entry.points),
            balance=balances.figure(programme, done.balance),
            **fields,
        )
    else:
        line = ngettext(
            "{name} ({card}): +{count} point for {amount} (receipt {receipt}); balance {balance}",
            "{name} ({card}): +{count} points for {amount} (receipt {receipt}); balance {balance}",
            entry.points,
        ).format(count=formats.number(entry.points), balance=formats.number(done.balance), **fields)
    if waiting:
        line += " " + _("({pending} pending)").format(pending=balances.figure(programme, waiting))
    return line


def _bill_json(programme, bill) -> dict:
    doc = bill.to_json()
    doc["points"] = balances.json_value(programme, bill.points)
    return doc


def _bill_line(programme, bill) -> str:
    """ "discount 5 % -3.00 €, 700 points paid -7.00 €, to pay 50.00 €" """
    currency = programme.currency
    parts = []
    if bill.discount:
        parts.append(
            _("discount {percent} % -{discount}").format(
                percent=formats.percent(bill.discount_percent),
                discount=formats.money(bill.discount, currency),
            )
        )
    if bill.paid_points:
        parts.append(
            _("{paid} paid -{value}").format(
                paid=balances.amount(programme, bill.paid_points),
                value=formats.money(bill.paid_value, currency),
            )
        )
    parts.append(_("to pay {to_pay}").format(to_pay=formats.money(bill.to_pay, currency)))
    return ", ".join(parts)


@click.command(cls=Command, epilog=_ORDER)
@member_argument()
@click.argument("amount", type=AMOUNT)
@click.option("--at", "when", metavar="WHEN", help="Quote as of this moment (ISO 8601), if not now.")
@payment_options
@json_option
@pass_env
def quote(env: Env, member_ref, amount, when, pay_points, pay_amount, pay_all, as_json):
    """Show what a purchase of AMOUNT would come to; nothing is recorded.

    The same computation as `purchase`: the discount, the payment with points, what is
    left to pay and what it earns. Use it at the till before the customer pays.

    \b
    Example:
      loyalty quote 29123456 60.00
      loyalty quote 29123456 60.00 --pay-all --json
    """
    _one_payment(pay_points, pay_amount, pay_all)
    shop = env.store().read()
    programme = shop.programme()
    at = clock.parse_at(when, env.clock, programme.tz)
    bill, member = core.quote(
        shop, member_ref, amount, at=at, payment=checkout.Payment(pay_points, pay_amount, pay_all)
    )
    spendable = pending.spendable(member, projection.day_of(at, programme.tz))
    if as_json:
        emit_json(
            {
                "card": member["card"],
                "name": member.get("name"),
                **_bill_json(programme, bill),
                "balance": balances.json_value(programme, member["points"]["balance"]),
                "spendable": balances.json_value(programme, spendable),
                "tier": member.get("tier"),
            }
        )
        return
    currency = programme.currency
    paid = (
        _("Paid with {paid}").format(paid=balances.amount(programme, bill.paid_points))
        if bill.paid_points
        else None
    )
    rows = checkout.lines(
        bill.amount, bill.discount_percent, bill.discount, bill.paid_value, paid=paid, currency=currency
    )
    rows.append((_("To pay"), formats.money(bill.to_pay, currency)))
    if programme.cashback:
        rows.append(
            (_("Earns"), _("{earned} cashback").format(earned=balances.figure(programme, bill.points)))
        )
    else:
        rows.append((_("Earns"), balances.amount(programme, bill.points)))
    rows.append((_("Can spend"), balances.amount(programme, spendable)))
    click.echo(
        printable(
            _("{name} ({card})").format(name=member.get("name") or _("(name erased)"), card=member["card"])
        )
    )
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        click.echo(f"  {label:<{width}}  {value:>12}")
    click.echo(_("Nothing was recorded."), err=True)


@click.command(cls=Command)
@member_argument()
@click.argument("points", type=int, required=False)
@click.option(
    "--amount",
    type=AMOUNT,
    metavar="MONEY",
    help="Spend this much instead of POINTS: cashback in a cashback programme, or the points "
    "it is worth at redeem.value.",
)
@click.option("--reward", metavar="NAME", help="Take this reward of the catalogue, for its points.")
@click.option("--receipt", help="The till receipt the points were spent on.")
@click.option("--reason", help="What the points paid for.")
@click.option("--partner", metavar="NAME", help="The partner shop where it happened (see `loyalty partner`).")
@click.option("--at", "when", metavar="WHEN", help="When it happened (ISO 8601), if not now.")
@json_option
@pass_env
def redeem(env: Env, member_ref, points, amount, reward, receipt, reason, partner, when, as_json):
    """Spend POINTS of a member's balance, or --amount MONEY; the soonest-expiring points go first.

    More than the member can spend is refused (exit 1) and nothing is written; pending
    points cannot be spent yet. A cashback programme's balance is money: spend it with
    --amount. --reward NAME takes a reward of the catalogue (see `loyalty reward list`) for
    its points and one of its stock.

    \b
    Example:
      loyalty redeem 123456789015 200 --receipt K1-004513 --reason "coffee"
      loyalty redeem 123456789015 --amount 3.45
      loyalty redeem 123456789015 150 --partner "Kafejnīca Pie Tilta"
      loyalty redeem 123456789015 --reward Coffee --receipt K1-004514
    """
    if reward is not None:
        if points is not None or amount is not None or reason is not None:
            raise click.UsageError(
                _("--reward takes the reward's points: give no POINTS, --amount or --reason")
            )
        from .rewards import redeem_reward

        redeem_reward(env, member_ref, reward, receipt, when, as_json, partner)
        return
    if (points is None) == (amount is None):
        raise click.UsageError(_("give POINTS or --amount (one of them)"))
    with env.store().transaction() as shop:
        at = clock.parse_at(when, env.clock, shop.programme().tz)
        done = core.redeem(
            shop,
            member_ref,
            points,
            amount=amount,
            at=at,
            operator=env.operator,
            receipt=receipt,
            reason=reason,
            now=env.clock.now,
            partner=partner,
        )
        programme = shop.programme()
        spent = -done.entry.points
        value = checkout.unit_value(programme) * spent
        waiting = pending.held(done.member["points"]["lots"], projection.day_of(env.clock.now, programme.tz))
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "receipt": done.entry.receipt,
                "partner": done.entry.partner,
                "points": balances.json_value(programme, spent),
                "value": to_text(value),
                "balance": balances.json_value(programme, done.balance),
                "pending": balances.json_value(programme, waiting),
            }
        )
    else:
        click.echo(spent_line(done, programme))
    if done.entry.partner and not as_json:
        click.echo("  " + _("At partner shop {partner}").format(partner=done.entry.partner))


def spent_line(done, programme) -> str:
    """What a redemption took, for people: points and their worth, or cashback (money)."""
    spent = -done.entry.points
    if programme.cashback:
        return _("{card}: -{amount} cashback spent; balance {balance}").format(
            card=done.entry.card,
            amount=balances.figure(programme, spent),
            balance=balances.figure(programme, done.balance),
        )
    return ngettext(
        "{card}: -{count} point (worth {value}); balance {balance}",
        "{card}: -{count} points (worth {value}); balance {balance}",
        spent,
    ).format(
        card=done.entry.card,
        count=formats.number(spent),
        value=formats.money(checkout.unit_value(programme) * spent, programme.currency),
        balance=formats.number(done.balance),
    )


@click.command(cls=Command, context_settings={"ignore_unknown_options": True})
@member_argument()
@click.argument("points", metavar="POINTS")
@click.option("--reason", required=True, help="Why; kept on the ledger entry (required).")
@click.option("--at", "when", metavar="WHEN", help="When it takes effect (ISO 8601), if not now.")
@json_option
@pass_env
def adjust(env: Env, member_ref, points, reason, when, as_json):
    """Add (positive POINTS) or remove (negative POINTS) points by hand, with a reason.

    In a cashback programme POINTS is money, such as 2.50 or -2,50. Pending points cannot
    be removed until they become spendable.

    \b
    Example:
      loyalty adjust 123456789015 50 --reason "apology for a wrong order"
      loyalty adjust 123456789015 -20 --reason "duplicate paper card"
    """
    with env.store().transaction() as shop:
        programme = shop.programme()
        units = _adjustment(programme, points)
        at = clock.parse_at(when, env.clock, programme.tz)
        done = core.adjust(
            shop, member_ref, units, reason=reason, at=at, operator=env.operator, now=env.clock.now
        )
    if as_json:
        emit_json(
            {
                "card": done.entry.card,
                "points": balances.json_value(programme, units),
                "reason": done.entry.reason,
                "balance": balances.json_value(programme, done.balance),
            }
        )
        return
    fields = {"card": done.entry.card, "reason": done.entry.reason}
    if programme.cashback:
        text = (
            _("{card}: +{amount} cashback ({reason}); balance {balance}")
            if units > 0
            else _("{card}: -{amount} cashback ({reason}); balance {balance}")
        )
        fields.update(
            amount=balances.figure(programme, abs(units)), balance=balances.figure(programme, done.balance)
        )
    elif units > 0:
        text = ngettext(
            "{card}: +{count} point ({reason}); balance {balance}",
            "{card}: +{count} points ({reason}); balance {balance}",
            units,
        )
    else:
        text = ngettext(
            "{card}: -{count} point ({reason}); balance {balance}",
            "{card}: -{count} points ({reason}); balance {balance}",
            -units,
        )
    if not programme.cashback:
        fields.update(count=formats.number(abs(units)), balance=formats.number(done.balance))
    click.echo(text.format(**fields))


def _adjustment(programme, text: str) -> int:
    """POINTS of `adjust` in ledger units: whole points, or money (to cents) in cashback."""
    ctx = click.get_current_context()
    if not programme.cashback:
        param = next(p for p in ctx.command.params if p.name == "points")
        return click.INT.convert(text, param, ctx)
    from loyalty_cli.money import parse_amount

    cleaned = text.strip()
    sign = -1 if cleaned.startswith("-") else 1
    return sign * balances.units_for(programme, parse_amount(cleaned.lstrip("+-")))


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
        programme = shop.programme()
        # Points given back paid for this very purchase (the receipt's payment with points),
        # or were redeemed under its receipt apart from it.
        paid_with = any(e.kind == "earn" and e.paid_points for e in shop.ledger.by_receipt(result.receipt))
    if as_json:
        document = result.to_json()
        if programme.cashback:
            for key in ("points", "points_taken", "points_returned", "balance"):
                document[key] = balances.json_value(programme, document[key])
        emit_json(document)
        return
    click.echo(_refunded(result, programme, paid_with))


def _refunded(result, programme, paid_with: bool) -> str:
    """The till's answer to a refund: what was refunded, the points taken and given back."""
    fields = {
        "card": result.card,
        "amount": formats.money(result.amount, programme.currency),
        "receipt": result.receipt,
        "balance": balances.figure(programme, result.balance),
    }
    if programme.cashback and result.points_taken:
        fields["taken"] = _("-{amount} cashback").format(
            amount=balances.figure(programme, result.points_taken)
        )
    elif programme.cashback:
        fields["taken"] = _("no cashback taken back")
    elif result.points_taken:
        fields["taken"] = ngettext("-{count} point", "-{count} points", result.points_taken).format(
            count=formats.number(result.points_taken)
        )
    else:
        fields["taken"] = _("no points taken back")
    if not result.points_returned:
        text = _("{card}: refunded {amount} of receipt {receipt}, {taken}; balance {balance}")
        return text.format(**fields)
    returned = result.points_returned
    if programme.cashback:
        text = (
            _("+{amount} given back (paid with cashback)")
            if paid_with
            else _("+{amount} spent cashback given back")
        )
        fields["returned"] = text.format(amount=balances.figure(programme, returned))
    elif paid_with:
        fields["returned"] = ngettext(
            "+{count} point given back (paid with points)",
            "+{count} points given back (paid with points)",
            returned,
        ).format(count=formats.number(returned))
    else:
        fields["returned"] = ngettext(
            "+{count} redeemed point given back", "+{count} redeemed points given back", returned
        ).format(count=formats.number(returned))
    return _("{card}: refunded {amount} of receipt {receipt}, {taken}, {returned}; balance {balance}").format(
        **fields
    )
