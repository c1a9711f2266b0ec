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
from quality.drift import (
    category_share_specs,
    category_shares,
    drift_columns,
    null_share_specs,
    quantile_specs,
    row_count_spec,
)
from quality.expectations import ERROR, LOADS, ROWS, STORAGE, WARN, storage_specs
from quality.plausibility import plausibility_specs, rules_for, vocabulary_specs
from quality.results import CHECK_RESULTS_COLUMNS, write_check_results

REPO = Path(__file__).resolve().parents[1]
SMALL_LANDING = Path(__file__).parent / "fixtures" / "landing_small"
# The small scenario's last business day is 2024-04-05; judge it from the next morning.
REFERENCE = datetime(2024, 4, 6, 8, 0)


def _names(specs) -> set[str]:
    return {s.check_name for s in specs}


@pytest.mark.parametrize("cf", CONTRACT, ids=lambda cf: cf.name)
def test_the_blocking_suite_is_the_storage_invariants_and_nothing_else(cf):
    blocking = storage_specs(cf)
    expected = {"raw__columns_match_contract", "accepted__accepted_share"}
    expected |= {f"accepted__not_null__{c.name}" for c in cf.columns if c.required}
    if cf.primary_key:
        expected.add(f"accepted__unique_key__{'+'.join(cf.primary_key)}")
    assert _names(blocking) == expected
    assert all(s.severity == ERROR and s.frame in (STORAGE, ROWS, LOADS) for s in blocking)
    # Row rules the loader owns (accepted values, contract min/max) are not re-checked as blocking GX rules.
    assert not any("range__" in s.check_name or "accepted_values" in s.check_name for s in blocking)
    # Everything else warns (severity policy, quality/README.md).
    warnings = [*plausibility_specs(cf, REFERENCE), *vocabulary_specs(cf), row_count_spec()]
    assert warnings and all(s.severity == WARN for s in warnings)
    assert {f"accepted__vocabulary__{c.name}" for c in cf.columns if c.accepted_values} <= _names(warnings)


def _frame_of_every_column(cf, rows: int, shift: int):
    """A frame with every contract column of ``cf``: vocabulary values in turn (``shift`` moves the shares),
    numbers for numeric columns, text for the others, and every third value of an optional column empty."""
    import pandas as pd

    numeric = ("integer", "decimal")
    data = {}
    for c in cf.columns:
        if c.accepted_values:
            values = [c.accepted_values[(i * (1 + shift)) % len(c.accepted_values)] for i in range(rows)]
        elif c.type in numeric:
            values = [float((i + 1) * (1 + shift)) for i in range(rows)]
        else:
            values = [f"{c.name}-{i}" for i in range(rows)]
        data[c.name] = [None if not c.required and i % 3 == 0 else v for i, v in enumerate(values)]
    return pd.DataFrame(data)


@pytest.mark.parametrize("cf", CONTRACT, ids=lambda cf: cf.name)
def test_the_previous_load_read_with_its_drift_columns_alone_gives_the_same_comparisons(cf):
    """The raw suite reads the previous load with ``drift_columns`` only (quality/raw_checks.py): the
    quantile, filled-share and category-share comparisons made from every column give the same specs."""
    import pandas as pd

    latest, previous = _frame_of_every_column(cf, 60, 0), _frame_of_every_column(cf, 60, 1)
    narrowed = previous[[c for c in previous.columns if c in drift_columns(cf)]]
    assert quantile_specs(cf, latest, narrowed) == quantile_specs(cf, latest, previous)
    assert null_share_specs(cf, latest, narrowed) == null_share_specs(cf, latest, previous)
    pd.testing.assert_frame_equal(category_shares(cf, latest, narrowed), category_shares(cf, latest, previous))
    # Not vacuous: each kind of comparison the file's columns allow was made.
    assert len(quantile_specs(cf, latest, previous)) == len(rules_for(cf).distributions)
    assert len(null_share_specs(cf, latest, previous)) == sum(not c.required for c in cf.columns)
    assert len(category_shares(cf, latest, previous)) >= sum(bool(c.accepted_values) for c in cf.columns)


def test_quality_does_not_reuse_the_loaders_parser():
    """A check that parses raw with the loader's own parser can only agree with the loader."""
    for path in (REPO / "quality").glob("*.py"):
        text = path.read_text()
        for forbidden in ("ingestion.row_rules", "ingestion.readers", "parse_column", "ingestion.loader"):
            assert forbidden not in text, (path.name, forbidden)


