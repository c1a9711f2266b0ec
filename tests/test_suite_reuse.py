"""A raw table's great-expectations results are reused only while nothing its suite reads has changed.

The oracle for a reused result is a fresh validation of the same table (``validate_raw_table``, which the
reuse path does not call): the same rows, check for check.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from ingestion.contract import CONTRACT
from ingestion.loader import load_landing
from ingestion.warehouse import connect, table_exists
from orchestration.jobs import LOAD_JOB_NAME
from orchestration.pipeline import run_job
from orchestration.settings import Settings, SettingsError, load_settings
from quality import raw_checks, suite_reuse
from quality.raw_checks import check_raw_table, validate_raw_table
from quality.suite_reuse import reused_from

SMALL_LANDING = Path(__file__).parent / "fixtures" / "landing_small"
TABLES = [cf.name for cf in CONTRACT]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _verdicts(rows) -> Counter:
    return Counter(
        (r.check_name, r.status, r.severity, r.failing_rows, r.observed_value, r.source_file, r.dq_rule) for r in rows
    )


def _stored(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    if not table_exists(con, "quality", "check_results"):
        return {}
    return dict(
        con.execute(
            "select asset, count(*) from quality.check_results where run_id = ? group by asset", [run_id]
        ).fetchall()
    )


@pytest.fixture()
def loaded(tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    con = connect(tmp_path / "w.duckdb")
    load_landing(con, landing)
    yield con, landing
    con.close()


def _no_validation(*args, **kwargs):
    raise AssertionError("validated although the inputs are unchanged")


def test_a_second_run_on_the_same_inputs_reuses_every_table_with_a_fresh_validations_verdicts(loaded, monkeypatch):
    con, _ = loaded
    first = {t: check_raw_table(con, t, "run-1", SHANGHAI) for t in TABLES}
    assert all(s.reused_from is None and s.rows for s in first.values())
    with monkeypatch.context() as patch:
        patch.setattr(raw_checks, "validate_raw_table", _no_validation)
        second = {t: check_raw_table(con, t, "run-2", SHANGHAI) for t in TABLES}
    for table in TABLES:
        fresh = validate_raw_table(con, table, tz=SHANGHAI).result_rows("oracle")
        assert _verdicts(second[table].rows) == _verdicts(fresh), table
        assert {reused_from(r) for r in second[table].rows} == {"run-1"}, table
        # Recorded by the new run at its own time (the data-quality mart orders runs by it); the evaluation's
        # time travels in details.
        evaluated = {datetime.fromisoformat(json.loads(r.details)["evaluated_at"]) for r in second[table].rows}
        assert evaluated == {r.checked_at for r in first[table].rows}, table
        assert min(r.checked_at for r in second[table].rows) > max(evaluated), table
    # Both runs recorded a full set of rows, so the publish gate of either run finds every suite.
    assert _stored(con, "run-2") == _stored(con, "run-1") and len(_stored(con, "run-2")) == len(TABLES)
    details = json.loads(
        con.execute("select details from quality.check_results where run_id = 'run-2' limit 1").fetchall()[0][0]
    )
    assert details["reused_from_run"] == "run-1" and details["expectation"]


def test_a_missing_file_and_a_header_only_file_keep_their_verdicts_on_a_rerun(tmp_path):
    """A landing the generator would not make: no partners file, a quotas file holding only its header."""
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    (landing / "channels/partners.csv").unlink()
    quotas = landing / "targets/quotas.csv"
    quotas.write_text(quotas.read_text().splitlines()[0] + "\n")
    con = connect(tmp_path / "w.duckdb")
    try:
        load_landing(con, landing)
        for table in ("partners", "quotas"):
            check_raw_table(con, table, "run-1", SHANGHAI)
        again = {t: check_raw_table(con, t, "run-2", SHANGHAI) for t in ("partners", "quotas")}
        fresh = {t: validate_raw_table(con, t, tz=SHANGHAI).result_rows("oracle") for t in ("partners", "quotas")}
    finally:
        con.close()
    # No file: nothing to reuse, the "no data from this source" warning is recorded again by this run.
    assert again["partners"].reused_from is None and not again["partners"].files
    assert [r.check_name for r in again["partners"].rows] == ["accepted__current_file_exists"]
    # A header-only file is a file version with no rows: its verdict is reused, and is the fresh one.
    assert again["quotas"].reused_from == "run-1" and again["quotas"].failures(blocking=True) == []
    for table in ("partners", "quotas"):
        assert _verdicts(again[table].rows) == _verdicts(fresh[table]), table


def test_a_changed_file_revalidates_its_table_and_the_cross_file_checks_that_read_it(loaded):
    con, landing = loaded
    for table in TABLES:
        check_raw_table(con, table, "run-1", SHANGHAI)
    orders = landing / "orders/orders.csv"
    text = orders.read_text()
    delivered = "2024-01-18 10:00:00,"
    orders.write_text(text.replace(delivered + "2024-01-18 10:00:00", delivered + "2024-01-19 10:00:00"))
    assert orders.read_text() != text
    load_landing(con, landing)
    again = {t: check_raw_table(con, t, "run-2", SHANGHAI) for t in TABLES}
    # order_lines compares itself with orders, payments with orders and order_lines.
    assert {t for t, s in again.items() if s.reused_from is None} == {"orders", "order_lines", "payments"}
    assert {s.reused_from for t, s in again.items() if t not in ("orders", "order_lines", "payments")} == {"run-1"}

    payments = landing / "orders/payments.csv"
    payments.write_text(payments.read_text() + "PM9,SO5,2024-04-05 12:00:00,5,USD,card\n")
    load_landing(con, landing)
    third = {t: check_raw_table(con, t, "run-3", SHANGHAI) for t in TABLES}
    # Nothing reads payments but its own suite; the others reuse the latest run that validated them.
    assert {t for t, s in third.items() if s.reused_from is None} == {"payments"}
    assert third["orders"].reused_from == "run-2" and third["accounts"].reused_from == "run-1"


def test_a_raw_table_edited_by_hand_is_validated_again_and_blocks(loaded):
    """The blocking suite is there to catch a stored table that is wrong: no ledger change hides an edit."""
    con, _ = loaded
    assert check_raw_table(con, "orders", "run-1", SHANGHAI).failures(blocking=True) == []
    con.execute("update raw.orders set currency = '  ' where order_id = 'SO2'")
    edited = check_raw_table(con, "orders", "run-2", SHANGHAI)
    assert edited.reused_from is None
    assert [(r.check_name, r.failing_rows) for r in edited.failures(blocking=True)] == [
        ("accepted__not_null__currency", 1)
    ]


def test_an_edited_cross_file_input_or_a_changed_schema_revalidates(loaded):
    con, _ = loaded
    for table in ("orders", "order_lines", "accounts"):
        check_raw_table(con, table, "run-1", SHANGHAI)
    # order_lines' cross-file check reads orders: an edit there is an edit of its inputs.
    con.execute("update raw.orders set status = 'cancelled' where order_id = 'SO1'")
    con.execute("alter table raw.accounts add column note varchar")
    again = {t: check_raw_table(con, t, "run-2", SHANGHAI) for t in ("orders", "order_lines", "accounts")}
    assert {t: s.reused_from for t, s in again.items()} == {"orders": None, "order_lines": None, "accounts": None}


def test_a_step_retried_in_its_own_run_validates_again_and_later_runs_copy_one_evaluation(loaded):
    con, _ = loaded
    once = check_raw_table(con, "products", "run-1", SHANGHAI)
    retried = check_raw_table(con, "products", "run-1", SHANGHAI)
    assert retried.reused_from is None
    assert _stored(con, "run-1") == {"raw.products": 2 * len(once.rows)}
    later = check_raw_table(con, "products", "run-2", SHANGHAI)
    assert later.reused_from == "run-1" and _verdicts(later.rows) == _verdicts(retried.rows)
    assert _stored(con, "run-2") == {"raw.products": len(once.rows)}


def test_a_validation_in_which_an_expectation_raised_is_not_reused(loaded, monkeypatch):
    """An error says nothing about the data (memory, a library fault): the next run evaluates again."""
    con, _ = loaded
    real = raw_checks.validate

    def raising_once(frame, specs, suite):
        outcomes = real(frame, specs, suite)
        return [replace(outcomes[0], status="error"), *outcomes[1:]] if outcomes else outcomes

    with monkeypatch.context() as patch:
        patch.setattr(raw_checks, "validate", raising_once)
        errored = check_raw_table(con, "teams", "run-1", SHANGHAI)
    assert any(r.status == "error" for r in errored.rows)
    again = check_raw_table(con, "teams", "run-2", SHANGHAI)
    assert again.reused_from is None and all(r.status != "error" for r in again.rows)
    assert check_raw_table(con, "teams", "run-3", SHANGHAI).reused_from == "run-2"


def test_the_time_zone_the_suite_code_and_the_setting_decide_reuse(loaded, monkeypatch):
    con, _ = loaded
    check_raw_table(con, "accounts", "run-1", SHANGHAI)
    assert check_raw_table(con, "accounts", "run-2", SHANGHAI).reused_from == "run-1"
    # Freshness and "no future dates" are judged in business time.
    assert check_raw_table(con, "accounts", "run-3", ZoneInfo("America/New_York")).reused_from is None
    # reuse=False validates, and that run becomes the one later runs reuse.
    assert check_raw_table(con, "accounts", "run-4", SHANGHAI, reuse=False).reused_from is None
    assert check_raw_table(con, "accounts", "run-5", SHANGHAI).reused_from == "run-4"
    monkeypatch.setattr(suite_reuse, "suite_code_digest", lambda: "another version of the suite")
    assert check_raw_table(con, "accounts", "run-6", SHANGHAI).reused_from is None


def test_the_suite_code_is_every_module_the_suite_imports_from_the_project():
    """The digest covers whole packages: any project module a suite runs must live in one of them."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    code = (
        "import sys, quality.raw_checks, quality.gx_suites; "
        "print('\\n'.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(p.name for p in repo.iterdir() if (p / '__init__.py').is_file())!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    packages = {m.split(".")[0] for m in out.stdout.split()}
    assert packages and packages <= set(suite_reuse.SUITE_PACKAGES), packages


