"""Opportunities (``opportunities.csv``) and their stage history (``opportunity_stage_history.csv``).

Deals walk ``1_qualified .. 4_negotiation`` then ``5_won`` (and ``6_collected`` once the linked order is
paid) or end ``lost`` at any stage; fewer reach each later stage; ~6% skip a stage, ~5% re-enter an
earlier one, ~6% stall (open and overdue at the window end). One history row per stage entry with
strictly increasing ``entered_at``. Deals with the 8C/1F/0W checklist win ~65%, the rest ~30%.

The funnel also decides what won deals imply elsewhere: the order that fulfils each won deal (stored
on the world by order month for ``orders.stream``), the activities behind every deal (for
``crm.activities``) and won deals per team and month (for the quotas). The leads that ~30% of deals
came from are drawn in ``crm.leads``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ingestion.contract import OPPORTUNITY_STATUSES
from sample_data.generator.calendar import (
    DAY_S,
    DAY_WEIGHT,
    END_DAY,
    END_TS,
    MONTH_END,
    MONTH_START,
    MONTH_WEIGHT,
    N_MONTHS,
    START_DAY,
    month_of_day,
    work_time,
)
from sample_data.generator.columns import date_series, id_series, optional_id_series, str_series, take, timestamp_series
from sample_data.generator.crm.leads import build_leads
from sample_data.generator.randomness import seeded_rng, split_total
from sample_data.generator.reference import CHANNELS, CURRENCIES, LOST_REASONS, STAGE_NAMES
from sample_data.generator.world import World

# Stage codes index STAGE_NAMES (the canonical stages of the stages seed: 0..5 in pipeline order, 6 lost).
_WON, _COLLECTED, _LOST = 4, 5, 6
# Status codes index the contract's OPPORTUNITY_STATUSES (open, won, lost).
_STATUS_WON, _STATUS_LOST = OPPORTUNITY_STATUSES.index("won"), OPPORTUNITY_STATUSES.index("lost")


@dataclass
class _Deals:
    """Per-opportunity arrays, in file order (by creation time)."""

    acc: np.ndarray
    created: np.ndarray
    day: np.ndarray
    rep: np.ndarray
    prod: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    currency: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    qty: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    disc: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the outcome of the stage walk
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 open 1 won 2 lost
    stage: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    closed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    last_ts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    order_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    collected_ts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # stage history rows: (opportunity, stage code, entered_at)
    history: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.acc)


def _created(w: World, n: int, rng: np.random.Generator) -> _Deals:
    """Creation times (business calendar) and accounts, sorted by creation time."""
    per_month = split_total(n, MONTH_WEIGHT)
    month = np.repeat(np.arange(N_MONTHS), per_month)
    day = np.empty(n, dtype=np.int64)
    for m in range(N_MONTHS):
        rows = month == m
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        p = DAY_WEIGHT[days - START_DAY]
        day[rows] = rng.choice(days, size=rows.sum(), p=p / p.sum())

    # Accounts: B2B customers (and ~10% partner accounts for channel deals); never prospects-only-later.
    b2b = (w.acc_type <= 1) & (w.acc_partner < 0)
    ptr_acc = w.acc_partner >= 0
    pw = np.where(b2b, np.sqrt(w.acc_weight), 0.0)
    acc = rng.choice(w.n_accounts, size=n, p=pw / pw.sum())
    on_ptr = rng.random(n) < 0.10
    ppw = np.where(ptr_acc, 1.0, 0.0)
    acc[on_ptr] = rng.choice(w.n_accounts, size=int(on_ptr.sum()), p=ppw / ppw.sum())
    created = day * DAY_S + work_time(rng, n)
    # An opportunity is never older than its account.
    min_created = w.acc_created[acc] + rng.integers(1, 20, n) * DAY_S
    created = np.minimum(np.maximum(created, min_created), END_TS - 3 * DAY_S - rng.integers(0, 5 * 3600, n))
    order = np.argsort(created, kind="stable")
    acc, created = acc[order], created[order]
    day = created // DAY_S
    return _Deals(acc=acc, created=created, day=day, rep=w.effective_rep(acc, day))


def _price(w: World, d: _Deals, rng: np.random.Generator) -> None:
    """Product, quantity and price in the deal currency."""
    n = d.n
    prod = np.empty(n, dtype=np.int64)
    pp = w.prod_pop.copy()
    for i in range(n):  # cheap: n is the opportunity count
        ptr = w.acc_partner[d.acc[i]]
        if ptr >= 0:
            prod[i] = w.ptr_carry[ptr, rng.integers(w.ptr_carry_n[ptr])]
            if w.prod_launch[prod[i]] > d.day[i]:
                prod[i] = w.ptr_carry[ptr, 0]
        else:
            ok = w.prod_launch <= d.day[i]
            p = np.where(ok, pp, 0)
            prod[i] = rng.choice(w.n_products, p=p / p.sum())
    d.prod, d.currency = prod, w.acc_currency[d.acc]
    big = w.acc_type[d.acc] == 0
    size = np.clip((2000 / w.prod_list_price[prod]) ** 0.35, 0.3, 4)
    d.qty = np.maximum(1, np.ceil(rng.lognormal(np.where(big, 2.6, 1.4), 0.8) * size)).astype(np.int64)
    d.unit = np.round(w.prod_list_price[prod] * rng.uniform(0.97, 1.03, n) / w.rate(d.currency, d.day), 2)
    d.disc = np.round(rng.uniform(0, 0.2, n), 2)


def _checklist(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(c, f, w, wins, lost_at): 8C/1F/0W (domain §2.3) deals win ~65%, others less, worse with more W."""
    good = rng.random(n) < 0.22
    c = np.where(good, rng.integers(8, 10, n), rng.integers(2, 9, n))
    wv = np.where(good, 0, 1 + np.floor(rng.random(n) * (9 - c)).astype(np.int64))
    f = 9 - c - wv
    p_win = np.where(good, 0.66, np.clip(0.46 - 0.05 * wv, 0.08, 0.5))
    wins = rng.random(n) < p_win
    lost_at = rng.choice(4, size=n, p=[0.30, 0.28, 0.22, 0.20])
    return c, f, wv, wins, lost_at


