"""The HTML page: header, contents and one section per panel, plotly.js embedded once so the file renders
offline (the 'cdn' option draws nothing without internet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import plotly.graph_objects as go
import polars as pl

from reporting.figures import FONT_FAMILY
from reporting.labels import label
from reporting.queries import PublishInfo

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Panel:
    """One section of the report: a figure, or the reason it has none; optionally a table under it."""

    key: str
    marts: tuple[str, ...]
    figure: go.Figure | None = None
    no_data_reason: str | None = None
    table: pl.DataFrame | None = None
    table_title: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


CSS = f"""
body {{ font-family: {FONT_FAMILY}; margin: 0; color: #222; background: #f6f7f9; }}
header {{ background: #1f3b57; color: #fff; padding: 18px 32px; }}
header h1 {{ margin: 0 0 8px 0; font-size: 26px; }}
header dl {{ display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 0; }}
header dt {{ opacity: 0.75; }} header dd {{ margin: 0 0 0 6px; font-weight: 600; }}
header .meta {{ display: flex; }}
nav {{ padding: 12px 32px; background: #fff; border-bottom: 1px solid #ddd; }}
nav a {{ margin-right: 16px; color: #1f3b57; white-space: nowrap; line-height: 1.8; }}
main {{ padding: 8px 32px 40px 32px; }}
section {{ background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; margin: 18px 0; padding: 14px 20px; }}
section h2 {{ margin: 0 0 4px 0; font-size: 20px; }}
section p.desc {{ margin: 0 0 4px 0; color: #444; }}
section p.source {{ margin: 0 0 8px 0; color: #777; font-size: 13px; }}
.no-data {{ border: 2px dashed #c9a227; background: #fff8e1; padding: 24px; border-radius: 6px; font-size: 16px; }}
.no-data strong {{ color: #8a6d00; }}
table {{ border-collapse: collapse; margin-top: 10px; font-size: 13px; }}
th, td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f0f2f5; }}
td.observed {{ max-width: 520px; overflow-wrap: anywhere; }}
p.note {{ color: #555; font-size: 13px; }}
"""


def _header(info: PublishInfo, lang: str) -> str:
    unknown = label("unknown", lang)
    items = [
        ("as_of_date", info.as_of_date),
        ("base_currency", info.base_currency),
        ("published_at", info.published_at.strftime("%Y-%m-%d %H:%M") if info.published_at else None),
        ("run_id", info.run_id),
    ]
    meta = "".join(
        f'<div class="meta"><dt>{escape(label(k, lang))}</dt>'
        f'<dd id="meta-{k}">{escape(str(v if v else unknown))}</dd></div>'
        for k, v in items
    )
    return f"<header><h1>{escape(label('report_title', lang))}</h1><dl>{meta}</dl></header>"


def _table(df: pl.DataFrame, lang: str) -> str:
    head = "".join(f"<th>{escape(label(c, lang))}</th>" for c in df.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{c}">{escape("" if v is None else str(v))}</td>' for c, v in zip(df.columns, row, strict=True)
        )
        + "</tr>"
        for row in df.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(panel: Panel, lang: str, include_plotlyjs: bool) -> str:
    parts = [
        f'<section id="{panel.key}" data-marts="{escape(",".join(panel.marts))}">',
        f"<h2>{escape(label('sec_' + panel.key, lang))}</h2>",
        f'<p class="desc">{escape(label("desc_" + panel.key, lang))}</p>',
        f'<p class="source">{escape(label("source_mart", lang))}: {escape(", ".join(panel.marts))}</p>',
    ]
    if panel.figure is not None:
        parts.append(
            '<div class="chart">'
            + panel.figure.to_html(
                full_html=False, include_plotlyjs=include_plotlyjs, div_id=panel.chart_id, config=PLOT_CONFIG
            )
            + "</div>"
        )
    else:
        parts.append(
            f'<div class="no-data" data-mart="{escape(panel.marts[0])}"><strong>{escape(label("no_data", lang))}'
            f"</strong> — {escape(panel.marts[0])}: {escape(panel.no_data_reason or '')}</div>"
        )
    if panel.table_title:
        parts.append(f"<h3>{escape(panel.table_title)}</h3>")
    if panel.table is not None and panel.table.height:
        parts.append(_table(panel.table, lang))
    parts.extend(f'<p class="note">{escape(note)}</p>' for note in panel.notes)
    parts.append("</section>")
    return "\n".join(parts)


def render_page(panels: list[Panel], info: PublishInfo, lang: str) -> str:
    """The whole report as one HTML document; plotly.js goes in with the first figure only."""
    sections, js_included = [], False
    for panel in panels:
        sections.append(_section(panel, lang, include_plotlyjs=not js_included and panel.figure is not None))
        js_included = js_included or panel.figure is not None
    nav = "".join(f'<a href="#{p.key}">{escape(label("sec_" + p.key, lang))}</a>' for p in panels)
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(label('report_title', lang))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{_header(info, lang)}\n<nav><strong>{escape(label('contents', lang))}:</strong> {nav}</nav>\n"
        f"<main>\n{chr(10).join(sections)}\n</main>\n</body>\n</html>\n"
    )
