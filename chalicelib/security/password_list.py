"""The bundled list of breached and common passwords, as a Bloom filter (no network call at any time).

The file `data/breached_passwords.bloom` (its sources, licences and figures: `data/README.md`; rebuilt by
`python -m infra.build_password_list`) holds a bit array of `m` bits into which each listed password,
lower-cased, was hashed `k` times. A lookup hashes the candidate the same way and tests `k` bits: a
listed password is always found (no false negatives); an unlisted one is reported as listed with the
designed false-positive probability (1 in 10,000 per lookup), which only makes a user choose another
password.

Format (all integers little-endian): the 8-byte magic `DPBLOOM1`, then `m` (u64), `k` (u32), the
number of entries `n` (u32), then the ceil(m / 8) bytes of the bit array (bit i is bit i % 8 of byte
i // 8). The `k` bit positions of an entry are h1 + i * h2 (mod m), i = 0..k-1 (Kirsch-Mitzenmacher),
with h1 and h2 the two little-endian 64-bit halves of BLAKE2b-128 of the UTF-8 entry, personalised
with `PERSON`.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MAGIC = b"DPBLOOM1"
PERSON = b"dp-pwlist-v1"
HEADER = struct.Struct("<8sQII")
# Designed false-positive probability of one lookup.
FALSE_POSITIVE_RATE = 1e-4
PATH = Path(__file__).with_name("data") / "breached_passwords.bloom"


def _halves(entry: str) -> tuple[int, int]:
    digest = hashlib.blake2b(entry.encode("utf-8"), digest_size=16, person=PERSON).digest()
    h1, h2 = struct.unpack("<QQ", digest)
    return h1, h2 | 1  # an odd step never cycles early when m is even


def parameters(count: int, rate: float = FALSE_POSITIVE_RATE) -> tuple[int, int]:
    """(m bits, k hashes) of the optimal Bloom filter for `count` entries at false-positive `rate`."""
    bits = math.ceil(-max(count, 1) * math.log(rate) / math.log(2) ** 2)
    bits = (bits + 7) // 8 * 8
    return bits, max(1, round(bits / max(count, 1) * math.log(2)))


def build(entries: Iterable[str], rate: float = FALSE_POSITIVE_RATE) -> bytes:
    """The file's bytes for `entries` (each lower-cased; duplicates count once)."""
    unique = sorted({entry.lower() for entry in entries if entry})
    bits, hashes = parameters(len(unique), rate)
    array = bytearray(bits // 8)
    for entry in unique:
        h1, h2 = _halves(entry)
        for i in range(hashes):
            position = (h1 + i * h2) % bits
            array[position >> 3] |= 1 << (position & 7)
    return HEADER.pack(MAGIC, bits, hashes, len(unique)) + bytes(array)


@dataclass(frozen=True)
class BloomFilter:
    bits: int
    hashes: int
    count: int
    array: bytes

    @classmethod
    def parse(cls, data: bytes) -> BloomFilter:
        magic, bits, hashes, count = HEADER.unpack_from(data)
        array = data[HEADER.size:]
        if magic != MAGIC or len(array) * 8 < bits or hashes < 1:
            raise ValueError("not a password list file")
        return cls(bits, hashes, count, array)

    def __contains__(self, candidate: str) -> bool:
        h1, h2 = _halves(candidate.lower())
        array, bits = self.array, self.bits
        for i in range(self.hashes):
            position = (h1 + i * h2) % bits
            if not array[position >> 3] & (1 << (position & 7)):
                return False
        return True


@lru_cache(maxsize=1)
def bundled() -> BloomFilter:
    """The bundled list, read once per container (a few milliseconds, at the first password check)."""
    return BloomFilter.parse(PATH.read_bytes())


def is_listed(candidate: str) -> bool:
    return candidate in bundled()
