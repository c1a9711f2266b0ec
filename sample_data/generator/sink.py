"""Writing a contract file: CSV text in contract column order, appended chunk by chunk.

UTF-8, a header, comma separated, ISO dates, ``YYYY-MM-DD HH:MM:SS`` timestamps, ``true``/``false``,
decimals with 2 digits (6 for fx rates). Streamed tables write one chunk at a time, so 10M order lines
never sit in memory together; the sink numbers the rows it writes so the answer key can name them.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from ingestion.contract import ColumnType, ContractFile
from sample_data.generator.bad_rows import BadRow, BadRowSpec, inject_bad_rows


def to_text(df: pl.DataFrame, cf: ContractFile) -> pl.DataFrame:
    """All contract columns, in contract order, as the strings that go into the CSV."""
    exprs = []
    for col in cf.columns:
        if col.name not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col.name))
            continue
        c = pl.col(col.name)
        if col.type == ColumnType.TIMESTAMP:
            e = c.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.type == ColumnType.DECIMAL:
            digits = 6 if cf.name == "fx_rates" else 2
            e = c.cast(pl.Decimal(20, digits)).cast(pl.String)
        else:  # strings, ints, ISO dates and booleans (true/false) cast as polars prints them
            e = c.cast(pl.String)
        exprs.append(e.alias(col.name))
    return df.select(exprs)


class CsvSink:
    """One contract file opened for appending chunks, tracking row numbers and the bad-row answer key."""

    def __init__(self, landing_dir: Path, cf: ContractFile, bad_spec: BadRowSpec | None = None) -> None:
        self.cf = cf
        self.path = landing_dir / cf.relative_path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self.rows = 0
        self.chunks = 0
        self.bad_spec = bad_spec
        self.bad_rows: list[BadRow] = []
        self._header_written = False
        self._guarantee_pending = bad_spec is not None

    def write(self, df: pl.DataFrame, rng: np.random.Generator | None = None) -> None:
        text = to_text(df, self.cf)
        chunk = self.chunks
        self.chunks += 1
        if self.bad_spec is not None and rng is not None and text.height > 0:
            # Every kind once in the first chunk that has room for a duplicate (two rows or more).
            guarantee = self._guarantee_pending and text.height >= 2
            self._guarantee_pending = self._guarantee_pending and not guarantee
            text, bad = inject_bad_rows(text, self.bad_spec, self.cf.primary_key, chunk, guarantee, rng)
            self.bad_rows.extend((self.rows + pos + 1, col, kind) for pos, col, kind in bad)
        if text.height == 0 and self._header_written:
            return
        text.write_csv(self._fh, include_header=not self._header_written)
        self._header_written = True
        self.rows += text.height

    def close(self) -> None:
        if not self._header_written:
            to_text(pl.DataFrame(), self.cf).clear().write_csv(self._fh, include_header=True)
        self._fh.close()
