"""Landings derived from a generated one: a subset of the contract files, or the same data moved in time.

Plain functions over files, so a test can build "a business without a CRM" or "a CRM from the 1990s"
from one ``generate_landing`` output without a second generator run. Only the contract files
(``ingestion.contract.CONTRACT``) are touched; the generator's answer-key files are left where they are.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from ingestion.contract import CONTRACT, ColumnType, ContractFile

_CONTRACT_BY_PATH: dict[str, ContractFile] = {cf.relative_path: cf for cf in CONTRACT}
_DATE_TYPES = (ColumnType.DATE, ColumnType.TIMESTAMP)


def _contract_file(relative_path: str) -> ContractFile:
    try:
        return _CONTRACT_BY_PATH[relative_path]
    except KeyError:
        known = ", ".join(sorted(_CONTRACT_BY_PATH))
        raise KeyError(f"{relative_path!r} is not a contract file (one of: {known})") from None


def _header_line(src: Path, cf: ContractFile) -> bytes:
    source = src / cf.relative_path
    if source.exists():
        with open(source, "rb") as fh:
            first = fh.readline()
        if first.strip():
            return first if first.endswith(b"\n") else first + b"\n"
    return (",".join(cf.column_names) + "\n").encode("utf-8")


def subset_landing(src: Path, dst: Path, keep: Iterable[str], header_only: Iterable[str] = ()) -> Path:
    """Copy the contract files ``keep`` (relative paths such as ``crm/opportunities.csv``) from ``src`` to
    ``dst``, and write each file of ``header_only`` as its header line alone. Every other file is absent.

    A name in both lists is written header-only. Returns ``dst``.
    """
    src, dst = Path(src), Path(dst)
    header_only = list(header_only)
    empty = {_contract_file(p).relative_path for p in header_only}
    for relative in keep:
        cf = _contract_file(relative)
        if cf.relative_path in empty:
            continue
        target = dst / cf.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / cf.relative_path, target)
    for relative in header_only:
        cf = _contract_file(relative)
        target = dst / cf.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_header_line(src, cf))
    return dst


def _is_leap(year: pl.Expr) -> pl.Expr:
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


def _shifted(column: str, kind: ColumnType, years: int) -> pl.Expr:
    """The value with its date part moved by whole years; values that are not a valid date or timestamp
    (the generator's deliberately broken ones among them) come back unchanged, so they stay broken."""
    text = pl.col(column)
    head = text.str.slice(0, 10)
    day = head.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if kind == ColumnType.DATE:
        valid = (text.str.len_chars() == 10) & day.is_not_null()
    else:
        # The date part must be a real day and the whole value a real timestamp (or a bare date).
        stamp = pl.coalesce(
            text.str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S", strict=False),
            text.str.strptime(pl.Datetime, "%Y-%m-%dT%H:%M:%S", strict=False),
        )
        valid = day.is_not_null() & ((text.str.len_chars() == 10) | stamp.is_not_null())
    year = day.dt.year() + years
    # Feb 29 has no counterpart in a common year: the last day of February stands in for it.
    month_day = pl.when((head.str.slice(5, 5) == "02-29") & ~_is_leap(year)).then(pl.lit("02-28"))
    month_day = month_day.otherwise(head.str.slice(5, 5))
    moved = pl.concat_str(year.cast(pl.String).str.zfill(4), pl.lit("-"), month_day, text.str.slice(10))
    return pl.when(valid).then(moved).otherwise(text).alias(column)


def _without_leap_day_collisions(
    before: pl.DataFrame, after: pl.DataFrame, cf: ContractFile, shifted: list[str]
) -> pl.DataFrame:
    """Drop the rows moved from Feb 29 to Feb 28 whose key now repeats another row's key.

    A table keyed by day (fx_rates: currency + rate_date) already has a Feb 28 row, so the moved Feb 29
    row would be a second rate for the same day: the Feb 28 row stands for both days, as it would in a
    common year. Duplicates that were in the file before the shift are left alone.
    """
    dated_key = [c for c in cf.primary_key if c in shifted]
    if not dated_key:
        return after
    moved = pl.any_horizontal(
        (before[c].str.slice(5, 5) == "02-29") & (after[c].str.slice(5, 5) == "02-28") for c in dated_key
    )
    collides = pl.struct(list(cf.primary_key)).is_duplicated()
    return after.filter(~(moved & collides).fill_null(False))


def shift_years(landing: Path, years: int) -> Path:
    """Rewrite, in place, every date and timestamp column of every contract file in ``landing`` (including
    dated drops ``<source>/<YYYY-MM-DD>/<file>.csv``; the drop folders keep their names) by ``years``.

    The column types come from the contract, so quota ``period_start``, fx ``rate_date`` and the
    forward-looking planned dates move with the rest. Feb 29 becomes Feb 28 in a common year; in a file
    keyed by that date the moved row is dropped when the Feb 28 row already holds the key. Returns
    ``landing``.
    """
    landing = Path(landing)
    for cf in CONTRACT:
        date_columns = [c for c in cf.columns if c.type in _DATE_TYPES]
        if not date_columns:
            continue
        source_dir = landing / cf.source
        if not source_dir.is_dir():
            continue
        for path in sorted(source_dir.rglob(f"{cf.name}.csv")):
            frame = pl.read_csv(path, infer_schema=False)
            present = [c for c in date_columns if c.name in frame.columns]
            if frame.height == 0 or not present:
                continue
            shifted = frame.with_columns(_shifted(c.name, c.type, years) for c in present)
            shifted = _without_leap_day_collisions(frame, shifted, cf, [c.name for c in present])
            shifted.write_csv(path)
    return landing


__all__ = ["shift_years", "subset_landing"]