def test_every_suite_builds_as_great_expectations_objects():
    import pandas as pd

    from quality.drift import category_shares
    from quality.gx_suites import build_expectation

    for cf in CONTRACT:
        # Hand-made history: 30 rows before, the same now, so every drift spec is built.
        frame = pd.DataFrame({c.name: ["1"] * 30 if c.type == "string" else [1.0] * 30 for c in cf.columns})
        shares = category_shares(cf, frame, frame)
        specs = [
            *storage_specs(cf),
            *plausibility_specs(cf, REFERENCE),
            *vocabulary_specs(cf),
            row_count_spec(),
            *quantile_specs(cf, frame, frame),
            *null_share_specs(cf, frame, frame),
            *category_share_specs(cf, shares),
        ]
        assert len(_names(specs)) == len(specs), cf.name  # one check name, one result row
        for spec in specs:
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


def _loaded(tmp_path: Path, landing: Path, conflicting_keys_accepted: bool = False) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    load_landing(con, landing)
    if conflicting_keys_accepted:
        _accept_conflicting_keys(con)
    return con


def _accept_conflicting_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The rows the loader quarantined for a conflicting key (and for nothing else) accepted again, as a loader
    without that rule, or a hand edit of raw, would leave them: the raw suite's uniqueness check is the line
    behind the rule, and is tested on what gets past it."""
    found = con.execute(
        "select table_name, load_id, row_number from audit.quarantined_rows group by all "
        "having bool_and(reason = 'conflicting_key')"
    ).fetchall()
    assert found, "the loader quarantined no row for a conflicting key"
    for table, load_id, row_number in found:
        accept = f"update raw.{table} set _is_quarantined = false where _load_id = ? and _row_number = ?"
        con.execute(accept, [load_id, row_number])
        con.execute("delete from audit.quarantined_rows where load_id = ? and row_number = ?", [load_id, row_number])
        con.execute("update audit.load_ledger set rows_quarantined = rows_quarantined - 1 where load_id = ?", [load_id])


def _validated(tmp_path: Path, landing: Path, table: str, conflicting_keys_accepted: bool = False):
    """``landing`` loaded into a fresh warehouse and ``raw.<table>`` validated at REFERENCE."""
    from quality.raw_checks import validate_raw_table

    con = _loaded(tmp_path, landing, conflicting_keys_accepted)
    try:
        return validate_raw_table(con, table, reference_time=REFERENCE)
    finally:
        con.close()


def _by_name(validation) -> dict[str, object]:
    return {o.spec.check_name: o for o in validation.outcomes}


def test_quarantined_rows_do_not_reach_the_suite_and_implausible_accepted_rows_warn(tmp_path):
    from quality.raw_checks import validate_raw_table

    landing = _landing_with(
        tmp_path,
        {
            # invalid date -> quarantined by the loader; a far-future order -> accepted, but implausible.
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
    assert got["accepted__not_null__order_date"].passed  # what staging will read
    assert got["accepted__date_range__order_date"].failing_rows == 1  # SO9 in 2031
    assert not got["accepted__date_range__order_date"].spec.blocking
    assert got["accepted__date_range__due_date"].passed
    assert not orders.warnings_passed
    assert got["accepted__not_null__order_id"].element_count == 6  # 5 orders + SO9, not SO8
    assert _by_name(lines)["accepted__plausible_range__unit_price"].passed  # the -5 line is quarantined


def test_a_repeated_primary_key_inside_a_file_is_quarantined_and_blocks_if_it_gets_past(tmp_path):
    """Two different rows for one order: the loader quarantines both (conflicting_key) and the suite passes;
    accepted anyway (a loader without that rule, a hand edit), the gate stops."""
    from quality.raw_checks import validate_raw_table

    landing = _landing_with(tmp_path, {"orders/orders.csv": ["SO1,A1,R2,C1,,O1,2024-01-15,cancelled,CNY,30,,,,"]})
    con = _loaded(tmp_path, landing)
    try:
        assert validate_raw_table(con, "orders", reference_time=REFERENCE).blocking_passed
    finally:
        con.close()
    con = _loaded(tmp_path / "accepted", landing, conflicting_keys_accepted=True)
    try:
        validation = validate_raw_table(con, "orders", reference_time=REFERENCE)
        rows = validation.result_rows("test-run")
        write_check_results(con, rows)
        stored = con.execute(
            "select check_name, status, severity, failing_rows, source_file from quality.check_results "
            "where run_id = 'test-run' and status <> 'pass' and severity = 'error'"
        ).fetchall()
    finally:
        con.close()
    assert not validation.blocking_passed
    failed = {o.spec.check_name: o for o in validation.failures(blocking=True)}
    assert set(failed) == {"accepted__unique_key__order_id"}
    assert failed["accepted__unique_key__order_id"].failing_rows == 2
    # One file version read: the key alone names the rows (the file is the check's source_file).
    assert failed["accepted__unique_key__order_id"].details["examples"] == ["SO1", "SO1"]
    assert stored == [("accepted__unique_key__order_id", "fail", "error", 2, "orders/orders.csv")]


def test_after_the_loaders_key_rule_the_suites_uniqueness_check_passes(tmp_path):
    """The loader's rule and the suite's check compare keys with code of their own; on keys that differ only
    in blanks, case or a missing part, they must agree, or the suite would block what the loader let in."""
    from quality.raw_checks import validate_raw_table

    landing = _landing_with(
        tmp_path,
        {
            "targets/quotas.csv": [
                "2024-01-01,month,company,,revenue,9999",  # the file's first key, another target: conflict
                "2024-01-01,Month,team, T1 ,revenue,1500",  # the file's team T1 row again, case and blanks aside
            ],
            "crm/accounts.csv": [
                " A3,Gamma Home ,consumer,south,Foshan,2,consumer,R3,C3,,C,false,2,2,1,Zhou Yu,13800000003,,"
                "2024-01-20 11:00:00,",  # row 3 again once blanks are set aside: a duplicate
            ],
        },
    )
    con = _loaded(tmp_path, landing)
    try:
        reasons = con.execute(
            "select table_name, reason, count(*) from audit.quarantined_rows group by all order by all"
        ).fetchall()
        passed = {
            t: validate_raw_table(con, t, reference_time=REFERENCE).blocking_passed for t in ("quotas", "accounts")
        }
    finally:
        con.close()
    assert reasons == [
        ("accounts", "duplicate_row", 1),
        ("quotas", "conflicting_key", 2),
        ("quotas", "duplicate_row", 1),
    ]
    assert passed == {"quotas": True, "accounts": True}


def test_a_compound_key_repeated_twice_fails_on_every_row_of_both_keys(tmp_path):
    """order_lines is keyed by order and line: SO1's lines 1 and 2 each come twice with other values (four
    rows), SO1 line 3 once. The check counts the four rows among the nine accepted and shows their keys."""
    lines = ["SO1,1,X2,3,250,0", "SO1,2,X1,1,100,0", "SO1,3,X1,1,100,0"]
    landing = _landing_with(tmp_path, {"orders/order_lines.csv": lines})
    validation = _validated(tmp_path, landing, "order_lines", conflicting_keys_accepted=True)
    unique = _by_name(validation)["accepted__unique_key__order_id+line_number"]
    assert (unique.passed, unique.failing_rows, unique.element_count) == (False, 4, 10)
    assert unique.observed_value == "4 of 10 rows unexpected"
    assert sorted(unique.details["examples"]) == ["SO1|1.0", "SO1|1.0", "SO1|2.0", "SO1|2.0"]


def test_each_dated_drop_is_its_own_file_version_for_the_key(tmp_path):
    """A corrected account re-sent in a dated drop repeats a key across files: not a key violation."""
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
    validation = _validated(tmp_path, landing, "accounts")
    assert [f.source_file for f in validation.files] == ["crm/accounts.csv", "crm/2024-03-01/accounts.csv"]
    assert [f.rows_accepted for f in validation.files] == [3, 1]
    assert _by_name(validation)["accepted__unique_key__account_id"].passed
    assert validation.blocking_passed


def test_a_key_repeated_inside_one_of_several_dated_drops_blocks_and_names_the_drop(tmp_path):
    """With several current file versions the key is read with its file version: A2 twice inside the dated
    drop is a violation (A2 also in the first file is not), and the examples say which drop."""
    header = (SMALL_LANDING / "crm/accounts.csv").read_text().splitlines()[0]
    row = "A2,Beta Retail,,south,Guangzhou,1,smb,R3,C2,P1,B,false,3,3,2,Han Mei,13800000002,han@beta.cn,"
    landing = _landing_with(
        tmp_path,
        {
            "crm/2024-03-01/accounts.csv": [
                header,
                row + "2024-01-05 10:00:00,2024-03-01 09:00:00",
                row + "2024-01-05 10:00:00,2024-03-01 10:00:00",
            ]
        },
    )
    validation = _validated(tmp_path, landing, "accounts", conflicting_keys_accepted=True)
    unique = _by_name(validation)["accepted__unique_key__account_id"]
    assert (unique.passed, unique.failing_rows) == (False, 2)
    assert unique.details["examples"] == ["crm/2024-03-01/accounts.csv#1|A2"] * 2


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


# ------------------------------------------------------------------------------ history and hand-made tables

PAYMENTS_HEADER = "payment_id,order_id,paid_at,amount,currency,method"


def _payments(n: int, amount: float = 100.0, method: str = "bank_transfer") -> str:
    """``n`` payments against the small scenario's orders (the loader rejects unknown orders)."""
    lines = [PAYMENTS_HEADER]
    for i in range(n):
        order = f"SO{1 + i % 2}"  # SO1 (CNY), SO2 (USD): both delivered
        currency = "CNY" if order == "SO1" else "USD"
        lines.append(f"PM{i},{order},2024-04-0{1 + i % 5} 10:00:00,{amount + i % 7},{currency},{method}")
    return "\n".join(lines) + "\n"


