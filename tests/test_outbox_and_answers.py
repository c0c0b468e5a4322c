"""The mail outbox and the survey answers, on both stores: what a campaign and `nps` keep.

They are kept beside the programme (journals on the folder, tables on PostgreSQL): a
transaction that changes only them does not rewrite the hot file, an erasure forgets what
they knew of the member, and backups and `migrate` carry them.
"""

from __future__ import annotations

import json

import pytest
from conftest import Loyalty

from loyalty_cli.errors import DataProblem

AT = "2026-11-30T10:00:00+00:00"


def mark(loyalty: Loyalty, campaign: str, card: str, state: str, **details) -> None:
    with loyalty.store().transaction() as shop:
        shop.outbox.mark(campaign, card, state, at=AT, **details)


def read(loyalty: Loyalty):
    return loyalty.store().read()


def test_the_outbox_keeps_each_members_latest_state_per_campaign(loyalty):
    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    mark(loyalty, "statements-2026-10", anna, "sending")
    mark(loyalty, "statements-2026-10", anna, "sent", message_id="<a@x>")
    mark(loyalty, "statements-2026-10", janis, "failed", error="550 mailbox unavailable")
    mark(loyalty, "birthdays-2026", anna, "sent")
    shop = read(loyalty)
    of = shop.outbox.of("statements-2026-10")
    assert {card: doc["state"] for card, doc in of.items()} == {anna: "sent", janis: "failed"}
    assert of[anna] == {
        "campaign": "statements-2026-10",
        "card": anna,
        "state": "sent",
        "at": AT,
        "message_id": "<a@x>",
    }
    assert shop.outbox.of("nothing-yet") == {}
    assert shop.outbox.campaigns() == ["birthdays-2026", "statements-2026-10"]


def test_marks_are_read_back_inside_their_own_transaction(loyalty):
    anna = loyalty.enroll("Anna")
    with loyalty.store().transaction() as shop:
        shop.outbox.mark("offer-spring", anna, "sending", at=AT)
        assert shop.outbox.of("offer-spring")[anna]["state"] == "sending"
        assert shop.outbox.campaigns() == ["offer-spring"]
        shop.answers.add({"at": AT, "card": anna, "score": 9, "operator": "tester"})
        assert [a["score"] for a in shop.answers.all()] == [9]


def test_a_refused_transaction_keeps_no_mark(loyalty):
    anna = loyalty.enroll("Anna")
    before = loyalty.snapshot()
    with pytest.raises(RuntimeError), loyalty.store().transaction() as shop:
        shop.outbox.mark("offer-spring", anna, "sending", at=AT)
        shop.answers.add({"at": AT, "card": anna, "score": 9})
        raise RuntimeError("refused")
    assert loyalty.snapshot() == before


def test_a_dry_run_keeps_no_mark(loyalty):
    anna = loyalty.enroll("Anna")
    before = loyalty.snapshot()
    with loyalty.store().transaction(dry_run=True) as shop:
        shop.outbox.mark("offer-spring", anna, "sending", at=AT)
    assert loyalty.snapshot() == before


def test_campaign_ids_that_cannot_name_a_file_are_a_programming_error(loyalty):
    with loyalty.store().transaction() as shop:
        for bad in ("", "../x", "Offer", "a b", "a/b", "x" * 81):
            with pytest.raises(ValueError):
                shop.outbox.mark(bad, "1", "sent", at=AT)


def test_answers_are_kept_oldest_first(loyalty):
    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    for card, score in ((anna, 10), (janis, 3), (anna, 8)):
        with loyalty.store().transaction() as shop:
            shop.answers.add({"at": AT, "card": card, "score": score, "comment": f"c{score}"})
    assert [(a["card"], a["score"], a["comment"]) for a in read(loyalty).answers.all()] == [
        (anna, 10, "c10"),
        (janis, 3, "c3"),
        (anna, 8, "c8"),
    ]


def test_an_erasure_forgets_the_outbox_and_the_comments(loyalty):
    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    mark(loyalty, "statements-2026-10", anna, "sent")
    mark(loyalty, "statements-2026-10", janis, "sent")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 2, "comment": "Anna's secret words"})
        shop.answers.add({"at": AT, "card": janis, "score": 9, "comment": "fine"})
    loyalty("member", "erase", anna, "--yes")
    shop = read(loyalty)
    assert list(shop.outbox.of("statements-2026-10")) == [janis]
    assert [(a["card"], a["score"], a.get("comment")) for a in shop.answers.all()] == [
        (anna, 2, None),
        (janis, 9, "fine"),
    ]
    stored = b"".join(loyalty.snapshot()["files"].values()) + repr(loyalty.snapshot()["rows"]).encode()
    assert b"secret words" not in stored


