"""Plotly figures, one function per chart: frames from ``reporting.queries`` in, a figure out.

No figure computes a metric; it only places the mart's numbers. Words come from ``reporting.labels``;
names that belong to the data (stages, segments, channel types, tiers) come from the data in the
report's language."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from reporting.labels import label

# CJK fonts first for Chinese; Chromium falls back through the list to what the system has.
FONT_FAMILY = (
    '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
)
HEIGHT = 420
MOVEMENTS = ("entered", "up", "same", "down")
STATUS_COLORS = {"pass": "#2ca02c", "fail": "#d62728", "error": "#ff7f0e", "skipped": "#7f7f7f"}


def _layout(fig: go.Figure, height: int = HEIGHT, bottom: int = 60, margin_top: int = 40, **kwargs) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT_FAMILY, "size": 13},
        margin={"l": 70, "r": 30, "t": margin_top, "b": bottom},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        **kwargs,
    )
    return fig


def _money(lang: str, currency: str, key: str = "amount") -> str:
    return f"{label(key, lang)} ({currency})"


def _zh(lang: str, df: pl.DataFrame, en_col: str, zh_col: str) -> list[str]:
    return df[zh_col if lang == "zh" else en_col].to_list()


# ------------------------------------------------------------------------------------- funnel


def funnel_figure(df: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    stages = _zh(lang, df, "stage_name", "stage_name_zh")
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=(label("deal_count", lang), _money(lang, currency, "deal_amount")),
        horizontal_spacing=0.2,
    )
    conv = label("conversion", lang)
    last = df.height - 1
    for col, (value, rate) in enumerate(
        (("entered_count", "conversion_rate"), ("entered_amount_base", "amount_conversion_rate")), start=1
    ):
        # The last stage has no later stage to convert to: its label is the value alone.
        text = [
            f"{v:,.0f}" + (f"<br>{conv} {r:.1%}" if r is not None and i < last else "")
            for i, (v, r) in enumerate(zip(df[value].to_list(), df[rate].to_list(), strict=True))
        ]
        fig.add_trace(
            go.Funnel(
                y=stages,
                x=df[value].to_list(),
                text=text,
                textinfo="text",
                textposition="inside",
                name=label("deal_count" if col == 1 else "deal_amount", lang),
            ),
            row=1,
            col=col,
        )
    fig.update_yaxes(showticklabels=True, row=1, col=2)
    return _layout(fig, showlegend=False)


def stage_win_rate_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for window in df["window_name"].unique(maintain_order=True).to_list():
        part = df.filter(pl.col("window_name") == window)
        name = label("all_time", lang) if part["window_months"][0] is None else label("trailing_window", lang)
        if part["window_months"][0] is not None:
            name += f" ({part['window_months'][0]}m)"
        fig.add_bar(
            x=_zh(lang, part, "stage_name", "stage_name_zh"),
            y=part["win_rate"].to_list(),
            name=name,
            text=[f"{v:.1%}" if v is not None else "" for v in part["win_rate"].to_list()],
        )
    first = df.filter(pl.col("window_name") == df["window_name"][0])
    fig.add_scatter(
        x=_zh(lang, first, "stage_name", "stage_name_zh"),
        y=first["default_win_probability"].to_list(),
        mode="markers",
        marker={"symbol": "diamond", "size": 12, "color": "#444"},
        name=label("default_probability", lang),
    )
    fig.update_yaxes(title=label("win_rate", lang), tickformat=".0%", rangemode="tozero")
    return _layout(fig, barmode="group")


def win_rate_by_rep_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    closed = label("closed_deals", lang)
    fig = go.Figure(
        go.Bar(
            x=df["rep_name"].to_list(),
            y=df["win_rate"].to_list(),
            text=[f"{v:.1%}" for v in df["win_rate"].to_list()],
            customdata=[w + lo for w, lo in zip(df["won_count"].to_list(), df["lost_count"].to_list(), strict=True)],
            hovertemplate="%{x}: %{y:.1%} (%{customdata} " + closed + ")<extra></extra>",
            name=label("win_rate", lang),
        )
    )
    fig.update_xaxes(title=label("rep", lang), tickangle=-30)
    fig.update_yaxes(title=label("win_rate", lang), tickformat=".0%", rangemode="tozero")
    return _layout(fig)


def sales_cycle_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for column, key in (("signing_cycle_days", "signing_cycle"), ("sales_cycle_days", "sales_cycle")):
        values = df[column].drop_nulls().to_list()
        if values:
            fig.add_histogram(x=values, name=label(key, lang), opacity=0.65, nbinsx=30)
    fig.update_xaxes(title=label("days", lang))
    fig.update_yaxes(title=label("deals", lang))
    return _layout(fig, barmode="overlay")


def pipeline_coverage_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for column, key in (("pipeline_coverage", "pipeline_coverage"), ("period_start_coverage", "period_start_coverage")):
        fig.add_scatter(
            x=df["period_month"].to_list(), y=df[column].to_list(), mode="lines+markers", name=label(key, lang)
        )
    fig.update_xaxes(title=label("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(title=label("coverage", lang), tickformat=".0%", rangemode="tozero")
    return _layout(fig)


def forecast_figure(df: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    fig = go.Figure()
    fig.add_bar(
        x=df["period_month"].to_list(), y=df["weighted_forecast_base"].to_list(), name=label("weighted_forecast", lang)
    )
    fig.add_bar(x=df["period_month"].to_list(), y=df["actual_won_base"].to_list(), name=label("actual_won", lang))
    fig.update_xaxes(title=label("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(title=_money(lang, currency))
    return _layout(fig, barmode="group")


# ------------------------------------------------------------------------------------- customers


def rfm_segments_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=_zh(lang, df, "segment_name", "segment_name_zh"),
            y=df["customers"].to_list(),
            text=df["customers"].to_list(),
            name=label("customers", lang),
        )
    )
    fig.update_xaxes(title=label("segment", lang), tickangle=-30)
    fig.update_yaxes(title=label("customers", lang))
    return _layout(fig)


def rfm_heatmap_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    r_scores = sorted(df["r_score"].unique().to_list())
    f_scores = sorted(df["f_score"].unique().to_list())
    counts = {(r, f): n for r, f, n in df.select("r_score", "f_score", "customers").iter_rows()}
    z = [[counts.get((r, f), 0) for f in f_scores] for r in r_scores]
    fig = go.Figure(
        go.Heatmap(
            x=[str(f) for f in f_scores],
            y=[str(r) for r in r_scores],
            z=z,
            text=z,
            texttemplate="%{text}",
            colorscale="Blues",
            colorbar={"title": label("customers", lang)},
        )
    )
    fig.update_xaxes(title=label("frequency_score", lang), type="category")
    fig.update_yaxes(title=label("recency_score", lang), type="category")
    return _layout(fig)


def segment_migration_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    known = [m for m in MOVEMENTS if m in set(df["movement"].to_list())]
    others = sorted(set(df["movement"].to_list()) - set(MOVEMENTS))
    for movement in known + others:
        part = df.filter(pl.col("movement") == movement)
        name = label(f"move_{movement}", lang) if movement in MOVEMENTS else movement
        fig.add_bar(x=part["snapshot_month"].to_list(), y=part["customers"].to_list(), name=name)
    fig.update_xaxes(title=label("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(title=label("customers", lang))
    return _layout(fig, barmode="stack")


def pareto_figure(curve: pl.DataFrame, reference: pl.DataFrame, lang: str) -> go.Figure:
    x = [0.0, *curve["customer_share_cumulative"].to_list()]
    y = [0.0, *curve["cumulative_revenue_share"].to_list()]
    fig = go.Figure(go.Scatter(x=x, y=y, mode="lines", name=label("pareto_curve", lang), line={"width": 3}))
    if reference.height:
        top, share = reference["top_customer_share_target"][0], reference["reference_revenue_share"][0]
        if top is not None:
            fig.add_vline(
                x=top,
                line_dash="dash",
                line_color="#888",
                annotation_text=label("top_share_reference", lang, top=f"{top:.0%}"),
            )
        if share is not None:
            fig.add_hline(
                y=share,
                line_dash="dash",
                line_color="#888",
                annotation_text=label("revenue_reference", lang, share=f"{share:.0%}"),
                annotation_position="bottom right",
            )
    fig.update_xaxes(title=label("customer_share", lang), tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title=label("revenue_share", lang), tickformat=".0%", range=[0, 1.02])
    return _layout(fig)


# ------------------------------------------------------------------------------------- channel


def channel_contribution_figure(df: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    fig = go.Figure()
    names = df.select("channel_type", "channel_type_zh").unique(maintain_order=True)
    for channel_type, channel_type_zh in names.iter_rows():
        part = df.filter(pl.col("channel_type") == channel_type)
        fig.add_bar(
            x=part["month_start"].to_list(),
            y=part["revenue_base"].to_list(),
            name=channel_type_zh if lang == "zh" else channel_type,
        )
    fig.update_xaxes(title=label("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(title=_money(lang, currency, "revenue"))
    return _layout(fig, barmode="stack")


def partner_scorecard_figure(df: pl.DataFrame, thresholds: list[tuple[str, str, float]], lang: str) -> go.Figure:
    """``thresholds``: (tier, Chinese tier name, min composite score) from the partner_tier_thresholds seed."""
    fig = go.Figure()
    tier_col = "suggested_tier_zh" if lang == "zh" else "suggested_tier"
    order = df["partner_name"].to_list()
    for tier in df[tier_col].unique(maintain_order=True).to_list():
        part = df.filter(pl.col(tier_col) == tier)
        fig.add_bar(
            y=part["partner_name"].to_list(),
            x=part["composite_score"].to_list(),
            orientation="h",
            text=[f"{v:.1f}" for v in part["composite_score"].to_list()],
            name=str(tier),
        )
    for tier, tier_zh, score in thresholds:
        if score > 0:
            fig.add_vline(
                x=score,
                line_dash="dot",
                line_color="#888",
                annotation_text=label(
                    "tier_threshold", lang, tier=tier_zh if lang == "zh" else tier, score=f"{score:g}"
                ),
                annotation_position="top",
            )
    quarter = df["quarter_start"][0]
    fig.update_yaxes(
        title=f"{label('partner', lang)} · {label('period', lang)} {quarter}",
        categoryorder="array",
        categoryarray=order[::-1],
        automargin=True,
    )
    fig.update_xaxes(title=label("composite_score", lang), range=[0, 105])
    return _layout(fig, height=max(HEIGHT, 26 * df.height + 140), margin_top=70)


def rebate_tiers_figure(df: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    bands = [lbl if lbl is not None else label("no_target", lang) for lbl in df["rebate_band_label"].to_list()]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=bands, y=df["partner_quarters"].to_list(), name=label("partner_quarters", lang), secondary_y=False)
    fig.add_scatter(
        x=bands,
        y=df["incentive_total_base"].to_list(),
        mode="lines+markers",
        name=_money(lang, currency, "incentive_total"),
        secondary_y=True,
    )
    fig.update_xaxes(title=label("rebate_band", lang), type="category")
    fig.update_yaxes(title=label("partner_quarters", lang), secondary_y=False)
    fig.update_yaxes(title=_money(lang, currency, "incentive_total"), secondary_y=True, rangemode="tozero")
    return _layout(fig)


# ------------------------------------------------------------------------------------- quota, collections


def attainment_text(share: float) -> str:
    """An attainment as a bar's label, cut (not rounded) to a tenth of a percent: rounded, 79.7% read "80%"
    on a bar of the band below 80%, and 99.95% read "100%" on one that missed the quota."""
    return f"{math.floor(share * 1000 + 1e-9) / 10:.1f}%"


def quota_attainment_figure(df: pl.DataFrame, edges: list[float], lang: str) -> go.Figure:
    fig = go.Figure()
    order = df["rep_name"].to_list()
    bands = df.select("attainment_band", "attainment_band_number").unique().sort("attainment_band_number")
    for band, _ in bands.iter_rows():
        part = df.filter(pl.col("attainment_band") == band)
        fig.add_bar(
            x=part["rep_name"].to_list(),
            y=part["attainment_pct"].to_list(),
            text=[attainment_text(v) for v in part["attainment_pct"].to_list()],
            name=str(band),
        )
    for edge in edges:
        fig.add_hline(
            y=edge,
            line_dash="dot",
            line_color="#888",
            annotation_text=label("band_edge", lang, edge=f"{edge:.0%}"),
            annotation_position="top right",
        )
    period = f"{df['period_start'][0]} – {df['period_end'][0]}" + (
        f" ({df['to_date_label'][0]})" if df["to_date_label"][0] else ""
    )
    fig.update_xaxes(
        title=f"{label('rep', lang)} · {label('period', lang)} {period}",
        tickangle=-30,
        categoryorder="array",
        categoryarray=order,
    )
    fig.update_yaxes(title=label("attainment", lang), tickformat=".0%", rangemode="tozero")
    return _layout(fig)


def bucket_label(low: int | None, high: int | None, lang: str) -> str:
    if low is None:
        return label("not_yet_due", lang)
    return label("bucket_over", lang, low=low) if high is None else label("bucket_range", lang, low=low, high=high)


def receivables_aging_figure(df: pl.DataFrame, lang: str, currency: str) -> go.Figure:
    fig = go.Figure()
    for level in df["aging_level"].unique(maintain_order=True).to_list():
        part = df.filter(pl.col("aging_level") == level).sort("bucket_order")
        fig.add_bar(
            x=[bucket_label(lo, hi, lang) for lo, hi in part.select("low", "high").iter_rows()],
            y=part["amount_base"].to_list(),
            name=label(f"level_{level}", lang) if f"level_{level}" in _LEVELS else level,
        )
    fig.update_xaxes(title=label("days_past_due", lang))
    fig.update_yaxes(title=_money(lang, currency, "open_receivable"))
    return _layout(fig, barmode="stack")


_LEVELS = {"level_account", "level_partner"}


def dso_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=df["month_start"].to_list(),
            y=df["dso_days"].to_list(),
            mode="lines+markers",
            name=label("dso_days", lang),
        )
    )
    fig.update_xaxes(title=label("month", lang), tickformat="%Y-%m")
    fig.update_yaxes(title=label("dso_days", lang), rangemode="tozero")
    return _layout(fig)


# ------------------------------------------------------------------------------------- data quality


def dq_checks_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    layers = df.select("layer", "layer_order").unique().sort("layer_order")["layer"].to_list()
    for status in df["status"].unique(maintain_order=True).to_list():
        part = df.filter(pl.col("status") == status)
        key = f"status_{status}"
        fig.add_bar(
            x=part["layer"].to_list(),
            y=part["checks"].to_list(),
            name=label(key, lang) if key in _STATUSES else status,
            marker_color=STATUS_COLORS.get(status),
        )
    fig.update_xaxes(title=label("layer", lang), categoryorder="array", categoryarray=layers)
    fig.update_yaxes(title=label("checks", lang))
    return _layout(fig, barmode="stack")


_STATUSES = {f"status_{s}" for s in STATUS_COLORS}


def coverage_figure(df: pl.DataFrame, lang: str) -> go.Figure:
    fig = go.Figure()
    for has_rows, key, color in ((True, "built", "#2ca02c"), (False, "no_input", "#d62728")):
        part = df.filter(pl.col("inputs_have_rows") == has_rows)
        if part.height:
            fig.add_bar(
                x=part["mart_domain"].to_list(), y=part["marts"].to_list(), name=label(key, lang), marker_color=color
            )
    fig.update_xaxes(title=label("domain", lang))
    fig.update_yaxes(title=label("marts", lang))
    return _layout(fig, barmode="stack")