def _reload(con: duckdb.DuckDBPyConnection, landing: Path, relative: str, text: str) -> None:
    (landing / relative).write_text(text)
    load_landing(con, landing)


def _small_copy(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    return landing


def test_a_first_load_passes_and_a_row_count_drop_against_the_previous_load_warns(tmp_path):
    from quality.raw_checks import validate_raw_table

    landing = _small_copy(tmp_path)
    con = connect(tmp_path / "w.duckdb")
    try:
        _reload(con, landing, "orders/payments.csv", _payments(40))
        first = validate_raw_table(con, "payments", reference_time=REFERENCE)
        _reload(con, landing, "orders/payments.csv", _payments(30))  # 75 % of the previous rows: fine
        smaller = validate_raw_table(con, "payments", reference_time=REFERENCE)
        _reload(con, landing, "orders/payments.csv", _payments(10))  # a third of the previous version
        dropped = validate_raw_table(con, "payments", reference_time=REFERENCE)
    finally:
        con.close()
    outcome = _by_name(first)["file__row_count_vs_previous"]
    assert outcome.passed and outcome.element_count == 1  # evaluated, nothing to compare with
    assert _by_name(smaller)["file__row_count_vs_previous"].passed
    outcome = _by_name(dropped)["file__row_count_vs_previous"]
    assert not outcome.passed and not outcome.spec.blocking
    assert dropped.blocking_passed and not dropped.warnings_passed


def test_an_empty_file_passes_the_blocking_check_and_warns_only_after_a_version_with_rows(tmp_path):
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
    # Header-only, first load: "no data from this source", nothing fails.
    assert first.blocking_passed and first.warnings_passed
    assert {"raw__columns_match_contract", "accepted__accepted_share"} <= set(_by_name(first))
    assert _by_name(first)["file__row_count_vs_previous"].passed
    assert emptied.blocking_passed and not emptied.warnings_passed
    outcome = _by_name(emptied)["file__row_count_vs_previous"]
    assert not outcome.passed and not outcome.spec.blocking
    assert [o.spec.check_name for o in emptied.failures(blocking=False)] == ["file__row_count_vs_previous"]


def test_a_vocabulary_value_that_reached_the_accepted_rows_warns(tmp_path):
    """The loader would quarantine 'on_hold'; written into raw another way, GX still sees it."""
    from quality.raw_checks import validate_raw_table

    con = _loaded(tmp_path, SMALL_LANDING)
    try:
        before = validate_raw_table(con, "orders", reference_time=REFERENCE)
        con.execute("update raw.orders set status = 'On_Hold' where order_id = 'SO2'")
        after = validate_raw_table(con, "orders", reference_time=REFERENCE)
    finally:
        con.close()
    assert _by_name(before)["accepted__vocabulary__status"].passed
    outcome = _by_name(after)["accepted__vocabulary__status"]
    assert not outcome.passed and outcome.failing_rows == 1 and not outcome.spec.blocking
    assert outcome.details["examples"] == ["on_hold"]
    assert after.blocking_passed


def test_a_required_value_blank_in_the_stored_accepted_rows_blocks(tmp_path):
    """A storage invariant, read as staging reads it: a currency of blanks is no currency."""
    from quality.raw_checks import validate_raw_table

    con = _loaded(tmp_path, SMALL_LANDING)
    try:
        con.execute("update raw.orders set currency = '  ' where order_id = 'SO2'")
        con.execute("update raw.orders set order_date = 'soon' where order_id = 'SO5'")
        validation = validate_raw_table(con, "orders", reference_time=REFERENCE)
    finally:
        con.close()
    failed = {o.spec.check_name: o.failing_rows for o in validation.failures(blocking=True)}
    assert failed == {"accepted__not_null__currency": 1, "accepted__not_null__order_date": 1}


def test_payments_exceeding_the_order_value_of_their_currency_warn(tmp_path):
    """Order value: CNY 1400 (SO1) + 200 (SO4, net of its return line), paid 1600; USD 100 (SO2) + 30 (SO5)
    at half price, paid 115. SO3 is cancelled."""
    from quality.raw_checks import validate_raw_table

    landing = _small_copy(tmp_path)
    con = connect(tmp_path / "w.duckdb")
    try:
        load_landing(con, landing)
        within = validate_raw_table(con, "payments", reference_time=REFERENCE)
        text = (landing / "orders/payments.csv").read_text() + "PM9,SO5,2024-04-05 12:00:00,500,USD,card\n"
        _reload(con, landing, "orders/payments.csv", text)
        over = validate_raw_table(con, "payments", reference_time=REFERENCE)
    finally:
        con.close()
    assert _by_name(within)["cross__payments_within_order_value"].passed
    outcome = _by_name(over)["cross__payments_within_order_value"]
    assert not outcome.passed and outcome.failing_rows == 1  # USD only: 615 paid for 130 ordered
    assert outcome.spec.dq_rule == "DQ22" and not outcome.spec.blocking
    assert over.blocking_passed


def test_orders_without_lines_warn(tmp_path):
    landing = _small_copy(tmp_path)
    lines = (landing / "orders/order_lines.csv").read_text().splitlines()
    (landing / "orders/order_lines.csv").write_text("\n".join(line for line in lines if not line.startswith("SO1,")))
    validation = _validated(tmp_path, landing, "order_lines")
    outcome = _by_name(validation)["cross__orders_have_lines"]
    assert not outcome.passed and outcome.failing_rows == 1  # SO1, of the 4 orders not cancelled
    assert validation.blocking_passed


def test_a_cross_file_check_needs_every_file_it_compares(tmp_path):
    """No orders file: "no data from this source", so nothing to compare the lines with (no warning)."""
    landing = _small_copy(tmp_path)
    (landing / "orders/orders.csv").unlink()
    validation = _validated(tmp_path, landing, "order_lines")
    assert validation.files and "cross__orders_have_lines" not in _by_name(validation)
    assert validation.blocking_passed


def test_amounts_that_jump_by_an_order_of_magnitude_and_a_column_left_empty_warn(tmp_path):
    from quality.raw_checks import validate_raw_table

    landing = _small_copy(tmp_path)
    con = connect(tmp_path / "w.duckdb")
    try:
        _reload(con, landing, "orders/payments.csv", _payments(40))
        _reload(con, landing, "orders/payments.csv", _payments(40, amount=102.0))
        similar = validate_raw_table(con, "payments", reference_time=REFERENCE)
        _reload(con, landing, "orders/payments.csv", _payments(40, amount=100_000.0, method=""))
        jumped = validate_raw_table(con, "payments", reference_time=REFERENCE)
    finally:
        con.close()
    assert _by_name(similar)["accepted__quantiles__amount"].passed
    assert _by_name(similar)["accepted__null_share__method"].passed
    warned = {o.spec.check_name for o in jumped.failures(blocking=False)}
    assert {"accepted__quantiles__amount", "accepted__null_share__method"} <= warned
    assert jumped.blocking_passed


def test_a_category_share_that_moves_sharply_warns(tmp_path):
    from quality.raw_checks import validate_raw_table

    landing = _small_copy(tmp_path)
    header = (landing / "channels/channels.csv").read_text().splitlines()[0]

    def channels(types: list[str]) -> str:
        rows = [f"C{i + 10},Channel {i},{t}," for i, t in enumerate(types)]
        return "\n".join([header, "C1,Direct,direct,", "C2,Dist,distribution,", "C3,Shop,ecommerce,", *rows]) + "\n"

    con = connect(tmp_path / "w.duckdb")
    try:
        load_landing(con, landing)
        _reload(con, landing, "channels/channels.csv", channels(["direct", "agency"] * 15))
        _reload(con, landing, "channels/channels.csv", channels(["direct", "agency"] * 14 + ["agency", "direct"]))
        steady = validate_raw_table(con, "channels", reference_time=REFERENCE)
        _reload(con, landing, "channels/channels.csv", channels(["agency"] * 30))
        moved = validate_raw_table(con, "channels", reference_time=REFERENCE)
    finally:
        con.close()
    assert _by_name(steady)["accepted__category_share__channel_type"].passed
    outcome = _by_name(moved)["accepted__category_share__channel_type"]
    assert not outcome.passed and outcome.failing_rows == 2  # agency up, direct down
    assert "agency +" in outcome.spec.description


# ----------------------------------------------------------------------------------------- demo run


def test_demo_run_evaluates_both_checks_on_every_raw_asset(demo_pipeline):
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e for e in demo_pipeline.result.get_asset_check_evaluations()
    }
    for cf in CONTRACT:
        blocking = evaluations[(f"raw/{cf.name}", "gx_contract")]
        assert blocking.passed, (cf.name, blocking.description)
        assert blocking.metadata["expectations"].value >= 4
        assert "raw__columns_match_contract" in blocking.metadata["results"].value
        warnings = evaluations[(f"raw/{cf.name}", "gx_warnings")]
        assert "file__row_count_vs_previous" in warnings.metadata["results"].value


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
    # The cross-file totals ran after their inputs were loaded, and their outcomes are stored.
    cross = {
        r[0]
        for r in demo_db.execute(
            "select check_name from marts.mart_dq_results where run_id = ? and layer = 'raw' "
            "and check_name like 'cross\\_\\_%' escape '\\'",
            [run_id],
        ).fetchall()
    }
    assert cross == {"cross__orders_have_lines", "cross__payments_within_order_value"}


