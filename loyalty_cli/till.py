"""The till: a cashier's session, one line at a time, each action its own transaction.

A line is read into an action (`read_line`), and the action runs through the same
functions the one-shot commands use (points, refunds, rewards, member_search): the till
holds no rules of its own. Each change opens one transaction of the store and commits
it before the next line is read, so an idle session holds no lock and cron and other
tills carry on. What the session reads to show a member is kept, with the store's
`version()` at the time, and read again only when the data changed underneath it.

The lines a cashier types (see `HELP` in commands/till.py):

    2733 7699 0225        a card (spaces and dashes ignored) or a phone: the customer
    12,30                 a purchase of 12.30 (also 12.30; `12,30 #K1-45` names the receipt,
                          `12,30 pay 200` / `pay all` pays with points, `1234,50 !` records
                          one above purchase.max_amount)
    r 200  | r Coffee     redeem points, or a reward of the catalogue (`redeem` too)
    refund K1-45 [4,00]   refund a receipt, all of what is left or part of it
    /berz                 look members up by name, e-mail, card or phone
    ?                     help;  an empty line: the next customer;  q: quit
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from loyalty_cli import cards, checkout, formats, members, points, refunds
from loyalty_cli.clock import Clock
from loyalty_cli.errors import InvalidInput, Refused
from loyalty_cli.language import _
from loyalty_cli.money import parse_amount
from loyalty_cli.storage.unit_of_work import Shop, Store

QUIT = ("q", "quit", "exit")
HELP = ("?", "h", "help")
REDEEM = ("r", "redeem")
REFUND = ("refund",)
# After an amount: it is meant, even above purchase.max_amount (`--confirm` of `purchase`).
CONFIRM = "!"
# A typed amount has at most this many digits before its decimals; a longer number is a
# card or a phone, which selects another customer.
AMOUNT_DIGITS = 6
_LOOKS_LIKE_AMOUNT = re.compile(r"^-?[0-9]*[.,]?[0-9]*$")
_FIRST_GROUP = re.compile(r"^[0-9]{1,3}$")
_DECIMALS = re.compile("[.,]")
_GROUP = re.compile(r"^[0-9]{3}(?:[.,][0-9]*)?$")


class Next(NamedTuple):
    """An empty line: the next customer."""


class Quit(NamedTuple):
    """`q`, `quit`, `exit` (and the end of the input)."""


class Help(NamedTuple):
    """`?`: the lines the till understands."""


class LookUp(NamedTuple):
    """A card or a phone: show that member and serve them."""

    text: str


class Search(NamedTuple):
    """`/TEXT`: the members whose name, e-mail, card or phone match."""

    text: str


class Purchase(NamedTuple):
    """An amount: a purchase by the customer being served."""

    amount: Decimal
    receipt: str | None = None
    payment: checkout.Payment = checkout.NO_PAYMENT
    confirmed: bool = False  # `!`: the amount is meant, even above purchase.max_amount


class Redeem(NamedTuple):
    """`r N` (points), `r 3,45` (money: a cashback programme's balance) or `r REWARD`."""

    points: int | None = None
    amount: Decimal | None = None
    reward: str | None = None
    receipt: str | None = None
    typed: str = ""  # what the cashier typed, for a refusal


class Refund(NamedTuple):
    """`refund RECEIPT [AMOUNT]`."""

    receipt: str
    amount: Decimal | None = None


Action = Next | Quit | Help | LookUp | Search | Purchase | Redeem | Refund


def read_line(line: str, *, serving: bool) -> Action:
    """The action a typed line asks for; InvalidInput (one line, nothing done) if it is not one.

    `serving`: a customer is being served, so an amount is a purchase (without one it is
    refused: scan a card first). A line is read without the programme: whether `r 3` means
    points or money (in a cashback programme) is settled in the action's transaction.
    """
    text = line.strip()
    if not text:
        return Next()
    word, _space, rest = text.partition(" ")
    command = word.casefold()
    rest = rest.strip()
    if command in QUIT and not rest:
        return Quit()
    if command in HELP and not rest:
        return Help()
    if text.startswith("/"):
        found = text[1:].strip()
        if not found:
            raise InvalidInput(_("type what to look for after the slash, such as /berz"))
        return Search(found)
    if command in REDEEM:
        return _redeem(rest)
    if command in REFUND:
        return _refund(rest)
    if _is_amount(text, serving):
        if not serving:
            raise InvalidInput(_("no customer yet: scan a card or type a phone number first"))
        return _purchase(text)
    return LookUp(text)


def _is_amount(text: str, serving: bool) -> bool:
    """Whether a line is meant as an amount: anything that starts with a number with
    decimals (12,30; 12,3O is a mistyped one), and while a customer is served a short
    number too (12). A long number is a card or a phone, `+371...` a phone."""
    tokens = text.split()
    whole = cards.normalise(text)
    if not re.match(r"^-?[0-9.,]", tokens[0]) or (len(whole) > AMOUNT_DIGITS and whole.isalnum()):
        return False
    head = " ".join(tokens[: _amount_length(tokens)])
    if "," in head or "." in head:
        return True
    return serving and len(cards.normalise(head)) <= AMOUNT_DIGITS


def _amount_length(tokens: list[str]) -> int:
    """How many leading tokens make up the amount: one, or more for thousands typed in
    groups of three ("1 234,50"); never "12 30", which is not an amount."""
    count = 1
    if _FIRST_GROUP.match(tokens[0]):
        while count < len(tokens) and _GROUP.match(tokens[count]) and not _DECIMALS.search(tokens[count - 1]):
            count += 1
    return count


def _purchase(text: str) -> Purchase:
    tokens = text.split()
    length = _amount_length(tokens)
    amount = parse_amount(" ".join(tokens[:length]))
    receipt, payment, confirmed = None, checkout.NO_PAYMENT, False
    rest = tokens[length:]
    if rest and re.match(r"^[0-9.,]+$", rest[0]):
        parse_amount(text)  # "12 30": refused as the whole line, not as its "30"
        raise InvalidInput(_("{text!r} is not an amount of money (use 12.30 or 12,30)").format(text=text))
    while rest:
        token = rest.pop(0)
        if token.startswith("#"):
            receipt = _receipt(token)
        elif token.casefold() in ("pay", "p"):
            if not rest or rest[0].startswith("#") or rest[0] == CONFIRM:
                raise InvalidInput(_("say how many: pay 200 or pay all"))
            payment = _payment(rest.pop(0))
        elif token == CONFIRM:
            confirmed = True
        else:
            raise _not_understood(token)
    return Purchase(amount, receipt, payment, confirmed)


def _payment(text: str) -> checkout.Payment:
    """`pay all`, `pay 200` (points), or `pay 3,45` (money's worth of them, or cashback)."""
    if text.casefold() == "all":
        return checkout.Payment(everything=True)
    if not text.isdigit():
        return checkout.Payment(amount=parse_amount(text))
    return checkout.Payment(points=_count(text))


def _redeem(rest: str) -> Redeem:
    tokens = rest.split()
    receipt = None
    if tokens and tokens[-1].startswith("#"):
        receipt = _receipt(tokens.pop())
    if not tokens:
        raise InvalidInput(_("say what to redeem: r 200 (points) or r NAME (a reward)"))
    what = " ".join(tokens)
    if what.isdigit():
        return Redeem(points=_count(what), receipt=receipt, typed=what)
    if _LOOKS_LIKE_AMOUNT.match(what):
        return Redeem(amount=parse_amount(what), receipt=receipt, typed=what)
    return Redeem(reward=what, receipt=receipt)


def _refund(rest: str) -> Refund:
    tokens = rest.split()
    if not tokens:
        raise InvalidInput(_("say which receipt to refund: refund RECEIPT [AMOUNT]"))
    receipt = tokens[0].removeprefix("#")
    amount = parse_amount(" ".join(tokens[1:])) if len(tokens) > 1 else None
    return Refund(receipt, amount)


def _receipt(token: str) -> str:
    receipt = token[1:]
    if not receipt:
        raise InvalidInput(_("give the receipt after #, such as #K1-0045"))
    return receipt


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(_("{text!r} is not a whole number of points").format(text=text))
    return int(text)


def _not_understood(token: str) -> InvalidInput:
    return InvalidInput(_("{text!r} is not understood here; type ? for help").format(text=token))


class Till:
    """One cashier's session on a store: the customer being served and what was read.

    `now()` gives the moment of each action (the session outlives any one moment). Each
    change is one transaction; `then(shop, result)`, if given, runs inside it, after the
    change, to read what the cashier is shown, so nothing is read twice.
    """

    def __init__(self, store: Store, now: Callable[[], datetime], *, operator: str, place: str | None = None):
        self.store = store
        self.now = now
        self.operator = operator
        self.place = place  # the shop of the business (--store), recorded on purchases
        self.card: str | None = None  # the customer being served
        self._shop: Shop | None = None
        self._version: Hashable = None

    # -- reading ----------------------------------------------------------------------

    def reading(self) -> Shop:
        """A read-only shop as the data stands: the one read before, unless it changed since.

        The version is taken before reading, so a change made meanwhile is read next time.
        """
        self._tick()
        self._check_version()
        if self._shop is None:
            self._shop = self.store.read()
        return self._shop

    def rest(self) -> None:
        """Between actions: a reading that holds a transaction open on its store (a
        PostgreSQL snapshot) is let go, so that an idle till holds nothing on the server.
        A reading that holds nothing (the data folder's, in memory) is kept."""
        close = getattr(self._shop, "close", None)
        if close is not None:
            close()
            self._shop = None

    def forget(self) -> None:
        """Drop everything read."""
        self.rest()
        self._shop, self._version = None, None

    def _check_version(self) -> None:
        version = self.store.version()
        if version != self._version or version is None:
            self.forget()
            self._version = version

    def look_up(self, text: str) -> dict:
        """The member named by card or phone (UnknownMember if none); they are now served.

        The customer served before is let go first: after an unknown card nobody is
        served, so the next amount is refused rather than recorded for the one before.
        """
        self.card = None
        member = members.find(self.reading(), text)
        self.card = member["card"]
        return member

    def search(self, text: str, limit: int) -> list[dict]:
        """Members matching `text` (member_search), at most `limit` + 1 (to tell there are more).

        A search is a new customer: the one served before is let go first (a single match
        is then served through `look_up`).
        """
        from loyalty_cli import member_search

        self.card = None
        return member_search.find_members(self.reading(), search=text, limit=limit + 1)

    def next_customer(self) -> None:
        self.card = None

    # -- changing ---------------------------------------------------------------------

    def purchase(self, action: Purchase, then=None):
        """Record a purchase by the customer being served (points.purchase)."""
        with self._changing() as (shop, at):
            payment = action.payment
            self._within_limit(shop, action)
            if payment.points and shop.programme().cashback:  # `pay 3`: 3.00 of cashback
                payment = checkout.Payment(amount=Decimal(payment.points))
            done = points.purchase(
                shop,
                self._served(),
                action.amount,
                at=at,
                operator=self.operator,
                receipt=action.receipt,
                store=self.place,
                payment=payment,
                confirmed=action.confirmed,
            )
            return done, then(shop, done) if then else None

    def _within_limit(self, shop: Shop, action: Purchase) -> None:
        """Refuse an amount above purchase.max_amount (a slip such as 1230 for 12.30) unless
        it ends with `!`: the rule of `points.purchase`, said the way the till confirms."""
        programme = shop.programme()
        limit = programme.max_purchase
        if limit is not None and action.amount > limit and not action.confirmed:
            members.require_active(members.find(shop, self._served()))  # who comes first
            raise Refused(
                _(
                    "{amount} is above the largest purchase ({limit}); check the amount, "
                    "or type it again with ! after it to record it (such as 1234,50 !)"
                ).format(
                    amount=formats.money(action.amount, programme.currency),
                    limit=formats.money(limit, programme.currency),
                )
            )

    def redeem(self, action: Redeem, then=None):
        """Spend the served customer's points, money or a reward (points.redeem, rewards.redeem)."""
        with self._changing() as (shop, at):
            if action.reward is not None:
                from loyalty_cli import rewards

                taken = rewards.redeem(
                    shop,
                    self._served(),
                    action.reward,
                    at=at,
                    operator=self.operator,
                    receipt=action.receipt,
                    now=at,
                )
                done = taken.done
            else:
                count, amount = action.points, action.amount
                if shop.programme().cashback and count is not None:  # `r 3`: 3.00 of cashback
                    count, amount = None, Decimal(count)
                elif not shop.programme().cashback and amount is not None:  # `r 1,5`: a slip
                    raise InvalidInput(
                        _("{text!r} is not a whole number of points").format(text=action.typed)
                    )
                done = points.redeem(
                    shop,
                    self._served(),
                    count,
                    amount=amount,
                    at=at,
                    operator=self.operator,
                    receipt=action.receipt,
                    now=at,
                )
            return done, then(shop, done) if then else None

    def refund(self, action: Refund, then=None):
        """Refund a receipt (refunds.refund); its member is served next."""
        with self._changing() as (shop, at):
            result = refunds.refund(
                shop, action.receipt, action.amount, at=at, operator=self.operator, reason=None, now=at
            )
            self.card = result.card
            return result, then(shop, result) if then else None

    def _served(self) -> str:
        if self.card is None:
            raise InvalidInput(_("no customer yet: scan a card or type a phone number first"))
        return self.card

    def _tick(self) -> datetime:
        """The moment now; the store moves earlier days out of the hot file by it."""
        at = self.now()
        self.store.clock = Clock(at)
        return at

    @contextmanager
    def _changing(self) -> Iterator[tuple[Shop, datetime]]:
        """One transaction of the store, and the moment of the action. What was read stays:
        the next reading sees the version moved by a commit (a refusal writes nothing)."""
        at = self._tick()
        with self.store.transaction() as shop:
            yield shop, at
