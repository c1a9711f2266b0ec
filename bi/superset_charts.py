"""The Superset dashboard's charts: one per mart domain, each on its own dataset (a mart of the serving file).

A chart is described once (``ChartSpec``) and turned into both of Superset's shapes: the ``params`` the
chart editor and the dashboard render from, and the ``query_context`` that ``/api/v1/chart/data`` runs.
Filters pick one consistent slice of a mart so no row is counted twice (e.g. the funnel's company-wide
slice, not company + team + rep)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SERVING_SCHEMA = "marts"
# How many groups a chart may draw: the daily KPI line has one per day of the data (27 years fit).
ROW_LIMIT = 10000


@dataclass(frozen=True)
class Metric:
    """An aggregate over one column, or ``COUNT(*)`` when ``column`` is None."""

    label: str
    aggregate: str
    column: str | None = None

    def adhoc(self) -> dict[str, Any]:
        if self.column is None:
            return {"expressionType": "SQL", "sqlExpression": f"{self.aggregate}(*)", "label": self.label}
        return {
            "expressionType": "SIMPLE",
            "column": {"column_name": self.column},
            "aggregate": self.aggregate,
            "label": self.label,
        }


@dataclass(frozen=True)
class ChartSpec:
    """One chart: ``metrics`` of ``table`` grouped by ``dimension``, on the rows where every ``filters``
    column equals its value."""

    domain: str
    title: str
    table: str
    viz_type: str
    dimension: str
    metrics: tuple[Metric, ...]
    filters: tuple[tuple[str, str], ...] = ()
    extra_params: dict[str, Any] = field(default_factory=dict)

    @property
    def single_metric(self) -> bool:
        # Pie and funnel charts draw one metric, stored under "metric"; the others take a list.
        return self.viz_type in {"pie", "funnel"}

    def form_data(self, dataset_id: int) -> dict[str, Any]:
        """The chart's ``params``: what Superset's editor and dashboard render from."""
        metrics = [m.adhoc() for m in self.metrics]
        params: dict[str, Any] = {
            "datasource": f"{dataset_id}__table",
            "viz_type": self.viz_type,
            "adhoc_filters": [
                {"expressionType": "SIMPLE", "clause": "WHERE", "subject": col, "operator": "==", "comparator": val}
                for col, val in self.filters
            ],
            "row_limit": ROW_LIMIT,
        }
        if self.single_metric:
            params |= {"groupby": [self.dimension], "metric": metrics[0], "sort_by_metric": True}
        else:
            params |= {"x_axis": self.dimension, "metrics": metrics, "groupby": []}
        return params | self.extra_params

    def query_context(self, dataset_id: int) -> dict[str, Any]:
        """What ``/api/v1/chart/data`` runs: one row per ``dimension`` value with every metric's label."""
        return {
            "datasource": {"id": dataset_id, "type": "table"},
            "force": False,
            "queries": [
                {
                    "columns": [self.dimension],
                    "metrics": [m.adhoc() for m in self.metrics],
                    "filters": [{"col": col, "op": "==", "val": val} for col, val in self.filters],
                    "orderby": [[self.metrics[0].adhoc(), False]],
                    "row_limit": ROW_LIMIT,
                }
            ],
            "form_data": self.form_data(dataset_id),
            "result_format": "json",
            "result_type": "full",
        }

    def chart_payload(self, dataset_id: int, dashboard_id: int) -> dict[str, Any]:
        """The body of ``POST``/``PUT /api/v1/chart/`` for this chart on ``dashboard_id``."""
        return {
            "slice_name": self.title,
            "viz_type": self.viz_type,
            "datasource_id": dataset_id,
            "datasource_type": "table",
            "params": json.dumps(self.form_data(dataset_id)),
            "query_context": json.dumps(self.query_context(dataset_id)),
            "dashboards": [dashboard_id],
        }


# Categories on a slant so every label fits a third of the dashboard's width.
_BAR = {"orientation": "vertical", "show_legend": True, "xAxisLabelRotation": 45}
# Funnel and pie slices carry their own "name: value" labels.
_LABELLED = {"show_labels": True, "label_type": "key_value"}

CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        domain="kpi",
        title="Daily revenue and collections",
        table="mart_kpi_daily",
        viz_type="echarts_timeseries_line",
        dimension="date_day",
        metrics=(Metric("revenue", "SUM", "revenue_base"), Metric("collections", "SUM", "collections_base")),
        extra_params={"show_legend": True},
    ),
    ChartSpec(
        domain="funnel",
        title="Sales funnel: deals reaching each stage",
        table="mart_funnel_stage",
        viz_type="funnel",
        dimension="stage_code",
        metrics=(Metric("deals", "SUM", "entered_count"),),
        filters=(("slice_type", "company"),),
        extra_params=_LABELLED | {"show_legend": False},
    ),
    ChartSpec(
        domain="customer",
        title="Customers per RFM segment",
        table="mart_customer_rfm",
        viz_type="pie",
        dimension="segment_name",
        metrics=(Metric("customers", "COUNT"),),
        extra_params=_LABELLED | {"show_legend": False, "donut": True},
    ),
    ChartSpec(
        domain="channel",
        title="Revenue and gross margin by channel type",
        table="mart_channel_performance",
        viz_type="echarts_timeseries_bar",
        dimension="channel_type",
        metrics=(Metric("revenue", "SUM", "revenue_base"), Metric("gross margin", "SUM", "gross_margin_base")),
        extra_params=_BAR,
    ),
    ChartSpec(
        domain="quota",
        title="Company revenue: target vs actual per quarter",
        table="mart_quota_attainment",
        viz_type="echarts_timeseries_bar",
        dimension="period_start",
        metrics=(Metric("target", "SUM", "target_value"), Metric("actual", "SUM", "actual_value")),
        filters=(("level", "company"), ("metric", "revenue"), ("period_grain", "quarter")),
        extra_params=_BAR | {"time_grain_sqla": "P3M", "xAxisLabelRotation": 0},
    ),
    ChartSpec(
        domain="collections",
        title="Open receivables by region and age",
        table="mart_receivables_aging",
        viz_type="echarts_timeseries_bar",
        dimension="region",
        metrics=(
            Metric("0-30 days", "SUM", "days_0_30_base"),
            Metric("31-60 days", "SUM", "days_31_60_base"),
            Metric("61-90 days", "SUM", "days_61_90_base"),
            Metric("over 90 days", "SUM", "days_over_90_base"),
        ),
        filters=(("aging_level", "account"),),
        extra_params=_BAR | {"stack": "Stack"},
    ),
    ChartSpec(
        domain="quality",
        title="Checks of the published run by status",
        table="mart_dq_results",
        viz_type="pie",
        dimension="status",
        metrics=(Metric("checks", "COUNT"),),
        extra_params=_LABELLED | {"show_legend": True},
    ),
)