@dataclass(frozen=True)
class _WalkDraws:
    """Randomness for the per-opportunity stage walk, drawn up front for all deals."""

    skip: np.ndarray
    skip_which: np.ndarray
    reenter: np.ndarray
    stall: np.ndarray
    gaps: np.ndarray
    stall_at: np.ndarray
    order_delay: np.ndarray
    collect_delay: np.ndarray
    slow_payer: np.ndarray
    order_time: np.ndarray

    @staticmethod
    def draw(n: int, rng: np.random.Generator) -> _WalkDraws:
        return _WalkDraws(
            skip=rng.random(n) < 0.06,
            skip_which=rng.integers(1, 3, n),
            reenter=rng.random(n) < 0.05,
            stall=rng.random(n) < 0.06,
            gaps=rng.exponential(9.0, (n, 9)) * DAY_S + rng.integers(3600, 8 * 3600, (n, 9)),
            stall_at=rng.integers(0, 4, n),
            order_delay=rng.integers(0, 11, n),
            collect_delay=rng.integers(10, 100, n),
            slow_payer=rng.random(n) < 0.12,
            order_time=work_time(rng, n),
        )


def _path(i: int, won: bool, lost_at: int, r: _WalkDraws) -> list[int]:
    """The stage codes deal i enters, before the clock cuts it off."""
    path = [0, 1, 2, 3, _WON] if won else [*range(lost_at + 1), _LOST]
    core = [s for s in path if s < _WON]
    if r.skip[i] and len(core) >= 3 and r.skip_which[i] < core[-1]:
        path.remove(int(r.skip_which[i]))  # e.g. straight from qualified to proposal
    if r.reenter[i]:
        k = next((j for j, s in enumerate(path) if s >= 2 and s < _WON), None)
        if k is not None:
            path[k + 1 : k + 1] = [path[k] - 1, path[k]]  # back to the previous stage and again
    return path