def test_a_crash_while_recording_leaves_neither_rows_nor_the_record(loaded, monkeypatch):
    con, _ = loaded
    with monkeypatch.context() as patch:
        patch.setattr(raw_checks, "remember_validation", _crash)
        with pytest.raises(RuntimeError, match="disk full"):
            check_raw_table(con, "orders", "run-1", SHANGHAI)
    assert _stored(con, "run-1") == {}
    assert check_raw_table(con, "orders", "run-2", SHANGHAI).reused_from is None


def _crash(*args, **kwargs):
    raise RuntimeError("disk full")


def test_reuse_raw_checks_is_a_yes_no_setting(monkeypatch):
    monkeypatch.delenv("SALESOPS_REUSE_RAW_CHECKS", raising=False)
    monkeypatch.delenv("SALESOPS_CONFIG", raising=False)
    assert load_settings().reuse_raw_checks is True
    assert load_settings({"reuse_raw_checks": "false"}).reuse_raw_checks is False
    monkeypatch.setenv("SALESOPS_REUSE_RAW_CHECKS", "no")
    assert load_settings().reuse_raw_checks is False
    with pytest.raises(SettingsError, match="reuse_raw_checks"):
        load_settings({"reuse_raw_checks": "sometimes"})


def _gx_evaluations(run) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        f"{e.asset_key.to_user_string()}:{e.check_name}": e
        for e in run.result.get_asset_check_evaluations()
        if e.check_name.startswith("gx_")
    }


def test_the_asset_checks_of_a_second_load_say_whose_results_they_show(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    settings = load_settings().with_paths(landing, tmp_path / "w.duckdb")
    first = run_job(LOAD_JOB_NAME, settings)
    second = run_job(LOAD_JOB_NAME, settings)
    unreused = run_job(LOAD_JOB_NAME, Settings(**{**settings.__dict__, "reuse_raw_checks": False}))
    before, after, off = (_gx_evaluations(r) for r in (first, second, unreused))
    assert len(before) == 2 * len(TABLES) and before.keys() == after.keys() == off.keys()
    first_id = first.result.run_id
    for key, evaluation in after.items():
        assert evaluation.passed == before[key].passed, key
        assert evaluation.metadata["reused_from_run"].value == first_id, key
        assert first_id in (evaluation.description or ""), key
        assert evaluation.metadata["expectations"] == before[key].metadata["expectations"], key
        assert "reused_from_run" not in before[key].metadata and "reused_from_run" not in off[key].metadata
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert _stored(con, second.result.run_id) == _stored(con, first_id) == _stored(con, unreused.result.run_id)
