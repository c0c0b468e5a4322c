"""`nps record`, `nps import` and `report nps`: survey answers and the net promoter score."""

from __future__ import annotations

import json

import pytest

EARLY = "2026-01-05T09:00:00+00:00"
FIGURES = [
    "count",
    "promoters",
    "passives",
    "detractors",
    "promoters_pct",
    "passives_pct",
    "detractors_pct",
    "score",
]


@pytest.fixture
def anna(loyalty) -> str:
    return loyalty.enroll("Anna Bērziņa", "--phone", "29123456", "--at", EARLY)


@pytest.fixture
def peter(loyalty) -> str:
    return loyalty.enroll("Pēteris Ozols", "--phone", "29765432", "--at", EARLY)


def answers(loyalty) -> list[dict]:
    return list(loyalty.store().read().answers.all())


# nps record


def test_record_keeps_the_answer_with_its_comment_store_and_moment(loyalty, anna):
    done = loyalty.json(
        "nps",
        "record",
        anna,
        "9",
        "--comment",
        "Friendly  staff",
        "--store",
        "Centrs",
        "--at",
        "2026-11-03T18:20",
    )
    assert done == {
        "card": anna,
        "name": "Anna Bērziņa",
        "score": 9,
        "category": "promoter",
        "at": "2026-11-03T16:20:00+00:00",
        "comment": "Friendly staff",
        "store": "Centrs",
    }
    (stored,) = answers(loyalty)
    assert stored["score"] == 9 and stored["operator"] == "tester" and stored["comment"] == "Friendly staff"


def test_record_names_the_member_and_the_category(loyalty, anna):
    out = loyalty("nps", "record", "29123456", "6").stdout
    assert out == f"Anna Bērziņa ({anna}): answer 6 recorded, a detractor\n"


@pytest.mark.parametrize("score", ["11", "-1", "7.5", "x", "", "10.0", "1e1"])
def test_a_score_that_is_not_a_whole_number_from_0_to_10_is_refused_with_nothing_written(
    loyalty, anna, score
):
    before = loyalty.snapshot()
    result = loyalty("nps", "record", anna, score, expect=2)
    assert "whole number from 0 to 10" in result.stderr
    assert "Traceback" not in result.stderr
    assert loyalty.snapshot() == before


def test_an_unknown_member_is_refused_with_nothing_written(loyalty, anna):
    before = loyalty.snapshot()
    result = loyalty("nps", "record", "29999999", "9", expect=1)
    assert "no member with card or phone '29999999'" in result.stderr
    assert loyalty.snapshot() == before


def test_an_erased_member_is_refused_with_nothing_written(loyalty, anna):
    loyalty("member", "erase", anna, "--yes")
    before = loyalty.snapshot()
    result = loyalty("nps", "record", anna, "9", expect=1)
    assert "erased" in result.stderr
    assert loyalty.snapshot() == before


def test_a_closed_member_is_refused_with_nothing_written_but_a_blocked_one_may_answer(loyalty, anna, peter):
    loyalty("member", "close", anna, "--reason", "moved away")
    loyalty("member", "block", peter, "--reason", "card misuse")
    before = loyalty.snapshot()
    result = loyalty("nps", "record", anna, "9", expect=1)
    assert f"member {anna} is closed" in result.stderr
    assert loyalty.snapshot() == before
    assert loyalty.json("nps", "record", peter, "4")["category"] == "detractor"


def test_answers_of_a_replaced_card_count_for_the_member_and_new_ones_go_to_the_new_card(loyalty, anna):
    loyalty("nps", "record", anna, "10")
    new_card = loyalty.json("member", "replace-card", anna, "--reason", "lost")["new_card"]
    result = loyalty("nps", "record", anna, "9", expect=1)
    assert f"use card {new_card}" in result.stderr
    loyalty("nps", "record", "29123456", "3")
    assert [a["card"] for a in answers(loyalty)] == [anna, new_card]
    rows = loyalty.json("report", "nps", "--by", "segment")["rows"]
    assert [(row["segment"], row["count"]) for row in rows] == [("no purchases", 2)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--comment", "bad\x1b[2Jtext"], "control characters"),
        (["--comment", "x" * 1001], "at most 1000 characters"),
        (["--store", "S\u202etore"], "control characters"),
        (["--at", "2026-11-23T10:00"], "in the future"),
        (["--at", "yesterday"], "yesterday"),
    ],
)
def test_a_bad_comment_store_or_moment_is_refused_with_nothing_written(loyalty, anna, options, expected):
    before = loyalty.snapshot()
    result = loyalty("nps", "record", anna, "9", *options, expect=2)
    assert expected in result.stderr
    assert loyalty.snapshot() == before


