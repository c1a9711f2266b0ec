"""Channel marts (issue 5): partner rebate, inventory, price compliance, partner performance and scorecard.

Two kinds of expectation, neither produced by the models under test:

* hand-computed answers for the scenario in ``tests/fixtures/channel_scenario`` (landing_small plus
  partners, sell-in, sell-out, snapshots, quotas and payments; as-of date 2024-06-14), worked out in the
  comments next to each number;
* an independent plain-polars computation from the generated demo landing CSVs (``demo_landing``),
  minus the rows the generator's answer key (``_bad_rows.csv``) marks as deliberately bad, compared with
  the marts the Dagster pipeline built (``demo_db``). The warehouse's own quarantine is never read, so a
  loader that dropped the wrong rows would show up here as a mismatch.

The scenario warehouse is built once per test session and shared with
``tests/test_collections_quota_marts.py`` (``scenario_warehouse``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import FIXTURES, build_fixture_warehouse
from oracles import answer_key_rows, dbt_var

SCENARIO = FIXTURES / "channel_scenario"
SCENARIO_AS_OF = "2024-06-14"
DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"
SCENARIO_DBT_ARGS = [
    "--select",
    "+path:models/marts/channel",
    "+path:models/marts/collections",
    "+path:models/marts/quota",
    "path:seeds/channel",
    "path:tests/channel",
    "path:tests/collections",
    "path:tests/quota",
    "--indirect-selection",
    "cautious",
    "--vars",
    json.dumps({"as_of_date": SCENARIO_AS_OF}),
]

TWELVE_MODELS = {
    "mart_channel_performance": "channel",
    "mart_partner_performance": "channel",
    "mart_partner_scorecard": "channel",
    "mart_partner_rebate": "channel",
    "mart_channel_inventory": "channel",
    "mart_price_compliance": "channel",
    "mart_receivables_aging": "collections",
    "mart_collections": "collections",
    "fct_quota": "quota",
    "mart_quota_attainment": "quota",
    "mart_rep_activity": "quota",
    "mart_rep_scorecard": "quota",
}


# ------------------------------------------------------------------------------------------ shared helpers


def scenario_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The channel scenario loaded and built by dbt, once per session (both test modules use it)."""
    folder = tmp_path_factory.getbasetemp() / "channel_scenario_wh"
    warehouse = folder / "salesops.duckdb"
    marker = folder / "built.ok"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        build_fixture_warehouse(SCENARIO, warehouse, SCENARIO_DBT_ARGS)
        marker.touch()
    return warehouse


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    found = rows(con, sql, params)
    assert len(found) == 1, f"expected one row, got {len(found)}: {sql} {params}"
    return found[0]


def landing_frame(landing: Path, relative_path: str) -> pl.DataFrame:
    """A landing CSV as text columns, without the rows the generator's answer key lists as injected bad
    rows (never the warehouse's own quarantine: the oracle must not inherit the loader's decisions)."""
    frame = pl.read_csv(landing / relative_path, infer_schema=False).with_row_index("_row", offset=1)
    bad = sorted(answer_key_rows(landing, relative_path))
    return frame.filter(~pl.col("_row").is_in(bad)).drop("_row")


