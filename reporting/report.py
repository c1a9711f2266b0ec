"""``build_report``: the serving file in, one self-contained HTML report out.

Each section names the mart it reads and how its figure is made. A section whose mart is empty (a landing
without that source, a view with no rows) becomes a visible "no data" panel that names the reason from
``marts.mart_coverage``; the report is built whatever the data holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import plotly.graph_objects as go

from orchestration.settings import base_currency_of, dbt_vars
from reporting import figures, queries
from reporting.labels import check_lang, label
from reporting.page import Panel, render_page
from reporting.queries import Coverage, PublishInfo
from reporting.thresholds import attainment_band_edges, partner_tier_thresholds

Con = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class Section:
    """A chart of the report: its key (labels sec_<key> / desc_<key>), the marts it reads, and how its
    figure is built. ``build`` returns None when the mart has no rows for the chart."""

    key: str
    marts: tuple[str, ...]
    build: Callable[[Con, str, PublishInfo], go.Figure | None]
    extras: Callable[[Con, str], dict] | None = None


def _when(*frames) -> bool:
    return all(f.height > 0 for f in frames)


def _funnel(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.funnel(con)
    return figures.funnel_figure(df, lang, info.base_currency) if _when(df) else None


def _stage_win_rate(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.stage_win_rates(con)
    return figures.stage_win_rate_figure(df, lang) if _when(df) else None


def _win_rate_rep(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.win_rate_by_rep(con)
    return figures.win_rate_by_rep_figure(df, lang) if _when(df) else None


def _sales_cycle(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.sales_cycle(con)
    return figures.sales_cycle_figure(df, lang) if _when(df) else None


def _pipeline_coverage(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.pipeline_coverage(con)
    return figures.pipeline_coverage_figure(df, lang) if _when(df) else None


def _forecast(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.forecast_vs_actual(con)
    return figures.forecast_figure(df, lang, info.base_currency) if _when(df) else None


def _rfm_segments(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.rfm_segments(con)
    return figures.rfm_segments_figure(df, lang) if _when(df) else None


def _rfm_heatmap(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.rfm_grid(con)
    return figures.rfm_heatmap_figure(df, lang) if _when(df) else None


def _segment_migration(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.segment_migration(con)
    return figures.segment_migration_figure(df, lang) if _when(df) else None


def _pareto(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    curve = queries.pareto_curve(con)
    return figures.pareto_figure(curve, queries.pareto_reference(con), lang) if _when(curve) else None


def _channel_contribution(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.channel_revenue(con)
    return figures.channel_contribution_figure(df, lang, info.base_currency) if _when(df) else None


def _partner_scorecard(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.partner_scorecard(con)
    return figures.partner_scorecard_figure(df, partner_tier_thresholds(), lang) if _when(df) else None


def _rebate_tiers(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.rebate_bands(con)
    return figures.rebate_tiers_figure(df, lang, info.base_currency) if _when(df) else None


def _quota_attainment(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.quota_attainment(con)
    return figures.quota_attainment_figure(df, attainment_band_edges(), lang) if _when(df) else None


def _receivables_aging(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.receivables_aging(con)
    return figures.receivables_aging_figure(df, lang, info.base_currency) if _when(df) else None


def _dso_trend(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.dso_trend(con)
    return figures.dso_figure(df, lang) if _when(df) else None


def _dq_checks(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.dq_checks(con)
    return figures.dq_checks_figure(df, lang) if _when(df) else None


def _dq_failing(con: Con, lang: str) -> dict:
    failing = queries.dq_failing(con).rename({"check_name": "check", "observed_value": "observed"})
    notes = [] if failing.height else [label("no_failing_checks", lang)]
    return {
        "table": failing.select("asset", "check", "severity", "failing_rows", "observed"),
        "table_title": label("failing_checks", lang) if failing.height else None,
        "notes": [*notes, label("quarantine_note", lang)],
    }


def _dq_coverage(con: Con, lang: str, info: PublishInfo) -> go.Figure | None:
    df = queries.coverage_by_domain(con)
    return figures.coverage_figure(df, lang) if _when(df) else None


def _marts_without_input(con: Con, lang: str) -> dict:
    missing = queries.marts_without_input(con).rename({"mart_name": "marts", "mart_domain": "domain"})
    if not missing.height:
        return {"notes": [label("all_marts_have_input", lang)]}
    return {
        "table": missing.select("marts", "domain", "coverage_status").rename({"coverage_status": "no_input"}),
        "table_title": label("marts_without_input", lang),
    }


SECTIONS: tuple[Section, ...] = (
    Section("funnel", ("mart_funnel_stage",), _funnel),
    Section("stage_win_rate", ("mart_stage_win_rate",), _stage_win_rate),
    Section("win_rate_rep", ("mart_win_rate",), _win_rate_rep),
    Section("sales_cycle", ("mart_sales_cycle",), _sales_cycle),
    Section("pipeline_coverage", ("mart_pipeline_velocity",), _pipeline_coverage),
    Section("forecast", ("mart_sales_forecast",), _forecast),
    Section("rfm_segments", ("mart_customer_rfm",), _rfm_segments),
    Section("rfm_heatmap", ("mart_customer_rfm",), _rfm_heatmap),
    Section("segment_migration", ("mart_customer_segment_transition",), _segment_migration),
    Section("pareto", ("mart_customer_pareto", "mart_customer_pareto_summary"), _pareto),
    Section("channel_contribution", ("mart_channel_performance",), _channel_contribution),
    Section("partner_scorecard", ("mart_partner_scorecard",), _partner_scorecard),
    Section("rebate_tiers", ("mart_partner_rebate",), _rebate_tiers),
    Section("quota_attainment", ("mart_quota_attainment",), _quota_attainment),
    Section("receivables_aging", ("mart_receivables_aging",), _receivables_aging),
    Section("dso_trend", ("mart_collections",), _dso_trend),
    Section("dq_checks", ("mart_dq_results",), _dq_checks, _dq_failing),
    Section("dq_coverage", ("mart_coverage",), _dq_coverage, _marts_without_input),
)


def no_data_reason(mart: str, cover: dict[str, Coverage], lang: str) -> str:
    """Why a section has no figure, in the report's language, from the mart's coverage row."""
    row = cover.get(mart)
    if row is None:
        return label("coverage_unknown_reason", lang)
    if not row.inputs_have_rows:
        # English shows mart_coverage's own status text; Chinese names the same inputs.
        return row.coverage_status if lang == "en" else label("no_input_reason", lang, inputs=row.missing_inputs)
    return f"{label('no_rows_reason', lang)} ({row.coverage_status})"


def build_panels(con: Con, lang: str, info: PublishInfo) -> list[Panel]:
    """Every section of the report as a panel, read from an open serving connection."""
    cover = queries.coverage(con)
    panels = []
    for section in SECTIONS:
        panel = Panel(section.key, section.marts)
        absent = [m for m in section.marts if not queries.table_exists(con, "marts", m)]
        if absent:
            panel.no_data_reason = label("missing_table_reason", lang)
            panel.marts = tuple(absent)
        else:
            panel.figure = section.build(con, lang, info)
            if panel.figure is None:
                panel.no_data_reason = no_data_reason(section.marts[0], cover, lang)
            elif section.extras:
                for name, value in section.extras(con, lang).items():
                    setattr(panel, name, value)
        panels.append(panel)
    return panels


def report_panels(serving: Path, lang: str = "en", base_currency: str | None = None) -> tuple[PublishInfo, list[Panel]]:
    """The publish info and every panel of the report on ``serving`` (opened read-only). The currency is
    the one the publish recorded; ``base_currency`` (default: the user's setting) only for a serving file
    published before the log recorded it."""
    check_lang(lang)
    fallback = base_currency or base_currency_of(dbt_vars())
    con = duckdb.connect(str(serving), read_only=True)
    try:
        info = queries.publish_info(con, fallback)
        return info, build_panels(con, lang, info)
    finally:
        con.close()


def build_report(serving: Path, out: Path, lang: str = "en", base_currency: str | None = None) -> Path:
    """Write the HTML report of the serving file ``serving`` to ``out`` in ``lang`` ("en" or "zh")."""
    serving, out = Path(serving), Path(out)
    if not serving.exists():
        raise FileNotFoundError(f"no serving file at {serving}: run the pipeline first (salesops run)")
    info, panels = report_panels(serving, lang, base_currency)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(panels, info, lang), encoding="utf-8")
    return out
