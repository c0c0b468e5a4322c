"""Birthday bonuses: the nightly job and a catch-up over the same days give the same bonus."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_cli import clock, jobs, members, program
from loyalty_cli.storage.folder.shop import Shop, new_data

# Riga is UTC+2 in December: 00:05 on 5 December is 22:05 UTC on the 4th.
NIGHT_OF_4TH = "2026-12-03T22:05:00+00:00"
NIGHT_OF_5TH = "2026-12-04T22:05:00+00:00"
MORNING_OF_5TH = "2026-12-05T08:00:00+00:00"  # 10:00 in the shop
AFTERNOON_OF_5TH = "2026-12-05T13:00:00+00:00"
DAY_AFTER = "2026-12-06T10:00:00+00:00"


def birthday_entries(loyalty):
    found = loyalty.store().read().ledger.entries()
    return [(e.card, e.points, e.at, e.reason) for e in found if e.kind == "bonus"]


def _shop(loyalty, first_night: str):
    loyalty("program", "set", "bonus.birthday", "10")
    loyalty("maintain", now=first_night)


def test_a_member_enrolled_on_their_birthday_after_the_nightly_run_gets_the_bonus_then(loyalty):
    _shop(loyalty, NIGHT_OF_5TH)
    card = loyalty.enroll("Anna", "--birthday", "1990-12-05", now=MORNING_OF_5TH)
    assert birthday_entries(loyalty) == [(card, 10, MORNING_OF_5TH, "birthday 2026")]
    loyalty("maintain", now=DAY_AFTER)
    assert len(birthday_entries(loyalty)) == 1


def test_a_catch_up_over_the_enrolment_day_dates_the_bonus_at_the_enrolment(loyalty):
    _shop(loyalty, NIGHT_OF_4TH)
    card = loyalty.enroll("Anna", "--birthday", "1990-12-05", now=MORNING_OF_5TH)
    assert birthday_entries(loyalty) == []
    loyalty("maintain", now=DAY_AFTER)
    assert birthday_entries(loyalty) == [(card, 10, MORNING_OF_5TH, "birthday 2026")]


def test_a_member_unblocked_on_their_birthday_after_the_nightly_run_gets_the_bonus_then(loyalty):
    _shop(loyalty, NIGHT_OF_4TH)
    card = loyalty.enroll("Anna", "--birthday", "1990-12-05", "--at", "2026-01-01", now=NIGHT_OF_4TH)
    loyalty("member", "block", card, now=NIGHT_OF_4TH)
    loyalty("maintain", now=NIGHT_OF_5TH)
    assert birthday_entries(loyalty) == []
    loyalty("member", "unblock", card, now=AFTERNOON_OF_5TH)
    assert birthday_entries(loyalty) == [(card, 10, AFTERNOON_OF_5TH, "birthday 2026")]


def test_a_catch_up_pays_a_member_unblocked_on_their_birthday_from_the_unblocking(loyalty):
    _shop(loyalty, NIGHT_OF_4TH)
    card = loyalty.enroll("Anna", "--birthday", "1990-12-05", "--at", "2026-01-01", now=NIGHT_OF_4TH)
    loyalty("member", "block", card, now=NIGHT_OF_4TH)
    loyalty("member", "unblock", card, now=AFTERNOON_OF_5TH)
    loyalty("maintain", now=DAY_AFTER)
    assert birthday_entries(loyalty) == [(card, 10, AFTERNOON_OF_5TH, "birthday 2026")]


def test_a_member_blocked_all_day_gets_no_birthday_bonus_on_either_path(loyalty):
    _shop(loyalty, NIGHT_OF_4TH)
    card = loyalty.enroll("Anna", "--birthday", "1990-12-05", "--at", "2026-01-01", now=NIGHT_OF_4TH)
    loyalty("member", "block", card, now=NIGHT_OF_4TH)
    loyalty("maintain", now=DAY_AFTER)
    loyalty("member", "unblock", card, now=DAY_AFTER)
    assert birthday_entries(loyalty) == []


# The property: any schedule of `maintain` runs gives what nightly runs give.

TZ = "Europe/Riga"
BIRTHDAY = date(2026, 5, 5)
WINDOW_START = datetime(2026, 5, 3, tzinfo=clock.zone(TZ))
MINUTES = 5 * 24 * 60  # 3 to 8 May, shop time


def _moment(minute: int) -> datetime:
    return (WINDOW_START + timedelta(minutes=minute)).astimezone(timezone.utc)


def _run(enrol: int, toggles: list[int], runs: list[int]) -> tuple[list, str]:
    """Apply enrolment, block/unblock toggles and maintain runs in time order."""
    shop = Shop(new_data(), writable=True, root=Path("."))
    shop.save_settings(program.new_settings(timezone=TZ) | {"bonus.birthday": 10})
    shop.meta["maintained_through"] = shop.meta["birthdays_through"] = "2026-05-02"
    events = [(enrol, 0, "enrol")] + [(t, 1, "toggle") for t in toggles] + [(t, 2, "run") for t in runs]
    card = None
    for minute, _order, kind in sorted(events):
        at = _moment(minute)
        if kind == "enrol":
            members.enroll(shop, name="Anna", at=at, birthday="1990-05-05", card="1000", operator="t")
            card = "1000"
        elif kind == "toggle" and card is not None:
            member = shop.members.get(card)
            action = "block" if member["status"] == "active" else "unblock"
            members.set_status(shop, member, action, None, at=at, operator="t")
        elif kind == "run":
            day = at.astimezone(clock.zone(TZ)).date()
            jobs.maintain(shop, day, operator="t", now=clock.Clock(at))
    found = [(e.card, e.kind, e.points, e.at, e.reason) for e in shop.ledger.entries()]
    return found, shop.members.get(card)["enrolled_at"]


def _expected(enrol: int, toggles: list[int]) -> int | None:
    """The first minute of the birthday at which the member is enrolled and active."""
    day_start = int((datetime(2026, 5, 5, tzinfo=clock.zone(TZ)) - WINDOW_START).total_seconds() // 60)
    day_end = day_start + 24 * 60
    active_from = [enrol] + [t for i, t in enumerate(sorted(toggles)) if i % 2 == 1 and t >= enrol]
    blocked_from = [t for i, t in enumerate(sorted(toggles)) if i % 2 == 0 and t >= enrol]
    for start in active_from:
        until = min([b for b in blocked_from if b > start] + [10**9])
        moment = max(start, day_start)
        if moment < min(until, day_end):
            return moment
    return None


minutes = st.integers(0, MINUTES - 1)


@settings(max_examples=150, deadline=None)
@given(
    enrol=minutes,
    toggles=st.lists(minutes, max_size=4, unique=True),
    runs=st.lists(minutes, max_size=4, unique=True),
)
def test_any_schedule_of_maintain_runs_gives_the_birthday_bonus_the_nightly_runs_give(enrol, toggles, runs):
    toggles = sorted(t for t in toggles if t > enrol)
    nightly = [*(d * 24 * 60 + 5 for d in range(5)), MINUTES + 5]
    catch_up = [*sorted(runs), MINUTES + 5]
    daily, enrolled_at = _run(enrol, toggles, nightly)
    other, _ = _run(enrol, toggles, catch_up)
    bonuses = [e for e in daily if e[1] == "bonus"]
    assert bonuses == [e for e in other if e[1] == "bonus"]
    assert all(e[3] >= enrolled_at for e in daily + other)
    first = _expected(enrol, toggles)
    expected_at = [] if first is None else [clock.iso(_moment(first))]
    assert [e[3] for e in bonuses] == expected_at
    assert all(e[4] == f"birthday {BIRTHDAY.year}" for e in bonuses)


@pytest.mark.parametrize(
    ("members", "lang", "summary"),
    [
        (1, "lv", "Piešķirts: 1 dzimšanas dienas bonuss, 10 punktu.\n"),
        (2, "lv", "Piešķirts: 2 dzimšanas dienas bonusi, 20 punktu.\n"),
        (1, "ru", "Начислено: 1 бонус ко дню рождения, 10 баллов.\n"),
        (3, "ru", "Начислено: 3 бонуса ко дню рождения, 30 баллов.\n"),
        (2, "en", "Gave 2 birthday bonuses, 20 points.\n"),
    ],
)
def test_the_birthday_job_counts_bonuses_and_points_in_the_operators_language(
    loyalty, members, lang, summary
):
    loyalty("program", "set", "bonus.birthday", "10")
    for n in range(members):
        loyalty.enroll(f"Anna {n}", "--birthday", "1990-12-05", now=NIGHT_OF_4TH)
    assert loyalty("--lang", lang, "birthdays", now=MORNING_OF_5TH).stdout == summary


def test_a_dry_run_of_the_birthday_job_says_what_it_would_give_in_russian(loyalty):
    loyalty("program", "set", "bonus.birthday", "7")
    loyalty.enroll("Anna", "--birthday", "1990-12-05", now=NIGHT_OF_4TH)
    result = loyalty("--lang", "ru", "birthdays", "--dry-run", now=MORNING_OF_5TH)
    assert result.stdout == "Было бы начислено: 1 бонус ко дню рождения, 7 баллов.\n"