def test_enum_values_in_another_case_pass_the_blocking_suite(tmp_path):
    """The loader accepts ' Direct ' and 'DISTRIBUTION'; the blocking suite must agree, or an export that
    loads cleanly could never publish."""
    corpus = Path(__file__).parent / "corpus" / "enum_case_and_blanks"
    landing = tmp_path / "landing"
    shutil.copytree(corpus, landing, ignore=shutil.ignore_patterns("expected.yaml"))
    validation = _validated(tmp_path, landing, "channels")
    outcomes = _by_name(validation)
    assert outcomes["accepted__vocabulary__channel_type"].passed
    assert validation.blocking_passed
    # The row the loader quarantined ("direct sales") is the loader's to report: not among the accepted rows.
    assert outcomes["accepted__vocabulary__channel_type"].element_count == validation.files[0].rows_accepted


def test_an_expectation_great_expectations_returns_no_result_for_is_an_error_not_dropped(monkeypatch):
    import pandas as pd

    from quality import gx_suites
    from quality.expectations import ExpectationSpec

    spec = ExpectationSpec(
        "accepted__not_null__x", "ExpectColumnValuesToNotBeNull", {"column": "x"}, ROWS, ERROR, "x is set"
    )
    real = gx_suites.build_expectation
    # The result comes back under another name, as if GX had lost the one asked for.
    monkeypatch.setattr(
        gx_suites,
        "build_expectation",
        lambda s: real(ExpectationSpec(f"{s.check_name}_other", s.gx_type, s.kwargs, s.frame, s.severity, "")),
    )
    [outcome] = gx_suites.validate(pd.DataFrame({"x": [1, 2]}), [spec], "lost_result")
    assert (outcome.spec, outcome.status, outcome.passed) == (spec, gx_suites.ERROR_STATUS, False)