def test_an_answer_dated_before_the_enrolment_is_refused_with_nothing_written(loyalty, anna):
    before = loyalty.snapshot()
    result = loyalty("nps", "record", anna, "9", "--at", "2025-12-31T10:00", expect=1)
    assert "cannot be dated before that" in result.stderr
    assert loyalty.snapshot() == before


def test_a_long_comment_up_to_the_limit_is_kept(loyalty, anna):
    loyalty("nps", "record", anna, "3", "--comment", "y" * 1000)
    assert answers(loyalty)[0]["comment"] == "y" * 1000


def test_member_erase_removes_the_comments_of_the_members_answers(loyalty, anna, peter):
    loyalty("nps", "record", anna, "2", "--comment", "Anna's secret complaint")
    loyalty("nps", "record", peter, "10", "--comment", "Great bread")
    loyalty("member", "erase", anna, "--yes")
    kept = answers(loyalty)
    assert [a.get("comment") for a in kept] == [None, "Great bread"]
    assert all("secret" not in json.dumps(a) for a in kept)
    assert loyalty.json("report", "nps")["total"]["count"] == 2  # the scores still count
    listed = loyalty.json("report", "nps", "--comments")["comments"]
    assert [(c["card"], c["comment"]) for c in listed] == [(peter, "Great bread")]
    for output in ("--csv", "--json"):
        assert "secret" not in loyalty("report", "nps", "--comments", output).stdout


# report nps


def record_all(loyalty, card: str, scores, at: str = "2026-11-10T10:00", **options) -> None:
    extra = [item for key, value in options.items() for item in (f"--{key}", value)]
    for score in scores:
        loyalty("nps", "record", card, str(score), "--at", at, *extra)


def test_report_counts_the_categories_and_the_score(loyalty, anna):
    record_all(loyalty, anna, [10, 9, 9, 10, 9, 7, 8, 7, 3, 6])
    document = loyalty.json("report", "nps")
    assert document == {
        "from": None,
        "to": "2026-11-22",
        "by": None,
        "total": {
            "count": 10,
            "promoters": 5,
            "passives": 3,
            "detractors": 2,
            "promoters_pct": "50.0",
            "passives_pct": "30.0",
            "detractors_pct": "20.0",
            "score": "30.0",
        },
        "rows": [],
    }


def test_report_for_people_shows_shares_and_the_signed_score(loyalty, anna):
    record_all(loyalty, anna, [10, 2, 3])
    out = loyalty("report", "nps").stdout
    assert "Answers:" in out and "3" in out
    assert "Promoters (9-10): 1 (33.3%)" in out
    assert "Detractors (0-6): 2 (66.7%)" in out
    assert "NPS:" in out and "-33.3" in out


def test_report_of_an_empty_period_says_so_and_json_has_zero_counts_and_no_score(loyalty, anna):
    record_all(loyalty, anna, [9], at="2026-03-10T10:00")
    out = loyalty("report", "nps", "--from", "2026-10-01", "--to", "2026-10-31").stdout
    assert out == "No NPS answers from 2026-10-01 to 2026-10-31.\n"
    document = loyalty.json("report", "nps", "--from", "2026-10-01", "--to", "2026-10-31", "--by", "month")
    assert document["total"] == dict.fromkeys(FIGURES, None) | {
        "count": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
    }
    assert document["rows"] == []


def test_report_takes_only_the_answers_of_its_shop_local_days(loyalty, anna):
    record_all(loyalty, anna, [10], at="2026-10-31T23:30:00+00:00")  # 1 November 01:30 in Riga
    record_all(loyalty, anna, [0], at="2026-10-31T21:30:00+00:00")  # 31 October 23:30 in Riga
    november = loyalty.json("report", "nps", "--from", "2026-11-01", "--to", "2026-11-30")
    assert november["total"]["count"] == 1 and november["total"]["score"] == "100.0"


