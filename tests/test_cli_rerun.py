"""`salesops run` twice on the same landing folder: the second run changes no row counts."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.cli import main
from orchestration.summary import warehouse_table_counts

SMALL = Path(__file__).parent / "fixtures" / "landing_small"


def _counts(warehouse: Path) -> list[tuple[str, str, int]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return warehouse_table_counts(con)
    finally:
        con.close()


def test_running_the_pipeline_twice_changes_no_row_counts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    landing = tmp_path / "landing"
    shutil.copytree(SMALL, landing)
    warehouse = tmp_path / "wh.duckdb"
    args = ["run", "--landing", str(landing), "--warehouse", str(warehouse)]

    assert main(args) == 0
    first = _counts(warehouse)
    printed = capsys.readouterr().out
    assert "marts" in printed and "mart_kpi_daily" in printed and "succeeded" in printed

    assert main(args) == 0
    assert _counts(warehouse) == first
    tables = {(schema, table) for schema, table, _ in first}
    assert ("raw", "orders") in tables and ("marts", "mart_kpi_daily") in tables
    assert dict(((s, t), n) for s, t, n in first)[("raw", "orders")] == 5
