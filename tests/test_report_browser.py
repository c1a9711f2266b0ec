"""The report in headless Chromium: every chart drew (SVG with traces that have points), no console error
or page exception, in English and Chinese; full-page screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import artifact_path, chromium_page

from reporting.report import SECTIONS, build_report

# For each plot div: its id, whether plotly drew an SVG, the point count of each trace plotly built, and the
# trace groups drawn in the SVG (bars, lines, funnels) or the heatmap image.
CHART_STATE = """() => Array.from(document.querySelectorAll('div.chart .js-plotly-plot')).map(gd => ({
  id: gd.id,
  svg: !!gd.querySelector('svg.main-svg'),
  points: (gd._fullData || []).map(t => Math.max(...['x', 'y', 'z'].map(k => (t[k] && t[k].length) || 0))),
  drawn: gd.querySelectorAll('g.trace, g.hm image, g.heatmaplayer image').length,
}))"""
ALL_DRAWN = """(n) => {
  const plots = Array.from(document.querySelectorAll('div.chart .js-plotly-plot'));
  return plots.length === n && plots.every(gd => gd._fullLayout && gd.querySelector('svg.main-svg'));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_draws_without_errors(demo_pipeline, tmp_path: Path, lang: str):
    report = build_report(Path(demo_pipeline.serving), tmp_path / f"report_{lang}.html", lang)
    with chromium_page() as (page, errors):
        page.goto(report.resolve().as_uri())
        page.wait_for_function(ALL_DRAWN, arg=len(SECTIONS), timeout=60_000)
        charts = page.evaluate(CHART_STATE)
        page.screenshot(path=str(artifact_path(f"report_{lang}.png")), full_page=True)
        assert page.locator("div.no-data").count() == 0
    assert [c["id"] for c in charts] == [f"chart-{s.key}" for s in SECTIONS]
    for chart in charts:
        assert chart["svg"], f"{chart['id']}: no SVG"
        assert chart["points"] and max(chart["points"]) > 0, f"{chart['id']}: no trace with points"
        assert chart["drawn"] > 0, f"{chart['id']}: nothing drawn"
    assert errors.all() == []
