"""The publish gate on hand-written result rows: exact keys, this run only, missing and skipped block."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pytest

from quality.publish_gate import BlockingCheck, blocking_dbt_tests, gate_failures, raw_suite_checks
from quality.results import CheckResultRow, attribute_dbt_results, write_check_results

RUN = "run-1"
AT = datetime(2026, 1, 5, 6, 0)


def _dbt(run: str, asset: str, name: str, status: str, severity: str = "error") -> CheckResultRow:
    details = json.dumps({"unique_id": f"test.salesops.{name}", "test": name})
    return CheckResultRow(run, "marts", asset, name, status, severity, None, None, AT, "dbt", details=details)


def _gx(run: str, table: str, name: str, status: str, severity: str = "error") -> CheckResultRow:
    return CheckResultRow(run, "raw", f"raw.{table}", name, status, severity, None, None, AT, "great_expectations")


EXPECTED = [
    *raw_suite_checks(["orders", "accounts"], "gx_contract"),
    BlockingCheck("marts.mart_a:not_null_a", "dbt", "marts.mart_a", "test.salesops.not_null_a"),
    BlockingCheck("marts.mart_a:not_null_a_id", "dbt", "marts.mart_a", "test.salesops.not_null_a_id"),
]


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _passing(run: str = RUN) -> list[CheckResultRow]:
    return [
        _gx(run, "orders", "accepted__order_id_not_null", "pass"),
        _gx(run, "orders", "all_rows__freshness", "fail", severity="warn"),
        _gx(run, "accounts", "accepted__current_file_exists", "fail", severity="warn"),  # no file: a warning
        _dbt(run, "marts.mart_a", "not_null_a", "pass"),
        _dbt(run, "marts.mart_a", "not_null_a_id", "pass"),
        _dbt(run, "marts.mart_a", "warn_only_test", "fail", severity="warn"),
    ]


def test_a_run_whose_blocking_checks_all_passed_may_publish(con):
    write_check_results(con, _passing())
    assert gate_failures(con, RUN, EXPECTED) == []


def test_a_failure_is_found_by_its_exact_key_not_by_a_name_it_contains(con):
    # not_null_a failed; not_null_a_id (whose name contains it) passed. A substring match would hide it.
    rows = [r for r in _passing() if r.check_name != "not_null_a"] + [_dbt(RUN, "marts.mart_a", "not_null_a", "fail")]
    write_check_results(con, rows)
    assert gate_failures(con, RUN, EXPECTED) == ["marts.mart_a:not_null_a"]


def test_checks_that_did_not_run_in_this_run_block_even_if_they_passed_before(con):
    write_check_results(con, _passing(run="run-0"))
    failures = gate_failures(con, RUN, EXPECTED)
    assert failures == [
        "raw.orders:gx_contract (not evaluated in this run)",
        "raw.accounts:gx_contract (not evaluated in this run)",
        "marts.mart_a:not_null_a (not evaluated in this run)",
        "marts.mart_a:not_null_a_id (not evaluated in this run)",
    ]
    assert gate_failures(duckdb.connect(), RUN, EXPECTED)[0].endswith("(not evaluated in this run)")


def test_skipped_tests_failed_expectations_and_unlisted_failures_block(con):
    rows = [r for r in _passing() if r.check_name != "not_null_a_id"]
    rows += [
        _dbt(RUN, "marts.mart_a", "not_null_a_id", "skipped"),
        _gx(RUN, "orders", "accepted__order_id_unique", "fail"),
        _dbt(RUN, "marts.mart_b", "assert_new_rule", "error"),
    ]
    write_check_results(con, rows)
    assert gate_failures(con, RUN, EXPECTED) == [
        "raw.orders:gx_contract (accepted__order_id_unique)",
        "marts.mart_a:not_null_a_id (skipped in this run)",
        "marts.mart_b:assert_new_rule (failed in this run; not a listed check)",
    ]


def test_dbt_results_are_filed_under_the_dagster_run_that_started_dbt(con):
    write_check_results(con, [_dbt("inv-9", "marts.mart_a", "not_null_a", "pass"), _gx("inv-9", "orders", "x", "pass")])
    assert attribute_dbt_results(con, "inv-9", RUN) == 1
    assert con.execute("select run_id, check_source from quality.check_results order by 2").fetchall() == [
        (RUN, "dbt"),
        ("inv-9", "great_expectations"),
    ]


def test_every_error_severity_dbt_test_of_the_manifest_is_listed():
    manifest = {
        "nodes": {
            "model.p.m": {"resource_type": "model", "schema": "marts", "name": "m", "alias": "m", "config": {}},
            "test.p.t_error": {
                "resource_type": "test",
                "name": "t_error",
                "config": {"severity": "ERROR", "enabled": True},
                "attached_node": "model.p.m",
            },
            "test.p.t_warn": {"resource_type": "test", "name": "t_warn", "config": {"severity": "warn"}},
            "test.p.t_source": {
                "resource_type": "test",
                "name": "t_source",
                "config": {"severity": "error"},
                "attached_node": None,
                "depends_on": {"nodes": ["source.p.raw.orders"]},
            },
            # A singular test of no model, filed by meta.dagster.ref as dagster-dbt files its check.
            "test.p.t_macro": {
                "resource_type": "test",
                "name": "t_macro",
                "config": {"severity": "error", "meta": {"dagster": {"ref": {"name": "m"}}}},
                "attached_node": None,
                "depends_on": {"nodes": []},
            },
        },
        "sources": {"source.p.raw.orders": {"schema": "raw", "name": "orders"}},
    }
    assert blocking_dbt_tests(manifest) == [
        BlockingCheck("marts.m:t_error", "dbt", "marts.m", "test.p.t_error"),
        BlockingCheck("marts.m:t_macro", "dbt", "marts.m", "test.p.t_macro"),
        BlockingCheck("raw.orders:t_source", "dbt", "raw.orders", "test.p.t_source"),
    ]