def _walk_one(d: _Deals, i: int, path: list[int], r: _WalkDraws) -> None:
    """Timestamp deal i's stage entries up to the window end; a won deal's order and collection."""
    ts = int(d.created[i])
    kept: list[tuple[int, int]] = []
    for j, s in enumerate(path):
        if j > 0:
            gap = float(r.gaps[i, j % 9])
            if r.stall[i] and j == r.stall_at[i] + 1:
                gap *= 12  # a stalled deal: sits open long past its expected close date
            ts += int(gap)
        if ts > END_TS:
            break
        kept.append((s, ts))
    won_ts = -1
    if kept and kept[-1][0] == _WON:
        won_ts = kept[-1][1]
        od = won_ts // DAY_S + int(r.order_delay[i])
        if od <= END_DAY:
            d.order_day[i] = od
            col = (od * DAY_S + int(r.order_time[i])) + int(r.collect_delay[i]) * DAY_S
            if col <= END_TS and not r.slow_payer[i]:
                d.collected_ts[i] = max(col, won_ts + 3600)
                kept.append((_COLLECTED, int(d.collected_ts[i])))
    d.history.extend((i, s, t) for s, t in kept)
    last_stage, last_t = kept[-1]
    d.stage[i], d.last_ts[i] = last_stage, last_t
    if last_stage in (_WON, _COLLECTED):
        d.status[i], d.closed[i] = _STATUS_WON, won_ts
    elif last_stage == _LOST:
        d.status[i], d.closed[i] = _STATUS_LOST, last_t


def _walk(d: _Deals, wins: np.ndarray, lost_at: np.ndarray, rng: np.random.Generator) -> None:
    n = d.n
    r = _WalkDraws.draw(n, rng)
    d.status = np.zeros(n, dtype=np.int64)
    d.stage = np.zeros(n, dtype=np.int64)
    d.closed = np.full(n, -1, dtype=np.int64)
    d.last_ts = np.zeros(n, dtype=np.int64)
    d.order_day = np.full(n, -1, dtype=np.int64)
    d.collected_ts = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        _walk_one(d, i, _path(i, bool(wins[i]), int(lost_at[i]), r), r)