def test_datetime_ranges_give_the_same_verdict_in_any_unit_and_beyond_nanoseconds():
    """Microsecond datetimes (what DuckDB hands pandas) are compared column-wise once in nanoseconds; a
    column with a date pandas cannot hold in nanoseconds (9999-12-31, a CRM's "no end") keeps its unit and
    GX's element-wise comparison. The expected verdicts are written out by hand."""
    from datetime import datetime as dt

    import pandas as pd

    from quality import gx_suites
    from quality.expectations import ExpectationSpec

    spec = ExpectationSpec(
        "accepted__in_range__d",
        "ExpectColumnValuesToBeBetween",
        {"column": "d", "min_value": dt(2020, 1, 1), "max_value": dt(2030, 12, 31)},  # as plausibility_specs
        ROWS,
        WARN,
        "d within the business window",
    )
    inside = [dt(2021, 5, 1, 12, 30, 0, 123456), dt(2030, 12, 31), None]
    outside = [dt(2021, 5, 1), dt(2031, 1, 1), dt(2019, 12, 31, 23, 59, 59)]
    sentinel = [dt(2021, 5, 1), dt(9999, 12, 31), None]
    for values, passed, failing in ((inside, True, 0), (outside, False, 2), (sentinel, False, 1)):
        frame = pd.DataFrame({"d": pd.Series(values, dtype="datetime64[us]")})
        prepared = gx_suites._vectorizable(frame)
        expected_unit = "datetime64[us]" if values is sentinel else "datetime64[ns]"
        assert str(prepared["d"].dtype) == expected_unit
        assert str(frame["d"].dtype) == "datetime64[us]"  # the caller's frame is left as it was
        [outcome] = gx_suites.validate(frame, [spec], "datetime_units")
        assert (outcome.passed, outcome.failing_rows) == (passed, failing), (values, outcome)