@pytest.mark.folder_only
def test_a_transaction_of_only_marks_leaves_the_hot_file_alone(loyalty):
    anna = loyalty.enroll("Anna")
    hot = loyalty.data_dir / "loyalty.json"
    before = hot.stat()
    mark(loyalty, "statements-2026-10", anna, "sent")
    after = hot.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    journal = loyalty.data_dir / "outbox" / "statements-2026-10.jsonl"
    assert journal.read_bytes().count(b"\n") == 1
    assert journal.stat().st_mode & 0o777 == 0o600


@pytest.mark.folder_only
def test_a_torn_last_line_is_ignored_and_cut_off_by_the_next_write(loyalty):
    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    mark(loyalty, "statements-2026-10", anna, "sent")
    journal = loyalty.data_dir / "outbox" / "statements-2026-10.jsonl"
    with journal.open("ab") as handle:
        handle.write(b'{"campaign":"statements-2026-10","card":"')  # a write killed half-way
    assert list(read(loyalty).outbox.of("statements-2026-10")) == [anna]
    mark(loyalty, "statements-2026-10", janis, "sent")
    assert list(read(loyalty).outbox.of("statements-2026-10")) == [anna, janis]
    assert journal.read_bytes().count(b"\n") == 2
    assert b'"card":"{' not in journal.read_bytes()


@pytest.mark.folder_only
def test_a_line_changed_by_hand_is_reported(loyalty):
    anna = loyalty.enroll("Anna")
    mark(loyalty, "statements-2026-10", anna, "sent")
    journal = loyalty.data_dir / "outbox" / "statements-2026-10.jsonl"
    journal.write_bytes(b"not json\n")
    with pytest.raises(DataProblem, match="line 1 is damaged"):
        read(loyalty).outbox.of("statements-2026-10")


def test_backup_and_restore_carry_the_outbox_and_the_answers(loyalty, tmp_path):
    anna = loyalty.enroll("Anna")
    mark(loyalty, "statements-2026-10", anna, "sent")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 10})
    archive = tmp_path / "b.tar.gz"
    loyalty("backup", "--output", str(archive))
    elsewhere = Loyalty(tmp_path / "elsewhere")
    elsewhere("restore", str(archive), "--yes")
    shop = read(elsewhere)
    assert shop.outbox.of("statements-2026-10")[anna]["state"] == "sent"
    assert [a["score"] for a in shop.answers.all()] == [10]


def test_migrate_carries_the_outbox_and_the_answers(loyalty, tmp_path):
    anna = loyalty.enroll("Anna")
    mark(loyalty, "statements-2026-10", anna, "failed", error="550")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 6, "comment": "slow"})
    target = Loyalty(tmp_path / "moved")
    moved = loyalty.json("migrate", "--to", str(target.data_dir), "--yes")
    assert (moved["letters"], moved["answers"]) == (1, 1)
    shop = read(target)
    assert shop.outbox.of("statements-2026-10")[anna] == read(loyalty).outbox.of("statements-2026-10")[anna]
    assert list(shop.answers.all()) == list(read(loyalty).answers.all())


def test_a_programme_made_before_the_outbox_gets_it_on_first_write(loyalty):
    if loyalty.on_postgres:
        import psycopg2

        conn = psycopg2.connect(loyalty.database)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("DROP TABLE outbox, answers")
        conn.close()
    else:
        assert not (loyalty.data_dir / "outbox").exists()
    anna = loyalty.enroll("Anna")
    shop = read(loyalty)
    assert shop.outbox.of("statements-2026-10") == {} and list(shop.answers.all()) == []
    assert shop.outbox.campaigns() == []
    mark(loyalty, "statements-2026-10", anna, "sent")
    assert read(loyalty).outbox.of("statements-2026-10")[anna]["state"] == "sent"
    loyalty("member", "erase", anna, "--yes")
    assert read(loyalty).outbox.of("statements-2026-10") == {}


