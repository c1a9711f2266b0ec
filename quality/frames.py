"""Reading the raw layer into the frames the great-expectations suites validate.

Raw keeps every value verbatim as text. The suites read it the way staging reads it, with DuckDB's own
``try_cast`` (staging's ``safe_cast``), not with the loader's parser: a check that re-used the loader's
parser could only ever agree with the loader. Blank text is null, a closed-vocabulary value is compared
lower-cased and trimmed (the loader accepts 'Won' for won and staging respells it).

GX has no DuckDB datasource that works (stack-notes.md), so frames are handed over as pandas, through
Arrow (``pandas_frame``), and the memory they held is handed back once a table is validated
(``release_frame_memory``): the dbt build that follows runs beside this process.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contract import Column, ColumnType, ContractFile
from ingestion.warehouse import table_columns, table_exists
from quality.expectations import KEY_COLUMN

_NULL_KEY_PART = "\u2205"


@dataclass(frozen=True)
class LoadedFile:
    """One file version of a raw table, as the load ledger describes it."""

    load_id: str
    source_file: str
    rows_received: int
    rows_quarantined: int
    loaded_at: datetime | None = None  # UTC

    @property
    def rows_accepted(self) -> int:
        return self.rows_received - self.rows_quarantined


_LEDGER_COLUMNS = "load_id, source_file, rows_received, rows_quarantined, loaded_at"


def _loaded(rows: list[tuple]) -> list[LoadedFile]:
    return [LoadedFile(r[0], r[1], int(r[2]), int(r[3]), r[4]) for r in rows]


def current_loads(con: duckdb.DuckDBPyConnection, table: str) -> list[LoadedFile]:
    """The current (not superseded) file versions of ``table``, oldest drop first."""
    if not table_exists(con, "audit", "load_ledger"):
        return []
    rows = con.execute(
        f"""
        select {_LEDGER_COLUMNS}
        from audit.load_ledger
        where table_name = ? and is_current
        order by drop_date asc nulls first, loaded_at, source_file, load_id
        """,
        [table],
    ).fetchall()
    return _loaded(rows)


def previous_load(con: duckdb.DuckDBPyConnection, loaded: LoadedFile) -> LoadedFile | None:
    """The load before ``loaded``: the version it replaced at the same path, else the table's latest
    earlier load (the previous dated drop). None on a first load."""
    rows = con.execute(
        f"""
        select {_LEDGER_COLUMNS}
        from audit.load_ledger
        where table_name = (select table_name from audit.load_ledger where load_id = $1)
          and load_id <> $1
          and (superseded_by = $1 or loaded_at <= (select loaded_at from audit.load_ledger where load_id = $1))
        order by case when superseded_by = $1 then 0 else 1 end, loaded_at desc, load_id desc
        limit 1
        """,
        [loaded.load_id],
    ).fetchall()
    return _loaded(rows)[0] if rows else None


def loads_frame(con: duckdb.DuckDBPyConnection, loads: list[LoadedFile]) -> pd.DataFrame:
    """One row per current file version: rows received and accepted, and the change against its previous
    load (null on a first load, or when the previous load was empty: nothing to compare with)."""
    records = []
    for loaded in loads:
        before = previous_load(con, loaded)
        previous_rows = before.rows_received if before else None
        records.append(
            {
                "source_file": loaded.source_file,
                "rows_received": loaded.rows_received,
                "rows_accepted": loaded.rows_accepted,
                # Null for a header-only file: there is no share of nothing, and no data is not a broken file.
                "accepted_share": loaded.rows_accepted / loaded.rows_received if loaded.rows_received else None,
                "previous_rows_received": previous_rows,
                "rows_vs_previous": loaded.rows_received / previous_rows if previous_rows else None,
            }
        )
    columns = ["source_file", "rows_received", "rows_accepted", "accepted_share"]
    columns += ["previous_rows_received", "rows_vs_previous"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    # An all-null column would be 'object' in pandas; GX compares numbers.
    for column in ("accepted_share", "previous_rows_received", "rows_vs_previous"):
        frame[column] = frame[column].astype("float64")
    return frame


def stored_columns_frame(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A zero-row frame with exactly the columns ``raw.<table>`` has (the storage schema check)."""
    return pd.DataFrame(columns=table_columns(con, "raw", table))


# Rows per Arrow batch copied out of DuckDB: only the batch being copied is held twice (DuckDB's and ours).
_BATCH_ROWS = 1_000_000


def pandas_frame(relation: duckdb.DuckDBPyRelation, categories: Sequence[str] = ()) -> pd.DataFrame:
    """A query's rows as a pandas frame, through Arrow: a quarter of the time and 40% of the peak memory of
    DuckDB's ``.df()`` (10M order lines: 2.4 s and 2.3 GB against 9.2 s and 5.7 GB; 3.3-4.0 s with the copy
    below), the same values and dtypes for the types the suites read, except that a text column without any
    value stays a string column (tests/test_quality_frames.py).

    ``categories`` are text columns with a few values repeated on every row (a file name): they come as
    pandas categories, one small code per row instead of the text (10M rows: 290 MB -> 40 MB).

    The rows are copied out of DuckDB's Arrow batches one batch at a time. pandas keeps a text column's
    characters in the buffer Arrow gave it, and DuckDB frees a batch only once every column of it is
    released: the frame held all of DuckDB's result alive beside its own columns (10M order lines: 1.9 GB
    of memory for a 0.9 GB frame; copied, 1.2 GB)."""
    batches = [_owned(batch) for batch in relation.to_arrow_reader(_BATCH_ROWS)]
    table = pa.Table.from_batches(batches, schema=_arrow_schema(relation, batches))
    # The list would keep a text column that ``categories`` replaces alive until the frame is made.
    del batches
    for name in categories:
        table = table.set_column(table.schema.get_field_index(name), name, pc.dictionary_encode(table[name]))
    return table.to_pandas()


