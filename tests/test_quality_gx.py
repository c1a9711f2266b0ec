"""Great-expectations suites on the raw files: what they check, what blocks, what only warns."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.contract import CONTRACT
from ingestion.loader import load_landing
from ingestion.warehouse import connect
from quality.expectations import ACCEPTED, ERROR, FILE, WARN, file_suite_specs
from quality.results import CHECK_RESULTS_COLUMNS, write_check_results

REPO = Path(__file__).resolve().parents[1]
SMALL_LANDING = Path(__file__).parent / "fixtures" / "landing_small"
# The small scenario's last business day is 2024-04-05; judge it from the next morning.
REFERENCE = datetime(2024, 4, 6, 8, 0)


def _names(specs) -> set[str]:
    return {s.check_name for s in specs}


@pytest.mark.parametrize("cf", CONTRACT, ids=lambda cf: cf.name)
def test_every_contract_file_has_a_suite_with_the_contract_rules(cf):
    specs = file_suite_specs(cf, REFERENCE, rows_received=100)
    blocking = [s for s in specs if s.blocking]
    names = _names(blocking)
    assert "accepted__required_columns_present" in names
    assert "accepted__accepted_share" in names
    # An empty file is "no data from this source": its row-count rule only warns.
    assert "accepted__row_count" in _names(s for s in specs if not s.blocking)
    for column in cf.columns:
        if column.required:
            assert f"accepted__not_null__{column.name}" in names
        if column.accepted_values:
            assert f"accepted__accepted_values__{column.name}" in names
        if column.min_value is not None or column.max_value is not None:
            assert f"accepted__range__{column.name}" in names
    if cf.primary_key:
        assert f"accepted__unique_key__{'+'.join(cf.primary_key)}" in names
    # Severity policy (quality/README.md): contract rules on accepted rows block; everything else warns.
    plausibility = (
        "accepted__date_range__",
        "accepted__plausible_range__",
        "accepted__date_order__",
        "accepted__freshness__",
        "accepted__row_count",  # an empty file is "no data from this source" (data-contract.md)
    )
    for spec in specs:
        is_contract_rule_on_accepted_rows = spec.scope == ACCEPTED and not spec.check_name.startswith(plausibility)
        assert spec.severity == (ERROR if is_contract_rule_on_accepted_rows else WARN), spec.check_name
    # The whole-file view repeats every contract rule as a warning.
    file_names = _names(s for s in specs if s.scope == FILE)
    assert {n.replace("accepted__", "file__") for n in names} - file_names <= {
        "file__required_columns_present",
        "file__row_count",
        "file__accepted_share",
    }


def test_every_suite_builds_as_great_expectations_objects():
    from quality.gx_suites import build_expectation

    for cf in CONTRACT:
        for spec in file_suite_specs(cf, REFERENCE, rows_received=10):
            expectation = build_expectation(spec)
            assert expectation.meta["check_name"] == spec.check_name


def test_great_expectations_is_imported_lazily():
    """Loading the Dagster code location must not pay GX's 3 s import."""
    code = (
        "import sys, quality.raw_checks, quality.expectations, orchestration.assets.quality_checks; "
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_results_table_has_the_same_columns_in_python_and_in_the_dbt_hook():
    macro = (REPO / "dbt_project/macros/quality/check_results.sql").read_text()
    body = macro[macro.index("macro quality_check_results_columns") : macro.index("endmacro")]
    dbt_columns = re.findall(r"\('([a-z_]+)', dbt\.type_", body)
    assert dbt_columns == [name for name, _ in CHECK_RESULTS_COLUMNS]


# ----------------------------------------------------------------------------------------- scenario


def _landing_with(tmp_path: Path, edits: dict[str, list[str]]) -> Path:
    """landing_small plus extra CSV lines appended to some files."""
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    for relative, lines in edits.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("".join(line + "\n" for line in lines))
    return landing


def _loaded(tmp_path: Path, landing: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    load_landing(con, landing)
    return con


def _by_name(validation) -> dict[str, object]:
    return {o.spec.check_name: o for _, o in validation.outcomes}


def test_quarantined_rows_warn_but_do_not_block(tmp_path):
    from quality.raw_checks import validate_raw_table

    landing = _landing_with(
        tmp_path,
        {
            # invalid date -> quarantined; a far-future order -> accepted, but implausible.
            "orders/orders.csv": [
                "SO8,A1,R2,C1,,,2024-13-45,placed,CNY,30,,,,",
                "SO9,A2,R3,C2,,,2031-01-01,placed,CNY,30,,,,",
            ],
            # negative price -> quarantined.
            "orders/order_lines.csv": ["SO5,2,X1,1,-5,0"],
        },
    )
    con = _loaded(tmp_path, landing)
    try:
        orders = validate_raw_table(con, "orders", reference_time=REFERENCE)
        lines = validate_raw_table(con, "order_lines", reference_time=REFERENCE)
    finally:
        con.close()

    assert orders.blocking_passed and lines.blocking_passed
    got = _by_name(orders)
    assert got["file__not_null__order_date"].failing_rows == 1  # what the quarantine caught
    assert got["accepted__not_null__order_date"].passed  # what staging will read
    assert got["accepted__date_range__order_date"].failing_rows == 1  # SO9 in 2031
    assert got["accepted__date_range__due_date"].passed
    assert not orders.warnings_passed
    assert got["accepted__row_count"].observed_value == "6"  # 5 orders + SO9

    got_lines = _by_name(lines)
    assert got_lines["file__range__unit_price"].failing_rows == 1
    assert got_lines["accepted__range__unit_price"].passed


def test_a_repeated_primary_key_inside_a_file_blocks(tmp_path):
    """Two different rows for one order: the loader accepts both (not an exact copy), the gate stops."""
    from quality.raw_checks import validate_raw_table

    landing = _landing_with(tmp_path, {"orders/orders.csv": ["SO1,A1,R2,C1,,O1,2024-01-15,cancelled,CNY,30,,,,"]})
    con = _loaded(tmp_path, landing)
    try:
        validation = validate_raw_table(con, "orders", reference_time=REFERENCE)
        rows = validation.result_rows("test-run")
        write_check_results(con, rows)
        stored = con.execute(
            "select check_name, status, severity, failing_rows from quality.check_results "
            "where run_id = 'test-run' and status <> 'pass' and severity = 'error'"
        ).fetchall()
    finally:
        con.close()
    assert not validation.blocking_passed
    failed = {o.spec.check_name: o for _, o in validation.failures(blocking=True)}
    assert set(failed) == {"accepted__unique_key__order_id"}
    assert failed["accepted__unique_key__order_id"].failing_rows == 2
    assert stored == [("accepted__unique_key__order_id", "fail", "error", 2)]


def test_each_dated_drop_is_validated_as_its_own_file(tmp_path):
    """A corrected account re-sent in a dated drop repeats a key across files: not a key violation."""
    from quality.raw_checks import validate_raw_table

    header = (SMALL_LANDING / "crm/accounts.csv").read_text().splitlines()[0]
    landing = _landing_with(
        tmp_path,
        {
            "crm/2024-03-01/accounts.csv": [
                header,
                "A2,Beta Retail,,south,Guangzhou,1,smb,R3,C2,P1,B,false,3,3,2,Han Mei,13800000002,han@beta.cn,"
                "2024-01-05 10:00:00,2024-03-01 09:00:00",
            ]
        },
    )
    con = _loaded(tmp_path, landing)
    try:
        validation = validate_raw_table(con, "accounts", reference_time=REFERENCE)
    finally:
        con.close()
    assert [f.source_file for f in validation.files] == ["crm/accounts.csv", "crm/2024-03-01/accounts.csv"]
    assert [f.rows_accepted for f in validation.files] == [3, 1]
    assert validation.blocking_passed


def test_freshness_of_the_newest_row_is_a_warning(tmp_path):
    from quality.raw_checks import validate_raw_table

    con = _loaded(tmp_path, SMALL_LANDING)
    try:
        fresh = validate_raw_table(con, "payments", reference_time=datetime(2024, 4, 6, 9, 0))
        stale = validate_raw_table(con, "payments", reference_time=datetime(2024, 4, 20, 9, 0))
    finally:
        con.close()
    assert _by_name(fresh)["accepted__freshness__paid_at"].passed
    outcome = _by_name(stale)["accepted__freshness__paid_at"]
    assert not outcome.passed and not outcome.spec.blocking
    assert "2024-04-05 11:00:00" in outcome.observed_value  # the newest payment
    assert stale.blocking_passed


def test_no_current_file_is_a_warning_not_a_block(tmp_path):
    """A missing file means "no data from this source" (data-contract.md): reported, never blocking."""
    from quality.raw_checks import validate_raw_table

    con = connect(tmp_path / "empty.duckdb")
    try:
        validation = validate_raw_table(con, "orders")
    finally:
        con.close()
    assert validation.blocking_passed
    rows = validation.result_rows("r")
    assert [(r.check_name, r.status, r.severity) for r in rows] == [("accepted__current_file_exists", "fail", "warn")]
    assert "no data from this source" in rows[0].observed_value


def test_an_empty_file_warns_only_when_the_previous_version_had_rows(tmp_path):
    from ingestion.loader import load_landing
    from quality.raw_checks import validate_raw_table

    landing = tmp_path / "landing"
    (landing / "channels").mkdir(parents=True)
    path = landing / "channels" / "channels.csv"
    header = "channel_id,channel_name,channel_type,channel_subtype"
    path.write_text(header + "\n")
    con = connect(tmp_path / "wh.duckdb")
    try:
        load_landing(con, landing)
        first = validate_raw_table(con, "channels", reference_time=REFERENCE)
        path.write_text(header + "\nC1,Direct,direct,\n")
        load_landing(con, landing)
        path.write_text(header + "\n")  # the corrected export arrives empty
        load_landing(con, landing)
        emptied = validate_raw_table(con, "channels", reference_time=REFERENCE)
    finally:
        con.close()
    assert first.blocking_passed and first.warnings_passed
    assert _by_name(first)["accepted__row_count"].passed
    assert emptied.blocking_passed and not emptied.warnings_passed
    outcome = _by_name(emptied)["accepted__row_count"]
    assert not outcome.passed and not outcome.spec.blocking
    assert "previous file version had 1 rows" in outcome.spec.description


# ----------------------------------------------------------------------------------------- demo run


def test_demo_run_evaluates_both_checks_on_every_raw_asset(demo_pipeline):
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e for e in demo_pipeline.result.get_asset_check_evaluations()
    }
    for cf in CONTRACT:
        blocking = evaluations[(f"raw/{cf.name}", "gx_contract")]
        assert blocking.passed, (cf.name, blocking.description)
        assert blocking.metadata["expectations"].value >= 4
        assert "accepted__required_columns_present" in blocking.metadata["results"].value
        assert "accepted__row_count" in evaluations[(f"raw/{cf.name}", "gx_warnings")].metadata["results"].value
        assert (f"raw/{cf.name}", "gx_warnings") in evaluations


def test_demo_run_stores_every_layer_in_check_results_and_the_dq_mart(demo_pipeline, demo_db):
    run_id = demo_pipeline.run_id
    raw_assets = {
        r[0]
        for r in demo_db.execute(
            "select distinct asset from quality.check_results where run_id = ? and layer = 'raw'", [run_id]
        ).fetchall()
    }
    assert raw_assets == {f"raw.{cf.name}" for cf in CONTRACT}
    layers = dict(
        demo_db.execute(
            "select layer, count(*) from marts.mart_dq_results where run_id = ? group by layer", [run_id]
        ).fetchall()
    )
    assert {"raw", "staging", "core", "marts"} <= set(layers)
    blocking_failures = demo_db.execute(
        "select count(*) from marts.mart_dq_results where run_id = ? and blocks_publish", [run_id]
    ).fetchall()[0][0]
    assert blocking_failures == 0
    # The generator's injected bad rows show up as warnings on the raw files they were injected into.
    warned = {
        r[0]
        for r in demo_db.execute(
            "select distinct asset from marts.mart_dq_results where run_id = ? and layer = 'raw' "
            "and check_name like 'file\\_\\_%' escape '\\' and status = 'fail'",
            [run_id],
        ).fetchall()
    }
    assert {"raw.orders", "raw.order_lines", "raw.payments", "raw.accounts"} <= warned


def test_enum_values_in_another_case_pass_the_blocking_suite(tmp_path):
    """The loader accepts ' Direct ' and 'DISTRIBUTION'; the blocking suite must agree, or an export that
    loads cleanly could never publish."""
    from quality.raw_checks import validate_raw_table

    corpus = Path(__file__).parent / "corpus" / "enum_case_and_blanks"
    landing = tmp_path / "landing"
    shutil.copytree(corpus, landing, ignore=shutil.ignore_patterns("expected.yaml"))
    con = _loaded(tmp_path, landing)
    try:
        validation = validate_raw_table(con, "channels", reference_time=REFERENCE)
    finally:
        con.close()
    outcomes = _by_name(validation)
    assert outcomes["accepted__accepted_values__channel_type"].passed
    assert validation.blocking_passed
    # The row the loader quarantined ("direct sales") is still reported by the warning suite.
    assert not outcomes["file__accepted_values__channel_type"].passed
