"""Reusing a raw table's great-expectations results while nothing its suite reads has changed.

A raw suite (``quality.raw_checks``) reads: the accepted rows of the table's current file versions, the load
ledger's history of the table (row counts, the load before each version), the stored table's columns, the
current versions of the tables its cross-file check compares, the business time zone, and its own code. The
fingerprint covers all of it: the ledger rows of those tables, their stored columns, a hash of every row they
hold (a DuckDB scan of each: a raw table edited by hand is validated again, which is what the blocking suite
is there to catch), the time zone, the source of the ``quality`` and ``ingestion`` packages, Python's version
and the versions of the libraries that compute an outcome. When all of that is the same as at the run that
last validated the table, its outcomes would be the same: that run's result rows are written again under the
new run, each with ``reused_from_run`` and ``evaluated_at`` (the time of the evaluation) in ``details``.
A validation in which an expectation raised an error is not recorded for reuse.

A daily drop of new orders then validates orders, order lines and payments (payments compares itself with
the other two) and reuses the other fourteen tables' results; a second run on the same files validates
nothing. The setting ``reuse_raw_checks`` (default true) set to false validates every table on every run.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from datetime import datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingestion.warehouse import table_exists
from quality.expectations import CROSS_FILE_INPUTS
from quality.results import CHECK_RESULTS_COLUMNS, GX_SOURCE, CheckResultRow

REUSED_FROM_KEY = "reused_from_run"
EVALUATED_AT_KEY = "evaluated_at"
# The suite's code: every module of these packages, so any change to a rule, a threshold or the contract
# validates every table again. Libraries whose behaviour decides an outcome are fingerprinted by version.
SUITE_PACKAGES = ("quality", "ingestion")
SUITE_LIBRARIES = ("great_expectations", "duckdb", "pandas", "pyarrow", "numpy")
_REPO = Path(__file__).resolve().parents[1]

STATE_DDL = (
    "create schema if not exists quality",
    """
    create table if not exists quality.raw_suite_inputs (
        table_name varchar primary key,
        inputs_fingerprint varchar not null,
        run_id varchar not null,
        validated_at timestamp not null
    )
    """,
)


@cache
def suite_code_digest() -> str:
    """The suite's source and libraries, as this process loaded them (computed when this module is imported,
    so a file edited while a long-lived process runs the old code does not pass for the code that ran)."""
    digest = hashlib.sha256()
    for package in SUITE_PACKAGES:
        for path in sorted((_REPO / package).rglob("*.py")):
            digest.update(f"{path.relative_to(_REPO)}\0".encode())
            digest.update(path.read_bytes())
    digest.update(f"python {sys.version}\0".encode())
    for library in SUITE_LIBRARIES:
        digest.update(f"{library}=={version(library)}\0".encode())
    return digest.hexdigest()


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, table: str, tz: ZoneInfo) -> str | None:
    """What ``validate_raw_table(con, table, tz=tz)`` reads, as one digest (its reference time is the newest
    load's, in the ledger); None when the table has no current file version (nothing worth reusing: that
    suite reads nothing)."""
    if not table_exists(con, "audit", "load_ledger"):
        return None
    tables = [table, *CROSS_FILE_INPUTS.get(table, ())]
    ledger = con.execute(
        """
        select table_name, load_id, source_file, drop_date, file_sha256, rows_received, rows_quarantined,
            loaded_at, is_current, superseded_by
        from audit.load_ledger
        where list_contains(cast($1 as varchar[]), table_name)
        order by table_name, load_id
        """,
        [tables],
    ).fetchall()
    if not any(row[0] == table and row[8] for row in ledger):
        return None
    columns = con.execute(
        """
        select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'raw' and list_contains(cast($1 as varchar[]), table_name)
        order by table_name, ordinal_position
        """,
        [tables],
    ).fetchall()
    contents = [
        (t, *con.execute(f'select count(*), sum(hash(_suite_row)::hugeint) from raw."{t}" _suite_row').fetchall()[0])
        for t in tables
        if table_exists(con, "raw", t)
    ]
    payload = {
        "table": table,
        "timezone": tz.key,
        "code": suite_code_digest(),
        "ledger": ledger,
        "columns": columns,
        "contents": contents,
    }
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def reusable_results(
    con: duckdb.DuckDBPyConnection, table: str, fingerprint: str, run_id: str, checked_at: datetime
) -> list[CheckResultRow] | None:
    """The result rows of the run that validated ``raw.<table>`` on these very inputs, filed under
    ``run_id`` as recorded now (a run's rows carry its own time: the data-quality mart orders runs by it),
    marked with the run that evaluated them and when; None when no run did (or its rows are gone)."""
    if not table_exists(con, "quality", "raw_suite_inputs") or not table_exists(con, "quality", "check_results"):
        return None
    found = con.execute(
        "select run_id, validated_at from quality.raw_suite_inputs where table_name = ? and inputs_fingerprint = ?",
        [table, fingerprint],
    ).fetchall()
    # A step retried within the run that validated: evaluate again rather than repeat its own rows.
    if not found or found[0][0] == run_id:
        return None
    validated_in, validated_at = found[0]
    columns = ", ".join(name for name, _ in CHECK_RESULTS_COLUMNS)
    stored = con.execute(
        f"""
        select {columns} from quality.check_results
        where run_id = ? and asset = ? and layer = 'raw' and check_source = ? and checked_at = ?
        order by check_name, source_file
        """,
        [validated_in, f"raw.{table}", GX_SOURCE, validated_at],
    ).fetchall()
    if not stored:
        return None
    rows = [CheckResultRow(*values) for values in stored]
    return [
        replace(r, run_id=run_id, checked_at=checked_at, details=_marked(r.details, validated_in, r.checked_at))
        for r in rows
    ]


def _marked(details: str | None, validated_in: str, evaluated_at: datetime) -> str:
    payload = json.loads(details) if details else {}
    payload[REUSED_FROM_KEY] = validated_in
    payload[EVALUATED_AT_KEY] = evaluated_at.isoformat(sep=" ")
    return json.dumps(payload, ensure_ascii=False)


def reused_from(row: CheckResultRow) -> str | None:
    """The run whose evaluation ``row`` repeats, or None when this run evaluated it."""
    return json.loads(row.details).get(REUSED_FROM_KEY) if row.details else None


def remember_validation(
    con: duckdb.DuckDBPyConnection, table: str, fingerprint: str, run_id: str, validated_at: datetime
) -> None:
    """Record that ``run_id`` validated ``raw.<table>`` on the inputs ``fingerprint`` stands for, with the
    ``checked_at`` of its result rows (``validated_at``: a run that recorded the table twice is reused once). The caller
    records only a validation without errors: an expectation that raised (memory, a library fault) says
    nothing about the data and must run again."""
    for statement in STATE_DDL:
        con.execute(statement)
    con.execute(
        "insert or replace into quality.raw_suite_inputs values (?, ?, ?, ?)",
        [table, fingerprint, run_id, validated_at],
    )


# Now, so a source file edited later cannot pass for the code this process runs.
suite_code_digest()
