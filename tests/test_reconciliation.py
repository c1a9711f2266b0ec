"""Reconciliation tests (raw = staged + quarantined + superseded, revenue from raw = fct_orders) and the
data-quality marts, on a hand-made scenario with hand-computed expectations."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion.contract import CONTRACT
from ingestion.loader import load_landing
from ingestion.warehouse import connect
from orchestration.pipeline import run_dbt

REPO = Path(__file__).resolve().parents[1]
SMALL_LANDING = Path(__file__).parent / "fixtures" / "landing_small"
STALE_DAYS = 30  # smaller than the default 90, so the 3-month scenario has stale records
# Mart-level reconciliations need every mart built; this scenario builds staging, core and one mart.
MART_RECONCILIATIONS = "path:tests/quality/marts"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """landing_small plus: a dated drop re-sending account A2 without its industry (supersedes the
    first version), and an order with an impossible date (quarantined)."""
    root = tmp_path_factory.mktemp("reconciliation")
    landing = root / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    header = (landing / "crm/accounts.csv").read_text().splitlines()[0]
    drop = landing / "crm" / "2024-03-01"
    drop.mkdir()
    (drop / "accounts.csv").write_text(
        header + "\nA2,Beta Retail,,south,Guangzhou,1,smb,R3,C2,P1,B,false,3,3,2,Han Mei,13800000002,"
        "han@beta.cn,2024-01-05 10:00:00,2024-03-01 09:00:00\n"
    )
    with open(landing / "orders/orders.csv", "a") as fh:
        fh.write("SO8,A1,R2,C1,,,2024-13-45,placed,CNY,30,,,,\n")
    # salesops.duckdb, each in a folder of its own: dbt's saved parse state is per file name and vars, so
    # the builds of this module share one (orchestration/dbt_parse_cache.py).
    warehouse = root / "salesops.duckdb"
    con = connect(warehouse)
    try:
        results = load_landing(con, landing)
    finally:
        con.close()
    assert sum(r.rows_quarantined for r in results) == 1
    # Seeds and models only: the quality tests run in
    # test_reconciliation_tests_pass_on_the_scenario_and_catch_tampering.
    run_dbt(
        [
            "build",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--select",
            "+fct_orders +mart_crm_completeness path:models/staging",
            "--vars",
            json.dumps({"crm_stale_days": STALE_DAYS}),
        ],
        warehouse,
        target_path=root / "target",
    )
    yield warehouse


@pytest.fixture(scope="module")
def db(scenario: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(scenario), read_only=True)
    yield con
    con.close()


def test_superseded_and_quarantined_rows_are_accounted_for(db):
    """Hand count: accounts 3 + 1 re-sent = 4 raw rows, 3 staged, 1 superseded; orders 6 raw, 1 quarantined."""

    def count(sql: str) -> int:
        return db.execute(sql).fetchall()[0][0]

    assert count("select count(*) from raw.accounts") == 4
    assert count("select count(*) from staging.stg_crm__accounts") == 3
    assert count("select industry is null from staging.stg_crm__accounts where account_id = 'A2'") == 1
    assert count("select count(*) from raw.orders") == 6
    assert count("select count(*) from raw.orders where _is_quarantined") == 1
    assert count("select count(*) from staging.stg_orders__orders") == 5


def test_revenue_from_raw_equals_the_hand_computed_total(db):
    """SO1 900 + 500, SO2 100 USD × 7.0, SO3 cancelled, SO4 300 − 100 returned, SO5 30 USD × 7.2."""
    total = db.execute("select cast(sum(revenue_base) as double) from core.fct_orders").fetchall()[0][0]
    assert total == pytest.approx(900 + 500 + 700 + 200 + 216)


def _dbt_test_statuses(warehouse: Path, target: Path) -> dict[str, str]:
    proc = run_dbt(
        [
            "test",
            "--select",
            "path:tests/quality mart_crm_completeness",
            "--exclude",
            MART_RECONCILIATIONS,
            # Only tests whose parents are all built here (not other marts' relationship tests).
            "--indirect-selection",
            "cautious",
            "--vars",
            json.dumps({"crm_stale_days": STALE_DAYS}),
        ],
        warehouse,
        target_path=target,
        check=False,
    )
    assert (target / "run_results.json").exists(), proc.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")}


def test_reconciliation_tests_pass_on_the_scenario_and_catch_tampering(scenario, tmp_path):
    # Work on copies: the module's read-only connection holds the scenario file.
    untouched = tmp_path / "untouched" / "salesops.duckdb"
    untouched.parent.mkdir()
    shutil.copy(scenario, untouched)
    clean = _dbt_test_statuses(untouched, tmp_path / "clean_target")
    reconciliations = {name for name in clean if name.startswith("assert_")}
    assert len(reconciliations) == len(CONTRACT) + 1
    assert any(name.startswith("mart_crm_completeness_") for name in clean)  # the mart's own tests
    assert set(clean.values()) == {"pass"}, clean

    tampered = tmp_path / "tampered" / "salesops.duckdb"
    tampered.parent.mkdir()
    shutil.copy(scenario, tampered)
    con = duckdb.connect(str(tampered))
    con.execute("delete from staging.stg_orders__orders where order_id = 'SO5'")  # staging lost a row
    con.execute("update core.fct_orders set revenue_base = revenue_base + 100 where order_id = 'SO1'")
    con.close()
    statuses = _dbt_test_statuses(tampered, tmp_path / "tampered_target")
    failed = {name for name, status in statuses.items() if status != "pass"}
    assert failed == {"assert_raw_reconciles_to_stg_orders__orders", "assert_fct_orders_revenue_matches_raw"}, failed

    # The on-run-end hook recorded both failures, attached to the tables they check.
    con = duckdb.connect(str(tampered), read_only=True)
    stored = con.execute(
        "select layer, asset, check_name, status, severity from quality.check_results "
        "where check_source = 'dbt' and status <> 'pass' order by check_name"
    ).fetchall()
    con.close()
    assert stored == [
        ("core", "core.fct_orders", "assert_fct_orders_revenue_matches_raw", "fail", "error"),
        ("staging", "staging.stg_orders__orders", "assert_raw_reconciles_to_stg_orders__orders", "fail", "error"),
    ]


REVENUE_RECONCILIATION = "assert_fct_orders_revenue_matches_raw"


@pytest.mark.parametrize(
    ("usd_rate_dates", "failing_rows"),
    [
        # The 7.2 rate dated SO5's own order day (2024-02-05): the same day's rate counts, totals agree.
        ({"2024-02-01": "2024-02-05"}, []),
        # Dated the day after: SO5 (30 USD) converts at 7.0, 210 against fct_orders' 216.
        ({"2024-02-01": "2024-02-06"}, [(900 + 500 + 700 + 200 + 210, 2516, 0)]),
        # No USD rate until after every order: SO2 and SO5 have none, their revenue is left out of the sum.
        ({"2024-01-01": "2024-03-01", "2024-02-01": "2024-03-02"}, [(900 + 500 + 200, 2516, 2)]),
    ],
)
def test_revenue_reconciliation_takes_the_latest_rate_on_or_before_the_order_day(
    scenario, tmp_path, usd_rate_dates, failing_rows
):
    """fct_orders was built with USD at 7.0 from 2024-01-01 and 7.2 from 2024-02-01; the raw rates are then
    redated under it, so the reconciliation's own rate lookup decides the outcome (hand-computed rows)."""
    warehouse = tmp_path / "salesops.duckdb"
    shutil.copy(scenario, warehouse)
    target = tmp_path / "target"
    run_dbt(
        ["compile", "--select", REVENUE_RECONCILIATION, "--vars", json.dumps({"crm_stale_days": STALE_DAYS})],
        warehouse,
        target_path=target,
    )
    [compiled] = target.glob(f"compiled/**/{REVENUE_RECONCILIATION}.sql")
    con = duckdb.connect(str(warehouse))
    try:
        for old, new in usd_rate_dates.items():
            con.execute("update raw.fx_rates set rate_date = ? where currency = 'USD' and rate_date = ?", [new, old])
        rows = con.execute(compiled.read_text()).fetchall()
    finally:
        con.close()
    assert [tuple(float(v) for v in row) for row in rows] == failing_rows


