"""The results store: table ``quality.check_results`` in the working warehouse.

One row per check evaluation, from every layer: the great-expectations suites on raw files (written
here) and every dbt test (written by the dbt on-run-end hook ``store_test_results`` in
``dbt_project/macros/quality/``, same columns). ``marts.mart_dq_results`` reads it.

``run_id`` is the Dagster run id. The great-expectations checks know it; the dbt hook records dbt's own
invocation id, and the Dagster dbt asset files those rows under its run once dbt has exited
(``attribute_dbt_results``). A dbt build run by hand keeps its invocation id as run id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

# check_source of a row: who evaluated the check.
GX_SOURCE = "great_expectations"
DBT_SOURCE = "dbt"

# Keep in step with dbt_project/macros/quality/check_results.sql (a test compares the two).
CHECK_RESULTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "varchar not null"),
    ("layer", "varchar not null"),  # raw, staging, intermediate, core, marts, reference
    ("asset", "varchar not null"),  # schema.table, e.g. raw.orders, marts.mart_kpi_daily
    ("check_name", "varchar not null"),
    ("status", "varchar not null"),  # pass, fail, error, skipped
    ("severity", "varchar not null"),  # error (blocks publishing) or warn
    ("failing_rows", "bigint"),
    ("observed_value", "varchar"),
    ("checked_at", "timestamp not null"),  # UTC
    ("check_source", "varchar not null"),  # GX_SOURCE or DBT_SOURCE
    ("dq_rule", "varchar"),  # domain.md §7 rule id (DQ01..DQ40) when one applies
    ("source_file", "varchar"),  # landing file version a raw check validated
    ("details", "varchar"),  # JSON: examples, description
)

CHECK_RESULTS_DDL = (
    "create schema if not exists quality",
    "create table if not exists quality.check_results (\n    "
    + ",\n    ".join(f"{name} {sql_type}" for name, sql_type in CHECK_RESULTS_COLUMNS)
    + "\n)",
)


@dataclass(frozen=True)
class CheckResultRow:
    run_id: str
    layer: str
    asset: str
    check_name: str
    status: str
    severity: str
    failing_rows: int | None
    observed_value: str | None
    checked_at: datetime
    check_source: str
    dq_rule: str | None = None
    source_file: str | None = None
    details: str | None = None

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, name) for name, _ in CHECK_RESULTS_COLUMNS)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_check_results_table(con: duckdb.DuckDBPyConnection) -> None:
    for statement in CHECK_RESULTS_DDL:
        con.execute(statement)


def write_check_results(con: duckdb.DuckDBPyConnection, rows: Iterable[CheckResultRow]) -> int:
    rows = list(rows)
    ensure_check_results_table(con)
    if rows:
        placeholders = ", ".join("?" for _ in CHECK_RESULTS_COLUMNS)
        columns = ", ".join(name for name, _ in CHECK_RESULTS_COLUMNS)
        con.executemany(
            f"insert into quality.check_results ({columns}) values ({placeholders})",
            [r.as_tuple() for r in rows],
        )
    return len(rows)


def details_json(payload: dict) -> str | None:
    return json.dumps(payload, ensure_ascii=False, default=str) if payload else None


def attribute_dbt_results(con: duckdb.DuckDBPyConnection, invocation_id: str, run_id: str) -> int:
    """File the dbt test results of one dbt invocation under the Dagster run that started it."""
    ensure_check_results_table(con)
    before = con.execute(
        "select count(*) from quality.check_results where run_id = ? and check_source = 'dbt'", [invocation_id]
    ).fetchall()[0][0]
    con.execute(
        "update quality.check_results set run_id = ? where run_id = ? and check_source = 'dbt'",
        [run_id, invocation_id],
    )
    return int(before)