def test_report_by_month_has_a_row_for_every_month_of_the_period(loyalty, anna):
    record_all(loyalty, anna, [10, 0], at="2026-08-15T10:00")
    record_all(loyalty, anna, [9, 9, 7], at="2026-10-15T10:00")
    document = loyalty.json("report", "nps", "--from", "2026-08-01", "--to", "2026-10-31", "--by", "month")
    rows = {row["month"]: (row["count"], row["score"]) for row in document["rows"]}
    assert rows == {"2026-08": (2, "0.0"), "2026-09": (0, None), "2026-10": (3, "66.7")}
    assert document["total"]["count"] == 5 and document["total"]["score"] == "40.0"


def test_report_by_store_puts_answers_without_a_store_last(loyalty, anna):
    record_all(loyalty, anna, [10], store="Centrs")
    record_all(loyalty, anna, [5], store="Agenskalns")
    record_all(loyalty, anna, [8])
    rows = loyalty.json("report", "nps", "--by", "store")["rows"]
    assert [(row["store"], row["score"]) for row in rows] == [
        ("Agenskalns", "-100.0"),
        ("Centrs", "100.0"),
        ("(no store)", "0.0"),
    ]


def test_report_by_segment_uses_the_rfm_segments_as_of_the_last_day(sample):
    members = sample.json("report", "segments", "--as-of", "2026-11-20")["members"]
    by_segment = {}
    for member in members:
        by_segment.setdefault(member["segment"], member["card"])
    chosen = list(by_segment.items())[:3]
    for score, (_segment, card) in zip((10, 8, 2), chosen, strict=True):
        sample("nps", "record", card, str(score), "--at", "2026-11-20T10:00")
    rows = sample.json("report", "nps", "--to", "2026-11-20", "--by", "segment")["rows"]
    expected = {
        segment: score for score, (segment, _card) in zip(("100.0", "0.0", "-100.0"), chosen, strict=True)
    }
    assert {row["segment"]: row["score"] for row in rows} == expected


def test_report_by_segment_puts_closed_members_apart(loyalty, anna, peter):
    record_all(loyalty, anna, [9])
    record_all(loyalty, peter, [4])
    loyalty("member", "erase", peter, "--yes")
    rows = loyalty.json("report", "nps", "--by", "segment")["rows"]
    assert [(row["segment"], row["count"]) for row in rows] == [("no purchases", 1), ("(closed)", 1)]


def test_report_csv_has_the_figures_and_a_total_row(loyalty, anna):
    record_all(loyalty, anna, [10, 6], store="Centrs")
    lines = loyalty("report", "nps", "--by", "store", "--csv").stdout.splitlines()
    assert lines == [
        "store,count,promoters,passives,detractors,promoters_pct,passives_pct,detractors_pct,score",
        "Centrs,2,1,0,1,50.0,0.0,50.0,0.0",
        "total,2,1,0,1,50.0,0.0,50.0,0.0",
    ]
    plain = loyalty("report", "nps", "--csv").stdout.splitlines()
    assert plain == [
        "from,to,count,promoters,passives,detractors,promoters_pct,passives_pct,detractors_pct,score",
        ",2026-11-22,2,1,0,1,50.0,0.0,50.0,0.0",
    ]


def test_report_table_has_a_total_row(loyalty, anna):
    record_all(loyalty, anna, [10, 6], at="2026-10-10T10:00")
    out = loyalty("report", "nps", "--from", "2026-10-01", "--by", "month").stdout
    assert "NPS, 2026-10-01 to 2026-11-22" in out
    assert "2026-10" in out and "Total" in out and "1 (50.0%)" in out


