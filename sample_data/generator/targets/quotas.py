"""Quotas (``quotas.csv``): revenue and collections plans per rep, team and company, plus activity and
partner targets.

Monthly revenue / collections quotas per rep, leaf team, region team and company, with quarter and year
rows for the company and teams. Plans follow last year's actuals (ambitious but reachable, domain
§5.2): rep quotas sum to their team's, leaf teams to their region team, region teams to the company,
except the two documented ``QUOTA_MISMATCHES`` (the tests skip exactly those, read from
``_generation.json``). Leaf teams also get monthly new_customers / won_deals quotas (§5.3) and partners
a quarterly sell-in revenue target (§4.2).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample_data.generator.calendar import MONTH_END, MONTH_START, N_MONTHS, day_number, month_of_day
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.world import World

# Deliberate breaks of the quota decomposition; the tests skip exactly these (read from _generation.json).
QUOTA_MISMATCHES: tuple[dict[str, str], ...] = (
    {
        "period_start": "2025-06-01",
        "period_grain": "month",
        "level": "team",
        "owner_id": "T003",
        "metric": "revenue",
        "reason": "manager stretch: team quota is 5% above the sum of its reps' quotas",
    },
    {
        "period_start": "2024-11-01",
        "period_grain": "month",
        "level": "company",
        "owner_id": "",
        "metric": "revenue",
        "reason": "top-down stretch: company quota is 3% above the sum of the region teams' quotas",
    },
)


def _round_to(values: np.ndarray, unit: int) -> np.ndarray:
    return (np.round(values / unit) * unit).astype(np.int64)


def _allocate(total: int, weights: np.ndarray, unit: int) -> np.ndarray:
    """Split an integer total in multiples of unit; the largest share absorbs the rounding."""
    if weights.sum() <= 0:
        weights = np.ones_like(weights, dtype=float)
    parts = _round_to(total * weights / weights.sum(), unit)
    parts[int(np.argmax(weights))] += total - parts.sum()
    return parts


# (period_start day, period_grain, level, owner_id, metric, target_value)
_Row = tuple[int, str, str, str | None, str, float]
_MONTH_STARTS = MONTH_START[:-1]


def _team_id(t: int) -> str:
    return f"T{t + 1:03d}"


def _employed_months(w: World) -> np.ndarray:
    """[rep, month]: employed for at least a day of the month."""
    return (w.rep_hire[:, None] <= MONTH_END[None, :]) & (w.rep_term[:, None] >= _MONTH_STARTS[None, :])


def _rep_revenue(w: World, carriers: np.ndarray, employed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[rep, month] revenue quotas: company plan from actuals, split to leaf teams, then to their reps."""
    n_teams = len(w.team_region)
    leaf = w.leaf_teams
    # Actuals by team and month drive plans that are ambitious but reachable (domain §5.2 "够一够").
    team_actual = np.zeros((n_teams, N_MONTHS))
    np.add.at(team_actual, w.rep_team[np.arange(w.n_reps)], w.rev_rep_month)
    company_actual = team_actual[leaf].sum(axis=0)
    fallback = max(1.0, float(company_actual.mean()))
    company = _round_to(np.maximum(company_actual, 0.3 * fallback) * rng.uniform(0.95, 1.15, N_MONTHS), 10_000)

    rep_rev = np.zeros((w.n_reps, N_MONTHS), dtype=np.int64)
    for m in range(N_MONTHS):
        year = slice(12 * (m // 12), 12 * (m // 12) + 12)
        share = np.maximum(team_actual[leaf, year].sum(axis=1), 1.0) * rng.uniform(0.9, 1.1, len(leaf))
        team_q = _allocate(int(company[m]), share, 1000)
        for t, tq in zip(leaf, team_q, strict=True):
            members = carriers[(w.rep_team[carriers] == t) & employed[carriers, m]]
            base = np.maximum(w.rev_rep_month[members, year].sum(axis=1), 0)
            base = base + 0.25 * base.mean() + 1.0
            base = base * np.where(w.rep_role[members] == 1, 0.5, 1.0) * rng.uniform(0.85, 1.15, len(members))
            rep_rev[members, m] = _allocate(int(tq), base, 100)
    return rep_rev


def _add_series(
    rows: list[_Row], level: str, owner: str | None, metric: str, monthly: np.ndarray, with_periods: bool
) -> None:
    """Monthly rows, and quarter / year rows that are the sums of their months if with_periods."""
    for m in range(N_MONTHS):
        rows.append((int(_MONTH_STARTS[m]), "month", level, owner, metric, float(monthly[m])))
    if with_periods:
        for q in range(N_MONTHS // 3):
            rows.append(
                (int(_MONTH_STARTS[3 * q]), "quarter", level, owner, metric, float(monthly[3 * q : 3 * q + 3].sum()))
            )
        for y in range(N_MONTHS // 12):
            rows.append(
                (int(_MONTH_STARTS[12 * y]), "year", level, owner, metric, float(monthly[12 * y : 12 * y + 12].sum()))
            )


def _mismatch_month(mm: dict[str, str]) -> int:
    return int(month_of_day(np.array([day_number(date.fromisoformat(mm["period_start"]))]))[0])


def _add_hierarchy(
    rows: list[_Row],
    w: World,
    metric: str,
    rep_q: np.ndarray,
    carriers: np.ndarray,
    employed: np.ndarray,
    mismatches: list[dict[str, str]],
) -> None:
    """One metric's quotas bottom-up: reps, leaf teams, region teams, company (plus the stretches)."""
    leaf = w.leaf_teams
    leaf_q = {int(t): rep_q[carriers[w.rep_team[carriers] == t]].sum(axis=0) for t in leaf}
    for mm in mismatches:
        if mm["metric"] == metric and mm["level"] == "team":
            t = int(mm["owner_id"][1:]) - 1
            if t in leaf_q:
                m = _mismatch_month(mm)
                leaf_q[t] = leaf_q[t].copy()
                leaf_q[t][m] = int(round(leaf_q[t][m] * 1.05, -3))
    region_q = {r: sum(leaf_q[int(t)] for t in leaf if w.team_parent[t] == r) for r in (0, 1)}
    company_q = region_q[0] + region_q[1]
    for mm in mismatches:
        if mm["metric"] == metric and mm["level"] == "company":
            m = _mismatch_month(mm)
            company_q = company_q.copy()
            company_q[m] = int(round(company_q[m] * 1.03, -3))
    _add_series(rows, "company", None, metric, company_q, True)
    for r in (0, 1):
        _add_series(rows, "team", _team_id(r), metric, region_q[r], True)
    for t in leaf:
        _add_series(rows, "team", _team_id(int(t)), metric, leaf_q[int(t)], True)
    for r in carriers:
        months = np.flatnonzero(employed[r])
        for m in months:
            rows.append((int(_MONTH_STARTS[m]), "month", "rep", f"REP{r + 1:04d}", metric, float(rep_q[r, m])))


def _add_activity_quotas(rows: list[_Row], w: World, rng: np.random.Generator) -> None:
    """Team-level activity quotas: new customers and won deals (domain §5.3)."""
    new_cust = np.zeros((len(w.team_region), N_MONTHS), dtype=np.int64)
    first = w.first_order_month
    had = (first < N_MONTHS) & (w.acc_start > 0)
    np.add.at(new_cust, (w.acc_team[had], first[had]), 1)
    for t in w.leaf_teams:
        nc = np.maximum(1, np.ceil(new_cust[t] * rng.uniform(0.9, 1.3, N_MONTHS)))
        wd = np.maximum(1, np.ceil(w.opp_won_team_month[t] * rng.uniform(0.9, 1.3, N_MONTHS)))
        for m in range(N_MONTHS):
            rows.append((int(_MONTH_STARTS[m]), "month", "team", _team_id(int(t)), "new_customers", float(nc[m])))
            rows.append((int(_MONTH_STARTS[m]), "month", "team", _team_id(int(t)), "won_deals", float(wd[m])))


def _add_partner_quotas(rows: list[_Row], w: World, rng: np.random.Generator) -> None:
    """Partner agreements carry a quarterly sell-in target (domain §4.2 合作协议 销售目标)."""
    tier_base = np.array([400_000, 250_000, 120_000, 60_000], dtype=float)
    for p in range(w.n_partners):
        for q in range(N_MONTHS // 3):
            if w.ptr_start_month[p] > 3 * q + 2:
                continue
            actual = w.rev_partner_quarter[p, q]
            base = actual if actual > 0 else tier_base[w.ptr_tier[p]]
            target = int(round(base * rng.uniform(0.9, 1.25), -3))
            rows.append(
                (
                    int(_MONTH_STARTS[3 * q]),
                    "quarter",
                    "partner",
                    f"PTR{p + 1:04d}",
                    "revenue",
                    float(max(target, 1000)),
                )
            )


def build_quotas(w: World) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    """The quotas table and the mismatches it contains on purpose."""
    rng = seeded_rng(w.seed, "quotas")
    carriers = np.flatnonzero(w.rep_role <= 1)
    employed = _employed_months(w)
    rep_rev = _rep_revenue(w, carriers, employed, rng)
    rep_coll = _round_to(rep_rev * 0.92, 100)
    rows: list[_Row] = []
    mismatches = [dict(x) for x in QUOTA_MISMATCHES]
    for metric, rep_q in (("revenue", rep_rev), ("collections", rep_coll)):
        _add_hierarchy(rows, w, metric, rep_q, carriers, employed, mismatches)
    _add_activity_quotas(rows, w, rng)
    _add_partner_quotas(rows, w, rng)
    df = pl.DataFrame(
        rows,
        schema={
            "period_start": pl.Int64,
            "period_grain": pl.String,
            "level": pl.String,
            "owner_id": pl.String,
            "metric": pl.String,
            "target_value": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("period_start").cast(pl.Date))
    return df, mismatches
