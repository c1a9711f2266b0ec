"""The sample-data generator, checked from the CSVs it writes (read back with polars / csv).

Nothing here calls the generator's own helpers: the contract (``ingestion.contract``) says what the
files must look like and ``_bad_rows.csv`` / ``_generation.json`` are the generator's claims, which
these tests verify against the data.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest

from ingestion.contract import CONTRACT, CONTRACT_BY_NAME, ColumnType, OrphanPolicy
from sample_data.generator import generate_landing

SCALE = 0.1
SEED = 42
WINDOW_END = "2025-12-31"
# Planned (not happened) dates: an invoice due date, an expected close date, a contract end.
FORWARD_LOOKING = {("orders", "due_date"), ("opportunities", "expected_close_date"), ("partners", "contract_end")}
KINDS = {"duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date", "negative_price"}
WON_STAGES = {"5_won", "6_collected"}
OPEN_STAGES = {"1_qualified", "2_discovery", "3_proposal", "4_negotiation"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "landing"
    generate_landing(root, scale=SCALE, seed=SEED)
    return root


@pytest.fixture(scope="module")
def bad(landing: Path) -> pl.DataFrame:
    return pl.read_csv(landing / "_bad_rows.csv", infer_schema=False).with_columns(pl.col("row_number").cast(pl.Int64))


def _read(landing: Path, name: str) -> pl.DataFrame:
    cf = CONTRACT_BY_NAME[name]
    return (
        pl.read_csv(landing / cf.relative_path, infer_schema=False)
        .with_row_index("_row", offset=1)
        .with_columns(pl.col("_row").cast(pl.Int64))
    )


def _good(landing: Path, bad: pl.DataFrame, name: str) -> pl.DataFrame:
    rows = bad.filter(pl.col("file") == CONTRACT_BY_NAME[name].relative_path)["row_number"]
    return _read(landing, name).filter(~pl.col("_row").is_in(rows.implode()))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_is_byte_identical_and_another_seed_differs(landing: Path, tmp_path: Path):
    again = tmp_path / "again"
    generate_landing(again, scale=SCALE, seed=SEED)
    first, second = _files(landing), _files(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []

    other = tmp_path / "other"
    generate_landing(other, scale=SCALE, seed=SEED + 1)
    third = _files(other)
    assert third["orders/orders.csv"] != first["orders/orders.csv"]
    assert third["crm/opportunities.csv"] != first["crm/opportunities.csv"]


def test_every_contract_file_has_the_contract_header(landing: Path):
    for cf in CONTRACT:
        path = landing / cf.relative_path
        assert path.is_file(), cf.relative_path
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == cf.column_names, cf.relative_path
        assert _read(landing, cf.name).height > 0, cf.relative_path


def test_manifest_row_counts_match_the_files(landing: Path, bad: pl.DataFrame):
    manifest = json.loads((landing / "_generation.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED and manifest["scale"] == SCALE
    for cf in CONTRACT:
        assert manifest["row_counts"][cf.relative_path] == _read(landing, cf.name).height, cf.relative_path
    assert sum(manifest["bad_rows"].values()) == bad.height


def test_required_columns_are_filled_except_in_listed_bad_rows(landing: Path, bad: pl.DataFrame):
    for cf in CONTRACT:
        good = _good(landing, bad, cf.name)
        for column in cf.required_columns:
            blank = good.filter(pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""))
            assert blank.height == 0, (cf.relative_path, column, blank["_row"].head(5).to_list())


def test_primary_keys_are_unique_except_listed_duplicates(landing: Path, bad: pl.DataFrame):
    for cf in CONTRACT:
        if not cf.primary_key:
            continue
        good = _good(landing, bad, cf.name)
        pk = list(cf.primary_key)
        dupes = good.group_by(pk).len().filter(pl.col("len") > 1)
        assert dupes.height == 0, (cf.relative_path, dupes.head(3).to_dicts())


def test_each_listed_bad_row_is_bad_in_the_way_it_says(landing: Path, bad: pl.DataFrame):
    assert set(bad["kind"].unique()) == KINDS
    assert bad.select("file", "row_number").is_duplicated().sum() == 0
    data_columns = {}
    for row in bad.iter_rows(named=True):
        name = Path(row["file"]).stem
        cf = CONTRACT_BY_NAME[name]
        if name not in data_columns:
            data_columns[name] = _read(landing, name)
        df = data_columns[name]
        record = df.filter(pl.col("_row") == row["row_number"]).row(0, named=True)
        kind, column = row["kind"], row["column"]
        if kind == "duplicate_row":
            values = {c: record[c] for c in cf.column_names}
            earlier = df.filter(pl.col("_row") < row["row_number"])
            same = earlier.filter(
                pl.all_horizontal([pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in values.items()])
            )
            assert same.height >= 1, row
        elif kind == "missing_required":
            assert column in cf.required_columns and record[column] is None, row
        elif kind == "orphan_foreign_key":
            fk = cf.column(column).references
            assert fk is not None and fk.on_orphan == OrphanPolicy.REJECT and cf.column(column).required, row
            parent = _read(landing, fk.table)
            assert record[column] not in set(parent[fk.column].to_list()), row
        elif kind == "invalid_date":
            col = cf.column(column)
            assert col.required and col.type in (ColumnType.DATE, ColumnType.TIMESTAMP), row
            fmt = "%Y-%m-%d" if col.type == ColumnType.DATE else "%Y-%m-%d %H:%M:%S"
            parsed = pl.Series([record[column]]).str.strptime(pl.Datetime, fmt, strict=False)
            assert parsed.null_count() == 1, row
        elif kind == "negative_price":
            assert column == "unit_price" and float(record[column]) < 0, row


def test_bad_rows_are_a_small_fraction_and_every_kind_appears(landing: Path, bad: pl.DataFrame):
    per_file = bad.group_by("file").len()
    for row in per_file.iter_rows(named=True):
        total = _read(landing, Path(row["file"]).stem).height
        # ~0.3%, plus one guaranteed row of each kind per file (a few percent on tiny files).
        assert row["len"] <= max(8, 0.02 * total), row
    expected_files = {
        "accounts",
        "opportunities",
        "orders",
        "order_lines",
        "payments",
        "activities",
        "partner_sell_out",
    }
    assert {Path(f).stem for f in per_file["file"]} == expected_files
    assert set(bad["kind"]) == KINDS


def test_good_rows_only_reference_good_parents(landing: Path, bad: pl.DataFrame):
    """Rejecting references must resolve among good rows: no good row needs an injected bad row."""
    for cf in CONTRACT:
        good = _good(landing, bad, cf.name)
        for column, fk in cf.foreign_keys:
            parent_keys = _good(landing, bad, fk.table)[fk.column].drop_nulls().unique()
            values = good[column].drop_nulls()
            missing = values.filter(~values.is_in(parent_keys.implode()))
            if fk.on_orphan == OrphanPolicy.REJECT:
                assert missing.len() == 0, (cf.relative_path, column, missing.head(3).to_list())
            else:  # optional references are kept anyway; the generator still keeps them valid
                assert missing.len() == 0, (cf.relative_path, column, missing.head(3).to_list())


def test_good_rows_pass_value_rules(landing: Path, bad: pl.DataFrame):
    for cf in CONTRACT:
        good = _good(landing, bad, cf.name)
        for col in cf.columns:
            values = good[col.name].drop_nulls()
            if col.accepted_values is not None:
                assert values.is_in(list(col.accepted_values)).all(), (cf.relative_path, col.name)
            if col.type in (ColumnType.INTEGER, ColumnType.DECIMAL):
                numbers = values.cast(pl.Float64, strict=False)
                assert numbers.null_count() == 0, (cf.relative_path, col.name)
                if col.min_value is not None:
                    assert (numbers >= col.min_value).all(), (cf.relative_path, col.name)
                if col.max_value is not None:
                    assert (numbers <= col.max_value).all(), (cf.relative_path, col.name)
            if col.type == ColumnType.BOOLEAN:
                assert values.is_in(["true", "false"]).all(), (cf.relative_path, col.name)


def test_no_good_date_after_the_window_end(landing: Path, bad: pl.DataFrame):
    for cf in CONTRACT:
        good = _good(landing, bad, cf.name)
        for col in cf.columns:
            if col.type not in (ColumnType.DATE, ColumnType.TIMESTAMP):
                continue
            fmt = "%Y-%m-%d" if col.type == ColumnType.DATE else "%Y-%m-%d %H:%M:%S"
            values = good[col.name].drop_nulls()
            parsed = values.str.strptime(pl.Datetime, fmt, strict=False)
            assert parsed.null_count() == 0, (cf.relative_path, col.name)
            if (cf.name, col.name) in FORWARD_LOOKING:
                continue
            late = values.filter(values.str.slice(0, 10) > WINDOW_END)
            assert late.len() == 0, (cf.relative_path, col.name, late.head(3).to_list())


def test_stage_history_is_consistent_with_opportunities(landing: Path, bad: pl.DataFrame):
    opps = _good(landing, bad, "opportunities")
    history = _good(landing, bad, "opportunity_stage_history").sort("opportunity_id", "entered_at")
    assert history.select("opportunity_id", "entered_at").is_duplicated().sum() == 0
    per_opp = history.group_by("opportunity_id", maintain_order=True).agg(
        first_stage=pl.col("stage").first(),
        first_at=pl.col("entered_at").first(),
        last_stage=pl.col("stage").last(),
        last_at=pl.col("entered_at").last(),
        stages=pl.col("stage"),
    )
    joined = opps.join(per_opp, on="opportunity_id", how="left")
    assert joined["first_stage"].null_count() == 0, "opportunity without stage history"
    assert (joined["first_stage"] == "1_qualified").all()
    assert (joined["first_at"] == joined["created_at"]).all()
    assert (joined["last_stage"] == joined["stage"]).all()
    won = joined.filter(pl.col("status") == "won")
    lost = joined.filter(pl.col("status") == "lost")
    open_ = joined.filter(pl.col("status") == "open")
    assert won.height and lost.height and open_.height
    assert won["last_stage"].is_in(list(WON_STAGES)).all()
    assert won["closed_at"].null_count() == 0
    # closed_at is when the deal was won, which precedes the 6_collected entry
    won_at = history.filter(pl.col("stage") == "5_won").group_by("opportunity_id").agg(pl.col("entered_at").max())
    assert (won.join(won_at, on="opportunity_id")["entered_at"] == won["closed_at"]).all()
    assert (lost["stage"] == "lost").all() and (lost["closed_at"] == lost["last_at"]).all()
    assert lost["lost_reason"].null_count() == 0
    assert open_["stage"].is_in(list(OPEN_STAGES)).all() and open_["closed_at"].null_count() == open_.height
    assert open_["expected_close_date"].null_count() == 0
    assert (open_["expected_close_date"] < WINDOW_END).any(), "some open deals should be overdue"
    # Fewer deals reach each later stage (the funnel narrows).
    reached = history.group_by("stage").agg(pl.col("opportunity_id").n_unique()).sort("stage")
    counts = dict(zip(reached["stage"], reached["opportunity_id"], strict=True))
    chain = ["1_qualified", "2_discovery", "3_proposal", "4_negotiation", "5_won", "6_collected"]
    assert all(counts[a] > counts[b] for a, b in zip(chain, chain[1:], strict=False)), counts
    checklist = opps.select(pl.col("checklist_c", "checklist_f", "checklist_w").cast(pl.Int64))
    assert (checklist.sum_horizontal() == 9).all()


def test_quotas_decompose_except_documented_mismatches(landing: Path, bad: pl.DataFrame):
    manifest = json.loads((landing / "_generation.json").read_text(encoding="utf-8"))
    documented = {
        (m["period_start"], m["period_grain"], m["level"], m["owner_id"] or None, m["metric"])
        for m in manifest["quota_mismatches"]
    }
    assert documented, "the generator documents its deliberate mismatches"
    quotas = _good(landing, bad, "quotas").with_columns(pl.col("target_value").cast(pl.Float64))
    teams = _read(landing, "teams")
    reps = _read(landing, "sales_reps").select("rep_id", "team_id")
    parents = dict(zip(teams["team_id"], teams["parent_team_id"], strict=True))
    leaf = {t for t, p in parents.items() if p is not None}
    regions = {t for t, p in parents.items() if p is None}

    def value(period, grain, level, owner, metric) -> float | None:
        hit = quotas.filter(
            (pl.col("period_start") == period)
            & (pl.col("period_grain") == grain)
            & (pl.col("level") == level)
            & (pl.col("owner_id").is_null() if owner is None else pl.col("owner_id") == owner)
            & (pl.col("metric") == metric)
        )
        return None if hit.height == 0 else hit["target_value"][0]

    rep_month = (
        quotas.filter((pl.col("level") == "rep") & (pl.col("period_grain") == "month"))
        .join(reps, left_on="owner_id", right_on="rep_id")
        .group_by("period_start", "metric", "team_id")
        .agg(pl.col("target_value").sum())
    )
    checked = mismatched = 0
    for metric in ("revenue", "collections"):
        months = quotas.filter(
            (pl.col("level") == "company") & (pl.col("period_grain") == "month") & (pl.col("metric") == metric)
        )["period_start"].to_list()
        assert len(months) == 24
        for period in months:
            company = value(period, "month", "company", None, metric)
            region_sum = sum(value(period, "month", "team", r, metric) for r in regions)
            key = (period, "month", "company", None, metric)
            ok = abs(company - region_sum) < 0.01
            assert ok != (key in documented), key
            mismatched += not ok
            for r in regions:
                children = sum(value(period, "month", "team", t, metric) for t in leaf if parents[t] == r)
                assert abs(value(period, "month", "team", r, metric) - children) < 0.01
            for t in leaf:
                got = rep_month.filter(
                    (pl.col("period_start") == period) & (pl.col("metric") == metric) & (pl.col("team_id") == t)
                )["target_value"].sum()
                key = (period, "month", "team", t, metric)
                ok = abs(value(period, "month", "team", t, metric) - got) < 0.01
                assert ok != (key in documented), key
                mismatched += not ok
                checked += 1
        # Quarter and year rows are the sum of their months, for the company and every team.
        for level, owner in [("company", None)] + [("team", t) for t in sorted(leaf | regions)]:
            for grain, size in (("quarter", 3), ("year", 12)):
                for i, start in enumerate(months[::size]):
                    total = sum(value(p, "month", level, owner, metric) for p in months[i * size : (i + 1) * size])
                    assert abs(value(start, grain, level, owner, metric) - total) < 0.01, (level, owner, start)
    assert checked > 0 and mismatched == len(documented)
    assert {"partner", "rep", "team", "company"} <= set(quotas["level"])
    assert {"new_customers", "won_deals"} <= set(quotas.filter(pl.col("level") == "team")["metric"])


def test_money_and_status_invariants(landing: Path, bad: pl.DataFrame):
    orders = _good(landing, bad, "orders")
    lines = _good(landing, bad, "order_lines").with_columns(
        net=pl.col("quantity").cast(pl.Float64)
        * pl.col("unit_price").cast(pl.Float64)
        * (1 - pl.col("discount_pct").cast(pl.Float64))
    )
    payments = _good(landing, bad, "payments").with_columns(pl.col("amount").cast(pl.Float64))
    totals = lines.group_by("order_id").agg(pl.col("net").sum().alias("total"))
    paid = payments.group_by("order_id").agg(pl.col("amount").sum().alias("paid"), pl.col("currency").unique())
    both = orders.join(totals, on="order_id", how="left").join(paid, on="order_id", how="left")
    assert both["total"].null_count() == 0, "every order has lines"
    assert (
        both.filter(pl.col("status") == "cancelled")["paid"].null_count()
        == both.filter(pl.col("status") == "cancelled").height
    )
    assert (
        (both.filter(pl.col("paid").is_not_null()).select(pl.col("paid") <= pl.col("total") + 0.01)).to_series().all()
    )
    assert both.filter(pl.col("paid").is_not_null()).select(pl.col("currency_right").list.len() == 1).to_series().all()
    assert set(orders["status"]) >= {"delivered", "cancelled", "returned"}
    returned = orders.filter(pl.col("status") == "returned")["order_id"]
    neg = lines.filter(pl.col("quantity").cast(pl.Int64) < 0)["order_id"]
    assert returned.is_in(neg.implode()).all()
    assert (orders["currency"] != "CNY").mean() > 0.05
    inventory = _good(landing, bad, "partner_inventory")
    assert (inventory["on_hand_qty"].cast(pl.Int64) >= 0).all()
    sell_out = _good(landing, bad, "partner_sell_out")
    assert sell_out["serial_no"].n_unique() == sell_out.height


def test_order_lines_target_is_streamed_to_about_the_requested_count(tmp_path: Path):
    target = 200_000
    report = generate_landing(tmp_path / "big", scale=SCALE, seed=SEED, order_lines=target)
    path = tmp_path / "big" / "orders" / "order_lines.csv"
    with path.open(encoding="utf-8") as fh:
        rows = sum(1 for _ in fh) - 1
    assert abs(rows - target) / target < 0.05, rows
    assert report.row_counts["order_lines"] == rows
    # Other tables keep following scale.
    with (tmp_path / "big" / "crm" / "accounts.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) - 1 < 1_000
