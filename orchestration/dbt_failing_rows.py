"""A few of the rows a failed or warned dbt test found, for the check's metadata and the command line.

dbt reports a failing test by its name and a count ("not_null_fct_order_lines_net_amount_base: 2 results"):
which file, row and value broke it is left to the reader. Once dbt has exited (it holds the warehouse while
it builds), the test's own compiled SQL is run again with a limit and the options dbt's profile opens DuckDB
with, so the rows shown are rows the test counted (unless what it reads changed in between: dbt's end-of-run
hook writes the audit tables). The project's ``not_null`` and ``relationships`` select whole rows for this
(dbt_project/macros/tests/): a staged row carries its landing file and row number.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from orchestration.settings import dbt_profile_duckdb_options

SAMPLE_ROWS = 5
# A test that is slow to run again (a join over every row) gives up its rows rather than hold the step.
RERUN_TIMEOUT_S = 10.0
METADATA_KEY = "rows_found"
# Where a staged row came from: shown first, as "file row n"; the loader's other lineage columns are left out.
_FILE, _ROW = "_source_file", "_row_number"


def compiled_tests(target_path: Path) -> dict[str, str]:
    """The compiled SQL of every test that failed or warned in dbt's last invocation in ``target_path``."""
    run_results = Path(target_path) / "run_results.json"
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text())["results"]
    return {
        r["unique_id"]: r["compiled_code"]
        for r in results
        if r["unique_id"].startswith("test.") and r["status"] in ("fail", "warn") and r.get("compiled_code")
    }


def failing_rows(
    con: duckdb.DuckDBPyConnection, compiled_sql: str, limit: int = SAMPLE_ROWS, timeout_s: float = RERUN_TIMEOUT_S
) -> dict[str, list]:
    """Up to ``limit`` rows the test's SQL returns, as {"columns": [...], "rows": [[...], ...]} with values JSON
    can hold (columns kept apart from values: Dagster stores a JSON object with its keys sorted). Raises
    duckdb.Error when the SQL fails or takes longer than ``timeout_s``."""
    for option, value in dbt_profile_duckdb_options().items():
        con.execute(f"set {option} = '{value}'")
    # A test's SQL may end with a semicolon; the newline ends a trailing "--" comment.
    sql = compiled_sql.strip().rstrip(";")
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        # Ordered, so the same failure shows the same rows run after run.
        cursor = con.execute(f"select * from (\n{sql}\n) as failing order by all limit {int(limit)}")
        columns, rows = [d[0] for d in cursor.description], cursor.fetchall()
    finally:
        timer.cancel()
    return {"columns": columns, "rows": [[_plain(v) for v in row] for row in rows]}


def describe(found: Mapping[str, Any]) -> list[str]:
    """Each failing row as text: its landing file and row number first when it has them, then its columns;
    last, how many more the test found when ``found["count"]`` (dbt's count) says so."""
    columns, rows = found["columns"], found["rows"]
    lines = [_describe_row(dict(zip(columns, row, strict=True))) for row in rows]
    count = found.get("count")
    if isinstance(count, int) and count > len(rows):
        lines.append(f"... and {count - len(rows)} more (the test found {count})")
    return lines


def _describe_row(row: Mapping[str, Any]) -> str:
    where = ""
    if row.get(_FILE) is not None:
        where = f"{row[_FILE]}" + (f" row {row[_ROW]}" if row.get(_ROW) is not None else "") + ": "
    return where + ", ".join(f"{c}={_text(v)}" for c, v in row.items() if not c.startswith("_"))


def _text(value: Any) -> str:
    return "null" if value is None else str(value)


def _plain(value: Any) -> Any:
    """JSON's own types as they are; anything else (decimals, dates, timestamps, NaN) as text."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)