def _plan_won_deal_orders(w: World, d: _Deals, rng: np.random.Generator) -> None:
    """Orders that fulfil won deals (one line reproducing the deal amount), by order month."""
    linked = np.flatnonzero(d.order_day >= 0)
    odays = d.order_day[linked]
    terms = rng.choice([30, 60, 90], size=len(linked), p=[0.5, 0.3, 0.2])
    linked_months = month_of_day(odays)
    for m in range(N_MONTHS):
        sel = linked_months == m
        idx = linked[sel]
        w.opp_orders[m] = {
            "opp": idx,
            "acc": d.acc[idx],
            "rep": w.effective_rep(d.acc[idx], odays[sel]),
            "day": odays[sel],
            "product": d.prod[idx],
            "qty": d.qty[idx],
            "unit": d.unit[idx],
            "disc": d.disc[idx],
            "currency": d.currency[idx],
            "terms": terms[sel],
            "collected_ts": d.collected_ts[idx],
        }
    won_month = month_of_day(np.where(d.closed >= 0, d.closed, 0) // DAY_S)
    w.opp_won_team_month = np.zeros((len(w.team_region), N_MONTHS), dtype=np.int64)
    won = d.status == _STATUS_WON
    np.add.at(w.opp_won_team_month, (w.rep_team[d.rep[won]], won_month[won]), 1)


def _plan_deal_activities(w: World, d: _Deals, rng: np.random.Generator) -> None:
    """Activities behind each deal: 3-6 touches before a win (domain §2.4: 3-5 typical), fewer otherwise."""
    n, status = d.n, d.status
    touches = np.where(
        status == _STATUS_WON,
        rng.integers(3, 7, n),
        np.where(status == _STATUS_LOST, rng.integers(1, 5, n), rng.integers(1, 4, n)),
    )
    a_opp = np.repeat(np.arange(n), touches)
    lo = d.created[a_opp]
    hi = np.where(d.closed[a_opp] >= 0, d.closed[a_opp], np.minimum(END_TS, d.created[a_opp] + 120 * DAY_S))
    a_ts = lo + (rng.random(len(a_opp)) * (hi - lo)).astype(np.int64)
    a_day = a_ts // DAY_S
    a_ts = np.clip(a_day * DAY_S + work_time(rng, len(a_opp)), lo, hi)
    w.opp_act_ts, w.opp_act_opp = a_ts, a_opp
    w.opp_act_acc = d.acc[a_opp]
    w.opp_act_rep = w.effective_rep(d.acc[a_opp], a_ts // DAY_S)
    w.opp_act_type = rng.choice(6, size=len(a_opp), p=[0.25, 0.2, 0.18, 0.15, 0.12, 0.10])


def _opportunities_frame(
    w: World,
    d: _Deals,
    checklist: tuple[np.ndarray, ...],
    lead_of_opp: np.ndarray,
    expected_close: np.ndarray,
    lost_reason: np.ndarray,
) -> pl.DataFrame:
    c, f, wv = checklist[:3]
    n = d.n
    channel = w.acc_channel[d.acc]
    partner = w.acc_partner[d.acc]
    return pl.DataFrame(
        {
            "opportunity_id": id_series("OPP", np.arange(1, n + 1), 7),
            "account_id": id_series("ACC", d.acc + 1, 7),
            "lead_id": optional_id_series("LD", np.where(lead_of_opp >= 0, lead_of_opp + 1, -1), 7),
            "rep_id": id_series("REP", d.rep + 1, 4),
            "channel_id": take([c[0] for c in CHANNELS], channel),
            "partner_id": optional_id_series("PTR", np.where(partner >= 0, partner + 1, -1), 4),
            "product_id": id_series("PRD", d.prod + 1, 5),
            "created_at": timestamp_series(d.created),
            "stage": take(STAGE_NAMES, d.stage),
            "status": take(OPPORTUNITY_STATUSES, d.status),
            "amount": np.round(d.qty * d.unit * (1 - d.disc), 2),
            "currency": take(CURRENCIES, d.currency),
            "expected_close_date": date_series(expected_close),
            "closed_at": timestamp_series(d.closed, d.closed >= 0),
            "lost_reason": str_series(lost_reason),
            "checklist_c": c.astype(np.int64),
            "checklist_f": f.astype(np.int64),
            "checklist_w": wv.astype(np.int64),
            "updated_at": timestamp_series(d.last_ts),
        }
    )


def _history_frame(d: _Deals) -> pl.DataFrame:
    h = np.array(d.history, dtype=np.int64).reshape(-1, 3)
    return pl.DataFrame(
        {
            "opportunity_id": id_series("OPP", h[:, 0] + 1, 7),
            "stage": take(STAGE_NAMES, h[:, 1]),
            "entered_at": timestamp_series(h[:, 2]),
        }
    )


def build_funnel(w: World) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Leads, opportunities and their stage history; stores won-deal orders and deal activities on w."""
    rng = seeded_rng(w.seed, "opportunities")
    d = _created(w, w.sizes.opportunities, rng)
    _price(w, d, rng)
    checklist = _checklist(d.n, rng)
    _walk(d, wins=checklist[3], lost_at=checklist[4], rng=rng)
    _plan_won_deal_orders(w, d, rng)
    _plan_deal_activities(w, d, rng)
    expected_close = d.day + rng.integers(30, 150, d.n)
    lost_reason = np.where(
        d.status == _STATUS_LOST, np.array(LOST_REASONS, dtype=object)[rng.integers(0, 6, d.n)], None
    )
    # ~30% of deals were converted leads (the leads have a stream of their own).
    from_lead = rng.random(d.n) < 0.30
    leads, lead_of_opp = build_leads(w, d.acc, d.rep, d.created, from_lead)
    opportunities = _opportunities_frame(w, d, checklist, lead_of_opp, expected_close, lost_reason)
    return leads, opportunities, _history_frame(d)