# ------------------------------------------------------------------------- mart_crm_completeness


def _row(db, rep: str, week: str) -> dict:
    cur = db.execute(
        "select * from marts.mart_crm_completeness where rep_id = ? and week_start = cast(? as date)", [rep, week]
    )
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def test_crm_completeness_has_one_row_per_rep_and_week(db):
    # The calendar spans the fixture's years (2024 only): 3 reps × the Mondays from 2024-01-01 (first full
    # calendar week) to 2024-04-01 (as-of 2024-04-05), 14 weeks.
    assert db.execute("select count(*) from marts.mart_crm_completeness").fetchall()[0][0] == 3 * 14
    assert db.execute("select max(week_start) from marts.mart_crm_completeness").fetchall()[0][0].isoformat() == (
        "2024-04-01"
    )


def test_crm_completeness_fill_rates_are_hand_computed(db):
    # R3, week of 2024-01-01: entered A2 (industry blank after the re-send: 5 of 6 fields), O2 (4 of 4),
    # L2 (budget/authority/need/timeline all answered: 4 of 4) -> overall 13 / 14.
    row = _row(db, "R3", "2024-01-01")
    assert (row["accounts_entered"], row["opportunities_entered"], row["leads_entered"]) == (1, 1, 1)
    assert float(row["account_industry_fill_rate"]) == 0
    assert float(row["account_contact_channel_fill_rate"]) == 1
    assert float(row["account_completeness_score"]) == pytest.approx(5 / 6, abs=1e-6)
    assert float(row["opportunity_completeness_score"]) == 1
    assert float(row["lead_bant_fill_rate"]) == 1
    assert float(row["crm_completeness_score"]) == pytest.approx(13 / 14, abs=1e-6)
    # R3, week of 2024-01-15: A3 (all six fields) only.
    row = _row(db, "R3", "2024-01-15")
    assert row["accounts_entered"] == 1 and float(row["account_completeness_score"]) == 1
    assert row["account_contact_channel_fill_rate"] == 1  # phone without e-mail still counts
    # Nothing entered: rates are null, not zero.
    row = _row(db, "R1", "2024-01-01")
    assert row["accounts_entered"] == 0 and row["account_completeness_score"] is None


