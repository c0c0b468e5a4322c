"""The draw algorithm, version es-hmac-sha256-v1: weighted sampling without replacement.

Efraimidis-Spirakis with keys from HMAC-SHA256, so that anyone holding the seed and the
entrant list can recompute the winners with the standard library alone:

    h   = HMAC-SHA256(key=seed, msg=card as UTF-8)
    u   = (int.from_bytes(h[:8], "big") + 1) / (2**64 + 1)      # in (0, 1)
    key = ln(u) / tickets

The winners are the K entrants with the largest keys, largest first; ties go to the lower
card. An entrant with w tickets wins the first place with probability w / (sum of tickets).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math

ALGORITHM = "es-hmac-sha256-v1"
SEED_BYTES = 32


def draw_key(seed: bytes, card: str, tickets: int) -> float:
    """The entrant's key: ln(u) / tickets, with u from HMAC-SHA256(seed, card)."""
    digest = hmac.new(seed, card.encode("utf-8"), hashlib.sha256).digest()
    u = (int.from_bytes(digest[:8], "big") + 1) / (2**64 + 1)
    return math.log(u) / tickets


def winners(seed: bytes, entrants: list[tuple[str, int]], count: int) -> list[str]:
    """The `count` entrants with the largest keys, largest first (all of them if fewer)."""
    ranked = sorted(entrants, key=lambda entrant: (-draw_key(seed, entrant[0], entrant[1]), entrant[0]))
    return [card for card, _tickets in ranked[:count]]


def entrant_list(tickets: dict[str, int]) -> list[list]:
    """The published form of the entrants: [[card, tickets], ...] sorted by card."""
    return [[card, tickets[card]] for card in sorted(tickets)]


def entrants_sha256(entrants: list[list]) -> str:
    """SHA-256 of the entrant list as compact JSON (separators "," and ":")."""
    text = json.dumps(entrants, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_sha256(seed: bytes) -> str:
    """SHA-256 of the 32 seed bytes: what a shop publishes before the draw."""
    return hashlib.sha256(seed).hexdigest()
