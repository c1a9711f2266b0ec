"""Row-level contract rules: which rows of a landing file go to quarantine, and why.

Plain functions over polars frames, vectorised so a 10-million-row file is checked in seconds.
Each violation is one row of the result (a row can fail several rules); the loader stores them in
``audit.quarantined_rows`` and keeps the row itself, verbatim, in raw with ``_is_quarantined``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from ingestion.contract import DECIMAL_PRECISION, DECIMAL_SCALE, Column, ColumnType, ContractFile, OrphanPolicy

VIOLATION_SCHEMA = {
    "_row_number": pl.Int64,
    "column_name": pl.String,
    "reason": pl.String,
    "detail": pl.String,
    "bad_value": pl.String,
}

_TRUE_FALSE = ["true", "false", "1", "0"]
# A reference to a parent key that no current, accepted parent row holds (the loader reloads such rows'
# file once the parent comes: ingestion/loader.py keys_whose_parents_changed).
ORPHAN_REASON = "orphan_foreign_key"

# Dates and timestamps outside this window parse, but are placeholders (0001-01-01, 9999-12-31, and
# 1900-01-01, the zero date of Excel and SQL Server) or typos, never business dates; downstream builds its
# calendar from the data, so they must not reach it.
EARLIEST_DATE = date(1900, 1, 2)
LATEST_DATE = date(2199, 12, 31)


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).str.strip_chars() == "")


def parse_column(column: Column) -> pl.Expr:
    """The typed value of a text column, null where the text does not parse."""
    text = pl.col(column.name).str.strip_chars()
    match column.type:
        case ColumnType.INTEGER:
            # Digits only: an exponent (1.2E+11) in a count or an id-like number is a spreadsheet's
            # rounding of it, so it is rejected rather than read as an approximation.
            return text.cast(pl.Int64, strict=False)
        case ColumnType.DECIMAL:
            # Exponents are fine here (1.5e3 = 1500): DuckDB's cast in staging reads them too.
            as_float = text.cast(pl.Float64, strict=False)
            return pl.when(as_float.is_finite()).then(as_float)
        case ColumnType.DATE:
            return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        case ColumnType.TIMESTAMP:
            return pl.coalesce(
                text.str.strptime(pl.Datetime, "%Y-%m-%d %H:%M:%S", strict=False),
                text.str.strptime(pl.Datetime, "%Y-%m-%dT%H:%M:%S", strict=False),
                text.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime),
            )
        case ColumnType.BOOLEAN:
            lowered = text.str.to_lowercase()
            return pl.when(lowered.is_in(_TRUE_FALSE)).then(lowered.is_in(["true", "1"]))
        case _:
            return text


_INVALID_REASON = {
    ColumnType.INTEGER: "invalid_integer",
    ColumnType.DECIMAL: "invalid_decimal",
    ColumnType.DATE: "invalid_date",
    ColumnType.TIMESTAMP: "invalid_timestamp",
    ColumnType.BOOLEAN: "invalid_boolean",
}


# One rule: the rows it rejects (a boolean expression over the text columns), the column it names ("*":
# the whole row), its reason and the message detail.
Rule = tuple[pl.Expr, str, str, str]


def _column_rules(column: Column) -> list[Rule]:
    name = column.name
    found: list[Rule] = []
    if column.required:
        found.append((_blank(name), name, "missing_required", f"{name} is required"))
    present = ~_blank(name)
    if column.type != ColumnType.STRING:
        parsed = parse_column(column)
        reason = _INVALID_REASON[column.type]
        found.append((present & parsed.is_null(), name, reason, f"{name} is not a valid {column.type}"))
        if column.min_value is not None:
            detail = f"{name} must be >= {column.min_value:g}"
            reason = "negative_value" if column.min_value == 0 else "below_minimum"
            if name in ("unit_price", "list_price", "unit_cost"):
                reason = "negative_price"
            found.append((parsed < column.min_value, name, reason, detail))
        if column.max_value is not None:
            detail = f"{name} must be <= {column.max_value:g}"
            found.append((parsed > column.max_value, name, "above_maximum", detail))
        if column.type == ColumnType.DECIMAL:
            digits = DECIMAL_PRECISION - DECIMAL_SCALE
            detail = f"{name} must have at most {digits} digits before the decimal point"
            found.append((parsed.abs() >= 10.0**digits, name, "decimal_out_of_range", detail))
        if column.type in (ColumnType.DATE, ColumnType.TIMESTAMP):
            day = parsed.cast(pl.Date)
            outside = (day < EARLIEST_DATE) | (day > LATEST_DATE)
            detail = f"{name} must be between {EARLIEST_DATE} and {LATEST_DATE}"
            found.append((outside, name, "date_out_of_range", detail))
    if column.accepted_values is not None:
        # Exports write 'Won' or ' WON ' for won: accepted here, and staging gives the contract's spelling.
        allowed = ", ".join(column.accepted_values)
        accepted = [v.lower() for v in column.accepted_values]
        mask = present & ~pl.col(name).str.strip_chars().str.to_lowercase().is_in(accepted)
        found.append((mask, name, "not_accepted_value", f"{name} must be one of: {allowed}"))
    return found


def _rules(df: pl.DataFrame, contract_file: ContractFile, known_keys: Mapping[str, pl.Series] | None) -> list[Rule]:
    found: list[Rule] = []
    for column in contract_file.columns:
        if column.name in df.columns:
            found.extend(_column_rules(column))
    # An exact repeat of an earlier row in the same file is a duplicate delivery, not new data.
    found.append(
        (
            ~pl.col("_row_hash").is_first_distinct(),
            "*",
            "duplicate_row",
            "exact duplicate of an earlier row in the same file",
        )
    )
    for column_name, fk in contract_file.foreign_keys:
        if fk.on_orphan != OrphanPolicy.REJECT or column_name not in df.columns:
            continue
        keys = (known_keys or {}).get(column_name)
        if keys is None:
            keys = pl.Series(column_name, [], dtype=pl.String)
        mask = ~_blank(column_name) & ~pl.col(column_name).str.strip_chars().is_in(keys.implode())
        detail = (
            f"{column_name} not found in the accepted rows of {fk.table}.{fk.column} "
            "(a later full run that finds the parent loads it)"
        )
        found.append((mask, column_name, ORPHAN_REASON, detail))
    return found


def row_violations(
    df: pl.DataFrame,
    contract_file: ContractFile,
    known_keys: Mapping[str, pl.Series] | None = None,
    already_quarantined: pl.Series | None = None,
) -> pl.DataFrame:
    """Every rule violation in ``df`` (text columns plus ``_row_number`` and ``_row_hash``).

    ``known_keys`` maps a rejecting foreign-key column to the parent keys that exist in the
    warehouse; a non-blank value outside them is an orphan. ``already_quarantined``: row numbers the reader
    or a mapping quarantined (ragged, unconvertible), left out of the key comparison like rows failing a rule.
    """
    rules = _rules(df, contract_file, known_keys)
    # Every rule's mask in one pass over the file: polars evaluates the masks in parallel and parses a
    # column once for all the rules on it (common subexpressions), instead of one filter per rule.
    masks = df.lazy().select(mask.alias(str(i)) for i, (mask, *_) in enumerate(rules)).collect()
    found = [
        df.filter(hits).select(
            pl.col("_row_number").cast(pl.Int64),
            pl.lit(column).alias("column_name"),
            pl.lit(reason).alias("reason"),
            pl.lit(detail).alias("detail"),
            (pl.lit(None, dtype=pl.String) if column == "*" else pl.col(column).cast(pl.String)).alias("bad_value"),
        )
        for (_, column, reason, detail), hits in zip(rules, masks.iter_columns(), strict=True)
        if hits.any()
    ]
    failing = masks.select(pl.any_horizontal(pl.all()).fill_null(False)).to_series() if masks.width else None
    if already_quarantined is not None:
        earlier = df["_row_number"].is_in(already_quarantined.implode())
        failing = earlier if failing is None else failing | earlier
    conflicts = repeated_key_rows(df, contract_file, failing)
    if conflicts.height:
        found.append(conflicts)
    if not found:
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    return pl.concat(found, how="vertical").sort("_row_number", "column_name", maintain_order=True)


# A key part without a value is a value of its own (quotas' company rows have no owner_id), as in the raw
# suite's uniqueness check, which compares keys with its own code (quality/frames.py: a check must not share
# the loader's).
NULL_KEY_PART = "\u2205"
MAX_OTHER_ROWS = 5


def _normalised(column: Column) -> pl.Expr:
    """A column as the raw suite reads it (quality/frames.py ``typed_expression``): trimmed, blank as no
    value, typed, allowed values in any case."""
    if column.type == ColumnType.STRING:
        text = pl.col(column.name).str.strip_chars()
        text = text.str.to_lowercase() if column.accepted_values is not None else text
        return pl.when(text != "").then(text)
    return parse_column(column).cast(pl.String)


def repeated_key_rows(
    df: pl.DataFrame, contract_file: ContractFile, quarantined: pl.Series | None = None
) -> pl.DataFrame:
    """Rows whose primary key is in other rows of the file. With other values (``conflicting_key``) which one
    is true is unknown, so every such row goes to quarantine and the rest of the file loads; with the same
    values as the raw suite reads them ("x" and "x "), the later rows are duplicates (``duplicate_row``, as
    exact repeats, which the rules before already found). Rows ``quarantined`` for another reason (a boolean
    mask) are left out of the comparison: they do not reach the suite either."""
    key = contract_file.primary_key
    if not key or any(k not in df.columns for k in key):
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    names = [f"_key_{i}" for i in range(len(key))]
    parts = [
        _normalised(contract_file.column(k)).fill_null(NULL_KEY_PART).alias(n) for k, n in zip(key, names, strict=True)
    ]
    rows = df if quarantined is None else df.filter(~quarantined)
    keyed = rows.with_columns(parts)
    # A hash of the key finds the few repeated keys without sorting every key of a large file.
    repeated = keyed.filter(pl.struct(names).hash(seed=0).is_duplicated())
    if not repeated.height:
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    values = [_normalised(c) for c in contract_file.columns if c.name in df.columns]
    repeated = repeated.with_columns(pl.struct(values).hash(seed=0).alias("_content"))
    conflicted = repeated.filter(pl.col("_content").n_unique().over(names) > 1).sort("_row_number")
    # The same values once blanks and case are set aside: the suite would still count the key twice, so the
    # later rows are duplicates, as exact repeats are.
    same = repeated.filter(
        (pl.col("_content").n_unique().over(names) == 1)
        & (pl.col("_row_number") != pl.col("_row_number").min().over(names))
    )
    near_duplicates = same.select(
        pl.col("_row_number").cast(pl.Int64),
        pl.lit("*").alias("column_name"),
        pl.lit("duplicate_row").alias("reason"),
        pl.lit("the values of an earlier row of the file, once blanks and case are set aside").alias("detail"),
        pl.lit(None, dtype=pl.String).alias("bad_value"),
    )
    if not conflicted.height:
        return near_duplicates
    rows_of_key: dict[tuple, list[int]] = {}
    for *parts_of_key, row in conflicted.select(*names, "_row_number").iter_rows():
        rows_of_key.setdefault(tuple(parts_of_key), []).append(row)
    label = "+".join(key)
    records = []
    for parts_of_key, numbers in rows_of_key.items():
        for row in numbers:
            others = [n for n in numbers if n != row]
            shown = ", ".join(map(str, others[:MAX_OTHER_ROWS]))
            more = f" and {len(others) - MAX_OTHER_ROWS} more" if len(others) > MAX_OTHER_ROWS else ""
            detail = (
                f"{label} is also in row(s) {shown}{more} of the file, with other values: which one is true is unknown"
            )
            value = ", ".join("" if p == NULL_KEY_PART else p for p in parts_of_key)
            records.append((row, key[0] if len(key) == 1 else "*", "conflicting_key", detail, value))
    return pl.concat([pl.DataFrame(records, schema=VIOLATION_SCHEMA, orient="row"), near_duplicates])


def describe_violation(relative_path: str, row_number: int, column: str, detail: str, value: str | None) -> str:
    """One line a person can act on: file, row (and CSV line), column, what is wrong."""
    shown = "<empty>" if value is None else repr(value)
    return f"{relative_path}: row {row_number} (line {row_number + 1}), column {column}: {detail} (got {shown})"
