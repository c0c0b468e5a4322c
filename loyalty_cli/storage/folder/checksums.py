"""CRC-32 of a file rewritten from pieces of the one read, without hashing it twice.

A command checks the hot file's checksum before it writes (hot_file.damage), so every
byte of it has just been hashed; the new file is mostly spans of the old one, copied
byte for byte. `SpanChecksums` keeps the CRC at regular marks while checking, so the
CRC of any span of the old file costs at most two short stretches of hashing; `combine`
joins CRCs of pieces into the CRC of the pieces one after another, as zlib's
crc32_combine does (zlib's Python module does not offer it): the new file's checksum
then hashes only the rows that changed.

The arithmetic is zlib's (crc32.c): CRC-32 is a remainder modulo a polynomial over
GF(2), so crc(A + B) = crc(A) * x^(8 * len(B)) + crc(B), all modulo the polynomial, with
bits in zlib's reflected order.
"""

from __future__ import annotations

import zlib

MARK = 1 << 16  # bytes between two kept CRCs: at most this much is hashed again per span end
_POLY = 0xEDB88320  # the CRC-32 polynomial, reflected
_ONE = 1 << 31  # x^0, reflected


def combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A followed by B, from crc1 of A, crc2 of B and B's length in bytes."""
    return _times(_x_to_8n(length2), crc1) ^ crc2


def separate(crc_both: int, crc1: int, length2: int) -> int:
    """The CRC-32 of B, from the CRC-32 of A followed by B, crc1 of A and B's length."""
    return _times(_x_to_8n(length2), crc1) ^ crc_both


class SpanChecksums:
    """The CRC-32 of `buffer[base:]`, and of any span of it, hashing the buffer once.

    The CRC of every prefix ending at a multiple of MARK bytes (from `base`) is kept.
    """

    def __init__(self, buffer: bytes, base: int = 0):
        self.buffer, self.base = buffer, base
        view = memoryview(buffer)
        crc, marks = 0, [0]
        for at in range(base, len(buffer), MARK):
            crc = zlib.crc32(view[at : at + MARK], crc)
            marks.append(crc)
        self._marks = marks
        self.crc = crc

    def span(self, start: int, stop: int) -> int:
        """The CRC-32 of buffer[start:stop] (base <= start <= stop <= len(buffer))."""
        if not self.base <= start <= stop <= len(self.buffer):
            raise ValueError(f"span {start}:{stop} outside {self.base}:{len(self.buffer)}")
        return separate(self._prefix(stop), self._prefix(start), stop - start)

    def _prefix(self, stop: int) -> int:
        """The CRC-32 of buffer[base:stop]."""
        mark = (stop - self.base) // MARK
        at = self.base + mark * MARK
        return zlib.crc32(memoryview(self.buffer)[at:stop], self._marks[mark])


def _times(a: int, b: int) -> int:
    """a * b modulo the polynomial (zlib's multmodp); a is never 0 here (a power of x)."""
    product = 0
    bit = _ONE
    while a:
        if a & bit:
            product ^= b
            a ^= bit
        bit >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1
    return product


_X2N: list[int] = []  # x^(2^k) modulo the polynomial (zlib's x2n_table), grown as needed


def _x_to_8n(length: int) -> int:
    """x^(8 * length) modulo the polynomial (zlib's x2nmodp(length, 3))."""
    power, k = _ONE, 3
    while length:
        while len(_X2N) <= k:
            _X2N.append(_times(_X2N[-1], _X2N[-1]) if _X2N else 1 << 30)  # x^1, then squares
        if length & 1:
            power = _times(_X2N[k], power)
        length >>= 1
        k += 1
    return power