def test_crm_completeness_stale_records_are_hand_computed(db):
    # crm_stale_days = 30. Week ending Sun 2024-02-25: A2's update (03-01) is later, so it counts as last
    # touched at creation (01-05, 51 days); A3 created 01-20 (36 days): both stale.
    row = _row(db, "R3", "2024-02-19")
    assert (row["accounts_owned"], row["stale_accounts"]) == (2, 2)
    # Week ending 2024-03-03: A2 updated 03-01 (2 days): fresh; A3 (43 days): stale.
    row = _row(db, "R3", "2024-02-26")
    assert (row["accounts_owned"], row["stale_accounts"]) == (2, 1)
    # As-of week, counted to 2024-04-05: A2 35 days, A3 76 days: both stale; O3 open since 02-01 (64 days).
    row = _row(db, "R3", "2024-04-01")
    assert row["is_as_of_week"]
    assert (row["accounts_owned"], row["stale_accounts"]) == (2, 2)
    assert (row["open_opportunities"], row["stale_open_opportunities"]) == (1, 1)
    # Week ending 2024-01-28: O2 (lost on 01-30) was still open, created 01-05 (23 days): not stale.
    row = _row(db, "R3", "2024-01-22")
    assert (row["open_opportunities"], row["stale_open_opportunities"]) == (1, 0)
    assert row["stale_after_days"] == STALE_DAYS


