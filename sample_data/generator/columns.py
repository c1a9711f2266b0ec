"""Polars columns from numpy arrays: zero-padded ids, optional ids, dates, timestamps, vocabulary lookups."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def id_series(prefix: str, nums: np.ndarray, width: int) -> pl.Series:
    s = pl.Series(np.asarray(nums, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str([pl.lit(prefix), s])).to_series()


def optional_id_series(prefix: str, nums: np.ndarray, width: int) -> pl.Series:
    """Ids where nums >= 0, null where nums < 0."""
    nums = np.asarray(nums, dtype=np.int64)
    s = id_series(prefix, np.maximum(nums, 0), width)
    return pl.select(pl.when(pl.Series(nums >= 0)).then(s)).to_series()


def date_series(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    days = np.asarray(days, dtype=np.int64)
    if valid is None:
        return pl.Series(days).cast(pl.Date)
    return pl.Series(np.where(valid, days, np.nan), nan_to_null=True).cast(pl.Int64).cast(pl.Date)


def timestamp_series(secs: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    secs = np.asarray(secs, dtype=np.int64)
    if valid is None:
        return pl.from_epoch(pl.Series(secs), time_unit="s")
    s = pl.Series(np.where(valid, secs, np.nan), nan_to_null=True).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s")


def take(values: Sequence[str] | np.ndarray, idx: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))


def str_series(values: np.ndarray) -> pl.Series:
    """Object array of str/None -> String series (polars cannot infer a type from a leading None)."""
    return pl.Series(values.tolist(), dtype=pl.String)
