"""Shared fixtures.

Building the warehouse is the expensive part (a dbt build is ~20 s), so it happens once per test
session: ``demo_pipeline`` generates sample data and runs the whole Dagster job into a temporary
DuckDB file; ``fixture_warehouse`` loads the small hand-computed scenario in
``tests/fixtures/landing_small`` and runs ``dbt build`` on it. Tests read those files read-only.
Tests that write make their own warehouse under ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_LANDING = FIXTURES / "landing_small"
# Small enough for a fast suite, large enough that every mart has rows in every slice.
TEST_SCALE = 0.3
TEST_SEED = 7


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sample_data.generator import generate_landing

    landing = tmp_path_factory.mktemp("demo") / "landing"
    generate_landing(landing, scale=TEST_SCALE, seed=TEST_SEED)
    return landing


@pytest.fixture(scope="session")
def demo_pipeline(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory):
    """The full Dagster job (raw -> marts, all checks) run once on generated data."""
    from orchestration.pipeline import run_full_pipeline

    warehouse = tmp_path_factory.mktemp("demo_wh") / "salesops.duckdb"
    run = run_full_pipeline(demo_landing, warehouse, raise_on_error=False)
    assert run.success, f"pipeline failed; failed checks: {run.failed_checks}"
    return run


@pytest.fixture(scope="session")
def demo_db(demo_pipeline) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_pipeline.warehouse), read_only=True)
    yield con
    con.close()


def build_fixture_warehouse(
    landing: Path, warehouse: Path, dbt_args: list[str] | None = None, quarantine_expected: bool = False
) -> Path:
    """Load a hand-made landing folder and run dbt build on it (no Dagster). Its rows must all load unless
    the fixture holds bad rows on purpose (``quarantine_expected``)."""
    from ingestion.loader import load_landing
    from ingestion.warehouse import connect
    from orchestration.pipeline import run_dbt

    con = connect(warehouse)
    try:
        results = load_landing(con, landing)
    finally:
        con.close()
    quarantined = [r for r in results if r.rows_quarantined]
    messages = [r.messages for r in quarantined]
    assert quarantine_expected or not quarantined, f"hand-made fixture rows were quarantined: {messages}"
    run_dbt(["build", *(dbt_args or [])], warehouse, target_path=warehouse.parent / "dbt_target")
    return warehouse


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The hand-computed scenario tests/fixtures/landing_small, built by dbt."""
    warehouse = tmp_path_factory.mktemp("fixture_wh") / "salesops.duckdb"
    build_fixture_warehouse(SMALL_LANDING, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()
