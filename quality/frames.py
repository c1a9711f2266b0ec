"""The frames a file suite validates: the rows of one loaded file version, typed like staging types them.

Raw keeps every value verbatim as text. Great expectations needs typed columns to compare dates and
numbers, so each contract column is parsed with the loader's own parser (``ingestion.row_rules``):
a value that does not parse becomes null, exactly as the loader judged it. GX has no polars or DuckDB
datasource (stack-notes.md), so the typed polars frame is handed over with ``to_pandas()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from ingestion.contract import ColumnType, ContractFile
from ingestion.mapping import SOURCE_ROW_COLUMN
from ingestion.row_rules import parse_column
from ingestion.warehouse import table_columns, table_exists
from quality.expectations import KEY_COLUMN

_NULL_KEY_PART = "\u2205"


@dataclass(frozen=True)
class LoadedFile:
    """One current file version of a raw table, as the ledger describes it."""

    load_id: str
    source_file: str
    rows_received: int
    rows_quarantined: int
    loaded_at: datetime | None = None  # UTC, from the ledger
    extra_columns: tuple[str, ...] = ()
    missing_optional_columns: tuple[str, ...] = ()


@dataclass
class FileFrames:
    loaded: LoadedFile
    accepted: pl.DataFrame  # typed, not quarantined
    received: pl.DataFrame  # typed, every row of the file version
    columns_in_file: list[str] = field(default_factory=list)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(c for c in (value or "").split(",") if c)


def current_loads(con: duckdb.DuckDBPyConnection, table: str) -> list[LoadedFile]:
    """The current (not superseded) file versions of ``table``, oldest drop first."""
    if not table_exists(con, "audit", "load_ledger"):
        return []
    rows = con.execute(
        """
        select load_id, source_file, rows_received, rows_quarantined, loaded_at, extra_columns,
            missing_optional_columns
        from audit.load_ledger
        where table_name = ? and is_current
        order by drop_date asc nulls first, source_file, load_id
        """,
        [table],
    ).fetchall()
    return [LoadedFile(r[0], r[1], int(r[2]), int(r[3]), r[4], _split(r[5]), _split(r[6])) for r in rows]


def previous_rows_received(con: duckdb.DuckDBPyConnection, loaded: LoadedFile) -> int | None:
    """Rows received by the file version before ``loaded``: the one it replaced at the same path, else
    the table's latest earlier load. None when there was none."""
    rows = con.execute(
        """
        select rows_received
        from audit.load_ledger
        where table_name = (select table_name from audit.load_ledger where load_id = $1)
          and load_id <> $1
          and (superseded_by = $1 or loaded_at <= (select loaded_at from audit.load_ledger where load_id = $1))
        order by case when superseded_by = $1 then 0 else 1 end, loaded_at desc, load_id desc
        limit 1
        """,
        [loaded.load_id],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def typed_frame(raw_rows: pl.DataFrame, cf: ContractFile, extra_columns: tuple[str, ...] = ()) -> pl.DataFrame:
    """Contract columns parsed to their types (blank text -> null), extra columns as text, plus the key."""
    exprs: list[pl.Expr] = []
    for column in cf.columns:
        if column.name not in raw_rows.columns:
            continue
        if column.type == ColumnType.STRING:
            text = pl.col(column.name).str.strip_chars()
            if column.accepted_values is not None:
                # The loader accepts a closed-vocabulary value in any case ('Won', ' DIRECT '), and staging
                # gives it the contract's spelling: so do these checks.
                spelled = {v.lower(): v for v in column.accepted_values}
                lower = text.str.to_lowercase()
                known = lower.replace_strict(spelled, default=None)
                text = pl.when(lower.is_in(list(spelled))).then(known).otherwise(text)
            exprs.append(pl.when(text != "").then(text).alias(column.name))
        elif column.type == ColumnType.DATE:
            # pandas has no date dtype: compare as timestamps at midnight.
            exprs.append(parse_column(column).cast(pl.Datetime("us")).alias(column.name))
        else:
            exprs.append(parse_column(column).alias(column.name))
    exprs.extend(pl.col(c) for c in extra_columns if c in raw_rows.columns)
    typed = raw_rows.select(exprs) if exprs else pl.DataFrame()
    if cf.primary_key:
        parts = [pl.col(k).cast(pl.String).fill_null(_NULL_KEY_PART) for k in cf.primary_key]
        typed = typed.with_columns(pl.concat_str(parts, separator="|").alias(KEY_COLUMN))
    return typed


def load_file_frames(con: duckdb.DuckDBPyConnection, cf: ContractFile, loaded: LoadedFile) -> FileFrames:
    """The accepted and the received rows of one file version, typed.

    The accepted frame has every contract column (a missing optional column reads as empty, as staging
    sees it); the received frame has the file's own header, so the column-set check sees what came.
    """
    available = set(table_columns(con, "raw", cf.name))
    # The verbatim source row a mapping keeps is the loader's, not a column the file sent.
    extra = tuple(c for c in loaded.extra_columns if c in available and c != SOURCE_ROW_COLUMN)
    select_list = ", ".join(f'"{c}"' for c in [*cf.column_names, *extra])
    raw_rows = con.sql(
        f'select {select_list}, _is_quarantined from raw."{cf.name}" where _load_id = $1 order by _row_number',
        params=[loaded.load_id],
    ).pl()
    typed = typed_frame(raw_rows, cf, extra)
    in_file = [c for c in cf.column_names if c not in loaded.missing_optional_columns] + list(extra)
    key = [KEY_COLUMN] if KEY_COLUMN in typed.columns else []
    return FileFrames(
        loaded=loaded,
        accepted=typed.filter(~raw_rows["_is_quarantined"]),
        received=typed.select([*in_file, *key]),
        columns_in_file=in_file,
    )
