"""A naive pandas peer: ``pandas.read_csv`` of every landing file and a handful of marts in plain pandas.

A peer for scale, not the product: no contract rules, no quarantine, no history, no tests, and simpler
definitions than the dbt marts (revenue = net line amount × the order-date FX rate of orders that are not
cancelled or returned; receivables = that revenue − converted payments; RFM quintiles over 12 months;
monthly rep revenue quota attainment).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from ingestion.contract import CONTRACT
from ingestion.landing import discover_landing_files

PEER_INCLUDES = (
    "pandas.read_csv of every landing file + pandas code for 4 marts (revenue by month x channel, RFM "
    "quintiles, receivables aging, rep quota attainment); no checks, simplified definitions"
)


def read_landing(landing: Path) -> dict[str, pd.DataFrame]:
    """Every landing file, pandas' default type inference, files of one table concatenated."""
    frames: dict[str, pd.DataFrame] = {}
    for cf in CONTRACT:
        parts = [pd.read_csv(lf.path, low_memory=False) for lf in discover_landing_files(landing, cf)]
        frames[cf.name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cf.column_names)
    return frames


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce")


def _date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce", format="mixed").dt.normalize()


def build_marts(t: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The peer's marts and its check figure (net order-line amount in order currency)."""
    orders = t["orders"].dropna(subset=["order_id"]).drop_duplicates("order_id", keep="last").copy()
    orders["order_date"] = _date(orders["order_date"])
    orders["due_date"] = _date(orders["due_date"])
    lines = t["order_lines"].drop_duplicates(["order_id", "line_number"], keep="last").copy()
    lines["net"] = _num(lines["quantity"]) * _num(lines["unit_price"]) * (1 - _num(lines["discount_pct"]).fillna(0))
    fx = t["fx_rates"].copy()
    fx["rate_date"] = _date(fx["rate_date"])
    fx["rate_to_base"] = _num(fx["rate_to_base"])
    fx = fx.drop_duplicates(["currency", "rate_date"], keep="last")

    joined = lines.merge(orders, on="order_id", how="inner")
    check_net = float(joined["net"].sum())
    joined = joined.merge(fx, left_on=["currency", "order_date"], right_on=["currency", "rate_date"], how="left")
    joined["revenue_base"] = joined["net"] * joined["rate_to_base"]
    booked = joined[~joined["status"].isin(["cancelled", "returned"])]
    as_of = orders["order_date"].max()

    revenue = (
        booked.assign(month=booked["order_date"].dt.to_period("M"))
        .groupby(["month", "channel_id"], dropna=False)["revenue_base"]
        .sum()
        .reset_index()
    )

    recent = booked[booked["order_date"] > as_of - pd.DateOffset(months=12)]
    rfm = recent.groupby("account_id").agg(
        last_order=("order_date", "max"), frequency=("order_id", "nunique"), monetary=("revenue_base", "sum")
    )
    rfm["recency_days"] = (as_of - rfm["last_order"]).dt.days
    for col, name, ascending in (("recency_days", "r", False), ("frequency", "f", True), ("monetary", "m", True)):
        ranks = rfm[col].rank(method="first", ascending=ascending)
        rfm[name] = pd.qcut(ranks, 5, labels=False) + 1 if len(rfm) >= 5 else 3

    billed = booked.groupby("order_id")["revenue_base"].sum()
    pay = t["payments"].drop_duplicates("payment_id", keep="last").copy()
    pay["paid_date"] = _date(pay["paid_at"])
    pay["amount"] = _num(pay["amount"])
    pay = pay.merge(fx, left_on=["currency", "paid_date"], right_on=["currency", "rate_date"], how="left")
    paid = (pay["amount"] * pay["rate_to_base"]).groupby(pay["order_id"]).sum()
    recv = orders.set_index("order_id")[["due_date"]].join(billed.rename("billed"), how="inner")
    recv["open"] = recv["billed"] - paid.reindex(recv.index).fillna(0)
    recv = recv[recv["open"] > 0.01]
    past_due = (as_of - recv["due_date"]).dt.days
    edges = [-(10**9), 0, 30, 60, 90, 10**9]
    recv["bucket"] = pd.cut(past_due, edges, labels=["current", "1-30", "31-60", "61-90", "90+"])
    aging = recv.groupby("bucket", observed=False)["open"].sum()

    quotas = t["quotas"]
    quotas = quotas[(quotas["level"] == "rep") & (quotas["metric"] == "revenue") & (quotas["period_grain"] == "month")]
    quotas = quotas.assign(month=_date(quotas["period_start"]).dt.to_period("M"), target=_num(quotas["target_value"]))
    actual = (
        booked.assign(month=booked["order_date"].dt.to_period("M"))
        .groupby(["rep_id", "month"])["revenue_base"]
        .sum()
        .rename("actual")
        .reset_index()
    )
    attainment = quotas.merge(actual, left_on=["owner_id", "month"], right_on=["rep_id", "month"], how="left")
    attainment["attainment"] = attainment["actual"].fillna(0) / attainment["target"]

    return {
        "marts": {
            "revenue_by_month_channel": revenue,
            "rfm": rfm,
            "receivables_aging": aging,
            "quota_attainment": attainment,
        },
        "check_figures": {"order_lines_net_amount": check_net},
    }


def run_peer(landing: Path) -> dict[str, Any]:
    """The measured peer: read every file, build the marts."""
    started = time.perf_counter()
    tables = read_landing(landing)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    out = build_marts(tables)
    return {
        "input_rows": sum(len(df) for df in tables.values()),
        "timings": {"pandas.read_csv": read_s, "pandas marts": time.perf_counter() - started},
        "mart_tables": len(out["marts"]),
        "check_figures": out["check_figures"],
    }
