"""Vectorised conversions a source mapping applies to one column of text: null tokens, value maps,
dates and numbers.

Each function takes and returns polars expressions, so a mapped file of millions of rows is converted
in a handful of columnar passes. A conversion that fails yields null; the caller compares with the
input to find (and quarantine) the rows that did not convert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import polars as pl

# Spelled-out ISO shapes: exports disagree on the separator and on seconds.
ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)
EXCEL_SERIAL = "excel_serial"
ISO = "iso"
# 1900-01-01 .. 9999-12-31 in Excel's day numbering; anything outside is not a serial date.
_EXCEL_MIN, _EXCEL_MAX = 1, 2958465
_MS_PER_DAY = 86_400_000

# Currency signs and codes an export may wrap around an amount; stripped before parsing.
# Blanks (also no-break and thin spaces), currency signs, and a currency code before or after the number.
_NOISE = r"[\s\u00a0\u202f$¥￥€£₹₩元]|^[A-Za-z]{3}|[A-Za-z]{3}$"


def blank_to_null(text: pl.Expr, null_tokens: Sequence[str]) -> pl.Expr:
    """Trimmed text, null when blank or one of ``null_tokens`` (compared after trimming, case-sensitive)."""
    trimmed = text.str.strip_chars()
    is_null = trimmed == ""
    if null_tokens:
        is_null = is_null | trimmed.is_in(list(null_tokens))
    return pl.when(is_null).then(pl.lit(None, dtype=pl.String)).otherwise(trimmed)


def map_values(
    text: pl.Expr,
    values: Mapping[str, str],
    unmapped: str,
    default: str | None,
    ignore_case: bool,
) -> tuple[pl.Expr, pl.Expr]:
    """(mapped text, mask of rows whose value is not in the map and must be reported)."""
    keys = list(values)
    new = [values[k] for k in keys]
    lookup = text
    if ignore_case:
        lookup = text.str.to_lowercase()
        keys = [k.lower() for k in keys]
    found = lookup.is_in(keys)
    if unmapped == "keep":
        fallback: pl.Expr = text
    elif unmapped == "default":
        fallback = pl.lit(default, dtype=pl.String)
    else:
        fallback = pl.lit(None, dtype=pl.String)
    mapped = pl.when(found).then(lookup.replace_strict(keys, new, default=None, return_dtype=pl.String))
    mapped = mapped.otherwise(fallback)
    problem = text.is_not_null() & ~found if unmapped == "reject" else pl.lit(False)
    return mapped, problem


def _one_format(text: pl.Expr, fmt: str) -> pl.Expr:
    if fmt == EXCEL_SERIAL:
        serial = text.cast(pl.Float64, strict=False)
        in_range = serial.is_between(_EXCEL_MIN, _EXCEL_MAX)
        offset = pl.duration(milliseconds=(serial * _MS_PER_DAY).round().cast(pl.Int64))
        return pl.when(in_range).then(pl.datetime(1899, 12, 30) + offset)
    return text.str.strptime(pl.Datetime("us"), fmt, strict=False)


def expand_date_formats(formats: Sequence[str]) -> list[str]:
    expanded: list[str] = []
    for fmt in formats:
        expanded.extend(ISO_FORMATS if fmt == ISO else [fmt])
    return expanded


def parse_datetime(text: pl.Expr, formats: Sequence[str]) -> pl.Expr:
    """The first format that parses wins, row by row; null when none does."""
    return pl.coalesce([_one_format(text, fmt) for fmt in expand_date_formats(formats)])


def format_datetime(parsed: pl.Expr, with_time: bool) -> pl.Expr:
    return parsed.dt.strftime("%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d")


def _grouped_pattern(decimal: str, thousands: str) -> str:
    sep, dec = re.escape(thousands), re.escape(decimal)
    return rf"^[+-]?\d{{1,3}}({sep}\d{{3}})+({dec}\d*)?%?$"


def parse_number(text: pl.Expr, decimal: str, thousands: str, percent: bool) -> pl.Expr:
    """A plain decimal string (``-1234.5``) from a formatted amount, or null when it is not a number.

    Handles currency signs and codes, blanks inside the number, ``(12.00)`` and ``12.00-`` negatives,
    and a trailing ``%`` (divided by 100, as is every value when ``percent``). A thousands separator
    must group digits by three, so ``12,5`` read with ``thousands: ","`` is rejected rather than
    silently becoming 125. The division by 100 moves the decimal point in the text, so no float
    rounding creeps into money.
    """
    return text.map_batches(
        lambda s: number_series(s, decimal, thousands, percent), return_dtype=pl.String, is_elementwise=True
    )


def number_series(series: pl.Series, decimal: str, thousands: str, percent: bool) -> pl.Series:
    """``parse_number`` on a whole column. Each step is materialised: chained as one expression, every
    step would repeat the whole tree of the steps before it, and the cost grows with each step."""
    t = pl.col("t")
    frame = series.rename("t").to_frame().with_columns(t.str.replace_all(_NOISE, ""))
    # Accounting negatives are rare: skip the two regex passes when no value can be one.
    if frame.select((t.str.contains("(", literal=True) | t.str.ends_with("-")).any()).item():
        frame = frame.with_columns(t.str.replace(r"^\((.*)\)$", "-${1}").str.replace(r"^([^+-].*)-$", "-${1}"))
    grouped_ok = pl.lit(True)
    if thousands:
        grouped_ok = ~t.str.contains(thousands, literal=True) | t.str.contains(_grouped_pattern(decimal, thousands))
    frame = frame.with_columns(grouped_ok.alias("ok"))
    if thousands:
        frame = frame.with_columns(t.str.replace_all(thousands, "", literal=True))
    if decimal != ".":
        frame = frame.with_columns(t.str.replace_all(decimal, ".", literal=True))
    frame = frame.with_columns(
        (pl.lit(True) if percent else t.str.ends_with("%")).alias("pct"), t.str.strip_suffix("%")
    )
    frame = frame.with_columns(
        (pl.col("ok") & t.str.contains(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")).alias("ok"),
        t.str.starts_with("-").alias("neg"),
        t.str.strip_chars_start("+-").str.extract(r"^(\d*)", 1).fill_null("").alias("int"),
        t.str.extract(r"\.(\d*)$", 1).fill_null("").alias("frac"),
    )
    padded = pl.lit("00") + pl.col("int")
    frame = frame.with_columns(
        pl.when(pl.col("pct"))
        .then(padded.str.head(-2))
        .otherwise(pl.col("int"))
        .str.strip_chars_start("0")
        .alias("int"),
        pl.when(pl.col("pct"))
        .then(padded.str.tail(2) + pl.col("frac"))
        .otherwise(pl.col("frac"))
        .str.strip_chars_end("0")
        .alias("frac"),
    )
    number = pl.when(pl.col("int") == "").then(pl.lit("0")).otherwise(pl.col("int"))
    frame = frame.with_columns(
        pl.when(pl.col("frac") == "").then(number).otherwise(number + pl.lit(".") + pl.col("frac")).alias("num")
    )
    signed = pl.when(pl.col("neg") & (pl.col("num") != "0")).then(pl.lit("-") + pl.col("num")).otherwise(pl.col("num"))
    return frame.select(pl.when(pl.col("ok")).then(signed).alias(series.name)).to_series()


def spreadsheet_id(text: pl.Expr) -> pl.Expr:
    """An ID as text; a spreadsheet that stored it as a number renders ``123`` as ``123.0``."""
    return text.str.replace(r"^(\d+)\.0$", "${1}")