def _owned(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` copied into Arrow's own memory, so that DuckDB's buffers are freed with ``batch``."""
    return pa.RecordBatch.from_arrays([pa.concat_arrays([column]) for column in batch.columns], schema=batch.schema)


def _arrow_schema(relation: duckdb.DuckDBPyRelation, batches: list[pa.RecordBatch]) -> pa.Schema:
    # A query without rows yields no batch to read the schema from.
    return batches[0].schema if batches else relation.limit(0).to_arrow_table().schema


def release_frame_memory() -> None:
    """Give the memory of dropped frames back to the operating system. Arrow's allocator keeps freed
    blocks for reuse; after a 10M-row table that is 0.6-1.9 GB the process would hold through dbt."""
    pa.default_memory_pool().release_unused()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def typed_expression(column: Column, source: str = "r") -> str:
    """SQL reading one raw text column the way staging does: blank is null, numbers and dates cast."""
    text = f"nullif(trim({source}.{_quoted(column.name)}), '')"
    match column.type:
        case ColumnType.INTEGER | ColumnType.DECIMAL:
            return f"try_cast({text} as double)"
        case ColumnType.DATE | ColumnType.TIMESTAMP:
            # pandas has no date dtype: dates compare as timestamps at midnight.
            return f"try_cast({text} as timestamp)"
        case ColumnType.BOOLEAN:
            return f"lower({text})"
        case _:
            return f"lower({text})" if column.accepted_values is not None else text


def _key_parts(cf: ContractFile) -> list[str]:
    """The typed primary key columns as texts, a null part as a sign of its own (NULL parts compare equal)."""
    return [f"coalesce(cast({typed_expression(cf.column(k))} as varchar), '{_NULL_KEY_PART}')" for k in cf.primary_key]


def _key_expression(cf: ContractFile, several_loads: bool) -> str:
    """The primary key as one text where it repeats within its file version (``_repeated_keys``), else null;
    prefixed with the file version only when several are read.

    DuckDB finds the repeated keys and great-expectations' uniqueness check judges the column: it skips the
    nulls, and every text left is a repeat, so its failing rows, row count and examples are those of the
    check on every key. pandas' duplicate search over every key of 10M order lines took 3.6 s and 1.2-1.4 GB
    of memory on top of the frame; DuckDB's count of the keys adds ~1.7 s to the frame, within its memory limit."""
    parts = _key_parts(cf)
    key = f"concat_ws('|', {', '.join(['r._load_id', *parts] if several_loads else parts)})"
    return f"case when repeated._load_id is not null then {key} end"


def _repeated_keys(cf: ContractFile, rows_filter: str) -> str:
    """A join of the rows ``rows_filter`` selects to the keys that repeat within their file version."""
    parts = _key_parts(cf)
    named = ", ".join(f"{part} as key_{i}" for i, part in enumerate(parts))
    on = " and ".join(f"repeated.key_{i} = {part}" for i, part in enumerate(parts))
    return f"""
        left join (
            select r._load_id, {named}
            from raw.{_quoted(cf.name)} r
            where {rows_filter}
            group by all
            having count(*) > 1
        ) as repeated
            on repeated._load_id = r._load_id and {on}"""


def accepted_rows(
    con: duckdb.DuckDBPyConnection,
    cf: ContractFile,
    load_ids: list[str],
    with_key: bool = True,
    only: Collection[str] | None = None,
) -> pd.DataFrame:
    """The accepted rows of the given file versions of ``raw.<cf.name>``, typed; contract columns the raw
    table lacks are left out (the storage schema check reports them), and with ``only`` every column not
    named there; plus ``_source_file`` and, unless ``with_key`` is false (a frame no key check reads), the
    repeated keys (``_key_expression``)."""
    present = set(table_columns(con, "raw", cf.name)) if table_exists(con, "raw", cf.name) else set()
    columns = [c for c in cf.columns if c.name in present and (only is None or c.name in only)]
    select = [f"{typed_expression(c)} as {_quoted(c.name)}" for c in columns]
    select.append("r._source_file")
    rows_filter = "list_contains(cast($1 as varchar[]), r._load_id) and not r._is_quarantined"
    join = ""
    if with_key and cf.primary_key and all(k in present for k in cf.primary_key):
        select.append(f"{_key_expression(cf, len(load_ids) > 1)} as {KEY_COLUMN}")
        join = _repeated_keys(cf, rows_filter)
    if not present:
        return pd.DataFrame(columns=[c.name for c in cf.columns])
    # An empty id list is typed by hand: DuckDB cannot infer the element type of [].
    return pandas_frame(
        con.sql(
            f"""
            select {", ".join(select)}
            from raw.{_quoted(cf.name)} r{join}
            where {rows_filter}
            """,
            params=[load_ids],
        ),
        categories=["_source_file"],
    )
