"""Row-level contract rules: which rows of a landing file go to quarantine, and why.

Plain functions over polars frames, vectorised so a 10-million-row file is checked in seconds.
Each violation is one row of the result (a row can fail several rules); the loader stores them in
``audit.quarantined_rows`` and keeps the row itself, verbatim, in raw with ``_is_quarantined``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from ingestion.contract import Column, ColumnType, ContractFile, OrphanPolicy

VIOLATION_SCHEMA = {
    "_row_number": pl.Int64,
    "column_name": pl.String,
    "reason": pl.String,
    "detail": pl.String,
    "bad_value": pl.String,
}

_TRUE_FALSE = ["true", "false", "1", "0"]

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
        found.append((mask, column_name, "orphan_foreign_key", f"{column_name} not found in {fk.table}.{fk.column}"))
    return found


def row_violations(
    df: pl.DataFrame,
    contract_file: ContractFile,
    known_keys: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Every rule violation in ``df`` (text columns plus ``_row_number`` and ``_row_hash``).

    ``known_keys`` maps a rejecting foreign-key column to the parent keys that exist in the
    warehouse; a non-blank value outside them is an orphan.
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
    conflicts = conflicting_keys(df, contract_file, failing)
    if conflicts.height:
        found.append(conflicts)
    if not found:
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    return pl.concat(found, how="vertical").sort("_row_number", "column_name", maintain_order=True)


def _key_part(column: Column) -> pl.Expr:
    """A key column as the raw layer's uniqueness check compares it (quality/frames.py ``typed_expression``):
    typed, and allowed values in any case."""
    if column.type == ColumnType.STRING and column.accepted_values is not None:
        return pl.col(column.name).str.strip_chars().str.to_lowercase()
    return parse_column(column).cast(pl.String)


def conflicting_keys(df: pl.DataFrame, contract_file: ContractFile, failing: pl.Series | None = None) -> pl.DataFrame:
    """Rows whose primary key is in other rows of the file with other values (exact repeats are duplicate_row):
    which one is true is unknown, so every such row goes to quarantine and the rest of the file loads. Rows
    ``failing`` another rule are left out of the comparison: they are quarantined anyway."""
    key = contract_file.primary_key
    if not key or any(k not in df.columns for k in key):
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    parts = [_key_part(contract_file.column(k)).alias(f"_key_{i}") for i, k in enumerate(key)]
    names = [f"_key_{i}" for i in range(len(key))]
    rows = df.select("_row_number", "_row_hash", *parts)
    if failing is not None:
        rows = rows.filter(~failing)
    rows = rows.drop_nulls(names)
    # A hash of the key finds the few repeated keys without sorting every key of a large file.
    repeated = rows.filter(pl.struct(names).hash(seed=0).is_duplicated())
    conflicted = repeated.filter(pl.col("_row_hash").n_unique().over(names) > 1)
    if not conflicted.height:
        return pl.DataFrame(schema=VIOLATION_SCHEMA)
    shown = pl.concat_str([pl.col(n) for n in names], separator=", ")
    others = pl.col("_row_number").sort().head(5).cast(pl.String).str.join(", ").over(names)
    label = "+".join(key)
    return conflicted.select(
        pl.col("_row_number").cast(pl.Int64),
        pl.lit(key[0] if len(key) == 1 else "*").alias("column_name"),
        pl.lit("conflicting_key").alias("reason"),
        pl.concat_str(
            pl.lit(f"{label} is also in other rows of the file with other values (rows "),
            others,
            pl.lit("): which one is true is unknown"),
        ).alias("detail"),
        shown.alias("bad_value"),
    )


def describe_violation(relative_path: str, row_number: int, column: str, detail: str, value: str | None) -> str:
    """One line a person can act on: file, row (and CSV line), column, what is wrong."""
    shown = "<empty>" if value is None else repr(value)
    return f"{relative_path}: row {row_number} (line {row_number + 1}), column {column}: {detail} (got {shown})"
