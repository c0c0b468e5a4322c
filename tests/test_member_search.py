"""Finding people: member list search, sort and limit; member show's details."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop(loyalty) -> dict[str, str]:
    """Three members with different balances, enrolment days and purchases."""
    cards = {
        "anna": loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--at", "2026-01-02T10:00:00+00:00"),
        "ilze": loyalty.enroll(
            "Ilze Kalniņa", "--email", "ILZE@Example.lv", "--at", "2026-03-02T10:00:00+00:00"
        ),
        "peteris": loyalty.enroll(
            "Pēteris Ozols", "--phone", "26000001", "--at", "2026-02-02T10:00:00+00:00"
        ),
    }
    loyalty("purchase", cards["anna"], "30", "--at", "2026-05-01T10:00:00+00:00")
    loyalty("purchase", cards["ilze"], "80", "--at", "2026-04-01T10:00:00+00:00")
    loyalty("purchase", cards["peteris"], "5", "--at", "2026-06-01T10:00:00+00:00")
    return cards


def names(loyalty, *args: str) -> list[str]:
    return [member["name"] for member in loyalty.json("member", "list", *args)]


@pytest.mark.parametrize(
    ("text", "found"), [("berz", "Anna Bērziņa"), ("kalnin", "Ilze Kalniņa"), ("BĒRZ", "Anna Bērziņa")]
)
def test_search_ignores_case_and_diacritics(loyalty, shop, text, found):
    assert names(loyalty, "--search", text) == [found]


def test_search_finds_the_digits_of_the_phone(loyalty, shop):
    assert names(loyalty, "--search", "2912 3456") == ["Anna Bērziņa"]


def test_search_finds_the_email_and_the_card(loyalty, shop):
    assert names(loyalty, "--search", "ilze@example") == ["Ilze Kalniņa"]
    card = shop["peteris"]
    spaced = f"{card[:4]} {card[4:8]} {card[8:]}"
    assert names(loyalty, "--search", spaced) == ["Pēteris Ozols"]


def test_search_needs_every_word(loyalty, shop):
    assert names(loyalty, "--search", "ozols peter") == ["Pēteris Ozols"]
    assert names(loyalty, "--search", "ozols anna") == []


def test_sort_by_balance_puts_the_highest_first_and_limit_cuts_the_list(loyalty, shop):
    assert names(loyalty, "--sort", "balance", "--limit", "2") == ["Ilze Kalniņa", "Anna Bērziņa"]


def test_sort_by_name_ignores_diacritics(loyalty, shop):
    assert names(loyalty, "--sort", "name") == ["Anna Bērziņa", "Ilze Kalniņa", "Pēteris Ozols"]


def test_sort_by_enrolled_puts_the_newest_first_and_reverse_turns_it(loyalty, shop):
    assert names(loyalty, "--sort", "enrolled") == ["Ilze Kalniņa", "Pēteris Ozols", "Anna Bērziņa"]
    assert names(loyalty, "--sort", "enrolled", "--reverse") == [
        "Anna Bērziņa",
        "Pēteris Ozols",
        "Ilze Kalniņa",
    ]


def test_sort_by_last_purchase_puts_the_most_recent_first(loyalty, shop):
    assert names(loyalty, "--sort", "last-purchase") == ["Pēteris Ozols", "Anna Bērziņa", "Ilze Kalniņa"]


def test_sort_by_spend_shows_the_12_month_spend(loyalty, shop):
    listed = loyalty.json("member", "list", "--sort", "spend")
    assert [(m["name"], m["spend_12m"]) for m in listed] == [
        ("Ilze Kalniņa", "80.00"),
        ("Anna Bērziņa", "30.00"),
        ("Pēteris Ozols", "5.00"),
    ]


def test_a_limit_below_one_is_a_usage_error(loyalty, shop):
    loyalty("member", "list", "--limit", "0", expect=2)


def test_an_empty_result_says_so_on_stderr(loyalty, shop):
    result = loyalty("member", "list", "--search", "nobody", "--json")
    assert result.stdout.strip() == "[]"
    assert "No members match" in result.stderr


# member show --------------------------------------------------------------------------------


def test_member_show_gives_the_block_reason(loyalty, shop):
    loyalty("member", "block", shop["anna"], "--reason", "card misuse")
    assert "card misuse" in loyalty("member", "show", shop["anna"]).stdout


def test_blocking_again_without_a_reason_keeps_the_reason_given_before(loyalty, shop):
    loyalty("member", "block", shop["anna"], "--reason", "card misuse")
    loyalty("member", "unblock", shop["anna"])
    loyalty("member", "block", shop["anna"])
    assert loyalty.json("member", "show", shop["anna"])["status_reason"] == "card misuse"


def test_member_show_gives_consent_language_and_referrer(loyalty, shop):
    friend = loyalty.enroll("Jānis Ozols", "--referred-by", shop["anna"], "--consent")
    text = loyalty("member", "show", friend).stdout
    assert "Consent:" in text and "yes" in text.split("Consent:")[1].splitlines()[0]
    assert "Language:" in text
    assert "Anna Bērziņa" in text.split("Referred by:")[1].splitlines()[0]
    assert loyalty.json("member", "show", friend)["referred_by"] == shop["anna"]


def test_member_list_unpacks_no_member(loyalty, shop, monkeypatch):
    from loyalty_cli.storage.folder import member_rows

    def unpack(row):
        raise AssertionError("member list unpacked a member")

    monkeypatch.setattr(member_rows, "from_row", unpack)
    assert len(loyalty.json("member", "list", "--search", "e", "--sort", "spend")) == 3


def test_the_list_shows_enrolment_and_last_purchase_in_shop_time(loyalty, shop):
    enrolled = loyalty("member", "list", "--sort", "enrolled").stdout
    bought = loyalty("member", "list", "--sort", "last-purchase").stdout
    assert "2026-03-02 12:00" in enrolled and "+00:00" not in enrolled
    assert "2026-06-01 13:00" in bought and "+00:00" not in bought
