"""Members for the tests of the mail campaigns: who may get a letter, and who may not."""

from __future__ import annotations

EARLY = ("--at", "2026-09-01T10:00:00+00:00")


def enroll_readers(loyalty, *, boris: str = "Boris") -> dict[str, str]:
    """Anna (lv, consent, e-mail, birthday on 22 November), Boris (ru, consent, e-mail) and
    Cilla (e-mail, birthday on 22 November, no consent), enrolled in September: their cards."""
    return {
        "anna": loyalty.enroll(
            "Anna Bērziņa",
            *("--email", "anna@example.lv", "--consent", "--language", "lv", "--birthday", "1990-11-22"),
            *EARLY,
        ),
        "boris": loyalty.enroll(
            boris, "--email", "boris@example.lv", "--consent", "--language", "ru", *EARLY
        ),
        "cilla": loyalty.enroll("Cilla", "--email", "cilla@example.lv", "--birthday", "1985-11-22", *EARLY),
    }
