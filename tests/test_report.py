"""The HTML report (reporting/): every chart is present with data in both languages, the numbers in the
funnel, win-rate-by-rep, quota-attainment and receivables-aging figures equal plain SQL written here against
the serving tables, and empty marts become "no data" panels naming the coverage reason."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from oracles import BASE_CURRENCY, dbt_var

from reporting.labels import label
from reporting.report import SECTIONS, build_report, report_panels

MONEY = 0.005  # to the cent
RATE = 1e-9


@pytest.fixture(scope="module")
def serving(demo_pipeline) -> Path:
    return Path(demo_pipeline.serving)


@pytest.fixture(scope="module")
def panels(serving: Path) -> dict[str, dict]:
    return {lang: {p.key: p for p in report_panels(serving, lang)[1]} for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def con(serving: Path):
    c = duckdb.connect(str(serving), read_only=True)
    yield c
    c.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_section_is_present_with_data(serving: Path, tmp_path: Path, lang: str):
    out = build_report(serving, tmp_path / f"report_{lang}.html", lang)
    html = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'<section id="{section.key}"' in html, section.key
        assert f'id="chart-{section.key}"' in html, f"{section.key}: no chart"
        assert label(f"sec_{section.key}", lang) in html
    assert 'class="no-data"' not in html
    # plotly.js is embedded once (offline), never fetched from a CDN.
    assert html.count("window.PlotlyConfig") == 1 and len(re.findall(r"plotly\.js v\d", html)) == 1
    assert not re.search(r"<script[^>]+src=", html)
    assert f'id="meta-base_currency">{BASE_CURRENCY}<' in html


def test_every_figure_has_traces_with_points(panels):
    for lang, by_key in panels.items():
        for key, panel in by_key.items():
            assert panel.figure is not None, f"{lang} {key}: no figure ({panel.no_data_reason})"
            sizes = [
                max(len(t.x if t.x is not None else ()), len(t.y if t.y is not None else ())) for t in panel.figure.data
            ]
            assert sizes and max(sizes) > 0, f"{lang} {key}: empty traces"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_funnel_counts_amounts_and_conversion_equal_the_mart(panels, con, lang):
    expected = _rows(
        con,
        """
        select sum(entered_count), sum(entered_amount_base), sum(advanced_count)
        from marts.mart_funnel_stage where slice_type = 'company'
        group by stage_code order by min(stage_order)
        """,
    )
    count_trace, amount_trace = panels[lang]["funnel"].figure.data
    assert list(count_trace.x) == [r[0] for r in expected]
    for got, (_, amount, _) in zip(amount_trace.x, expected, strict=True):
        assert abs(got - float(amount)) < MONEY
    for text, (entered, _, advanced) in list(zip(count_trace.text, expected, strict=True))[:-1]:
        assert f"{advanced / entered:.1%}" in text


def test_win_rate_by_rep_equals_won_over_closed(panels, con):
    expected = {
        name: won / (won + lost)
        for name, won, lost in _rows(
            con,
            """
            select coalesce(r.rep_name, w.slice_value), sum(w.won_count), sum(w.lost_count)
            from marts.mart_win_rate w left join core.dim_rep r on r.rep_id = w.slice_value
            where w.slice_type = 'rep' group by 1 having sum(w.won_count) + sum(w.lost_count) > 0
            """,
        )
    }
    (trace,) = panels["en"]["win_rate_rep"].figure.data
    got = dict(zip(trace.x, trace.y, strict=True))
    assert got.keys() == expected.keys()
    for name, rate in expected.items():
        assert abs(got[name] - rate) < RATE, name


def test_quota_attainment_equals_the_latest_rep_period(panels, con):
    grain = "year"
    latest = _rows(
        con,
        f"select max(period_start) from marts.mart_quota_attainment "
        f"where level = 'rep' and metric = 'revenue' and period_grain = '{grain}'",
    )[0][0]
    expected = dict(
        _rows(
            con,
            f"""
            select coalesce(owner_name, owner_id), cast(actual_value / target_value as double)
            from marts.mart_quota_attainment
            where level = 'rep' and metric = 'revenue' and period_grain = '{grain}'
              and period_start = '{latest}' and target_value <> 0
            """,
        )
    )
    figure = panels["en"]["quota_attainment"].figure
    got = {x: y for trace in figure.data for x, y in zip(trace.x, trace.y, strict=True)}
    assert got.keys() == expected.keys()
    for name, pct in expected.items():
        assert abs(got[name] - pct) < 1e-6, name  # the mart rounds attainment_pct to 6 decimals
    # No label shows more than the bar reached (a label rounded up would cross a band edge).
    for trace in figure.data:
        for y, text in zip(trace.y, trace.text, strict=True):
            assert float(text.rstrip("%")) / 100 <= y + 1e-9 < float(text.rstrip("%")) / 100 + 0.001, (y, text)
    # The band edges drawn are the dbt var's, not typed again.
    drawn = sorted(shape.y0 for shape in figure.layout.shapes)
    assert drawn == sorted(float(e) for e in dbt_var("attainment_band_edges"))


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.796635, "79.6%"), (0.99524, "99.5%"), (0.99952, "99.9%"), (0.8, "80.0%"), (1.0, "100.0%"), (0.0, "0.0%")],
)
def test_an_attainment_label_is_cut_not_rounded(share: float, text: str):
    from reporting.figures import attainment_text

    assert attainment_text(share) == text


def test_receivables_aging_buckets_equal_the_mart_sums(panels, con):
    edges = dbt_var("aging_bucket_edges")
    bounds = [0, *edges]
    columns = [f"days_{lo if lo == 0 else lo + 1}_{hi}_base" for lo, hi in zip(bounds, edges, strict=False)]
    columns.append(f"days_over_{edges[-1]}_base")
    sums = ", ".join(f"sum({c})" for c in columns)
    sql = f"select aging_level, sum(not_yet_due_base), {sums} from marts.mart_receivables_aging group by 1"
    # The chart puts what is not yet due first, apart from the first bucket (which in the mart includes it).
    expected = {
        level: [float(not_due), float(first) - float(not_due), *(float(v) for v in rest)]
        for level, not_due, first, *rest in _rows(con, sql)
    }
    assert any(not_due > 0 for not_due, *_ in expected.values())
    figure = panels["en"]["receivables_aging"].figure
    got = {trace.name: list(trace.y) for trace in figure.data}
    assert got.keys() == {label(f"level_{level}", "en") for level in expected}
    for level, values in expected.items():
        drawn = got[label(f"level_{level}", "en")]
        assert len(drawn) == len(values)
        first_bucket = f"1-{edges[0]} days"
        assert list(figure.data[0].x[:2]) == ["not yet due", first_bucket]
        assert all(abs(a - b) < MONEY for a, b in zip(drawn, values, strict=True)), level


def test_unknown_language_is_refused(serving: Path, tmp_path: Path):
    with pytest.raises(ValueError, match="lang must be one of"):
        build_report(serving, tmp_path / "r.html", "fr")


# ------------------------------------------------------------------------------------- empty marts


@pytest.fixture(scope="module")
def gutted_serving(serving: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the serving file as a CRM-less landing would leave it (funnel marts empty, coverage saying
    so), plus an empty mart whose inputs had rows, a missing mart, and another base currency in the publish log."""
    copy = tmp_path_factory.mktemp("gutted") / "serving.duckdb"
    shutil.copy(serving, copy)
    c = duckdb.connect(str(copy))
    try:
        for mart in ("mart_funnel_stage", "mart_win_rate", "mart_receivables_aging"):
            c.execute(f"delete from marts.{mart}")
        c.execute(
            "update marts.mart_coverage set inputs_have_rows = false, missing_inputs = 'opportunities', "
            "coverage_status = 'no input: opportunities had no rows' "
            "where mart_name in ('mart_funnel_stage', 'mart_win_rate')"
        )
        c.execute("drop table marts.mart_sales_cycle")
        c.execute("update meta.publish_log set base_currency = 'USD'")
    finally:
        c.close()
    return copy


def _no_data_panels(html: str) -> dict[str, str]:
    found = re.findall(r'<div class="no-data" data-mart="([^"]+)">(.*?)</div>', html, flags=re.S)
    return dict(found)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_empty_marts_become_panels_naming_the_coverage_reason(gutted_serving: Path, tmp_path: Path, lang: str):
    html = build_report(gutted_serving, tmp_path / f"gutted_{lang}.html", lang).read_text(encoding="utf-8")
    panels = _no_data_panels(html)
    assert set(panels) == {"mart_funnel_stage", "mart_win_rate", "mart_receivables_aging", "mart_sales_cycle"}
    for mart in ("mart_funnel_stage", "mart_win_rate"):
        assert label("no_data", lang) in panels[mart]
        if lang == "en":
            assert "no input: opportunities had no rows" in panels[mart]
        else:
            assert label("no_input_reason", "zh", inputs="opportunities") in panels[mart]
    assert label("no_rows_reason", lang) in panels["mart_receivables_aging"]
    assert label("missing_table_reason", lang) in panels["mart_sales_cycle"]
    # The other charts still drew, and the currency came from the publish log.
    assert html.count('class="chart"') == len(SECTIONS) - 4
    assert 'id="meta-base_currency">USD<' in html and "(USD)" in html