def test_each_expectation_judges_its_own_columns_whatever_the_rest_of_the_frame_holds(monkeypatch):
    """Specs run grouped by the columns they read, each group on a frame of only those columns (GX copies
    the frame it is given to drop a column's nulls). Nulls and bad values in one column must not change
    another column's verdict; table-level expectations still see every row and column; a spec naming a
    column the frame lacks is left out. GX never fingerprints a frame (an MD5 over every row that nobody
    reads). Expected verdicts written out by hand."""
    import pandas as pd
    from great_expectations.execution_engine import pandas_execution_engine

    from quality import gx_suites
    from quality.expectations import ExpectationSpec

    def fingerprint(_frame):
        raise AssertionError("GX fingerprinted a frame")

    monkeypatch.setattr(pandas_execution_engine, "hash_pandas_dataframe", fingerprint)
    frame = pd.DataFrame(
        {
            "a": ["x", None, "y", "x"],
            "b": [1.0, 5.0, None, 20.0],
            "c": [2.0, None, 1.0, 10.0],
        }
    )

    def spec(name: str, gx_type: str, kwargs: dict) -> ExpectationSpec:
        return ExpectationSpec(name, gx_type, kwargs, ROWS, WARN, name)

    specs = [
        spec("rows", "ExpectTableRowCountToBeBetween", {"min_value": 4, "max_value": 4}),
        spec("a_set", "ExpectColumnValuesToNotBeNull", {"column": "a"}),
        spec("b_range", "ExpectColumnValuesToBeBetween", {"column": "b", "min_value": 0, "max_value": 10}),
        spec("a_unique", "ExpectColumnValuesToBeUnique", {"column": "a"}),
        spec("columns", "ExpectTableColumnsToMatchSet", {"column_set": ["a", "b", "c"], "exact_match": True}),
        spec(
            "c_over_b",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "c", "column_B": "b", "ignore_row_if": "either_value_is_missing"},
        ),
        spec("b_set", "ExpectColumnValuesToNotBeNull", {"column": "b"}),
        # One column on both sides: its frame holds it once (a repeated name would make frame[c] a frame).
        spec(
            "c_not_below_c",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            {"column_A": "c", "column_B": "c", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        ),
        spec("absent", "ExpectColumnValuesToNotBeNull", {"column": "missing"}),
    ]
    outcomes = gx_suites.validate(frame, specs, "grouped")
    got = [(o.spec.check_name, o.passed, o.failing_rows, o.element_count) for o in outcomes]
    assert got == [
        ("rows", True, None, None),
        ("a_set", False, 1, 4),
        ("b_range", False, 1, 4),  # 20 is out; the null is not judged
        ("a_unique", False, 2, 4),  # both x; the null is not judged
        ("columns", True, None, None),
        ("c_over_b", False, 1, 4),  # rows 1 and 4 judged (the others miss a value): 2 > 1, not 10 > 20
        ("b_set", False, 1, 4),
        ("c_not_below_c", True, 0, 4),
    ]
    assert outcomes[3].details["examples"] == ["x", "x"]