def test_report_comments_lists_what_members_wrote_in_the_period(loyalty, anna, peter):
    loyalty(
        "nps",
        "record",
        anna,
        "3",
        "--comment",
        "=HYPERLINK(x)",
        "--store",
        "Centrs",
        "--at",
        "2026-11-03T18:20",
    )
    loyalty("nps", "record", peter, "10", "--at", "2026-11-04T09:00")  # no comment: not listed
    loyalty("nps", "record", peter, "9", "--comment", "Old news", "--at", "2026-10-01T09:00")
    document = loyalty.json("report", "nps", "--from", "2026-11-01", "--comments")
    assert document == {
        "from": "2026-11-01",
        "to": "2026-11-22",
        "comments": [
            {
                "at": "2026-11-03T16:20:00+00:00",
                "card": anna,
                "score": 3,
                "category": "detractor",
                "store": "Centrs",
                "comment": "=HYPERLINK(x)",
            }
        ],
    }
    lines = loyalty("report", "nps", "--from", "2026-11-01", "--comments", "--csv").stdout.splitlines()
    assert lines == [
        "at,card,score,category,store,comment",
        f"2026-11-03T16:20:00+00:00,{anna},3,detractor,Centrs,'=HYPERLINK(x)",
    ]
    table = loyalty("report", "nps", "--comments").stdout
    assert "2026-11-03 18:20" in table and "Old news" in table and "detractor" in table


def test_comments_are_listed_oldest_first_by_when_they_were_given_not_recorded(loyalty, anna, peter):
    loyalty("nps", "record", anna, "9", "--comment", "Third", "--at", "2026-11-20T09:00")
    loyalty("nps", "record", peter, "3", "--comment", "First", "--at", "2026-11-02T09:00")
    loyalty("nps", "record", anna, "7", "--comment", "Second", "--at", "2026-11-10T09:00")
    listed = loyalty.json("report", "nps", "--comments")["comments"]
    assert [c["comment"] for c in listed] == ["First", "Second", "Third"]
    lines = loyalty("report", "nps", "--comments", "--csv").stdout.splitlines()
    assert [line.rsplit(",", 1)[1] for line in lines[1:]] == ["First", "Second", "Third"]
    table = loyalty("report", "nps", "--comments").stdout
    assert table.index("First") < table.index("Second") < table.index("Third")


def test_comments_and_by_together_are_a_usage_error(loyalty):
    result = loyalty("report", "nps", "--comments", "--by", "month", expect=2)
    assert "give one of --by and --comments" in result.stderr


def test_a_period_that_ends_before_it_starts_is_a_usage_error(loyalty):
    result = loyalty("report", "nps", "--from", "2026-11-10", "--to", "2026-11-01", expect=2)
    assert "the period starts (2026-11-10) after it ends (2026-11-01)" in result.stderr


# nps import


