"""The shop clock: the month a moment falls in, exactly, in every timezone."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_cli import clock

ZONES = ["Africa/Monrovia", "Europe/Riga", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "UTC"]


def test_month_of_is_exact_for_an_offset_that_is_not_quarter_hours():
    # Monrovia kept -0:44:30 until 1972: February began at 00:44:30 UTC.
    monrovia = ZoneInfo("Africa/Monrovia")
    just_after = datetime(1971, 2, 1, 0, 44, 40, tzinfo=timezone.utc)
    just_before = datetime(1971, 2, 1, 0, 44, 20, tzinfo=timezone.utc)
    assert clock.month_of(just_after, monrovia) == "1971-02"
    assert clock.month_of(just_before, monrovia) == "1971-01"


def test_a_purchase_at_a_historical_month_start_joins_that_months_lot(loyalty):
    loyalty("program", "set", "timezone", "Africa/Monrovia")
    loyalty("program", "set", "expiry.months", "1")
    card = loyalty.enroll("Anna", "--at", "1971-01-01")
    loyalty("purchase", card, "10", "--at", "1971-02-01T00:44:40+00:00")
    assert loyalty.json("member", "show", card)["lots"] == {"1971-03": 10}


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1)),
)
def test_month_of_agrees_with_the_local_time_of_every_moment(name, naive):
    tz = ZoneInfo(name)
    moment = naive.replace(tzinfo=timezone.utc)
    local = moment.astimezone(tz)
    assert clock.month_of(moment, tz) == f"{local.year:04d}-{local.month:02d}"


def test_month_of_is_exact_on_both_sides_of_every_local_midnight_of_a_month_start():
    tz = ZoneInfo("Africa/Monrovia")
    for month in range(1, 13):
        midnight = datetime(1960, month, 1, tzinfo=tz).astimezone(timezone.utc)
        for delta in (-1, 0, 1):
            moment = midnight + timedelta(seconds=delta)
            local = moment.astimezone(tz)
            assert clock.month_of(moment, tz) == f"{local.year:04d}-{local.month:02d}"