def to_date(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d")


def with_fx(frame: pl.DataFrame, fx: pl.DataFrame, currency: str, on: str, base: str = "CNY") -> pl.DataFrame:
    """Adds ``rate``: the latest rate_to_base on or before ``on`` for the row's currency (1 for base)."""
    rates = fx.select(
        pl.col("currency").str.to_uppercase(),
        to_date("rate_date").alias("rate_date"),
        pl.col("rate_to_base").cast(pl.Float64),
    ).sort("rate_date")
    keyed = frame.with_columns(pl.col(currency).str.to_uppercase().alias("_currency")).sort(on)
    joined = keyed.join_asof(
        rates, left_on=on, right_on="rate_date", by_left="_currency", by_right="currency", check_sortedness=False
    )
    # No currency means the base currency (macro to_base_currency).
    is_base = pl.col("_currency").is_null() | (pl.col("_currency") == base)
    return joined.with_columns(pl.when(is_base).then(1.0).otherwise(pl.col("rate_to_base")).alias("rate")).drop(
        "_currency", "rate_date", "rate_to_base"
    )


class DemoLanding:
    """Plain-polars views of the generated landing files (the independent side of the demo tests)."""

    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self.fx = landing_frame(landing, "orders/fx_rates.csv")
        orders = landing_frame(landing, "orders/orders.csv")
        assert orders["order_id"].is_unique().all(), "clean orders must have unique ids"
        self.orders = with_fx(
            orders.with_columns(
                to_date("order_date").alias("order_date"),
                to_date("due_date").alias("due_date"),
                pl.col("payment_terms_days").cast(pl.Int64),
            ),
            self.fx,
            "currency",
            "order_date",
        ).with_columns(
            pl.coalesce(
                "due_date", pl.col("order_date") + pl.duration(days=pl.col("payment_terms_days").fill_null(0))
            ).alias("due_date")
        )
        lines = landing_frame(landing, "orders/order_lines.csv").with_columns(
            pl.col("quantity").cast(pl.Int64),
            pl.col("unit_price").cast(pl.Float64),
            pl.col("discount_pct").cast(pl.Float64).fill_null(0.0),
        )
        self.lines = lines.join(
            self.orders.select("order_id", "status", "order_date", "rate", "partner_id", "rep_id"), on="order_id"
        ).with_columns(
            (pl.col("quantity") * pl.col("unit_price") * (1 - pl.col("discount_pct")) * pl.col("rate")).alias(
                "net_base"
            )
        )
        payments = landing_frame(landing, "orders/payments.csv").with_columns(
            to_date("paid_at").alias("paid_date"), pl.col("amount").cast(pl.Float64)
        )
        self.payments = with_fx(payments, self.fx, "currency", "paid_date").with_columns(
            (pl.col("amount") * pl.col("rate")).alias("amount_base")
        )
        self.products = landing_frame(landing, "orders/products.csv")
        self.sell_out = landing_frame(landing, "channels/partner_sell_out.csv").with_columns(
            to_date("sold_on").alias("sold_on"), pl.col("quantity").cast(pl.Int64)
        )
        self.quotas = landing_frame(landing, "targets/quotas.csv").with_columns(
            to_date("period_start").alias("period_start"), pl.col("target_value").cast(pl.Float64)
        )
        activities = landing_frame(landing, "crm/activities.csv")
        opportunities = landing_frame(landing, "crm/opportunities.csv")
        # The as-of rule (int_as_of_date): the latest business date among orders, payments, activities
        # and opportunity creation.
        self.as_of: date = max(
            self.orders["order_date"].max(),
            self.payments["paid_date"].max(),
            activities.select(to_date("occurred_at")).to_series().max(),
            opportunities.select(to_date("created_at")).to_series().max(),
        )

    def order_revenue(self) -> pl.DataFrame:
        """Revenue per non-cancelled order dated on or before the as-of date (base currency)."""
        revenue = (
            self.lines.filter(pl.col("status") != "cancelled")
            .group_by("order_id")
            .agg(pl.col("net_base").sum().alias("revenue"))
        )
        return (
            self.orders.filter((pl.col("status") != "cancelled") & (pl.col("order_date") <= self.as_of))
            .join(revenue, on="order_id", how="left")
            .with_columns(pl.col("revenue").fill_null(0.0))
        )

    def paid_to_as_of(self) -> pl.DataFrame:
        return (
            self.payments.filter(pl.col("paid_date") <= self.as_of)
            .group_by("order_id")
            .agg(pl.col("amount_base").sum().alias("paid"))
        )


def quarter_start(column: str) -> pl.Expr:
    return pl.col(column).dt.truncate("1q")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    con = duckdb.connect(str(scenario_warehouse(tmp_path_factory)), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def demo(demo_landing: Path, demo_db: duckdb.DuckDBPyConnection) -> DemoLanding:
    return DemoLanding(demo_landing)


# ------------------------------------------------------------------------------ hand-computed: scenario


def rebate(con: duckdb.DuckDBPyConnection, partner: str, quarter: str) -> dict:
    sql = "select * from marts.mart_partner_rebate where partner_id = ? and quarter_start = ?"
    return one(con, sql, [partner, quarter])


def test_scenario_as_of_date_is_the_var(scenario):
    assert one(scenario, "select as_of_date from intermediate.int_as_of_date")["as_of_date"] == date(2024, 6, 14)


def test_rebate_closed_quarter_top_band_with_growth_special_and_sprint(scenario):
    r = one(
        scenario, "select * from marts.mart_partner_rebate where partner_id = 'P1' and quarter_start = '2024-01-01'"
    )
    # Sell-in Q1 2024: SO2 5 × 20 USD × 7.0 = 700, SO5 2 × 30 × 0.5 USD × 7.2 = 216, SO6 500 + 200 = 700.
    assert float(r["rebate_basis_base"]) == pytest.approx(1616)
    assert float(r["attainment_pct"]) == pytest.approx(1616 / 900, abs=1e-6)  # target 900 → 179.56%
    assert r["rebate_band"] == "from_150" and r["is_quarter_closed"] is True
    assert float(r["base_rebate_base"]) == pytest.approx(0.04 * 1616)  # 64.64
    # Same quarter last year: SO0 1000 → growth 616 × 5% = 30.80.
    assert float(r["prior_year_basis_base"]) == pytest.approx(1000)
    assert float(r["growth_rebate_base"]) == pytest.approx(0.05 * 616)
    # New product X4 (1 × 200) on SO6 → 5% special = 10.
    assert float(r["new_product_basis_base"]) == pytest.approx(200)
    assert float(r["special_rebate_base"]) == pytest.approx(10)
    # Window 18-31 Mar: sell-in 6 units vs 7 units over the 77 days before (0.4286/day > 2 × 0.0909/day),
    # but sell-out also jumped (4 units in the window vs 4 before), so no stuffing: bonus paid.
    assert (r["sell_in_window_units"], r["sell_in_pre_window_units"]) == (6, 7)
    assert (r["sell_out_window_units"], r["sell_out_pre_window_units"]) == (4, 4)
    assert r["is_stuffing_suspected"] is False
    assert float(r["sprint_bonus_base"]) == 50000
    assert float(r["incentive_total_base"]) == pytest.approx(64.64 + 30.80 + 10 + 50000)
    assert r["payout_method"] == "cash"


def test_rebate_stuffing_withholds_the_sprint_bonus(scenario):
    r = one(
        scenario, "select * from marts.mart_partner_rebate where partner_id = 'P2' and quarter_start = '2024-01-01'"
    )
    # SO7 400 + SO8 20 × 100 × 0.9 = 1800 → 2200 vs target 2000 = 110% → band 100-120% (2% base).
    assert float(r["attainment_pct"]) == pytest.approx(1.1)
    assert r["rebate_band"] == "from_100"
    assert float(r["base_rebate_base"]) == pytest.approx(44)
    # No sell-in a year earlier → no growth rebate; no new products → no special rebate.
    assert r["prior_year_basis_base"] is None
    assert float(r["growth_rebate_base"]) == 0 and float(r["special_rebate_base"]) == 0
    # 20 units on 28 Mar after 4 units in Feb, and no sell-out in the window → stuffing (季度末突击采购).
    assert r["is_stuffing_suspected"] is True
    assert float(r["sprint_bonus_base"]) == 0  # var stuffing_blocks_sprint_bonus
    assert float(r["incentive_total_base"]) == pytest.approx(44)


def test_rebate_band_lower_edge_is_inclusive(scenario):
    r = one(
        scenario, "select * from marts.mart_partner_rebate where partner_id = 'P3' and quarter_start = '2024-01-01'"
    )
    # SO9 1000 + SO10 1000 vs 2500 = exactly 80% → band 80-100% (1% base, 2% special on new X3).
    assert float(r["attainment_pct"]) == pytest.approx(0.8)
    assert r["rebate_band"] == "from_80"
    assert float(r["base_rebate_base"]) == pytest.approx(20)
    assert float(r["special_rebate_base"]) == pytest.approx(20)
    assert float(r["sprint_bonus_base"]) == 0
    assert float(r["incentive_total_base"]) == pytest.approx(40)


def test_rebate_open_quarter_is_provisional(scenario):
    got = {
        r["partner_id"]: r
        for r in rows(scenario, "select * from marts.mart_partner_rebate where quarter_start = '2024-04-01'")
    }
    assert set(got) == {"P1", "P2", "P3"}
    assert all(r["is_quarter_closed"] is False and r["is_stuffing_suspected"] is None for r in got.values())
    # P1: 1000 / 1500 = 66.7% → below 80%: nothing; P3: SO13 5 × 200 = 1000 / 1200 = 83.3% → 1% + 2% × 1000.
    assert got["P1"]["rebate_band"] == "below_80" and float(got["P1"]["incentive_total_base"]) == 0
    assert float(got["P3"]["incentive_total_base"]) == pytest.approx(10 + 20)
    # P1 in 2023: sell-in but no target → no band, no rebate.
    old = one(
        scenario, "select * from marts.mart_partner_rebate where partner_id = 'P1' and quarter_start = '2023-01-01'"
    )
    assert old["has_target"] is False and old["rebate_band"] is None and float(old["incentive_total_base"]) == 0


def test_channel_inventory_anchors_on_snapshots(scenario):
    got = {
        r["month_start"]: r
        for r in rows(
            scenario,
            "select * from marts.mart_channel_inventory where partner_id = 'P1' and product_id = 'X1' "
            "and month_start >= '2024-01-01'",
        )
    }
    expected = {  # month: (opening, sell-in, sell-out, closing, variance)
        date(2024, 1, 1): (0, 5, 2, 3, 0),  # 2023: 10 in, 6 + 4 out; snapshot 31 Jan = 3
        date(2024, 2, 1): (3, 0, 2, 1, 0),  # snapshot 29 Feb = 1
        date(2024, 3, 1): (1, 5, 3, 3, 0),  # no snapshot: 1 + 5 − 3
        date(2024, 4, 1): (3, 10, 0, 13, 0),
        date(2024, 5, 1): (13, 0, 4, 8, -1),  # snapshot 31 May = 8, book 9
        date(2024, 6, 1): (8, 0, 0, 8, 0),  # the 30 Jun snapshot (7) and 20 Jun sell-out are after the as-of date
    }
    assert set(got) == set(expected)
    for month, (opening, sell_in, sell_out, closing, variance) in expected.items():
        r = got[month]
        assert (r["opening_qty"], r["sell_in_qty"], r["sell_out_qty"], r["closing_qty"]) == (
            opening,
            sell_in,
            sell_out,
            closing,
        ), month
        assert r["inventory_variance_qty"] == variance, month
    may = got[date(2024, 5, 1)]
    assert float(may["avg_inventory_qty"]) == pytest.approx(10.5)
    assert float(may["inventory_turnover"]) == pytest.approx(4 / 10.5, abs=1e-6)
    assert float(may["days_of_inventory"]) == pytest.approx(10.5 * 31 / 4)
    assert float(may["sell_through_rate"]) == pytest.approx(4 / 13, abs=1e-6)
    assert got[date(2024, 6, 1)]["period_days"] == 14
    assert float(may["closing_value_base"]) == pytest.approx(8 * 60)


def test_price_compliance_flags(scenario):
    lines = rows(scenario, "select * from marts.mart_price_compliance order by sold_on, partner_id")
    assert len(lines) == 13  # 14 sell-out lines, one after the as-of date
    below = {(r["partner_id"], str(r["sold_on"])) for r in lines if r["is_below_floor"]}
    # Floors at 80% of list: X1 80, X4 160. 60 and 70 for X1, 150 for X4 are 砸价.
    assert below == {("P1", "2024-02-12"), ("P2", "2024-04-15"), ("P3", "2024-06-10")}
    outside = {(r["partner_id"], str(r["sold_on"])) for r in lines if r["is_outside_authorized_region"]}
    assert outside == {("P1", "2024-02-12"), ("P2", "2024-06-03")}  # north ∉ east;south, east ∉ north
    unknown = [r for r in lines if r["is_outside_authorized_region"] is None]
    assert [(r["partner_id"], r["end_customer_region"]) for r in unknown] == [("P3", None)]
    assert {r["serial_no"] for r in lines if r["is_duplicate_serial"]} == {"SN0001"}
    p2 = next(r for r in lines if r["partner_id"] == "P2" and str(r["sold_on"]) == "2024-04-15")
    assert float(p2["deviation_pct"]) == pytest.approx(-0.30)
    assert float(p2["below_floor_amount_base"]) == pytest.approx((80 - 70) * 5)

    month = one(
        scenario,
        "select * from marts.mart_price_compliance_monthly where partner_id = 'P1' and month_start = '2024-03-01'",
    )
    # 3 × 95 (−5%) and 1 × 190 (−5%): 475, nothing below floor.
    assert (month["sell_out_lines"], month["sell_out_qty"]) == (2, 4)
    assert float(month["sell_out_amount_base"]) == pytest.approx(475)
    assert month["below_floor_lines"] == 0
    assert float(month["avg_deviation_pct"]) == pytest.approx(-0.05)


def test_channel_performance_distribution(scenario):
    got = {
        r["month_start"]: r
        for r in rows(scenario, "select * from marts.mart_channel_performance where channel_type = 'distribution'")
    }
    feb, mar = got[date(2024, 2, 1)], got[date(2024, 3, 1)]
    # Feb: SO5 216 + SO7 400 = 616; Jan 700 (SO2); Feb 2023 1000 (SO0).
    assert float(feb["revenue_base"]) == pytest.approx(616)
    assert float(feb["mom_growth_pct"]) == pytest.approx((616 - 700) / 700, abs=1e-6)
    assert float(feb["yoy_growth_pct"]) == pytest.approx((616 - 1000) / 1000)
    assert feb["new_customers"] == 1  # A4's first order SO7
    # Mar: SO6 700 + SO8 1800 = 2500 of the month's 4500; cost 400 + 1200.
    assert float(mar["revenue_base"]) == pytest.approx(2500)
    assert float(mar["units"]) == 26
    assert float(mar["share_of_total_revenue"]) == pytest.approx(2500 / 4500, abs=1e-6)
    assert float(mar["gross_margin_pct"]) == pytest.approx(0.36)
    assert mar["yoy_growth_pct"] is None  # nothing in Mar 2023
    # 回款率 (domain.md §4.3) = collected in April ÷ due in April. Due: SO5 30 USD × 7.2 = 216 + SO8 1800.
    # Collected in April: PM2 100 USD on SO2, settled at SO2's booking rate 7.0 = 700. The due-date cohort
    # view: of April's dues, SO5 108 (PM4 15 USD × 7.2) and SO8 1000 (PM8) are paid by the as-of date.
    april = got[date(2024, 4, 1)]
    assert float(april["collected_in_period_base"]) == pytest.approx(700)
    assert float(april["collection_rate"]) == pytest.approx(700 / 2016, abs=1e-6)
    assert float(april["due_cohort_collection_rate"]) == pytest.approx(1108 / 2016, abs=1e-6)
    # May: sell-out 4 (P1) over average stock P1 X1 10.5 + X2 2 + X4 0 + P2 X1 (17 + 20) / 2 = 31.
    assert float(got[date(2024, 5, 1)]["inventory_turnover"]) == pytest.approx(4 / 31, abs=1e-6)
    # Jan: P1 active (SO2), P2 not yet; both under contract.
    jan = got[date(2024, 1, 1)]
    assert (jan["active_partners"], jan["authorized_partners"]) == (1, 2)
    direct = one(
        scenario,
        "select * from marts.mart_channel_performance where channel_type = 'direct' and month_start = '2024-05-01'",
    )
    assert direct["inventory_turnover"] is None and direct["active_partner_rate"] is None


def test_partner_performance_quarter(scenario):
    got = {
        r["partner_id"]: r
        for r in rows(
            scenario,
            "select * from marts.mart_partner_performance "
            "where period_grain = 'quarter' and period_start = '2024-01-01'",
        )
    }
    p1, p2, p3 = got["P1"], got["P2"], got["P3"]
    assert float(p1["sell_in_revenue_base"]) == pytest.approx(1616) and float(p1["sell_in_units"]) == 13
    assert float(p1["sell_out_units"]) == 8
    # 回款率 Q1: due SO2 700 (15 Mar); collected in Q1 only PM4 on SO5 (15 USD × 7.2 = 108). The cohort view:
    # SO2 paid in full in April (700 at its booking rate).
    assert float(p1["collection_rate"]) == pytest.approx(108 / 700, abs=1e-6)
    assert float(p1["due_cohort_collection_rate"]) == pytest.approx(1.0)
    assert float(p1["inventory_turnover"]) == pytest.approx(8 / 2.5)  # stock 0 → 5 (X1 3, X2 2)
    assert float(p1["gross_margin_pct"]) == pytest.approx((1616 - 1000) / 1616, abs=1e-6)
    assert p1["new_customers"] == 0  # A2 first bought in 2023
    assert float(p1["product_coverage"]) == pytest.approx(0.5)  # X1, X4 of 4 launched products
    assert float(p1["training_completion_rate"]) == pytest.approx(0.8)
    assert p1["staff_stability_rate"] is None
    assert float(p2["inventory_turnover"]) == pytest.approx(2 / 11, abs=1e-6)  # stock 0 → 22
    assert float(p3["collection_rate"]) == pytest.approx(0.4)  # SO9 due 19 Feb 1000, PM9 400 paid 10 Mar
    assert float(p3["inventory_turnover"]) == pytest.approx(8.0)
    assert (p2["new_customers"], p3["new_customers"]) == (1, 1)
    assert float(p3["revenue_attainment"]) == pytest.approx(0.8)


def test_partner_scorecard_quarter(scenario):
    got = {
        r["partner_id"]: r
        for r in rows(scenario, "select * from marts.mart_partner_scorecard where quarter_start = '2024-01-01'")
    }
    # Tie-safe mid-rank percentiles among 3 partners: 100 × (worse + (tied − 1) / 2) / 2 → distinct values
    # 0 / 50 / 100, two tied at the top 75 each, all three tied 50 each (never 100). Family weights 0.3 /
    # 0.3 / 0.2 / 0.1 / 0.1 from the seed. Sell-in P1 < P3 < P2, attainment P3 < P2 < P1 → sales P1
    # (0 + 100) / 2, P2 (100 + 50) / 2, P3 (50 + 0) / 2. 回款率 P1 108/700 (0) < P3 0.4 (50) < P2 1.0 (100);
    # turnover and margin P2 < P1 < P3 → financial P1 0.4 × 0 + 0.3 × 50 + 0.3 × 50 = 30, P2 40, P3 80.
    # New customers P2 = P3 (75) > P1; coverage P1 = P3 (75) > P2 → market 37.5 / 37.5 / 75. Return rate
    # 0 for all → service 50 for all. Training P2 < P1 < P3 → team 50 / 0 / 100.
    expected = {
        "P1": (50.0, 30.0, 37.5, 50.0, 50.0, 15 + 9 + 7.5 + 5 + 5),
        "P2": (75.0, 40.0, 37.5, 50.0, 0.0, 22.5 + 12 + 7.5 + 5 + 0),
        "P3": (25.0, 80.0, 75.0, 50.0, 100.0, 7.5 + 24 + 15 + 5 + 10),
    }
    for partner, scores in expected.items():
        r = got[partner]
        actual = tuple(
            float(r[k])
            for k in (
                "sales_score",
                "financial_score",
                "market_score",
                "service_score",
                "team_score",
                "composite_score",
            )
        )
        assert actual == pytest.approx(scores, abs=1e-4), partner
    assert [got[p]["rank_overall"] for p in ("P3", "P2", "P1")] == [1, 2, 3]
    # Tier cut-offs 70 / 55 / 35 (seed partner_tier_thresholds, set for the mid-rank scale that centres
    # on 50): P3 61.5 → preferred (current strategic: demote), P1 41.5 and P2 47 → standard (P1 preferred
    # demotes, P2 standard keeps).
    assert (got["P3"]["suggested_tier"], got["P3"]["tier_change"]) == ("preferred", "demote")
    assert (got["P1"]["suggested_tier"], got["P1"]["tier_change"]) == ("standard", "demote")
    assert (got["P2"]["suggested_tier"], got["P2"]["tier_change"]) == ("standard", "keep")


# ------------------------------------------------------------------------- independent polars: demo data


def test_demo_all_twelve_models_are_non_empty(demo_db):
    for model in TWELVE_MODELS:
        assert demo_db.execute(f"select count(*) from marts.{model}").fetchall()[0][0] > 0, model


def test_demo_as_of_date_matches_the_landing_files(demo, demo_db):
    assert demo_db.execute("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0] == demo.as_of


def _rebate_expected(demo: DemoLanding) -> pl.DataFrame:
    window, multiplier = dbt_var("stuffing_window_days"), dbt_var("stuffing_multiplier")
    new_products = demo.products.filter(pl.col("is_new_product").str.to_lowercase() == "true")["product_id"]
    sell_in = demo.lines.filter(
        pl.col("partner_id").is_not_null() & (pl.col("status") != "cancelled") & (pl.col("order_date") <= demo.as_of)
    ).with_columns(quarter_start("order_date").alias("quarter"))
    basis = sell_in.group_by("partner_id", "quarter").agg(
        pl.col("net_base").sum().alias("revenue"),
        pl.col("net_base").filter(pl.col("product_id").is_in(new_products)).sum().alias("new_product"),
    )
    targets = (
        demo.quotas.filter((pl.col("level") == "partner") & (pl.col("metric") == "revenue"))
        .rename({"owner_id": "partner_id", "period_start": "quarter"})
        .select("partner_id", "quarter", "target_value", "period_grain")
    )
    assert set(targets["period_grain"]) == {"quarter"}, "the demo gives partner targets per quarter"
    quarters = targets.filter(pl.col("quarter") <= demo.as_of).join(basis, on=["partner_id", "quarter"], how="left")
    prior = basis.select(
        "partner_id", pl.col("quarter").dt.offset_by("1y").alias("quarter"), pl.col("revenue").alias("prior")
    )
    quarters = quarters.join(prior, on=["partner_id", "quarter"], how="left").with_columns(
        pl.col("revenue").fill_null(0.0),
        pl.col("new_product").fill_null(0.0),
        pl.col("quarter").dt.offset_by("3mo").dt.offset_by("-1d").alias("quarter_end"),
    )
    quarters = quarters.with_columns(
        pl.col("quarter_end").dt.offset_by(f"-{window - 1}d").alias("window_start"),
        (pl.col("quarter_end") <= demo.as_of).alias("closed"),
    )

    def window_units(frame: pl.DataFrame, day: str, name: str) -> pl.DataFrame:
        joined = frame.select("partner_id", day, "quantity").join(
            quarters.select("partner_id", "quarter", "quarter_end", "window_start"), on="partner_id"
        )
        inside = joined.filter((pl.col(day) >= pl.col("quarter")) & (pl.col(day) <= pl.col("quarter_end")))
        return inside.group_by("partner_id", "quarter").agg(
            pl.col("quantity").filter(pl.col(day) < pl.col("window_start")).sum().alias(f"{name}_pre"),
            pl.col("quantity").filter(pl.col(day) >= pl.col("window_start")).sum().alias(f"{name}_window"),
        )

    sold_out = demo.sell_out.filter(pl.col("sold_on") <= demo.as_of)
    quarters = (
        quarters.join(window_units(sell_in, "order_date", "in"), on=["partner_id", "quarter"], how="left")
        .join(window_units(sold_out, "sold_on", "out"), on=["partner_id", "quarter"], how="left")
        .with_columns(pl.col("^(in|out)_(pre|window)$").fill_null(0))
    )
    pre_days = (pl.col("window_start") - pl.col("quarter")).dt.total_days()
    stuffing = (
        (pl.col("in_window") > 0)
        & (pl.col("in_window") / window > multiplier * pl.col("in_pre") / pre_days)
        & ~(pl.col("out_window") / window > multiplier * pl.col("out_pre") / pre_days)
    )
    tiers = pl.read_csv(DBT_PROJECT / "seeds" / "channel" / "rebate_tiers.csv")
    out = quarters.with_columns(
        pl.col("revenue").clip(lower_bound=0).alias("basis"),
        (pl.col("revenue") / pl.col("target_value")).alias("attainment"),
        pl.when(pl.col("closed")).then(stuffing).alias("stuffing"),
    )
    # Bands are contiguous from 0: the band is the highest attainment_from reached.
    band = pl.lit(None, dtype=pl.String)
    for t in tiers.sort("attainment_from").iter_rows(named=True):
        band = pl.when(pl.col("attainment") >= t["attainment_from"]).then(pl.lit(t["band_code"])).otherwise(band)
    out = (
        out.with_columns(band.alias("band"))
        .join(tiers.rename({"band_code": "band"}), on="band", how="left")
        .with_columns(pl.col("base_rebate_pct", "growth_rebate_pct", "special_rebate_pct").fill_null(0.0))
    )
    growth = (
        pl.when((pl.col("prior") > 0) & (pl.col("basis") > pl.col("prior")))
        .then(pl.col("basis") - pl.col("prior"))
        .otherwise(0.0)
    )
    sprint = (
        pl.when(pl.col("closed") & (pl.col("attainment") > 1) & ~pl.col("stuffing").fill_null(False))
        .then(float(dbt_var("quarter_sprint_bonus_amount")))
        .otherwise(0.0)
    )
    return out.with_columns(
        (pl.col("basis") * pl.col("base_rebate_pct")).alias("base"),
        (growth * pl.col("growth_rebate_pct")).alias("growth"),
        (pl.col("new_product").clip(lower_bound=0) * pl.col("special_rebate_pct")).alias("special"),
        sprint.alias("sprint"),
    )


def test_demo_partner_rebate_matches_polars(demo, demo_db):
    expected = _rebate_expected(demo)
    assert expected.height > 0
    assert expected["stuffing"].fill_null(False).any(), "the demo should contain quarter-end stuffing"
    assert (expected["sprint"] > 0).any(), "the demo should contain a sprint bonus"
    got = {
        (r["partner_id"], r["quarter_start"]): r
        for r in rows(demo_db, "select * from marts.mart_partner_rebate where has_target")
    }
    assert len(got) == expected.height
    for e in expected.iter_rows(named=True):
        r = got[(e["partner_id"], e["quarter"])]
        key = (e["partner_id"], e["quarter"])
        assert float(r["rebate_basis_base"]) == pytest.approx(e["basis"], abs=0.01), key
        assert float(r["attainment_pct"]) == pytest.approx(e["attainment"], abs=1e-5), key
        assert r["rebate_band"] == e["band"], key
        assert r["is_stuffing_suspected"] == e["stuffing"], key
        for column, name in (
            ("base_rebate_base", "base"),
            ("growth_rebate_base", "growth"),
            ("special_rebate_base", "special"),
            ("sprint_bonus_base", "sprint"),
        ):
            assert float(r[column]) == pytest.approx(e[name], abs=0.01), (key, column)
    untargeted = demo_db.execute(
        "select count(*) from marts.mart_partner_rebate where not has_target and incentive_total_base <> 0"
    ).fetchall()[0][0]
    assert untargeted == 0


def test_demo_channel_inventory_reconciles_with_snapshots_and_flows(demo, demo_db):
    """The generator's stock rule (closing = previous + sell-in − sell-out, snapshot every month end):
    at each snapshot the mart's closing equals the snapshot; monthly flows equal the landing totals."""
    snapshots = landing_frame(demo.landing, "channels/partner_inventory.csv").with_columns(
        to_date("snapshot_date").alias("month_end"), pl.col("on_hand_qty").cast(pl.Int64)
    )
    mart = demo_db.sql(
        "select partner_id, product_id, period_end_date as month_end, closing_qty, sell_in_qty, sell_out_qty, "
        "month_start from marts.mart_channel_inventory"
    ).pl()
    joined = snapshots.filter(pl.col("month_end") <= demo.as_of).join(
        mart, on=["partner_id", "product_id", "month_end"], how="left"
    )
    assert joined["closing_qty"].null_count() == 0
    assert (joined["closing_qty"].cast(pl.Float64) == joined["on_hand_qty"].cast(pl.Float64)).all()
    sell_out = (
        demo.sell_out.filter(pl.col("sold_on") <= demo.as_of)
        .group_by("partner_id", "product_id", pl.col("sold_on").dt.truncate("1mo").alias("month_start"))
        .agg(pl.col("quantity").sum().alias("expected"))
    )
    compared = sell_out.join(mart, on=["partner_id", "product_id", "month_start"], how="left")
    assert (compared["sell_out_qty"].cast(pl.Float64) == compared["expected"].cast(pl.Float64)).all()


def test_demo_price_compliance_matches_polars(demo, demo_db):
    floor_share = dbt_var("price_floor_share_of_list")
    products = with_fx(
        demo.products.with_columns(pl.lit(date(2100, 1, 1)).alias("far")), demo.fx, "currency", "far"
    ).select("product_id", (pl.col("list_price").cast(pl.Float64) * pl.col("rate")).alias("list_base"))
    partners = landing_frame(demo.landing, "channels/partners.csv").select("partner_id", "authorized_regions")
    lines = (
        demo.sell_out.filter(pl.col("sold_on") <= demo.as_of)
        .join(products, on="product_id", how="left")
        .join(partners, on="partner_id", how="left")
        .with_columns(pl.col("unit_price").cast(pl.Float64))
    )
    below = lines.filter(pl.col("unit_price") < pl.col("list_base") * floor_share).height
    regions = lines.filter(pl.col("end_customer_region").is_not_null() & pl.col("authorized_regions").is_not_null())
    outside = regions.filter(
        ~pl.struct("end_customer_region", "authorized_regions").map_elements(
            lambda s: (
                s["end_customer_region"].replace(" ", "").lower()
                in [x.replace(" ", "").lower() for x in s["authorized_regions"].split(";")]
            ),
            return_dtype=pl.Boolean,
        )
    ).height
    got = one(
        demo_db,
        "select count(*) as n, sum(case when is_below_floor then 1 else 0 end) as below, "
        "sum(case when is_outside_authorized_region then 1 else 0 end) as outside from marts.mart_price_compliance",
    )
    assert got["n"] == lines.height
    assert got["below"] == below and below > 0
    assert got["outside"] == outside and outside > 0


def test_marts_are_in_their_dagster_groups_with_checks():
    import dagster as dg

    from orchestration.assets.dbt import salesops_dbt_assets

    groups = {spec.key: spec.group_name for spec in salesops_dbt_assets.specs}
    checked = {check.asset_key for check in salesops_dbt_assets.check_specs}
    for model, group in {
        **TWELVE_MODELS,
        "mart_price_compliance_monthly": "channel",
        "mart_quota_rollup_check": "quota",
    }.items():
        key = dg.AssetKey(["marts", model])
        assert groups.get(key) == group, model
        assert key in checked, f"{model} has no dbt tests as asset checks"
    rollup_checks = {
        c.name
        for c in salesops_dbt_assets.check_specs
        if c.asset_key == dg.AssetKey(["marts", "mart_quota_rollup_check"])
    }
    assert "quota_children_add_up_to_parent" in rollup_checks