def test_a_members_export_holds_their_letters_and_answers(loyalty):
    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    mark(loyalty, "statements-2026-10", anna, "sent")
    mark(loyalty, "statements-2026-10", janis, "sent")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 7, "comment": "ok"})
        shop.answers.add({"at": AT, "card": janis, "score": 1})
    exported = json.loads(loyalty("member", "export", anna).stdout)
    assert [(d["campaign"], d["state"]) for d in exported["letters"]] == [("statements-2026-10", "sent")]
    assert [(d["score"], d["comment"]) for d in exported["answers"]] == [(7, "ok")]


@pytest.mark.folder_only
def test_an_erasure_scrubs_the_journals_in_the_archive_a_restore_kept(loyalty, tmp_path):
    import tarfile

    anna, janis = loyalty.enroll("Anna"), loyalty.enroll("Jānis")
    mark(loyalty, "statements-2026-10", anna, "sent")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 2, "comment": "Anna's secret words"})
        shop.answers.add({"at": AT, "card": janis, "score": 9, "comment": "fine"})
    archive = tmp_path / "b.tar.gz"
    loyalty("backup", "--output", str(archive))
    loyalty("restore", str(archive), "--yes")  # keeps the data it replaced as an archive
    loyalty("member", "erase", anna, "--yes")
    kept = list((loyalty.data_dir / "backups").glob("before-restore-*.tar.gz"))
    assert kept
    with tarfile.open(kept[0]) as tar:
        answers = tar.extractfile("surveys/answers.jsonl").read()
        outbox = tar.extractfile("outbox/statements-2026-10.jsonl").read()
    assert b"secret words" not in answers and b"fine" in answers
    assert anna.encode() not in outbox


@pytest.mark.folder_only
def test_verify_reports_a_journal_changed_by_hand(loyalty):
    anna = loyalty.enroll("Anna")
    with loyalty.store().transaction() as shop:
        shop.answers.add({"at": AT, "card": anna, "score": 9})
    loyalty("verify")
    (loyalty.data_dir / "surveys" / "answers.jsonl").write_bytes(b'{"card": 1}\n[1, 2]\n')
    result = loyalty("verify", expect=3)
    assert "answers.jsonl: line 2 is damaged" in result.output


@pytest.mark.folder_only
def test_the_outbox_reads_only_new_lines_yet_sees_every_change(loyalty, monkeypatch):
    from loyalty_cli.storage.folder import journals

    cards = [loyalty.enroll(f"Member {n}") for n in range(3)]
    mark(loyalty, "offer-x", cards[0], "sent")
    assert list(read(loyalty).outbox.of("offer-x")) == cards[:1]
    path = loyalty.data_dir / "outbox" / "offer-x.jsonl"
    # Another process appends: only the new line is read (and parsed).
    journals.append(path, [{"campaign": "offer-x", "card": cards[1], "state": "sent", "at": AT}])
    parsed = []
    real = journals._parse
    monkeypatch.setattr(journals, "_parse", lambda *a: parsed.append(a[1].count(b"\n")) or real(*a))
    assert list(read(loyalty).outbox.of("offer-x")) == cards[:2]
    assert parsed == [1]
    # A hand edit of the end, of the same length, is noticed and the file read again whole.
    path.write_bytes(path.read_bytes().replace(b'"sent","at"', b'"fail","at"'))
    assert {c: d["state"] for c, d in read(loyalty).outbox.of("offer-x").items()} == {
        cards[0]: "fail",
        cards[1]: "fail",
    }
    # An erasure rewrites the journal as a new file: read again whole.
    loyalty("member", "erase", cards[0], "--yes")
    assert list(read(loyalty).outbox.of("offer-x")) == cards[1:2]
    # A line without a card is damage, not a crash.
    journals.append(path, [{"campaign": "offer-x", "state": "sent"}])
    with pytest.raises(DataProblem, match="line 2 is damaged"):
        read(loyalty).outbox.of("offer-x")


def test_the_outbox_gives_the_records_of_some_cards_only(loyalty):
    anna, janis, olga = loyalty.enroll("Anna"), loyalty.enroll("Jānis"), loyalty.enroll("Olga")
    mark(loyalty, "offer-x", anna, "sent")
    mark(loyalty, "offer-x", janis, "failed")
    with loyalty.store().transaction() as shop:
        shop.outbox.mark("offer-x", olga, "sending", at=AT)
        assert {c: d["state"] for c, d in shop.outbox.of("offer-x", [janis, olga]).items()} == {
            janis: "failed",
            olga: "sending",
        }
        assert shop.outbox.of("offer-x", ["000000000000"]) == {}
    assert list(read(loyalty).outbox.of("offer-x", [anna])) == [anna]