# ------------------------------------------------------------------------- mart reconciliations


def test_every_registered_mart_has_its_reconciliation_test():
    macro = (REPO / "dbt_project/macros/quality/mart_reconciliation.sql").read_text()
    registry = macro[macro.index("quality_mart_reconciliations()") : macro.index("endmacro")]
    marts = re.findall(r"^        '(mart_\w+)': \{", registry, flags=re.MULTILINE)
    assert "mart_kpi_daily" in marts and len(marts) >= 5
    tests = {p.stem for p in (REPO / "dbt_project/tests/quality/marts").glob("*.sql")}
    assert tests == {f"assert_{m}_reconciles_to_facts" for m in marts}


def test_mart_reconciliations_catch_lost_money_fan_out_and_renamed_columns(demo_pipeline, tmp_path):
    """The demo run passed them all (it succeeded); break three marts in a copy and they fail."""
    warehouse = tmp_path / "demo" / "salesops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_pipeline.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update marts.mart_kpi_daily set revenue_base = revenue_base + 1 "
        "where date_day = (select max(date_day) from marts.mart_kpi_daily)"
    )
    con.execute("insert into marts.mart_customer_value select * from marts.mart_customer_value limit 1")
    con.execute("alter table marts.mart_collections rename column collected_base to collected_amount_base")
    con.close()
    target = tmp_path / "target"
    run_dbt(["test", "--select", MART_RECONCILIATIONS], warehouse, target_path=target, check=False)
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in results if r["unique_id"].startswith("test.")}
    assert {name for name, status in statuses.items() if status != "pass"} == {
        "assert_mart_kpi_daily_reconciles_to_facts",
        "assert_mart_customer_value_reconciles_to_facts",
        "assert_mart_collections_reconciles_to_facts",
    }
    failures = {r["unique_id"].split(".")[2]: r["failures"] for r in results if r["unique_id"].startswith("test.")}
    # kpi: revenue off by 1 for every channel of the last day; customer_value: the row count (the
    # duplicated customer's money too); collections: the renamed column, reported not crashed.
    assert failures["assert_mart_kpi_daily_reconciles_to_facts"] == 1
    assert failures["assert_mart_customer_value_reconciles_to_facts"] >= 1
    assert failures["assert_mart_collections_reconciles_to_facts"] == 1


FX_BASE_TEST = "fx_rates_of_the_base_currency_are_1"


@pytest.mark.parametrize(
    ("base_currency", "status", "failures"),
    [
        # The scenario's file: USD at 7.0 and 7.2 yuan, no CNY row. Right for the default base, CNY.
        ("CNY", "pass", 0),
        # The same file under base currency USD: its two USD rows say 1 USD = 7 USD; every amount would be
        # converted in yuan and shown as dollars.
        ("USD", "fail", 2),
    ],
)
def test_a_rate_file_quoted_against_another_currency_than_the_base_fails(
    scenario, tmp_path, base_currency, status, failures
):
    warehouse = tmp_path / "copy" / "salesops.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(scenario, warehouse)
    target = tmp_path / "target"
    args = ["test", "--select", FX_BASE_TEST, "--vars", json.dumps({"crm_stale_days": STALE_DAYS})]
    if base_currency != "CNY":
        args[-1] = json.dumps({"crm_stale_days": STALE_DAYS, "base_currency": base_currency})
    run_dbt(args, warehouse, target_path=target, check=False)
    results = json.loads((target / "run_results.json").read_text())["results"]
    [result] = [r for r in results if r["unique_id"].startswith("test.")]
    assert (result["status"], result["failures"]) == (status, failures)
