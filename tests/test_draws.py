"""Prize draws: the algorithm, who enters, the record, idempotency, verification."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Loyalty

from loyalty_cli.draws import fair_draw

SEED = "5e" * 32


@pytest.fixture
def october(loyalty):
    """Five members; four bought in October 2026, one only in September."""
    return _october(loyalty)


def _october(loyalty):
    cards = [loyalty.enroll(f"M{i}", "--card", f"800{i}", "--at", "2026-08-01") for i in range(5)]
    for i, card in enumerate(cards[:4]):
        for n in range(i + 1):
            loyalty("purchase", card, "10", "--receipt", f"O{i}-{n}", "--at", f"2026-10-{10 + n:02d}")
    loyalty("purchase", cards[4], "10", "--receipt", "S4", "--at", "2026-09-20")
    return cards


def run(loyalty, name, *args):
    return loyalty.json("draw", "run", name, "--month", "2026-10", "--prize", "Cake", "--seed", SEED, *args)


def test_winners_follow_the_published_algorithm(loyalty, october):
    record = run(loyalty, "oct", "--winners", "2")
    shown = loyalty.json("draw", "show", "oct", "--entrants")
    assert shown["entrant_list"] == [["8000", 1], ["8001", 2], ["8002", 3], ["8003", 4]]
    assert set(shown) >= {
        "name",
        "rules",
        "entrants",
        "tickets",
        "entrants_sha256",
        "seed",
        "seed_sha256",
        "algorithm",
        "winners",
        "held_at",
    }
    assert (shown["entrants"], shown["tickets"], shown["algorithm"]) == (4, 10, "es-hmac-sha256-v1")
    seed = bytes.fromhex(SEED)
    keys = {c: fair_draw.draw_key(seed, c, w) for c, w in shown["entrant_list"]}
    assert record["winners"] == sorted(keys, key=lambda c: (-keys[c], c))[:2]


def test_the_documented_snippet_recomputes_a_real_draw(loyalty, october, tmp_path):
    run(loyalty, "oct", "--winners", "3")
    published = tmp_path / "oct.json"
    published.write_text(loyalty("draw", "show", "oct", "--json", "--entrants").stdout, encoding="utf-8")
    docs = (Path(__file__).parent.parent / "docs" / "draws.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", docs, re.S).group(1)
    program = tmp_path / "check.py"
    program.write_text(snippet, encoding="utf-8")
    done = subprocess.run([sys.executable, program, published], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    winners = loyalty.json("draw", "show", "oct")["winners"]
    assert f"winners: {' '.join(winners)}" in done.stdout


def test_winning_frequencies_follow_the_tickets():
    entrants = [("A100", 1), ("B200", 2), ("C300", 7)]
    wins = {card: 0 for card, _ in entrants}
    for i in range(20_000):
        wins[fair_draw.winners(i.to_bytes(32, "big"), entrants, 1)[0]] += 1
    expected = {"A100": 2_000, "B200": 4_000, "C300": 14_000}
    chi_square = sum((wins[c] - expected[c]) ** 2 / expected[c] for c in expected)
    assert chi_square < 13.816  # 2 degrees of freedom, p = 0.001


def test_hashes_are_of_the_sorted_compact_list_and_the_seed_bytes(loyalty, october):
    record = loyalty.json("draw", "show", run(loyalty, "oct")["name"], "--entrants")
    text = json.dumps(record["entrant_list"], separators=(",", ":"))
    assert record["entrants_sha256"] == fair_draw.hashlib.sha256(text.encode()).hexdigest()
    assert record["seed_sha256"] == fair_draw.hashlib.sha256(bytes.fromhex(SEED)).hexdigest()


def test_blocked_members_and_members_without_purchases_never_enter(loyalty, october):
    loyalty("member", "block", october[1])
    entrants = dict(
        map(tuple, loyalty.json("draw", "show", run(loyalty, "oct")["name"], "--entrants")["entrant_list"])
    )
    assert october[1] not in entrants and october[4] not in entrants
    assert set(entrants) == {october[0], october[2], october[3]}


def test_last_months_winner_is_left_out_with_exclude_winners_days(loyalty, october):
    september = loyalty.json(
        "draw", "run", "sep", "--month", "2026-09", "--prize", "Cake", now="2026-10-01T09:00:00+00:00"
    )
    assert september["winners"] == [october[4]]
    loyalty("purchase", october[4], "10", "--receipt", "O4", "--at", "2026-10-20")
    entrants = loyalty.json(
        "draw", "show", run(loyalty, "oct", "--exclude-winners-days", "90")["name"], "--entrants"
    )
    assert october[4] not in [c for c, _ in entrants["entrant_list"]]


def test_refunded_purchases_earn_no_tickets_and_later_refunds_change_nothing(loyalty, october):
    loyalty("refund", "O1-0", "--at", "2026-10-20")
    record = loyalty.json("draw", "show", run(loyalty, "oct", "--tickets", "points")["name"], "--entrants")
    assert dict(map(tuple, record["entrant_list"]))[october[1]] == 10
    loyalty("refund", "O2-0")
    loyalty("draw", "verify", "oct")


def test_spend_tickets_count_whole_amounts(loyalty, october):
    record = loyalty.json("draw", "show", run(loyalty, "oct", "--tickets", "spend:15")["name"], "--entrants")
    assert record["entrant_list"] == [["8001", 1], ["8002", 2], ["8003", 2]]


def test_running_a_held_draw_again_changes_nothing(loyalty, october):
    first = run(loyalty, "oct", "--prize-points", "500")
    before = loyalty.snapshot()
    assert run(loyalty, "oct", "--prize-points", "500") == first
    assert loyalty.json("draw", "run", "oct") == first
    assert loyalty.snapshot() == before


def test_a_held_draw_run_again_with_other_rules_is_refused_naming_the_difference(loyalty, october):
    run(loyalty, "oct", "--winners", "2")
    before = loyalty.snapshot()
    result = loyalty(
        "draw", "run", "oct", "--month", "2026-10", "--prize", "Other", "--winners", "2", expect=1
    )
    assert "--prize 'Other' (it was held with 'Cake')" in result.stderr
    assert "winners" not in result.stderr and result.stdout == ""
    assert loyalty.snapshot() == before


def test_a_held_draw_run_again_with_another_window_is_refused(loyalty, october):
    run(loyalty, "oct")
    result = loyalty("draw", "run", "oct", "--month", "2026-09", "--prize", "Cake", "--seed", SEED, expect=1)
    assert "--from '2026-09-01' (it was held with '2026-10-01')" in result.stderr


def test_a_committed_draw_run_before_its_window_ends_is_refused_and_reveals_nothing(loyalty, october):
    published = loyalty("draw", "commit", "nov", "--month", "2026-11", "--prize", "Basket").stdout.strip()
    before = loyalty.snapshot()
    result = loyalty("draw", "run", "nov", "--json", expect=1)
    assert "it can run from 2026-12-01" in result.stderr
    assert result.stdout == ""
    assert loyalty.snapshot() == before
    hidden = loyalty.json("draw", "show", "nov")
    assert (hidden["seed"], hidden["winners"], hidden["seed_sha256"]) == (None, None, published)
    assert "not yet (it can run from 2026-12-01)" in loyalty("draw", "show", "nov").stdout


def test_a_committed_draw_run_with_other_rules_is_refused_and_reveals_nothing(loyalty, october):
    loyalty("draw", "commit", "dec", "--month", "2026-10", "--prize", "Basket", "--winners", "2")
    before = loyalty.snapshot()
    result = loyalty("draw", "run", "dec", "--winners", "3", "--seed", SEED, expect=1)
    assert "--winners 3 (it was committed with 2)" in result.stderr
    assert "--seed (a committed draw runs with its own secret seed)" in result.stderr
    assert result.stdout == "" and loyalty.snapshot() == before
    assert len(loyalty.json("draw", "run", "dec", "--winners", "2")["winners"]) == 2


def test_a_committed_draw_runs_on_the_first_day_after_its_window(loyalty, october):
    loyalty(
        "draw", "commit", "oct", "--month", "2026-10", "--prize", "Basket", now="2026-10-05T09:00:00+00:00"
    )
    loyalty("draw", "run", "oct", now="2026-10-31T21:30:00+00:00", expect=1)  # 23:30 in Riga
    held = loyalty.json("draw", "run", "oct", now="2026-10-31T22:30:00+00:00")  # 00:30 on 1 November
    assert held["entrants"] == 4


def test_winners_are_shown_with_name_and_phone_but_the_record_stays_card_only(loyalty, october):
    loyalty("member", "edit", october[3], "--phone", "+37129123456")
    record = run(loyalty, "oct", "--winners", "4")
    shown = loyalty.json("draw", "show", "oct")
    by_card = {d["card"]: d for d in shown["winner_details"]}
    assert by_card[october[3]] == {"card": october[3], "name": "M3", "phone": "+37129123456", "tickets": 4}
    assert [d["card"] for d in shown["winner_details"]] == record["winners"]
    text = loyalty("draw", "show", "oct").stdout
    assert "8003 M3 +37129123456\n" in text
    draws = json.dumps(loyalty.store().read().draws.all(), ensure_ascii=False)
    assert "M3" not in draws and "29123456" not in draws


def test_draw_show_lists_the_entrants_in_text_too(loyalty, october):
    run(loyalty, "oct")
    text = loyalty("draw", "show", "oct", "--entrants").stdout
    lines = [line.split() for line in text.splitlines()]
    assert ["8002", "3"] in lines and ["8003", "4"] in lines


def test_draw_show_gives_the_time_held_in_shop_time_for_people(loyalty, october):
    run(loyalty, "oct")
    assert "Held at:          2026-11-22 14:00" in loyalty("draw", "show", "oct").stdout
    assert loyalty.json("draw", "show", "oct")["held_at"] == "2026-11-22T12:00:00+00:00"


def test_prize_points_are_credited_once_however_often_the_run_is_retried(loyalty, october):
    balances = {c: loyalty.json("member", "show", c)["balance"] for c in october}
    winner = run(loyalty, "oct", "--prize-points", "500")["winners"][0]
    run(loyalty, "oct", "--prize-points", "500")
    run(loyalty, "oct", "--prize-points", "500")
    after = {c: loyalty.json("member", "show", c)["balance"] for c in october}
    assert after == {**balances, winner: balances[winner] + 500}
    loyalty("verify")


def test_verify_finds_a_tampered_winner(loyalty, october):
    run(loyalty, "oct")
    assert "OK" in loyalty("draw", "verify", "oct").stdout
    with loyalty.store().transaction() as shop:  # a change no command makes
        record = shop.draws.get("oct")
        record["winners"] = [c for c in october[:4] if c not in record["winners"]][:1]
        shop.draws.put(record)
    result = loyalty("draw", "verify", "oct", expect=3)
    assert "winners" in result.stdout


def test_fewer_entrants_than_winners_all_win_and_an_empty_pool_is_recorded(loyalty, october):
    assert len(run(loyalty, "oct", "--winners", "10")["winners"]) == 4
    empty = loyalty.json("draw", "run", "none", "--month", "2026-06", "--prize", "Cake")
    assert (empty["entrants"], empty["winners"]) == (0, [])


def test_commit_shows_only_the_hash_and_run_reveals_the_seed(loyalty, october):
    published = loyalty("draw", "commit", "dec", "--month", "2026-10", "--prize", "Basket").stdout.strip()
    hidden = loyalty.json("draw", "show", "dec")
    assert (hidden["seed"], hidden["winners"], hidden["seed_sha256"]) == (None, None, published)
    held = loyalty.json("draw", "run", "dec")
    assert fair_draw.seed_sha256(bytes.fromhex(held["seed"])) == published
    assert held["rules"]["prize"] == "Basket"
    loyalty("draw", "verify", "dec")


def test_a_bad_seed_or_window_is_a_usage_error(loyalty, october):
    before = loyalty.snapshot()
    loyalty("draw", "run", "x", "--month", "2026-10", "--prize", "C", "--seed", "abc", expect=2)
    loyalty("draw", "run", "x", "--prize", "C", expect=2)
    loyalty("draw", "run", "x", "--month", "2026-13", "--prize", "C", expect=2)
    loyalty("draw", "run", "x", "--month", "2026-10", expect=2)
    loyalty("draw", "run", "x", "--month", "2026-10", "--prize", "C", "--min-tier", "Platinum", expect=2)
    assert loyalty.snapshot() == before


def test_maintain_holds_a_scheduled_draw_once_for_each_ended_month(loyalty, october):
    loyalty(
        "draw",
        "schedule",
        "monthly",
        "--every",
        "month",
        "--prize",
        "Coffee",
        now="2026-10-05T09:00:00+00:00",
    )
    result = loyalty.json("maintain", "--as-of", "2026-11-02")
    assert [d["name"] for d in result["draws"]] == ["monthly-2026-10"]
    assert loyalty.json("maintain", "--as-of", "2026-11-03")["draws"] == []
    names = [d["name"] for d in loyalty.json("draw", "list")]
    assert names == ["monthly", "monthly-2026-10"]
    assert loyalty.json("draw", "show", "monthly-2026-10")["entrants"] == 4
    loyalty("draw", "verify", "monthly-2026-10")


@pytest.mark.parametrize(
    ("points", "shown"), [("1", "1 punkts"), ("11", "11 punktu"), ("21", "21 punkts"), ("500", "500 punktu")]
)
def test_a_draw_run_in_latvian_shows_the_prize_window_winners_and_hashes_in_latvian(
    loyalty, october, points, shown
):
    text = run_text(loyalty, "lv", "--prize-points", points, "--winners", "2")
    winners = loyalty.json("draw", "show", "oct")["winners"]
    assert f"Balva:              {shown}\n" in text
    assert "Periods:            no 1.10.2026. līdz 31.10.2026.\n" in text
    assert "Biļetes:            viena par katru pirkumu\n" in text
    assert f"Uzvarētāji:         {winners[0]} M{winners[0][-1]}\n" in text
    assert "Izlozēta:           22.11.2026. 14:00\n" in text
    assert "Sēklas SHA-256:     " + fair_draw.seed_sha256(bytes.fromhex(SEED)) in text


@pytest.mark.parametrize(("points", "shown"), [("1", "1 балл"), ("3", "3 балла"), ("25", "25 баллов")])
def test_a_draw_run_in_russian_shows_the_prize_window_winners_and_hashes_in_russian(
    loyalty, october, points, shown
):
    text = run_text(loyalty, "ru", "--prize-points", points, "--tickets", "spend:5")
    assert f"Приз:                {shown}\n" in text
    assert "Период:              с 01.10.2026 по 31.10.2026\n" in text
    assert "Билеты:              один за каждые потраченные 5,00\u00a0€\n" in text
    assert "Победители:          " in text and "Проведён:            22.11.2026, 14:00\n" in text
    assert "SHA-256 зерна:       " + fair_draw.seed_sha256(bytes.fromhex(SEED)) in text


def test_a_held_draw_run_again_says_so_in_the_operators_language(loyalty, october):
    run(loyalty, "oct")
    result = loyalty("--lang", "ru", "draw", "run", "oct")
    assert "(розыгрыш уже проведён 22.11.2026, 14:00; ничего не разыграно повторно)" in result.stderr


@pytest.mark.parametrize(
    ("lang", "refusal"),
    [
        ("lv", "izloze nov ir par periodu no 1.11.2026. līdz 30.11.2026.; to var veikt no 1.12.2026., kad"),
        ("ru", "розыгрыш nov — за период с 01.11.2026 по 30.11.2026; его можно провести с 01.12.2026, когда"),
    ],
)
def test_a_draw_refused_before_its_window_ends_says_why_in_the_operators_language(
    loyalty, october, lang, refusal
):
    loyalty("draw", "commit", "nov", "--month", "2026-11", "--prize", "Basket")
    before = loyalty.snapshot()
    result = loyalty("--lang", lang, "draw", "run", "nov", expect=1)
    assert refusal in result.stderr
    assert result.stdout == "" and loyalty.snapshot() == before


def test_a_draw_run_again_with_other_rules_is_refused_in_latvian(loyalty, october):
    run(loyalty, "oct", "--winners", "2")
    result = loyalty("--lang", "lv", "draw", "run", "oct", "--winners", "3", expect=1)
    assert "izloze oct notika ar citiem noteikumiem: --winners 3 (izloze notika ar 2)" in result.stderr


def test_a_draw_run_again_with_another_window_is_refused_in_russian_naming_what_it_was_held_with(
    loyalty, october
):
    run(loyalty, "oct")
    result = loyalty("--lang", "ru", "draw", "run", "oct", "--month", "2026-09", expect=1)
    assert "--to '2026-09-30' (при проведении было '2026-10-31')" in result.stderr


def test_the_published_record_and_its_hashes_do_not_depend_on_the_language(loyalty, october, tmp_path):
    latvian = Loyalty(tmp_path / "lv-shop")
    latvian("init", "--name", "Test shop")
    _october(latvian)
    for shop in (loyalty, latvian):
        shop("member", "block", october[1])  # an excluded entrant: its stored reason is in the record too
    english = run(loyalty, "oct", "--prize-points", "500", "--winners", "2")
    in_latvian = json.loads(
        run_text(latvian, "lv", "--prize", "Cake", "--prize-points", "500", "--winners", "2", "--json")
    )
    assert in_latvian == english
    shown = [
        shop("--lang", lang, "draw", "show", "oct", "--json", "--entrants").stdout
        for shop, lang in ((loyalty, "en"), (latvian, "lv"))
    ]
    assert shown[0] == shown[1]
    stored = [shop.store().read().draws.all() for shop in (loyalty, latvian)]
    assert stored[0] == stored[1]
    assert stored[1][0]["excluded"] == {october[1]: "not active (blocked)"}


def test_draw_verify_says_it_recomputes_in_latvian(loyalty, october):
    run(loyalty, "oct")
    text = loyalty("--lang", "lv", "draw", "verify", "oct").stdout
    assert text == "Kārtībā: oct pārrēķins sakrīt ar ierakstītajiem izlozes dalībniekiem un uzvarētājiem\n"


def test_draw_list_names_its_columns_and_statuses_in_russian(loyalty, october):
    run(loyalty, "oct")
    loyalty("draw", "commit", "nov", "--month", "2026-11", "--prize", "Basket")
    lines = loyalty("--lang", "ru", "draw", "list").stdout.splitlines()
    assert lines[0].split() == [
        "Название",
        "Статус",
        "Проведён",
        "Участники",
        "розыгрыша",
        "Победители",
        "Приз",
    ]
    assert "проведён" in lines[2] and "22.11.2026, 14:00" in lines[2]
    assert "подготовлен" in lines[3]


def run_text(loyalty, lang, *args):
    """The output of `draw run oct` for October 2026 in the language `lang`."""
    return loyalty("--lang", lang, "draw", "run", "oct", "--month", "2026-10", "--seed", SEED, *args).stdout
