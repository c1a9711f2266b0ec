"""What the report reads from the serving file: one function per chart, each a plain SELECT over a mart.

Every number is the mart's own column. Where a chart spans many rows of a mart (all cohort months of the
funnel, all months of a rep's win rate) the counts are summed and the rate is the mart's own formula over
those sums (conversion = advanced ÷ entered, win rate = won ÷ (won + lost)), never an average of rates.
Amounts are read as doubles: plotly draws floats, and a double holds a decimal(28,6) sum to the cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from ingestion.warehouse import table_columns as columns
from ingestion.warehouse import table_exists

# The publish records the base currency of each version; serving files published before it did lack the column.
_CURRENCY_COLUMN = "base_currency"
_AGING_BUCKET = re.compile(r"^days_(?:(\d+)_(\d+)|over_(\d+))_base$")


@dataclass(frozen=True)
class Coverage:
    """One row of marts.mart_coverage: whether a mart's inputs had rows, and the status text."""

    mart_name: str
    mart_domain: str | None
    inputs_have_rows: bool
    missing_inputs: str | None
    coverage_status: str


@dataclass(frozen=True)
class PublishInfo:
    as_of_date: date | None
    base_currency: str
    published_at: datetime | None
    run_id: str | None


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params).pl()


# ------------------------------------------------------------------------------------- metadata


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Coverage]:
    if not table_exists(con, "marts", "mart_coverage"):
        return {}
    rows = con.execute(
        "select mart_name, mart_domain, inputs_have_rows, missing_inputs, coverage_status from marts.mart_coverage"
    ).fetchall()
    return {r[0]: Coverage(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows}


def publish_info(con: duckdb.DuckDBPyConnection, fallback_currency: str) -> PublishInfo:
    """As-of date (mart_coverage), the latest publish (meta.publish_log) and the base currency it recorded
    (``fallback_currency`` for a file published before the log recorded it)."""
    as_of = None
    if table_exists(con, "marts", "mart_coverage"):
        as_of = con.execute("select max(as_of_date) from marts.mart_coverage").fetchall()[0][0]
    published_at = run_id = currency = None
    if table_exists(con, "meta", "publish_log"):
        wanted = "run_id, published_at" + (
            f", {_CURRENCY_COLUMN}" if _CURRENCY_COLUMN in columns(con, "meta", "publish_log") else ""
        )
        latest = con.execute(f"select {wanted} from meta.publish_log order by published_at desc limit 1").fetchall()
        if latest:
            run_id, published_at = latest[0][0], latest[0][1]
            currency = latest[0][2] if len(latest[0]) > 2 else None
    return PublishInfo(as_of, str(currency) if currency else fallback_currency, published_at, run_id)


# ------------------------------------------------------------------------------------- funnel


def funnel(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Company funnel over every cohort month: deals and amount that reached each stage."""
    return frame(
        con,
        """
        select f.stage_code, f.stage_order, s.stage_name, s.stage_name_zh,
               sum(f.entered_count) as entered_count,
               sum(f.advanced_count) as advanced_count,
               cast(sum(f.entered_amount_base) as double) as entered_amount_base,
               cast(sum(f.advanced_amount_base) as double) as advanced_amount_base,
               sum(f.advanced_count) / nullif(sum(f.entered_count), 0) as conversion_rate,
               cast(sum(f.advanced_amount_base) / nullif(sum(f.entered_amount_base), 0) as double)
                   as amount_conversion_rate
        from marts.mart_funnel_stage f
        left join core.dim_stage s on s.stage_code = f.stage_code
        where f.slice_type = 'company'
        group by all
        order by f.stage_order
        """,
    )


def stage_win_rates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Company stage win rates of the open stages, both windows (win_rate null below the sample)."""
    return frame(
        con,
        """
        select w.window_name, w.window_months, w.stage_code, w.stage_order, s.stage_name, s.stage_name_zh,
               cast(w.win_rate as double) as win_rate,
               cast(w.default_win_probability as double) as default_win_probability,
               w.reached_count
        from marts.mart_stage_win_rate w
        join core.dim_stage s on s.stage_code = w.stage_code
        where w.level = 'company' and s.is_open_stage
        order by w.window_months nulls last, w.stage_order
        """,
    )


def win_rate_by_rep(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select w.slice_value as rep_id, coalesce(r.rep_name, w.slice_value) as rep_name,
               sum(w.won_count) as won_count, sum(w.lost_count) as lost_count,
               sum(w.won_count) / nullif(sum(w.won_count) + sum(w.lost_count), 0) as win_rate
        from marts.mart_win_rate w
        left join core.dim_rep r on r.rep_id = w.slice_value
        where w.slice_type = 'rep'
        group by all
        having sum(w.won_count) + sum(w.lost_count) > 0
        order by win_rate desc, rep_id
        """,
    )


def sales_cycle(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(con, "select signing_cycle_days, sales_cycle_days from marts.mart_sales_cycle")


def pipeline_coverage(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select period_month, cast(pipeline_coverage as double) as pipeline_coverage,
               cast(period_start_coverage as double) as period_start_coverage
        from marts.mart_pipeline_velocity
        where slice_type = 'company' and (pipeline_coverage is not null or period_start_coverage is not null)
        order by period_month
        """,
    )


def forecast_vs_actual(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select period_month, cast(weighted_forecast_base as double) as weighted_forecast_base,
               cast(actual_won_base as double) as actual_won_base
        from marts.mart_sales_forecast
        where slice_type = 'company' and is_start_of_period_forecast
        order by period_month
        """,
    )


# ------------------------------------------------------------------------------------- customers


def rfm_segments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select segment_code, segment_name, segment_name_zh, segment_rank, count(*) as customers
        from marts.mart_customer_rfm
        where as_of_date = (select max(as_of_date) from marts.mart_customer_rfm)
        group by all
        order by segment_rank
        """,
    )


def rfm_grid(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select r_score, f_score, count(*) as customers
        from marts.mart_customer_rfm
        where as_of_date = (select max(as_of_date) from marts.mart_customer_rfm)
        group by all
        order by r_score, f_score
        """,
    )


def segment_migration(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select snapshot_month, movement, sum(customers) as customers
        from marts.mart_customer_segment_transition
        group by all
        order by snapshot_month, movement
        """,
    )


def pareto_curve(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The trailing-window curve: one point per rank step (tied customers are one step)."""
    return frame(
        con,
        """
        select distinct cast(customer_share_cumulative as double) as customer_share_cumulative,
               cast(cumulative_revenue_share as double) as cumulative_revenue_share
        from marts.mart_customer_pareto
        where period_type = 'trailing'
        order by customer_share_cumulative
        """,
    )


def pareto_reference(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select cast(top_customer_share_target as double) as top_customer_share_target,
               cast(reference_revenue_share as double) as reference_revenue_share,
               cast(top_revenue_share as double) as top_revenue_share
        from marts.mart_customer_pareto_summary
        where period_type = 'trailing'
        """,
    )


# ------------------------------------------------------------------------------------- channel


def channel_revenue(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select month_start, channel_type, coalesce(channel_type_zh, channel_type) as channel_type_zh,
               cast(revenue_base as double) as revenue_base
        from marts.mart_channel_performance
        order by month_start, channel_type
        """,
    )


def partner_scorecard(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Partners of the latest quarter that has a composite score."""
    return frame(
        con,
        """
        select s.quarter_start, s.partner_id, coalesce(s.partner_name, s.partner_id) as partner_name,
               s.suggested_tier, coalesce(s.suggested_tier_zh, s.suggested_tier) as suggested_tier_zh,
               cast(s.composite_score as double) as composite_score
        from marts.mart_partner_scorecard s
        where s.composite_score is not null
          and s.quarter_start = (select max(quarter_start) from marts.mart_partner_scorecard
                                 where composite_score is not null)
        order by composite_score desc, partner_id
        """,
    )


def rebate_bands(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Partner-quarters and incentives per rebate band, bands in attainment order (no band last)."""
    return frame(
        con,
        """
        select rebate_band, min(rebate_band_label) as rebate_band_label, count(*) as partner_quarters,
               cast(sum(incentive_total_base) as double) as incentive_total_base
        from marts.mart_partner_rebate
        group by rebate_band
        order by min(attainment_pct) nulls last, rebate_band
        """,
    )


# ------------------------------------------------------------------------------------- quota, collections


def quota_attainment(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rep revenue attainment in the latest period of the coarsest grain the targets have."""
    return frame(
        con,
        """
        with rep_revenue as (
            select * from marts.mart_quota_attainment where level = 'rep' and metric = 'revenue'
        ),
        grain as (
            select period_grain from rep_revenue
            order by case period_grain when 'year' then 1 when 'quarter' then 2 else 3 end
            limit 1
        ),
        latest as (
            select max(period_start) as period_start from rep_revenue
            where period_grain = (select period_grain from grain)
        )
        select a.owner_id as rep_id, coalesce(a.owner_name, a.owner_id) as rep_name, a.period_grain, a.period_start,
               a.period_end, a.to_date_label, cast(a.target_value as double) as target_value,
               cast(a.actual_value as double) as actual_value, cast(a.attainment_pct as double) as attainment_pct,
               a.attainment_band, a.attainment_band_number
        from rep_revenue a
        where a.period_grain = (select period_grain from grain)
          and a.period_start = (select period_start from latest)
          and a.attainment_pct is not null
        order by a.attainment_pct desc, a.owner_id
        """,
    )


def aging_bucket_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int | None]]:
    """The aging bucket columns of mart_receivables_aging as (column, low, high): the buckets follow var
    aging_bucket_edges, so they are read from the table, not assumed."""
    found = []
    for name in columns(con, "marts", "mart_receivables_aging"):
        match = _AGING_BUCKET.match(name)
        if match:
            low, high, over = match.groups()
            found.append((name, int(over), None) if over else (name, int(low), int(high)))
    return found


NOT_YET_DUE = "not_yet_due_base"


def receivables_aging(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Open receivable per aging level and bucket (long form, buckets in days order). The mart's first bucket
    (0-30 days) holds what is not yet due as well; here that part is a bucket of its own, first (low and high
    null), and the first bucket starts at 1 day past due: a chart "by days past due" must not count it overdue."""
    buckets = aging_bucket_columns(con)
    if not buckets:
        return pl.DataFrame()
    split = NOT_YET_DUE in columns(con, "marts", "mart_receivables_aging")
    parts = (
        [
            f"select aging_level, '{NOT_YET_DUE}' as bucket, -1 as bucket_order, cast(null as integer) as low, "
            f"cast(null as integer) as high, cast(sum({NOT_YET_DUE}) as double) as amount_base "
            "from marts.mart_receivables_aging group by aging_level"
        ]
        if split
        else []
    )
    for i, (name, low, high) in enumerate(buckets):
        amount = f"sum({name}) - sum({NOT_YET_DUE})" if split and low == 0 else f"sum({name})"
        parts.append(
            f"select aging_level, '{name}' as bucket, {i} as bucket_order, {1 if split and low == 0 else low} as low, "
            f"{'null' if high is None else high} as high, cast({amount} as double) as amount_base "
            "from marts.mart_receivables_aging group by aging_level"
        )
    return frame(con, " union all ".join(parts) + " order by aging_level, bucket_order")


def dso_trend(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select month_start, cast(dso_days as double) as dso_days
        from marts.mart_collections
        where group_level = 'company' and dso_days is not null
        order by month_start
        """,
    )


# ------------------------------------------------------------------------------------- data quality


def dq_checks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Checks of the latest run in mart_dq_results, counted by layer and status."""
    return frame(
        con,
        """
        select layer, layer_order, status, count(*) as checks
        from marts.mart_dq_results
        where run_first_checked_at = (select max(run_first_checked_at) from marts.mart_dq_results)
        group by all
        order by layer_order, status
        """,
    )


def dq_failing(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select asset, check_name, severity, status, failing_rows, observed_value
        from marts.mart_dq_results
        where is_failing
          and run_first_checked_at = (select max(run_first_checked_at) from marts.mart_dq_results)
        order by layer_order, asset, check_name
        """,
    )


def coverage_by_domain(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select mart_domain, inputs_have_rows, count(*) as marts
        from marts.mart_coverage
        group by all
        order by mart_domain, inputs_have_rows desc
        """,
    )


def marts_without_input(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return frame(
        con,
        """
        select mart_name, mart_domain, missing_inputs, coverage_status
        from marts.mart_coverage
        where not inputs_have_rows
        order by mart_domain, mart_name
        """,
    )
