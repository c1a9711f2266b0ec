"""Seeded random streams and the draws several tables share (integer splits, person names).

Every random draw comes from ``seeded_rng(seed, table, *parts)``, never the clock or ``hash()``: one
stream per table (and per month / chunk for the streamed tables), so a table's rows do not change
when another table's generation changes.
"""

from __future__ import annotations

import zlib

import numpy as np

from sample_data.generator.reference import GIVEN_NAMES, SURNAMES


def seeded_rng(seed: int, table: str, *parts: int) -> np.random.Generator:
    # crc32, not hash(): string hashing is salted per process and would break byte-identical output.
    return np.random.default_rng([seed, zlib.crc32(table.encode()), *parts])


def split_total(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts proportional to weights that sum exactly to total (largest remainder)."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(np.int64)
    rest = int(total - counts.sum())
    if rest > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    g1 = np.array(GIVEN_NAMES, dtype=object)[rng.integers(0, len(GIVEN_NAMES), n)]
    g2 = np.array(GIVEN_NAMES + [""] * 12, dtype=object)[rng.integers(0, len(GIVEN_NAMES) + 12, n)]
    return sur + g1 + g2