def write(tmp_path, text: str, name: str = "survey.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_records_every_row_and_a_rerun_adds_nothing(loyalty, anna, peter, tmp_path):
    survey = write(
        tmp_path,
        "card,score,comment,date,store\n"
        f"{anna},9,Good,2026-11-01,Centrs\n"
        "29765432,3,Slow till,05.11.2026 14:30,\n",
    )
    assert loyalty.json("nps", "import", survey) == {
        "rows": 2,
        "imported": 2,
        "skipped": 0,
        "rejected": 0,
        "dry_run": False,
        "strict": False,
        "written": True,
        "rejects": None,
    }
    stored = answers(loyalty)
    assert [(a["card"], a["score"], a.get("store"), a["at"]) for a in stored] == [
        (anna, 9, "Centrs", "2026-11-01T10:00:00+00:00"),
        (peter, 3, None, "2026-11-05T12:30:00+00:00"),
    ]
    assert all(a["ref"].startswith("row:") for a in stored)
    before = loyalty.snapshot()
    out = loyalty("nps", "import", survey).stdout
    assert out == "2 rows: imported 0, skipped 2 already recorded, rejected 0\n"
    assert loyalty.snapshot() == before
    assert loyalty.json("report", "nps")["total"]["count"] == 2


def test_a_later_export_that_repeats_earlier_answers_adds_only_the_new_ones(loyalty, anna, peter, tmp_path):
    first = f"card,score,date\n{anna},9,2026-11-01\n"
    loyalty("nps", "import", write(tmp_path, first, "a.csv"))
    later = write(tmp_path, first + f"{peter},10,2026-11-02\n", "b.csv")
    assert loyalty.json("nps", "import", later)["imported"] == 1
    assert len(answers(loyalty)) == 2


def test_the_same_answer_named_by_phone_or_card_or_with_its_comment_edited_is_one_answer(
    loyalty, anna, tmp_path
):
    loyalty(
        "nps", "import", write(tmp_path, "phone,score,date,comment\n29123456,9,2026-11-01,Nice\n", "a.csv")
    )
    again = write(tmp_path, f"card,score,date,comment\n{anna},9,2026-11-01,Nice (edited)\n", "b.csv")
    assert loyalty.json("nps", "import", again)["skipped"] == 1
    (stored,) = answers(loyalty)
    assert "29123456" not in stored["ref"] and stored["comment"] == "Nice"


def test_a_reimport_after_an_erasure_skips_the_erased_members_answers(loyalty, anna, peter, tmp_path):
    survey = write(tmp_path, f"card,score,comment\n{anna},9,Nice\n{peter},2,Peter's private remark\n")
    loyalty("nps", "import", survey)
    loyalty("member", "erase", peter, "--yes")
    before = loyalty.snapshot()
    assert loyalty.json("nps", "import", survey)["skipped"] == 2
    assert loyalty.snapshot() == before
    assert "private" not in json.dumps(answers(loyalty))


def test_import_by_response_id_skips_the_ids_already_imported(loyalty, anna, tmp_path):
    loyalty("nps", "import", write(tmp_path, f"Response ID,Card,Score\nr-1,{anna},9\n", "a.csv"))
    # the same response, its comment edited in the survey tool since: still the same answer
    again = write(tmp_path, f"Response ID,Card,Score,Comment\nr-1,{anna},9,edited\nr-2,{anna},4,\n", "b.csv")
    assert loyalty.json("nps", "import", again)["imported"] == 1
    assert [a["ref"] for a in answers(loyalty)] == ["r-1", "r-2"]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("{anna},11,", "whole number from 0 to 10, not '11'"),
        ("{anna},7.5,", "not '7.5'"),
        ("{anna},,", "not ''"),
        ("29999999,9,", "no member with card or phone '29999999'"),
        (",9,", "names no member"),
        ("{anna},9,2026-12-01", "in the future"),
        ("{anna},9,2025-12-01", "cannot be dated before that"),
        ("{anna},9,31.02.2026", "31.02.2026"),
    ],
)
def test_a_bad_row_is_rejected_naming_its_line_and_the_valid_rows_are_imported(
    loyalty, anna, tmp_path, row, reason
):
    survey = write(tmp_path, f"card,score,date\n{anna},10,\n{anna},9,\n{row.format(anna=anna)}\n")
    result = loyalty("nps", "import", survey, expect=1)
    assert result.stdout.startswith("3 rows: imported 2, skipped 0 already recorded, rejected 1; ")
    (named,) = result.stderr.splitlines()
    assert named.startswith("  line 4: ") and reason in named
    assert [a["score"] for a in answers(loyalty)] == [10, 9]


def test_every_bad_row_is_named_at_once_with_its_line(loyalty, anna, peter, tmp_path):
    loyalty("member", "erase", peter, "--yes")
    survey = write(
        tmp_path,
        f"card,score,date\n{anna},11,\n{anna},9,\n{peter},8,\n29999999,3,\n{anna},7,2026-12-01\n",
    )
    result = loyalty("nps", "import", survey, expect=1)
    assert result.stdout == (
        "5 rows: imported 1, skipped 0 already recorded, rejected 4;"
        " name a file with --rejects to keep the rejected rows\n"
    )
    named = result.stderr.splitlines()
    assert [line.split(":")[0] for line in named] == ["  line 2", "  line 4", "  line 5", "  line 6"]
    assert "not '11'" in named[0] and "erased" in named[1]
    assert "'29999999'" in named[2] and "in the future" in named[3]
    assert [a["score"] for a in answers(loyalty)] == [9]


