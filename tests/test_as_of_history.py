"""As-of truth: marts built for a past date use only what was known on that date.

The hand-made landing tests/fixtures/landing_small is built for as_of_date 2024-02-15; then later changes
arrive the way real sources send them (a re-exported opportunities file with updated_at, dated drops for
reps, orders, accounts, products, partners and a new payment), and the same past date is rebuilt. Every
business mart must come out identical, while a build without as_of_date shows the changes and the SCD2
history models keep both periods. Expected values below are read off the CSVs by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import SMALL_LANDING, build_fixture_warehouse, load_fixture_landing

from orchestration.dbt_project import WITHOUT_UNIT_TESTS
from orchestration.pipeline import run_dbt

AS_OF = "2024-02-15"
# Marts about the pipeline run itself, not the business: check results of every run, and how many input
# rows each mart had (later rows do arrive; the as-of date filters what the marts use, not what staging holds).
RUN_MARTS = {"mart_dq_results", "mart_coverage"}

LATER_CHANGES = {
    # Re-exported whole file: O3 grew, moved stage and close date on 2024-03-05 (the first export had no
    # updated_at, so that version holds "since the first record").
    "crm/opportunities.csv": None,
    "crm/2024-03-06/sales_reps.csv": (
        "rep_id,rep_name,email,team_id,manager_rep_id,role,region,hire_date,termination_date\n"
        "R2,Bob Li,bob@example.cn,T2,R1,rep,south,2021-03-01,\n"
    ),
    "orders/2024-03-07/orders.csv": (
        "order_id,account_id,rep_id,channel_id,partner_id,opportunity_id,order_date,status,currency,"
        "payment_terms_days,due_date,shipped_at,delivered_at,updated_at\n"
        "SO1,A1,R2,C1,,O1,2024-01-15,cancelled,CNY,30,2024-02-14,2024-01-16 10:00:00,2024-01-18 10:00:00,"
        "2024-03-07 10:00:00\n"
    ),
    "crm/2024-03-09/accounts.csv": (
        "account_id,account_name,industry,region,city,city_tier,account_type,owner_rep_id,acquisition_channel_id,"
        "partner_id,credit_rating,strategic_flag,demand_intensity,cooperation_potential,strategic_fit,contact_name,"
        "contact_phone,contact_email,created_at,updated_at\n"
        "A1,Acme Manufacturing,manufacturing,east,Shanghai,1,enterprise,R3,C1,,A,true,5,4,5,Li Lei,13800000001,"
        "li@acme.cn,2024-01-02 09:00:00,2024-03-09 00:00:00\n"
    ),
    "orders/2024-03-08/payments.csv": (
        "payment_id,order_id,paid_at,amount,currency,method\nPM5,SO2,2024-03-08 09:00:00,50,USD,bank_transfer\n"
    ),
    "orders/2024-03-09/products.csv": (
        "product_id,product_name,product_line,category,list_price,unit_cost,currency,launched_at,is_new_product\n"
        "X2,Gadget,Hardware,gadgets,300,150,CNY,2023-06-01,false\n"
    ),
    "channels/2024-03-09/partners.csv": (
        "partner_id,partner_name,channel_id,tier,parent_partner_id,region,authorized_regions,contract_start,"
        "contract_end,staff_count,staff_trained\n"
        "P1,Huadong Trading,C2,strategic,,east,east;south,2024-01-01,2026-12-31,10,8\n"
    ),
}


def _reexported_opportunities() -> str:
    lines = (SMALL_LANDING / "crm" / "opportunities.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    out = [lines[0]]
    for line in lines[1:]:
        row = line.split(",")
        if row[0] == "O3":
            values = dict(zip(header, row, strict=True))
            assert values["amount"] == "2000" and values["updated_at"] == ""
            values.update(amount="9000", expected_close_date="2024-02-20", updated_at="2024-03-05 09:00:00")
            row = [values[c] for c in header]
        out.append(",".join(row))
    return "\n".join(out) + "\n"


def _add_later_changes(landing: Path) -> None:
    for relative, text in LATER_CHANGES.items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text is not None else _reexported_opportunities(), encoding="utf-8")


def _business_marts(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
            if name not in RUN_MARTS
        ]
        return {t: sorted(con.execute(f"select * from marts.{t}").fetchall(), key=repr) for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def as_of_builds(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("as_of")
    landing = root / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    warehouse = root / "salesops.duckdb"
    as_of_vars = ["--vars", f"{{as_of_date: '{AS_OF}'}}"]

    # The first as-of build only gives the rows to compare with: the data tests run on the two builds after
    # the later changes (as of the past date, and the latest).
    build_fixture_warehouse(landing, warehouse, as_of_vars, data_tests=False)
    before = _business_marts(warehouse)

    _add_later_changes(landing)
    load_fixture_landing(landing, warehouse)
    run_dbt(["build", *WITHOUT_UNIT_TESTS, *as_of_vars], warehouse, target_path=root / "dbt_target")
    after = _business_marts(warehouse)

    # salesops.duckdb in a folder of its own: dbt's saved parse state is per file name and vars.
    latest = root / "latest" / "salesops.duckdb"
    latest.parent.mkdir()
    shutil.copy(warehouse, latest)
    run_dbt(["build", *WITHOUT_UNIT_TESTS], latest, target_path=root / "dbt_target_latest")
    return before, after, warehouse, latest


def test_past_as_of_marts_do_not_change_when_later_changes_arrive(as_of_builds) -> None:
    before, after, _, _ = as_of_builds
    assert set(before) == set(after)
    assert sum(len(rows) for rows in before.values()) > 0
    changed = sorted(t for t in before if before[t] != after[t])
    assert changed == [], f"marts for {AS_OF} changed after later changes were loaded: {changed}"


def test_past_as_of_staging_keeps_the_versions_known_then(as_of_builds) -> None:
    _, _, warehouse, _ = as_of_builds
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select team_id from staging.stg_crm__sales_reps where rep_id = 'R2'").fetchone() == ("T1",)
        assert con.execute("select status from staging.stg_orders__orders where order_id = 'SO1'").fetchone() == (
            "delivered",
        )
        assert con.execute(
            "select amount, expected_close_date::varchar from staging.stg_crm__opportunities"
            " where opportunity_id = 'O3'"
        ).fetchone() == (2000, "2024-03-31")
        assert con.execute("select owner_rep_id from staging.stg_crm__accounts where account_id = 'A1'").fetchone() == (
            "R2",
        )
        assert con.execute(
            "select list_price from staging.stg_orders__products where product_id = 'X2'"
        ).fetchone() == (250,)
        assert con.execute("select tier from staging.stg_channels__partners where partner_id = 'P1'").fetchone() == (
            "preferred",
        )
    finally:
        con.close()


def test_latest_build_sees_the_later_changes_and_history_keeps_both(as_of_builds) -> None:
    _, _, _, latest = as_of_builds
    con = duckdb.connect(str(latest), read_only=True)
    try:
        assert con.execute("select team_id from core.dim_rep where rep_id = 'R2'").fetchone() == ("T2",)
        assert con.execute("select revenue_base from core.fct_orders where order_id = 'SO1'").fetchone() == (0,)
        assert con.execute(
            "select amount from staging.stg_crm__opportunities where opportunity_id = 'O3'"
        ).fetchone() == (9000,)
        history = {
            "dim_rep_history": ("rep_id = 'R2'", "team_id", [("T1", None), ("T2", "2024-03-06 00:00:00")]),
            "fct_order_status_history": (
                "order_id = 'SO1'",
                "status",
                [("delivered", "2024-01-18 10:00:00"), ("cancelled", "2024-03-07 10:00:00")],
            ),
            "fct_opportunity_history": (
                "opportunity_id = 'O3'",
                "amount",
                [(2000, None), (9000, "2024-03-05 09:00:00")],
            ),
            "dim_account_history": (
                "account_id = 'A1'",
                "owner_rep_id",
                [("R2", "2024-01-02 09:00:00"), ("R3", "2024-03-09 00:00:00")],
            ),
            "dim_product_history": ("product_id = 'X2'", "list_price", [(250, None), (300, "2024-03-09 00:00:00")]),
            "dim_partner_history": (
                "partner_id = 'P1'",
                "tier",
                [("preferred", None), ("strategic", "2024-03-09 00:00:00")],
            ),
        }
        for model, (where, column, expected) in history.items():
            rows = con.execute(
                f"select {column}, valid_from::varchar from core.{model} where {where} order by period_number"
            ).fetchall()
            assert rows == expected, (model, rows)
            open_periods = con.execute(
                f"select count(*) from core.{model} where {where} and valid_to is null"
            ).fetchone()
            assert open_periods == (1,), model
    finally:
        con.close()


def test_pipeline_snapshot_shows_each_day_the_terms_known_that_day(as_of_builds) -> None:
    """A full build after the changes: the 2024-02-29 month-end still holds O3 as it stood then (2,000,
    closing 2024-03-31, not yet past due); from 2024-03-05 on the daily rows carry the new terms."""
    _, _, _, latest = as_of_builds
    con = duckdb.connect(str(latest), read_only=True)
    try:
        rows = con.execute(
            "select snapshot_date::varchar, amount_base, expected_close_date::varchar, is_past_expected_close"
            " from marts.mart_pipeline_snapshot where opportunity_id = 'O3' and snapshot_date in"
            " ('2024-02-29', '2024-03-31') order by 1"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("2024-02-29", 2000, "2024-03-31", False), ("2024-03-31", 9000, "2024-02-20", True)]
