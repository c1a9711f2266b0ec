"""The pipeline on partial landings (a subset of the contract files) with dates far from the sample window.

Three landings are derived from the session's generated one (``demo_landing``) and each is run once
through the whole Dagster job; the tests then only read the resulting warehouses:

* ``crm_only``: the CRM core (teams, reps, accounts, opportunities, stage history) moved 28 years back
  (1996-1997, planned close dates into 1998); orders and quotas arrive as header-only files, every
  other file is absent.
* ``orders_only``: accounts, products, orders, order lines, fx rates and channels moved 11 years ahead
  (2035-2036). No reference is mandatory any more (a parent file without rows leaves the reference
  unchecked), but ``mart_kpi_daily`` is a day x channel table, so the channels file is delivered to
  give it its channels, and the sample orders are in several currencies, so their rates come along
  (a single-currency business sets its base currency and sends no fx file: tests/test_mapping_example_marts.py).
* ``orders_quotas``: products, orders, order lines, payments, fx rates and quotas, no CRM file at all
  and no channels file: orders reference accounts and channels that were never delivered.

Expected figures come from ``tests/oracles.py`` (polars on the landing CSVs), which the last tests of
this module check against the full pipeline run on the complete landing (``demo_db``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from landing_variants import shift_years, subset_landing
from mart_checks import columns_zero_on_every_row, filled_where_known, marts_filled_without_input, null_where_unknown
from oracles import LandingOracle, answer_key_rows

from ingestion.contract import CONTRACT, ColumnType

pytestmark = pytest.mark.slow
# The tests of the three partial landings: three whole pipeline runs of their own, run by .ci/run after
# the README's test command. The oracle's own tests at the end read the session's demo run.
E2E = pytest.mark.e2e

MONEY = 0.005  # to the cent
RATE = 1e-9
# Ratio columns are stored as DECIMAL(28,6): a stored rate is the exact one rounded to 6 places.
STORED_RATE = 5e-7 + RATE

CRM_FILES = (
    "crm/teams.csv",
    "crm/sales_reps.csv",
    "crm/accounts.csv",
    "crm/opportunities.csv",
    "crm/opportunity_stage_history.csv",
)
CRM_HEADER_ONLY = ("orders/orders.csv", "targets/quotas.csv")
CRM_SHIFT_YEARS = -28
ORDERS_FILES = (
    "crm/accounts.csv",
    "orders/products.csv",
    "orders/orders.csv",
    "orders/order_lines.csv",
    "orders/fx_rates.csv",
    "channels/channels.csv",
)
ORDERS_SHIFT_YEARS = 11
ORDERS_QUOTAS_FILES = (
    "orders/products.csv",
    "orders/orders.csv",
    "orders/order_lines.csv",
    "orders/payments.csv",
    "orders/fx_rates.csv",
    "targets/quotas.csv",
)

FUNNEL_MARTS = ("mart_win_rate", "mart_sales_cycle", "mart_pipeline_snapshot", "mart_funnel_stage")
ORDER_MARTS = ("mart_kpi_daily", "mart_customer_rfm")
# Per landing: marts that must have rows (and be listed with inputs) and marts that must be empty and
# listed without inputs. Marts whose status is a judgement call (a per-channel KPI without a channels
# file, say) are only held to the general rule: listed without inputs => empty.
EXPECTED_FED = {
    "crm_only": FUNNEL_MARTS,
    "orders_only": ORDER_MARTS,
    "orders_quotas": ("mart_quota_attainment", "mart_customer_rfm"),
}
EXPECTED_EMPTY = {
    "crm_only": (*ORDER_MARTS, "mart_quota_attainment", "mart_collections", "mart_lead_conversion"),
    "orders_only": (*FUNNEL_MARTS, "mart_quota_attainment", "mart_rep_activity"),
    "orders_quotas": (*FUNNEL_MARTS, "mart_lead_conversion", "mart_rep_activity"),
}
# Per landing: figures it cannot give, null on every row of a filter (unknown, not 0), and figures it can give.
# orders_quotas has no channel files (partners appear on orders: sell-in, but no sell-out, stock or partner
# roster) and no CRM (won deals come from opportunities).
EXPECTED_UNKNOWN = {
    # crm_only has no leads and no activities.
    "crm_only": {
        "mart_crm_completeness": {"leads_entered": "true", "lead_bant_fill_rate": "true"},
        "mart_sales_cycle": {"touches_before_close": "true", "touches_band": "true"},
    },
    "orders_only": {},
    "orders_quotas": {
        "mart_partner_performance": {
            "sell_out_units": "true",
            "sell_out_amount_base": "true",
            "products_sold_out": "true",
            "avg_inventory_qty": "true",
            "inventory_turnover": "true",
        },
        "mart_partner_rebate": {"sell_out_window_units": "true", "sell_out_pre_window_units": "true"},
        "mart_channel_inventory": {"sell_out_qty": "true", "closing_qty": "true"},
        "mart_channel_performance": {"authorized_partners": "true", "active_partners": "true"},
        "mart_quota_attainment": {"actual_value": "metric = 'won_deals'", "is_met": "metric = 'won_deals'"},
    },
}
EXPECTED_KNOWN = {
    # The completeness score is a share over the records entered: accounts and opportunities still count.
    "crm_only": {
        "mart_crm_completeness": {"crm_completeness_score": "true", "opportunities_entered": "true"},
        "mart_sales_cycle": {"sales_cycle_days": "true"},
    },
    "orders_only": {},
    "orders_quotas": {
        "mart_partner_performance": {"sell_in_revenue_base": "true", "collected_in_period_base": "true"},
        "mart_partner_rebate": {"rebate_basis_base": "true"},
        "mart_channel_inventory": {"sell_in_qty": "true"},
        "mart_channel_performance": {"revenue_base": "true"},
        "mart_quota_attainment": {"actual_value": "metric in ('revenue', 'collections')"},
    },
}
# Dates that place a business event on the calendar. Record-keeping stamps (updated_at) and attributes
# of people, products and contracts (hire dates, launch dates, contract terms) are not such events.
NON_EVENT_DATE_COLUMNS = {
    "updated_at",
    "hire_date",
    "termination_date",
    "launched_at",
    "contract_start",
    "contract_end",
}


@dataclass
class BuiltLanding:
    name: str
    landing: Path
    oracle: LandingOracle
    success: bool
    failed_checks: list[str]
    warehouse: Path
    serving: Path
    db: duckdb.DuckDBPyConnection
    ui_coverage: dict[str, str]  # mart -> the "coverage" metadata of its Dagster materialization


def _build(
    name: str,
    source: Path,
    tmp: pytest.TempPathFactory,
    keep: tuple[str, ...],
    header_only=(),
    years: int = 0,
    serving_by_env: bool = False,
) -> BuiltLanding:
    from orchestration.pipeline import run_full_pipeline
    from orchestration.settings import SERVING_ENV

    root = tmp.mktemp(name)
    landing = subset_landing(source, root / "landing", keep, header_only)
    if years:
        shift_years(landing, years)
    warehouse = root / "warehouse" / "salesops.duckdb"
    warehouse.parent.mkdir()
    # Away from the default place next to the warehouse, so a run that ignored the setting fails the tests.
    serving = root / "bi" / "serving.duckdb"
    serving.parent.mkdir()
    with pytest.MonkeyPatch.context() as env:
        if serving_by_env:
            env.setenv(SERVING_ENV, str(serving))
            run = run_full_pipeline(landing, warehouse, raise_on_error=False)
        else:
            run = run_full_pipeline(landing, warehouse, raise_on_error=False, serving=serving)
    ui_coverage = {
        event.asset_key.path[-1]: event.materialization.metadata["coverage"].value
        for event in run.result.get_asset_materialization_events()
        if "coverage" in event.materialization.metadata
    }
    db = duckdb.connect(str(warehouse), read_only=True)
    return BuiltLanding(
        name, landing, LandingOracle(landing), run.success, run.failed_checks, warehouse, serving, db, ui_coverage
    )


@pytest.fixture(scope="module")
def crm_only(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltLanding]:
    built = _build("crm_only", demo_landing, tmp_path_factory, CRM_FILES, CRM_HEADER_ONLY, CRM_SHIFT_YEARS)
    yield built
    built.db.close()


@pytest.fixture(scope="module")
def orders_only(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltLanding]:
    built = _build("orders_only", demo_landing, tmp_path_factory, ORDERS_FILES, years=ORDERS_SHIFT_YEARS)
    yield built
    built.db.close()


@pytest.fixture(scope="module")
def orders_quotas(demo_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltLanding]:
    # SALESOPS_SERVING, as a user sets it, instead of the argument.
    built = _build("orders_quotas", demo_landing, tmp_path_factory, ORDERS_QUOTAS_FILES, serving_by_env=True)
    yield built
    built.db.close()


@pytest.fixture(params=["crm_only", "orders_only", "orders_quotas"])
def built(request: pytest.FixtureRequest) -> BuiltLanding:
    return request.getfixturevalue(request.param)


# ------------------------------------------------------------------------------------------ helpers


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"select count(*) from {relation}").fetchall()[0][0]


def _as_of(con: duckdb.DuckDBPyConnection) -> date:
    return con.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]


def _coverage(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    rows = con.execute("select mart_name, inputs_have_rows from marts.mart_coverage").fetchall()
    return {str(name).split(".")[-1]: flag for name, flag in rows}


def _assert_same(
    mart: str, got: pl.DataFrame, expected: pl.DataFrame, keys: list[str], columns: dict[str, float | None]
) -> None:
    """Same keys on both sides; each column equal (None) or within the given absolute tolerance."""
    joined = got.join(expected, on=keys, how="full", suffix="_expected", coalesce=True, nulls_equal=True)
    only_mart = joined.filter(pl.col(f"_in_{mart}").is_not_null() & pl.col("_in_oracle").is_null())
    only_oracle = joined.filter(pl.col(f"_in_{mart}").is_null() & pl.col("_in_oracle").is_not_null())
    assert only_mart.height == 0 and only_oracle.height == 0, (
        f"{mart}: rows only in the mart {only_mart.select(keys).head(5).to_dicts()}, "
        f"only in the oracle {only_oracle.select(keys).head(5).to_dicts()}"
    )
    for column, tolerance in columns.items():
        a, b = pl.col(column), pl.col(f"{column}_expected")
        differs = a.is_null() != b.is_null()
        differs = differs | ((a - b).abs() > tolerance) if tolerance is not None else differs | (a != b)
        off = joined.filter(differs.fill_null(False))
        assert off.height == 0, (
            f"{mart}.{column}: {off.height} rows differ, e.g. "
            f"{off.select(*keys, pl.col(column).alias('got'), b.alias('expected')).head(5).to_dicts()}"
        )


def _tagged(frame: pl.DataFrame, tag: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(True).alias(tag))


# ------------------------------------------------------------------------------------------ figure checks


def check_win_rate(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    expected = oracle.funnel(_as_of(con))
    got = _frame(
        con,
        "select period_month, won_count, lost_count, cast(won_amount_base as double) as won_amount_base, "
        "cast(win_rate as double) as win_rate from marts.mart_win_rate "
        "where slice_type = 'company' and closed_count > 0",
    )
    assert int(got["won_count"].sum()) == expected.won_count, "Σ won_count of mart_win_rate (company)"
    assert int(got["lost_count"].sum()) == expected.lost_count, "Σ lost_count of mart_win_rate (company)"
    assert abs(float(got["won_amount_base"].sum()) - expected.won_amount_base) <= MONEY
    closed = expected.won_count + expected.lost_count
    assert closed > 0, "the landing has no closed deal by the as-of date: nothing to compare"
    assert abs(int(got["won_count"].sum()) / closed - (expected.win_rate or 0.0)) <= RATE
    by_month = expected.by_close_month.with_columns(
        (pl.col("won_count") / (pl.col("won_count") + pl.col("lost_count"))).alias("win_rate")
    )
    _assert_same(
        "mart_win_rate",
        _tagged(got, "_in_mart_win_rate"),
        _tagged(by_month, "_in_oracle"),
        ["period_month"],
        {"won_count": None, "lost_count": None, "won_amount_base": MONEY, "win_rate": STORED_RATE},
    )


def check_sales_cycle(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    expected = oracle.won_deals(_as_of(con))
    got = _frame(
        con,
        "select opportunity_id, created_date, won_date, collected_date, signing_cycle_days, sales_cycle_days, "
        "cast(amount_base as double) as amount_base from marts.mart_sales_cycle",
    )
    _assert_same(
        "mart_sales_cycle",
        _tagged(got, "_in_mart_sales_cycle"),
        _tagged(expected.drop("amount", "currency"), "_in_oracle"),
        ["opportunity_id"],
        {
            "created_date": None,
            "won_date": None,
            "collected_date": None,
            "signing_cycle_days": None,
            "sales_cycle_days": None,
            "amount_base": MONEY,
        },
    )
    figures = oracle.funnel(_as_of(con))
    averages = con.execute(
        "select avg(signing_cycle_days), avg(sales_cycle_days) from marts.mart_sales_cycle"
    ).fetchall()
    assert abs(averages[0][0] - figures.avg_signing_cycle_days) <= RATE
    if figures.avg_sales_cycle_days is not None:
        assert abs(averages[0][1] - figures.avg_sales_cycle_days) <= RATE


def check_open_pipeline(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    as_of = _as_of(con)
    open_deals = oracle.opportunities_as_of(as_of).filter(pl.col("status_as_of") == "open")
    got = _frame(
        con,
        "select opportunity_id, cast(amount_base as double) as amount_base from marts.mart_pipeline_snapshot "
        "where snapshot_date = ?",
        [as_of],
    )
    expected = open_deals.select("opportunity_id", "amount_base")  # unknown (no amount, no rate): null
    _assert_same(
        "mart_pipeline_snapshot",
        _tagged(got, "_in_mart_pipeline_snapshot"),
        _tagged(expected, "_in_oracle"),
        ["opportunity_id"],
        {"amount_base": MONEY},
    )
    assert abs(float(got["amount_base"].sum()) - oracle.funnel(as_of).open_pipeline_base) <= MONEY


def check_kpi_daily(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    as_of = _as_of(con)
    mart = _frame(
        con,
        "select date_day, channel_id, cast(revenue_base as double) as revenue_base, orders, buying_customers, "
        "cast(collections_base as double) as collections_base from marts.mart_kpi_daily",
    )
    sales = mart.filter(pl.col("orders") > 0).drop("collections_base")
    _assert_same(
        "mart_kpi_daily",
        _tagged(sales, "_in_mart_kpi_daily"),
        _tagged(oracle.kpi_daily(as_of), "_in_oracle"),
        ["date_day", "channel_id"],
        {"revenue_base": MONEY, "orders": None, "buying_customers": None},
    )
    collections = mart.filter(pl.col("collections_base") != 0).select("date_day", "channel_id", "collections_base")
    expected_collections = oracle.collections_daily(as_of).filter(pl.col("collections_base") != 0)
    _assert_same(
        "mart_kpi_daily",
        _tagged(collections, "_in_mart_kpi_daily"),
        _tagged(expected_collections, "_in_oracle"),
        ["date_day", "channel_id"],
        {"collections_base": MONEY},
    )
    figures = oracle.order_figures(as_of)
    assert abs(float(mart["revenue_base"].sum()) - figures.revenue_base) <= MONEY
    assert int(mart["orders"].sum()) == figures.order_count


def check_customer_rfm(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    as_of = _as_of(con)
    got = _frame(
        con,
        "select account_id, last_purchase_date, recency_days, frequency, "
        "cast(monetary_base as double) as monetary_base from marts.mart_customer_rfm",
    )
    expected = oracle.rfm(as_of)
    assert got.height == oracle.order_figures(as_of).rfm_customers
    _assert_same(
        "mart_customer_rfm",
        _tagged(got, "_in_mart_customer_rfm"),
        _tagged(expected, "_in_oracle"),
        ["account_id"],
        {"last_purchase_date": None, "recency_days": None, "frequency": None, "monetary_base": MONEY},
    )


def check_quota_attainment(con: duckdb.DuckDBPyConnection, oracle: LandingOracle) -> None:
    expected = oracle.quota_attainment(as_of=_as_of(con))
    assert expected.height > 0, "the landing has no company or rep revenue/collections target by the as-of date"
    got = _frame(
        con,
        "select level, owner_id, metric, period_grain, period_start, cast(target_value as double) as target_value, "
        "cast(actual_value as double) as actual_value, cast(attainment_pct as double) as attainment_pct "
        "from marts.mart_quota_attainment where level in ('company', 'rep') and metric in ('revenue', 'collections')",
    )
    keys = ["level", "owner_id", "metric", "period_grain", "period_start"]
    # The mart adds quarter and year rows summed from month targets; the oracle covers the targets given.
    got = got.join(expected.select(keys), on=keys, how="semi", nulls_equal=True)
    _assert_same(
        "mart_quota_attainment",
        _tagged(got, "_in_mart_quota_attainment"),
        _tagged(expected.drop("period_end"), "_in_oracle"),
        keys,
        {"target_value": MONEY, "actual_value": MONEY, "attainment_pct": STORED_RATE},
    )


# ------------------------------------------------------------------------------------------ every landing


@E2E
def test_run_succeeds_and_publishes_the_marts(built: BuiltLanding):
    assert built.success, f"{built.name}: pipeline failed; failed checks: {built.failed_checks}"
    assert built.failed_checks == []
    assert built.serving.exists(), f"{built.name}: no serving file at {built.serving}"
    serving = duckdb.connect(str(built.serving), read_only=True)
    try:
        published = {
            r[0]
            for r in serving.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        for mart in ("mart_coverage", *EXPECTED_FED[built.name], *EXPECTED_EMPTY[built.name]):
            assert mart in published, f"{built.name}: {mart} not in the serving file"
            assert _count(serving, f"marts.{mart}") == _count(built.db, f"marts.{mart}"), mart
    finally:
        serving.close()


@E2E
def test_coverage_lists_the_marts_without_input_as_empty(built: BuiltLanding):
    coverage = _coverage(built.db)
    for mart in EXPECTED_EMPTY[built.name]:
        assert _count(built.db, f"marts.{mart}") == 0, f"{built.name}: {mart} should be empty"
        assert coverage.get(mart) is False, f"{built.name}: {mart} listed as {coverage.get(mart)!r}, expected false"
    for mart in EXPECTED_FED[built.name]:
        assert _count(built.db, f"marts.{mart}") > 0, f"{built.name}: {mart} should have rows"
        assert coverage.get(mart) is True, f"{built.name}: {mart} listed as {coverage.get(mart)!r}, expected true"
    # Every other mart listed without input is empty too: test_no_mart_is_silently_zero.


@E2E
def test_no_mart_is_silently_zero(built: BuiltLanding):
    # data-contract.md: the marts that need a missing source are "built empty and reported as such, never
    # silently zero"; a mart that keeps its rows shows what the landing cannot give as null.
    assert marts_filled_without_input(built.db) == [], built.name
    assert columns_zero_on_every_row(built.db) == [], built.name
    assert null_where_unknown(built.db, EXPECTED_UNKNOWN[built.name]) == [], built.name
    assert filled_where_known(built.db, EXPECTED_KNOWN[built.name]) == [], built.name


@E2E
def test_summary_and_dagster_ui_show_the_coverage(built: BuiltLanding):
    from orchestration.summary import format_summary

    statuses = dict(built.db.execute("select mart_name, coverage_status from marts.mart_coverage").fetchall())
    summary = format_summary(built.warehouse)
    for mart in EXPECTED_EMPTY[built.name]:
        assert statuses[mart].startswith("no input: "), statuses[mart]
        line = next((ln for ln in summary.splitlines() if ln.strip().startswith(f"{mart} ")), None)
        assert line is not None and statuses[mart] in line, f"{built.name}: {mart} not listed in the summary"
        assert built.ui_coverage[mart] == statuses[mart]
    for mart in EXPECTED_FED[built.name]:
        assert built.ui_coverage[mart] == "built from its inputs"


@E2E
def test_as_of_date_is_the_latest_business_date_of_the_landing(built: BuiltLanding):
    expected = built.oracle.as_of_date
    assert _as_of(built.db) == expected
    dates = {r[0] for r in built.db.execute("select distinct as_of_date from marts.mart_coverage").fetchall()}
    assert dates == {expected}


def _business_dates(landing: Path) -> tuple[date, date]:
    """The earliest and latest valid event date or timestamp in any contract file of the landing."""
    lows: list[date] = []
    highs: list[date] = []
    for cf in CONTRACT:
        path = landing / cf.relative_path
        columns = [
            c.name
            for c in cf.columns
            if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP) and c.name not in NON_EVENT_DATE_COLUMNS
        ]
        if not path.exists() or not columns:
            continue
        frame = pl.read_csv(path, infer_schema=False, columns=columns)
        for column in columns:
            days = frame[column].str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False).drop_nulls()
            if days.len():
                lows.append(days.min())  # type: ignore[arg-type]
                highs.append(days.max())  # type: ignore[arg-type]
    return min(lows), max(highs)


@E2E
@pytest.mark.parametrize("name", ["crm_only", "orders_only"])
def test_calendar_spans_every_business_date(name: str, request: pytest.FixtureRequest):
    built: BuiltLanding = request.getfixturevalue(name)
    first, last = _business_dates(built.landing)
    start, end, days = built.db.execute("select min(date_day), max(date_day), count(*) from core.dim_date").fetchall()[
        0
    ]
    assert start <= first and end >= last, f"{name}: dim_date {start}..{end} misses data {first}..{last}"
    assert days == (end - start).days + 1, f"{name}: dim_date has gaps"


# ------------------------------------------------------------------------------------------ figures per landing


@E2E
def test_crm_only_funnel_marts_equal_the_oracle(crm_only: BuiltLanding):
    check_win_rate(crm_only.db, crm_only.oracle)
    check_sales_cycle(crm_only.db, crm_only.oracle)
    check_open_pipeline(crm_only.db, crm_only.oracle)


@E2E
def test_crm_only_leaves_every_order_side_domain_empty_and_says_so(crm_only: BuiltLanding):
    marts = crm_only.db.execute(
        "select mart_name, inputs_have_rows, coverage_status from marts.mart_coverage "
        "where mart_domain in ('customer', 'channel', 'collections', 'quota', 'kpi')"
    ).fetchall()
    assert len(marts) >= 20
    for mart, fed, status in marts:
        assert (fed, status.startswith("no input: ")) == (False, True), f"{mart}: {status}"
        assert _count(crm_only.db, f"marts.{mart}") == 0, mart


@E2E
def test_crm_only_won_deals_add_up_to_the_oracle(crm_only: BuiltLanding):
    figures = crm_only.oracle.funnel(_as_of(crm_only.db))
    # Team rows are subtrees (a deal counts toward its team and every team above it), so only the
    # top-level team rows partition the deals; team_direct rows (each deal once, at its own team) do too.
    sliced = crm_only.db.execute(
        "select slice_type, sum(won_count) from marts.mart_win_rate "
        "where slice_type <> 'team' or team_hierarchy_level = 1 group by slice_type"
    ).fetchall()
    # Every slice (company, top-level team, team_direct, rep, channel) partitions the same won deals.
    assert {s: int(n) for s, n in sliced} == dict.fromkeys(
        ("company", "team", "team_direct", "rep", "channel"), figures.won_count
    )
    # The as-of date is the latest business date, deal closings included: every won deal is counted.
    assert crm_only.oracle.rows("crm/opportunities.csv").filter(pl.col("status") == "won").height == figures.won_count


@E2E
def test_orders_only_order_and_customer_marts_equal_the_oracle(orders_only: BuiltLanding):
    check_kpi_daily(orders_only.db, orders_only.oracle)
    check_customer_rfm(orders_only.db, orders_only.oracle)


@E2E
def test_orders_quotas_attainment_equals_the_oracle(orders_quotas: BuiltLanding):
    check_quota_attainment(orders_quotas.db, orders_quotas.oracle)
    check_customer_rfm(orders_quotas.db, orders_quotas.oracle)


# ------------------------------------------------------------------------------------------ the oracle itself


def test_oracle_rules_leave_out_exactly_the_injected_bad_rows(demo_landing: Path):
    oracle = LandingOracle(demo_landing)
    for cf in CONTRACT:
        assert oracle.excluded_rows(cf.relative_path) == answer_key_rows(demo_landing, cf.relative_path), cf.name


def test_oracle_agrees_with_the_full_pipeline(demo_landing: Path, demo_db: duckdb.DuckDBPyConnection):
    oracle = LandingOracle(demo_landing)
    assert _as_of(demo_db) == oracle.as_of_date
    check_win_rate(demo_db, oracle)
    check_sales_cycle(demo_db, oracle)
    check_open_pipeline(demo_db, oracle)
    check_kpi_daily(demo_db, oracle)
    check_customer_rfm(demo_db, oracle)
    check_quota_attainment(demo_db, oracle)