def test_strict_records_nothing_when_any_row_is_bad(loyalty, anna, tmp_path):
    survey = write(tmp_path, f"card,score\n{anna},9\n{anna},11\n")
    before = loyalty.snapshot()
    result = loyalty("nps", "import", survey, "--strict", expect=1)
    assert "nothing was imported (--strict)" in result.stdout
    assert "line 3: the score must be a whole number from 0 to 10, not '11'" in result.stderr
    assert loyalty.snapshot() == before
    document = loyalty.json("nps", "import", survey, "--strict", expect=1)
    assert (document["imported"], document["rejected"], document["written"]) == (1, 1, False)
    assert loyalty.snapshot() == before


def test_the_rejected_rows_go_to_the_rejects_file_and_import_once_fixed(loyalty, anna, tmp_path):
    survey = write(
        tmp_path,
        f"Response ID;Card;Score;Comment\nr-1;{anna};9;Fine\nr-2;{anna};11;=1+1\nr-3;{anna};x;Slow till\n",
    )
    rejects = tmp_path / "bad-answers.csv"
    result = loyalty("nps", "import", survey, "--rejects", rejects, expect=1)
    assert f"the rejected rows are in {rejects}" in result.stdout
    assert rejects.read_text().splitlines() == [
        "Response ID;Card;Score;Comment;line;reason",
        f"r-2;{anna};11;'=1+1;3;the score must be a whole number from 0 to 10, not '11'",
        f"r-3;{anna};x;Slow till;4;the score must be a whole number from 0 to 10, not 'x'",
    ]
    fixed = rejects.read_text().replace(";11;", ";10;").replace(";x;", ";4;")
    rejects.write_text(fixed)
    assert loyalty.json("nps", "import", rejects)["imported"] == 2
    assert loyalty.json("nps", "import", survey)["skipped"] == 3  # by their response ids: none twice
    assert [(a["ref"], a["score"], a.get("comment")) for a in answers(loyalty)] == [
        ("r-1", 9, "Fine"),
        ("r-2", 10, "=1+1"),
        ("r-3", 4, "Slow till"),
    ]


def test_the_reason_of_a_rejects_file_is_not_taken_for_a_comment(loyalty, anna, tmp_path):
    rejects = tmp_path / "bad-answers.csv"
    loyalty("nps", "import", write(tmp_path, f"card,score\n{anna},11\n"), "--rejects", rejects, expect=1)
    rejects.write_text(rejects.read_text().replace(",11,", ",10,"))
    assert loyalty.json("nps", "import", rejects)["imported"] == 1
    (stored,) = answers(loyalty)
    assert stored["score"] == 10 and "comment" not in stored


def test_a_quote_left_open_is_rejected_at_its_line(loyalty, anna, tmp_path):
    survey = write(tmp_path, f'card,score,comment\n{anna},9,fine\n{anna},3,"never closed\n{anna},9,x\n')
    result = loyalty("nps", "import", survey, expect=1)
    assert "line 3: a quote opened on this line is not closed before the file ends" in result.stderr
    assert [a.get("comment") for a in answers(loyalty)] == ["fine"]


def test_a_quote_left_open_in_the_header_is_rejected_at_line_1(loyalty, tmp_path):
    before = loyalty.snapshot()
    result = loyalty("nps", "import", write(tmp_path, 'card,score,"comment\n'), expect=1)
    assert "line 1: a quote opened on this line is not closed before the file ends" in result.stderr
    assert loyalty.snapshot() == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("card,comment\n1,x\n", "needs a column with the score"),
        ("name,score\nAnna,9\n", "needs a column naming the member"),
        ("", "is empty"),
        ('"', "needs a column naming the member"),
    ],
)
def test_a_file_without_the_needed_columns_is_a_usage_error(loyalty, tmp_path, text, reason):
    before = loyalty.snapshot()
    result = loyalty("nps", "import", write(tmp_path, text), expect=2)
    assert reason in result.stderr
    assert loyalty.snapshot() == before


def test_dry_run_checks_every_row_and_writes_nothing(loyalty, anna, tmp_path):
    before = loyalty.snapshot()
    out = loyalty("nps", "import", write(tmp_path, f"card,score\n{anna},9\n{anna},10\n"), "--dry-run").stdout
    assert out == "2 rows: would import 2, skipped 0 already recorded, rejected 0\n"
    assert loyalty.snapshot() == before
    bad = write(tmp_path, f"card,score\n{anna},99\n{anna},9\n", "bad.csv")
    result = loyalty("nps", "import", bad, "--dry-run", expect=1)
    assert "line 2" in result.stderr
    assert loyalty.snapshot() == before


