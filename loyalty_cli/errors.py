"""The one family of errors the core raises, and the exit status each one means."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit code the command line uses (SPEC.md)."""

    OK = 0
    REFUSED = 1
    USAGE = 2
    DATA = 3
    SOFTWARE = 70  # an internal error (a bug), never a refusal: EX_SOFTWARE of sysexits.h
    BUSY = 75


class LoyaltyError(Exception):
    """A user-facing error: its message is one line, its status is the exit code."""

    status = ExitStatus.REFUSED


class Refused(LoyaltyError):
    """A domain rule says no (unknown member, not enough points, duplicate receipt ...)."""


class UnknownMember(Refused):
    """No member has that card number or phone."""


class InsufficientPoints(Refused):
    """The member holds fewer points than asked for."""


class DuplicateReceipt(Refused):
    """The receipt has already been recorded."""


class MemberNotActive(Refused):
    """The member is blocked or closed."""


class CardMoved(Refused):
    """The card was replaced by, or merged into, another one: nothing may be written on it."""


class InvalidInput(LoyaltyError):
    """A value given on the command line or in a file is malformed."""

    status = ExitStatus.USAGE


class DataProblem(LoyaltyError):
    """A data file cannot be read, or `verify` found a mismatch."""

    status = ExitStatus.DATA


class Busy(LoyaltyError):
    """Another loyalty process holds the data directory for longer than we may wait."""

    status = ExitStatus.BUSY
