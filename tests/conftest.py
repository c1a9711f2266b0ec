"""Shared fixtures.

Building the warehouse is the expensive part (a dbt build is ~20 s), so it happens once per test
session: ``demo_pipeline`` generates sample data and runs the whole Dagster job into a temporary
DuckDB file; ``fixture_warehouse`` loads the small hand-computed scenario in
``tests/fixtures/landing_small`` and runs ``dbt build`` on it. Tests read those files read-only.
Tests that write make their own warehouse under ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from scheduling import (
    collected_nodeid,
    load_durations,
    named_group,
    one_ahead_scheduling,
    order_by_cost,
    save_durations,
)

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# dbt's log file: the suite's dbt runs read what dbt prints and writes (stdout, run_results.json, the
# warehouse), not the file, which dbt formats every event for at info level: ~8% of a build's CPU (the fixture
# build: 0.921 of the CPU, 0.926 of the wall time, 4 pairs). Kept where a test reads it (see its uses).
DBT_LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"
os.environ.setdefault(DBT_LOG_LEVEL_FILE_ENV, "none")

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
    with pytest.MonkeyPatch.context() as env:
        env.delenv(DBT_LOG_LEVEL_FILE_ENV)  # tests/test_pipeline.py reads this run's dbt log
        run = run_full_pipeline(demo_landing, warehouse, raise_on_error=False)
    assert run.success, f"pipeline failed; failed checks: {run.failed_checks}"
    # Later builds of the session prune dbt's target folders (setting dbt_targets_kept): keep this run's log.
    shutil.copyfile(dbt_target_of(run) / "dbt.log", demo_dbt_log(run))
    return run


def dbt_target_of(run) -> Path:
    """The target folder of the run's dbt step (dagster-dbt gives each invocation its own)."""
    from orchestration.dbt_project import salesops_dbt_project
    from orchestration.pipeline import DBT_OP_NAME

    (target,) = (salesops_dbt_project().project_dir / "target").glob(f"{DBT_OP_NAME}-{run.run_id[:7]}-*")
    return target


def demo_dbt_log(run) -> Path:
    """Where the demo run's dbt log is kept for the session, beside its warehouse."""
    return run.warehouse.parent / "dbt.log"


@pytest.fixture(scope="session")
def demo_db(demo_pipeline) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_pipeline.warehouse), read_only=True)
    yield con
    con.close()


def load_fixture_landing(landing: Path, warehouse: Path) -> list:
    """Load every file of a landing folder into ``warehouse`` (no dbt); the loader's results."""
    from ingestion.loader import load_landing
    from ingestion.warehouse import connect

    con = connect(warehouse)
    try:
        return load_landing(con, landing)
    finally:
        con.close()


# dbt build without its data tests: seeds and models only. For a build whose state a test only compares
# with another build of the same fixture (the incremental and as-of histories), when another build of the
# fixture runs every data test on it: each data test pass costs about 10 s, more than the models.
WITHOUT_DATA_TESTS = ("--exclude-resource-type", "test")

# A scenario that rebuilds its own models for another as-of date and reads only those leaves the rest of its
# warehouse on the old date on purpose: the check that every model left out shares the date would say so.
KEEPING_OTHER_DATES = ("--exclude", "assert_models_left_out_share_the_as_of_date")


