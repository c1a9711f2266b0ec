"""The Dagster UI in headless Chromium, on a DAGSTER_HOME holding a stored pipeline run (as ``salesops demo``
stores it): every asset group in the lineage graph, a mart's checks and row count, and the run's success."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from browser import artifact_path, chromium_page
from dagster_dev import dagster_dev, graphql

from orchestration.assets.publish import SERVING_GROUP
from orchestration.assets.raw import RAW_GROUP
from orchestration.code_location import build_definitions
from orchestration.pipeline import PipelineRun, run_full_pipeline
from orchestration.settings import load_settings
from orchestration.translator import LAYER_GROUPS, MART_DOMAIN_GROUPS

pytestmark = pytest.mark.browser

MART = dg.AssetKey(["marts", "mart_funnel_stage"])
# The first render of a page waits for the webserver to answer large GraphQL queries on a busy machine.
LOAD_MS = 120_000
# The run's check names are long; a taller page keeps every row of the (virtualized) checks list rendered.
VIEWPORT = {"width": 1400, "height": 1400}


@dataclass
class StoredRun:
    home: Path
    landing: Path
    run: PipelineRun


@dataclass
class UI:
    url: str
    stored: StoredRun


@pytest.fixture(scope="module")
def stored_run(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> StoredRun:
    """One pipeline run on generated data, stored in a fresh DAGSTER_HOME as `salesops demo` stores it."""
    home = tmp_path_factory.mktemp("dagster_home")
    # Without this the UI loads a telemetry script from dagster.io, which this closed network refuses.
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse = tmp_path_factory.mktemp("ui_wh") / "salesops.duckdb"
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        run = run_full_pipeline(demo_landing, warehouse, instance=instance, raise_on_error=False)
    finally:
        instance.dispose()
    assert run.success, f"pipeline failed; failed checks: {run.failed_checks}"
    return StoredRun(home, demo_landing, run)


@pytest.fixture(scope="module")
def ui(stored_run: StoredRun) -> Iterator[UI]:
    env = {"SALESOPS_WAREHOUSE": str(stored_run.run.warehouse), "SALESOPS_LANDING": str(stored_run.landing)}
    with dagster_dev(stored_run.home, env=env) as (port, _):
        # A new instance greets a loopback visitor with a sign-up dialog over every page; this is what its
        # own Skip button sends.
        assert graphql(port, "mutation { setNuxSeen }") == {"setNuxSeen": True}
        yield UI(f"http://127.0.0.1:{port}", stored_run)


@pytest.fixture(scope="module")
def asset_graph():
    return build_definitions(load_settings()).resolve_asset_graph()


def test_lineage_shows_every_asset_group(ui: UI, asset_graph):
    groups = {asset_graph.get(key).group_name for key in asset_graph.get_all_asset_keys()}
    # Every layer and mart domain the code names is among them (so the set below is not trivially small).
    assert {RAW_GROUP, SERVING_GROUP, *LAYER_GROUPS.values(), *MART_DOMAIN_GROUPS.values()} <= groups
    with chromium_page(**VIEWPORT) as (page, errors):
        page.goto(ui.url + "/asset-groups")
        graph = page.locator("foreignObject")  # the lineage graph's nodes, not the sidebar's group list
        graph.get_by_text(RAW_GROUP, exact=True).first.wait_for(timeout=LOAD_MS)
        missing = [g for g in sorted(groups) if not graph.get_by_text(g, exact=True).first.is_visible()]
        page.screenshot(path=artifact_path("dagster_ui_asset_groups.png"))
        assert missing == []
        assert errors.all() == [], errors.all()


def _shows(locator, timeout_ms: int = 15_000) -> bool:
    """Whether ``locator`` becomes visible within ``timeout_ms``."""
    # Imported here: the README's test command collects this module without the [browser] extra.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        locator.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightTimeoutError:
        return False
    return True


def test_mart_page_shows_its_row_count_and_dbt_checks(ui: UI, asset_graph):
    con = duckdb.connect(str(ui.stored.run.warehouse), read_only=True)
    try:
        (rows,) = con.execute(f"select count(*) from {'.'.join(MART.path)}").fetchone()
    finally:
        con.close()
    checks = sorted(c.name for c in asset_graph.asset_check_keys if c.asset_key == MART)
    assert rows > 0 and len(checks) > 3
    with chromium_page(**VIEWPORT) as (page, errors):
        page.goto(f"{ui.url}/assets/{MART.to_user_string()}")
        page.get_by_text("Row count", exact=True).wait_for(timeout=LOAD_MS)
        page.screenshot(path=artifact_path("dagster_ui_mart_overview.png"))
        # dagster/row_count of the latest materialization (orchestration/assets/dbt.py), as the UI formats it.
        assert re.search(rf"Row count\s+{rows:,}\b", page.inner_text("body")), f"row count {rows:,} not shown"

        page.goto(f"{ui.url}/assets/{MART.to_user_string()}?view=checks")
        page.get_by_text(f"Checks ({len(checks)})", exact=True).wait_for(timeout=LOAD_MS)
        # The list truncates long dbt test names in the middle; the full name is each row's title. Rows
        # appear and re-render (the first is selected) after the heading: wait for each rather than take a
        # snapshot, which once missed two of eleven rows that the screenshot then showed.
        shown = {name for name in checks if _shows(page.get_by_title(name, exact=True).first)}
        page.screenshot(path=artifact_path("dagster_ui_mart_checks.png"))
        assert sorted(set(checks) - shown) == []
        # Every check of the stored run passed, so the list has no failed or unexecuted one.
        assert page.get_by_text("Succeeded", exact=True).count() == len(checks)
        assert errors.all() == [], errors.all()


def test_stored_run_page_shows_success(ui: UI):
    run = ui.stored.run
    steps = len(run.result.get_step_success_events())
    with chromium_page(**VIEWPORT) as (page, errors):
        page.goto(f"{ui.url}/runs/{run.run_id}")
        page.get_by_text("Success", exact=True).first.wait_for(timeout=LOAD_MS)
        # The event log of a finished run opens at its end: the run's last event.
        page.get_by_text("RUN_SUCCESS", exact=True).first.wait_for(timeout=LOAD_MS)
        shown = page.inner_text("body")
        page.screenshot(path=artifact_path("dagster_ui_run.png"))
        assert run.run_id[:8] in shown
        assert "salesops_full_pipeline" in shown
        assert "Errored (0)" in shown
        assert f"Succeeded ({steps})" in shown
        assert errors.all() == [], errors.all()