def test_import_reads_what_survey_tools_write(loyalty, anna, tmp_path):
    # semicolons, a byte-order mark, headers in any case, a phone column, a comment over two lines
    text = (
        "\ufeffTimestamp;Phone;NPS;Feedback\n"
        '03.11.2026 18:20;+371 29123456;10;"Lovely bread.\nWill come back"\n'
        "04.11.2026;29123456;8;\n"
    )
    assert loyalty.json("nps", "import", write(tmp_path, text))["imported"] == 2
    first, second = answers(loyalty)
    assert first["card"] == anna and first["comment"] == "Lovely bread. Will come back"
    assert first["at"] == "2026-11-03T16:20:00+00:00" and second["score"] == 8


def test_import_of_a_cp1257_file_with_encoding(loyalty, anna, tmp_path):
    survey = write(tmp_path, f"card,score,comment\n{anna},9,Ļoti garšīga maize\n", encoding="cp1257")
    loyalty("nps", "import", survey, "--encoding", "cp1257")
    assert answers(loyalty)[0]["comment"] == "Ļoti garšīga maize"


# languages


def test_report_in_latvian_names_the_groups_and_writes_decimal_commas(loyalty, anna):
    record_all(loyalty, anna, [10, 2, 3])
    out = loyalty("--lang", "lv", "report", "nps").stdout
    assert "Atbalstītāji (9-10): 1 (33,3%)" in out
    assert "Kritiķi (0-6):" in out and "2 (66,7%)" in out
    assert "-33,3" in out


def test_report_in_russian_by_month_and_an_empty_period(loyalty, anna):
    record_all(loyalty, anna, [9, 7], at="2026-10-10T10:00")
    out = loyalty("--lang", "ru", "report", "nps", "--by", "month").stdout
    assert "Промоутеры (9-10)" in out and "1 (50,0\u00a0%)" in out and "Итого" in out
    empty = loyalty("--lang", "ru", "report", "nps", "--from", "2026-01-01", "--to", "2026-01-31").stdout
    assert empty == "С 01.01.2026 по 31.01.2026 ответов NPS нет.\n"


def test_record_and_its_refusals_in_latvian_and_russian(loyalty, anna):
    out = loyalty("--lang", "lv", "nps", "record", anna, "8").stdout
    assert out == f"Anna Bērziņa ({anna}): ierakstīta atbilde 8 (neitrāls)\n"
    refused = loyalty("--lang", "ru", "nps", "record", anna, "11", expect=2).stderr
    assert "оценка должна быть целым числом от 0 до 10, а не '11'" in refused


def test_import_summary_in_latvian_takes_the_plural_of_its_count(loyalty, anna, tmp_path):
    survey = write(tmp_path, f"card,score\n{anna},9\n{anna},10\n")
    assert loyalty("--lang", "lv", "nps", "import", survey).stdout == (
        "2 rindas: importētas 2, izlaistas 0 (jau ierakstītas), noraidītas 0\n"
    )


def test_the_rejected_rows_are_named_in_latvian_and_russian(loyalty, anna, tmp_path):
    survey = write(tmp_path, f"card,score\n{anna},9\n{anna},11\n")
    latvian = loyalty("--lang", "lv", "nps", "import", survey, "--strict", expect=1)
    assert "noraidītas 1" in latvian.stdout
    russian = loyalty("--lang", "ru", "nps", "import", survey, "--strict", expect=1)
    assert "оценка должна быть целым числом от 0 до 10, а не '11'" in russian.stderr


def test_comments_in_latvian_show_the_moment_in_shop_time_and_the_category(loyalty, anna):
    loyalty("nps", "record", anna, "3", "--comment", "Rinda par garu", "--at", "2026-11-03T18:20")
    out = loyalty("--lang", "lv", "report", "nps", "--comments").stdout
    assert "NPS komentāri, līdz 22.11.2026." in out
    assert "3.11.2026. 18:20" in out and "kritiķis" in out and "Rinda par garu" in out
