"""A fingerprint of every published table: one hash per table, stable across runs and row order.

Used to show that a refactor leaves the demo's marts exactly as they were (tests/test_mart_fingerprint.py).
Doubles are rounded to 9 decimals (a parallel sum may differ in the last bit between runs); columns that
record when or in which run something happened are left out, as they differ on every run by design.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from pathlib import Path

import duckdb

FINGERPRINT_FILE = Path(__file__).parent / "fixtures" / "demo_mart_fingerprint.json"
FINGERPRINT_SCHEMAS = ("marts", "core")
# The log of the run's own checks: it changes whenever a check is added, by design.
UNFINGERPRINTED = frozenset({"marts.mart_dq_results"})
# Per-run bookkeeping, not business numbers.
RUN_COLUMNS = frozenset({"run_id", "checked_at", "published_at", "built_at", "loaded_at", "_loaded_at", "_load_id"})


def _normal(value: object) -> object:
    if isinstance(value, float):
        return round(value, 9) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, decimal.Decimal):
        return str(value.normalize()) if value == value else "NaN"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    return value


def table_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, object]:
    columns = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
        if name not in RUN_COLUMNS
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
    lines = sorted(json.dumps([_normal(v) for v in row], default=str, ensure_ascii=False) for row in rows)
    digest = hashlib.sha256("\n".join([",".join(columns), *lines]).encode()).hexdigest()
    return {"rows": len(rows), "columns": len(columns), "sha256": digest}


def warehouse_fingerprint(warehouse: Path, schemas: tuple[str, ...] = ("marts",)) -> dict[str, dict[str, object]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema in "
            f"({', '.join('?' for _ in schemas)}) order by 1, 2",
            list(schemas),
        ).fetchall()
        return {f"{s}.{t}": table_fingerprint(con, s, t) for s, t in tables if f"{s}.{t}" not in UNFINGERPRINTED}
    finally:
        con.close()


def _record() -> None:
    """Run the suite's demo (tests/conftest.py: scale and seed) and write the fingerprint file."""
    import tempfile

    from conftest import TEST_SCALE, TEST_SEED

    from orchestration.pipeline import run_full_pipeline
    from sample_data.generator import generate_landing

    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "wh" / "salesops.duckdb"
        generate_landing(landing, scale=TEST_SCALE, seed=TEST_SEED)
        run = run_full_pipeline(landing, warehouse, raise_on_error=False, log_level="WARNING")
        if not run.success:
            raise SystemExit(f"pipeline failed: {run.failed_checks}")
        fingerprint = warehouse_fingerprint(warehouse, FINGERPRINT_SCHEMAS)
    FINGERPRINT_FILE.write_text(json.dumps(fingerprint, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(fingerprint)} tables in {FINGERPRINT_FILE}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--record"]:
        raise SystemExit("usage: python tests/mart_fingerprint.py --record")
    _record()
