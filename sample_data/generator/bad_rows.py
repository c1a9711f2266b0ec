"""The deliberately broken rows and their answer key, ``_bad_rows.csv``.

About ``BAD_ROW_RATE`` of extra rows are inserted into the files that have a ``BadRowSpec`` in
``BAD_SPECS`` (accounts, opportunities, orders, order_lines, payments, activities, partner_sell_out),
plus at least one of every kind that applies to the file in its first chunk, so that each kind exists
at any scale. Bad rows are *extra* rows, never edits of good ones: a bad row that carries a key gets a
fresh id no other row references, and a bad order line hangs off a good order with an unused line
number, so every total computed from the good rows stays exact.

The tests use the answer key as their oracle: ``row_number`` is the 1-based data row (header excluded)
in ``file`` (the contract relative path), ``column`` the broken column (the key columns joined with
``+`` for a duplicate) and ``kind`` one of ``BAD_ROW_KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

BAD_ROW_KINDS = ("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date", "negative_price")
BAD_ROW_RATE = 0.003
BAD_ROWS_FILE = "_bad_rows.csv"

# (row, column, kind): the 0-based position in a chunk from inject_bad_rows, the 1-based file row in a sink.
BadRow = tuple[int, str, str]


@dataclass(frozen=True)
class BadRowSpec:
    kinds: tuple[str, ...]
    id_column: str | None = None  # single-column key refreshed on every non-duplicate bad row
    id_prefix: str = ""
    id_width: int = 0
    missing_columns: tuple[str, ...] = ()
    orphans: tuple[tuple[str, str, int], ...] = ()  # (column, id prefix, id width)
    date_column: str | None = None
    date_is_timestamp: bool = False
    price_column: str | None = None
    line_number_column: str | None = None  # order_lines: unused line numbers instead of a fresh key


_INVALID_DATES = ("2025-13-45", "31/02/2025", "2024-02-30", "2025/06/31", "20251301")
_INVALID_TIMESTAMPS = (
    "2025-13-45 10:00:00",
    "31/02/2025 09:15",
    "2024-02-30 14:00:00",
    "2025-06-31 08:00:00",
    "not a date",
)
_MAX_BAD_PER_CHUNK = 400  # keeps fresh/orphan id ranges (500 per chunk) disjoint


def _fresh_number(width: int, chunk: int, k: int) -> int:
    # Good ids are < 9 * 10**(width-1) and zero padded, so anything from 9... up cannot collide.
    return 9 * 10 ** (width - 1) + chunk * 1000 + k


def _orphan_number(width: int, chunk: int, k: int) -> int:
    return 9 * 10 ** (width - 1) + chunk * 1000 + 500 + k


def _draw_kinds(spec: BadRowSpec, n: int, guarantee: bool, rng: np.random.Generator) -> list[str]:
    """The kinds of bad row to add to a chunk of n good rows (every kind once if guarantee)."""
    kinds: list[str] = list(spec.kinds) if guarantee else []
    extra = min(_MAX_BAD_PER_CHUNK - len(kinds), int(rng.binomial(n, BAD_ROW_RATE)))
    kinds.extend(str(k) for k in rng.choice(spec.kinds, size=extra))
    return kinds


class _Patches:
    """Column-wise edits of the bad-row copies: per-row frame edits cost ~0.1 ms each, too slow at 10M rows."""

    def __init__(self, bad: pl.DataFrame) -> None:
        self.bad = bad
        self.columns: dict[str, list[str | None]] = {}

    def set(self, col: str, k: int, value: str | None) -> None:
        if col not in self.columns:
            self.columns[col] = self.bad[col].to_list()
        self.columns[col][k] = value

    def apply(self) -> pl.DataFrame:
        return self.bad.with_columns([pl.Series(c, v, dtype=pl.String) for c, v in self.columns.items()])


def _break_row(
    spec: BadRowSpec, kind: str, k: int, chunk: int, primary_key: str, patches: _Patches, rng: np.random.Generator
) -> str:
    """Turn copy k into a bad row of the given kind; returns the column the answer key names."""
    column = primary_key if kind == "duplicate_row" else ""
    if kind != "duplicate_row":
        if spec.id_column is not None:
            fresh = str(_fresh_number(spec.id_width, chunk, k)).zfill(spec.id_width)
            patches.set(spec.id_column, k, spec.id_prefix + fresh)
        if spec.line_number_column is not None:
            patches.set(spec.line_number_column, k, str(100 + k))
    if kind == "missing_required":
        column = str(rng.choice(spec.missing_columns))
        patches.set(column, k, None)
    elif kind == "orphan_foreign_key":
        column, prefix, width = spec.orphans[int(rng.integers(len(spec.orphans)))]
        patches.set(column, k, prefix + str(_orphan_number(width, chunk, k)).zfill(width))
    elif kind == "invalid_date":
        assert spec.date_column is not None
        column = spec.date_column
        pool = _INVALID_TIMESTAMPS if spec.date_is_timestamp else _INVALID_DATES
        patches.set(column, k, pool[int(rng.integers(len(pool)))])
    elif kind == "negative_price":
        assert spec.price_column is not None
        column = spec.price_column
        price = patches.bad[column][k]
        patches.set(column, k, "-" + (price if price and price != "0.00" else "12.50"))
    return column


def inject_bad_rows(
    text: pl.DataFrame,
    spec: BadRowSpec,
    primary_key: tuple[str, ...],
    chunk: int,
    guarantee: bool,
    rng: np.random.Generator,
) -> tuple[pl.DataFrame, list[BadRow]]:
    """Insert bad copies of random rows of a CSV-ready chunk; returns the chunk and its answer key rows."""
    n = text.height
    kinds = _draw_kinds(spec, n, guarantee, rng)
    if not kinds:
        return text, []
    templates = rng.choice(n, size=len(kinds), replace=len(kinds) > n)
    patches = _Patches(text[templates])
    keys: list[int] = []
    columns: list[str] = []
    pk = "+".join(primary_key)
    for k, (kind, t) in enumerate(zip(kinds, templates, strict=True)):
        columns.append(_break_row(spec, kind, k, chunk, pk, patches, rng))
        # Duplicates go after their original; other bad rows anywhere. Odd keys sort between good rows.
        lo = int(t) if kind == "duplicate_row" else 0
        keys.append(2 * int(rng.integers(lo, n)) + 1)
    bad = patches.apply()
    good = text.with_columns(pl.Series("__key", np.arange(n, dtype=np.int64) * 2), pl.lit(-1).alias("__bad"))
    bad = bad.with_columns(
        pl.Series("__key", np.array(keys, dtype=np.int64)),
        pl.Series("__bad", np.arange(len(kinds), dtype=np.int32)).cast(pl.Int32),
    )
    merged = pl.concat([good.with_columns(pl.col("__bad").cast(pl.Int32)), bad]).sort("__key", maintain_order=True)
    positions = merged["__bad"].to_numpy()
    bad_pos = np.flatnonzero(positions >= 0)
    meta = [(int(p), columns[positions[p]], kinds[positions[p]]) for p in bad_pos]
    return merged.drop("__key", "__bad"), meta


def write_answer_key(path: Path, records: list[tuple[str, int, str, str]]) -> None:
    """``_bad_rows.csv``: (file, row_number, column, kind), one line per bad row."""
    pl.DataFrame(
        records,
        schema={"file": pl.String, "row_number": pl.Int64, "column": pl.String, "kind": pl.String},
        orient="row",
    ).write_csv(path)


BAD_SPECS: dict[str, BadRowSpec] = {
    "accounts": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "invalid_date"),
        id_column="account_id",
        id_prefix="ACC",
        id_width=7,
        missing_columns=("account_name", "created_at"),
        date_column="created_at",
        date_is_timestamp=True,
    ),
    "opportunities": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="opportunity_id",
        id_prefix="OPP",
        id_width=7,
        missing_columns=("stage", "status", "created_at", "rep_id"),
        orphans=(("rep_id", "REP", 4),),
        date_column="created_at",
        date_is_timestamp=True,
    ),
    "orders": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="order_id",
        id_prefix="ORD",
        id_width=8,
        missing_columns=("account_id", "channel_id", "order_date", "status", "currency"),
        orphans=(("account_id", "ACC", 7), ("channel_id", "CH", 2)),
        date_column="order_date",
    ),
    "order_lines": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "negative_price"),
        line_number_column="line_number",
        missing_columns=("product_id", "quantity", "unit_price"),
        orphans=(("order_id", "ORD", 8), ("product_id", "PRD", 5)),
        price_column="unit_price",
    ),
    "payments": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="payment_id",
        id_prefix="PAY",
        id_width=9,
        missing_columns=("order_id", "paid_at", "amount", "currency"),
        orphans=(("order_id", "ORD", 8),),
        date_column="paid_at",
        date_is_timestamp=True,
    ),
    "activities": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="activity_id",
        id_prefix="ACT",
        id_width=8,
        missing_columns=("rep_id", "activity_type", "occurred_at"),
        orphans=(("rep_id", "REP", 4),),
        date_column="occurred_at",
        date_is_timestamp=True,
    ),
    "partner_sell_out": BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date", "negative_price"),
        missing_columns=("partner_id", "product_id", "sold_on", "quantity", "unit_price"),
        orphans=(("partner_id", "PTR", 4), ("product_id", "PRD", 5)),
        date_column="sold_on",
        price_column="unit_price",
    ),
}