def build_fixture_warehouse(
    landing: Path,
    warehouse: Path,
    dbt_args: list[str] | None = None,
    quarantine_expected: bool = False,
    unit_tests: bool = False,
    data_tests: bool = True,
) -> Path:
    """Load a hand-made landing folder and run dbt build on it (no Dagster). Its rows must all load unless
    the fixture holds bad rows on purpose (``quarantine_expected``). dbt's unit tests do not depend on the
    data, so they run in one build of the session (``fixture_build``), not in every one; ``data_tests``
    False leaves the data tests out as well (``WITHOUT_DATA_TESTS``)."""
    from orchestration.dbt_project import WITHOUT_UNIT_TESTS
    from orchestration.pipeline import run_dbt

    results = load_fixture_landing(landing, warehouse)
    quarantined = [r for r in results if r.rows_quarantined]
    messages = [r.messages for r in quarantined]
    assert quarantine_expected or not quarantined, f"hand-made fixture rows were quarantined: {messages}"
    excluded = [] if unit_tests else list(WITHOUT_UNIT_TESTS)
    if not data_tests:
        excluded += WITHOUT_DATA_TESTS
    run_dbt(["build", *excluded, *(dbt_args or [])], warehouse, target_path=warehouse.parent / "dbt_target")
    return warehouse


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-computed scenario tests/fixtures/landing_small, built by one whole ``dbt build`` with every
    data test and every dbt unit test; returns the warehouse (its dbt target folder is beside it)."""
    warehouse = tmp_path_factory.mktemp("fixture_wh") / "salesops.duckdb"
    return build_fixture_warehouse(SMALL_LANDING, warehouse, unit_tests=True)


@pytest.fixture(scope="session")
def fixture_db(fixture_build: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The hand-computed scenario tests/fixtures/landing_small, built by dbt, opened read-only."""
    con = duckdb.connect(str(fixture_build), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def docs_warehouse(fixture_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fixture build for dbt docs generate, which opens its warehouse for writing: a read-only
    connection to the fixture build itself (fixture_db, open until the session ends) would refuse it."""
    copy = tmp_path_factory.mktemp("docs_wh") / fixture_build.name
    shutil.copy(fixture_build, copy)
    return copy


# ------------------------------------------------------------------------------------------ parallel runs
# The suite runs on pytest-xdist workers (pyproject.toml: -n auto --dist loadgroup). A warehouse built by a
# session or module fixture costs a dbt build or a whole pipeline run, so every test that reads the same
# warehouse is sent to the same worker: tests are grouped by the built warehouses they share (connected
# components over the expensive fixtures they use), and the costliest groups are handed out first
# (tests/scheduling.py). Session fixtures that only generate files are cheap enough to be made on each worker.
_CHEAP_SESSION_FIXTURES = {"demo_landing"}
_GROUP_OF = pytest.StashKey[dict[str, str]]()


def _expensive_fixtures(item: pytest.Item) -> set[str]:
    """The module- and session-scoped fixtures of this repository that ``item`` uses, as keys
    (``module::name`` for module scope), including one picked by name through a parameter."""
    info = item._fixtureinfo  # noqa: SLF001 - pytest has no public accessor for a test's fixture scopes
    names = set(item.fixturenames)
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        names |= {v for v in callspec.params.values() if isinstance(v, str)}
    keys: set[str] = set()
    for name in names:
        defs = info.name2fixturedefs.get(name) or item.session._fixturemanager.getfixturedefs(name, item)  # noqa: SLF001
        if not defs:
            continue
        fixture = defs[-1]
        if not str(fixture.baseid).startswith("tests") or name in _CHEAP_SESSION_FIXTURES:
            continue
        if fixture.scope == "module":
            keys.add(f"{item.module.__name__}::{name}")
        elif fixture.scope == "session":
            keys.add(name)
    return keys


# tryfirst: xdist's worker names each test by its group in its own collection hook, which would run first.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    uses = {item.nodeid: _expensive_fixtures(item) for item in items}
    for keys in uses.values():
        first, *rest = sorted(keys) or [None]
        for other in rest:
            parent[find(other)] = find(first)  # type: ignore[arg-type]
    group_of = {nodeid: find(min(keys)) for nodeid, keys in uses.items() if keys}
    for item in items:
        group = group_of.get(item.nodeid)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
        elif (named := named_group(item)) is not None:
            # A group the test names itself (two builds that share dbt's parse state) is costed whole too.
            group_of[item.nodeid] = named
    config.stash[_GROUP_OF] = group_of


class _CostliestGroupsFirst:
    # trylast: after -m/-k have deselected (a group costs only the tests that run) and after xdist has
    # appended each grouped test's group to its id. A plugin of its own: a module holds one hook per name.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        group_of = config.stash.get(_GROUP_OF, {})
        # The costliest groups first, so the long builds start while single tests fill the other worker.
        order_by_cost(items, lambda item: group_of.get(collected_nodeid(item.nodeid), item.nodeid), load_durations())


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(_CostliestGroupsFirst(), "salesops-costliest-groups-first")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    return one_ahead_scheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-durations",
        action="store_true",
        help="write each test's seconds to tests/durations.json (the costs that order the xdist groups)",
    )


_recorded: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _recorded[report.nodeid] = _recorded.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    # On the controller only (xdist workers send it their reports): one writer, every test counted once.
    if session.config.getoption("record_durations") and not hasattr(session.config, "workerinput"):
        save_durations(_recorded)
