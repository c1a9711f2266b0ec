"""Order headers (``orders.csv``) for one chunk of a month: who buys, when, through which channel, status.

A chunk holds the month's regular orders (accounts drawn by spend weight, days by the business
calendar) and, in the month's first chunk, the orders that fulfil won deals; they are merged in order
time. The status machine (domain §1.8) then applies the cancelled / returned shares and what the
clock allows by the window end.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl

from ingestion.contract import ORDER_STATUSES
from sample_data.generator.calendar import DAY_S, DAY_WEIGHT, END_TS, MONTH_END, MONTH_START, START_DAY, work_time
from sample_data.generator.columns import date_series, id_series, optional_id_series, take, timestamp_series
from sample_data.generator.reference import (
    CH_DOUYIN,
    CH_JD,
    CH_KEY,
    CH_SITE,
    CH_TMALL,
    CH_XB,
    CHANNEL_TYPE_OF,
    CHANNELS,
    CURRENCIES,
)
from sample_data.generator.world import World

LINES_P = np.array([0.22, 0.27, 0.24, 0.16, 0.11])  # P(an order has 1..5 lines)
LINES_MEAN = float((np.arange(1, 6) * LINES_P).sum())
RETURN_RATE = 0.02
_CANCEL_RATE = 0.03
_ORDER_MIX = (0.12, 0.15, 0.73)  # partner sell-in, foreign currency, domestic direct / e-commerce

# Status codes: indexes into the contract's ORDER_STATUSES ("placed" is 0).
_APPROVED, _SHIPPED, _DELIVERED, CANCELLED, RETURNED = (
    ORDER_STATUSES.index(s) for s in ("approved", "shipped", "delivered", "cancelled", "returned")
)


def month_account_p(w: World, m: int) -> np.ndarray:
    """P(an order of month m is placed by each account)."""
    active = (w.acc_start <= m) & (m <= w.acc_end)
    weight = w.acc_weight * active
    # Fixed monthly mix, however heavy-tailed the few partner / foreign accounts are: ~12% of orders
    # are partner sell-in, ~15% are in USD/EUR/HKD, the rest domestic direct and e-commerce.
    group = np.where(w.acc_partner >= 0, 0, np.where(w.acc_currency > 0, 1, 2))
    totals = np.bincount(group, weights=weight, minlength=3)
    share = np.where(totals > 0, np.array(_ORDER_MIX), 0.0)
    weight = weight * (share / share.sum() / np.where(totals > 0, totals, 1.0))[group]
    if m % 3 == 2:  # quarter-end push: stuffing partners buy far more than their run-rate
        stuffer_acc = (w.acc_partner >= 0) & w.ptr_stuffer[np.maximum(w.acc_partner, 0)]
        weight = np.where(stuffer_acc, weight * 3.0, weight)
    return weight / weight.sum()


@dataclass
class Drawn:
    """Per-order arrays before the status machine (indices into the world's tables)."""

    acc: np.ndarray
    day: np.ndarray
    partner: np.ndarray
    stuffing: np.ndarray
    rep: np.ndarray
    channel: np.ndarray
    currency: np.ndarray
    terms: np.ndarray
    opp: np.ndarray
    forced: np.ndarray  # -2 normal, -1 won-not-collected, else the paid timestamp of a won deal
    n_lines: np.ndarray

    def prepend(self, other: Drawn) -> Drawn:
        return Drawn(**{f.name: np.concatenate([getattr(other, f.name), getattr(self, f.name)]) for f in fields(self)})

    def gather(self, idx: np.ndarray) -> Drawn:
        return Drawn(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})


@dataclass
class Headers:
    """One chunk's orders in file order, with their status and the timestamps it implies."""

    o: Drawn
    order_ts: np.ndarray
    linked_pos: np.ndarray  # positions of the won-deal orders, in the order of the deals
    status: np.ndarray
    cancelled: np.ndarray
    ship_ts: np.ndarray
    deliv_ts: np.ndarray
    updated: np.ndarray
    order_number: np.ndarray

    @property
    def n(self) -> int:
        return len(self.o.acc)


def _draw_regular(w: World, m: int, n: int, rng: np.random.Generator, acc_p: np.ndarray) -> Drawn:
    days_in_month = np.arange(MONTH_START[m], MONTH_END[m] + 1)
    day_p = DAY_WEIGHT[days_in_month - START_DAY]
    day_p = day_p / day_p.sum()
    acc = rng.choice(w.n_accounts, size=n, p=acc_p)
    day = rng.choice(days_in_month, size=n, p=day_p)
    partner = w.acc_partner[acc]
    stuffing = np.zeros(n, dtype=bool)
    if m % 3 == 2:
        stuffing = (partner >= 0) & w.ptr_stuffer[np.maximum(partner, 0)]
        day = np.where(stuffing, MONTH_END[m] - rng.integers(0, 10, n), day)
    rep = w.effective_rep(acc, day)
    # A colleague of the same team covers ~5% of orders (holiday cover, shared accounts).
    colleague = rng.random(n) < 0.05
    team = w.acc_team[acc]
    alt = w.team_members[team, np.floor(rng.random(n) * w.team_size[team]).astype(np.int64)]
    rep = np.where(colleague & w.employed(alt, day) & (partner < 0), alt, rep)
    channel = w.acc_channel[acc].copy()
    domestic_direct = (partner < 0) & (channel != CH_XB)
    switch = domestic_direct & (rng.random(n) < 0.08)
    channel[switch] = rng.choice([CH_KEY, CH_SITE, CH_TMALL, CH_JD, CH_DOUYIN], size=int(switch.sum()))
    terms = np.where(
        partner >= 0,
        rng.choice([30, 60, 90], size=n, p=[0.4, 0.4, 0.2]),
        rng.choice([0, 30, 60, 90], size=n, p=[0.15, 0.45, 0.25, 0.15]),
    )
    terms = np.where(CHANNEL_TYPE_OF[channel] == "ecommerce", 0, terms)
    return Drawn(
        acc=acc,
        day=day,
        partner=partner,
        stuffing=stuffing,
        rep=rep,
        channel=channel,
        currency=w.acc_currency[acc],
        terms=terms,
        opp=np.full(n, -1, dtype=np.int64),
        forced=np.full(n, -2, dtype=np.int64),
        n_lines=rng.choice(5, size=n, p=LINES_P) + 1,
    )


def _won_deal_orders(w: World, linked: dict[str, np.ndarray]) -> Drawn:
    """Orders that fulfil won deals: one line each, paid (or not) as the deal's collection says."""
    k = len(linked["opp"])
    return Drawn(
        acc=linked["acc"],
        day=linked["day"],
        partner=w.acc_partner[linked["acc"]],
        stuffing=np.zeros(k, bool),
        rep=linked["rep"],
        channel=w.acc_channel[linked["acc"]],
        currency=linked["currency"],
        terms=linked["terms"],
        opp=linked["opp"],
        forced=np.where(linked["collected_ts"] >= 0, linked["collected_ts"], -1),
        n_lines=np.ones(k, np.int64),
    )


def _status(o: Drawn, order_ts: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(status, cancelled, ship_ts, deliv_ts, updated): cancelled / returned share, then the clock."""
    n = len(order_ts)
    is_linked = o.opp >= 0
    u = rng.random(n)
    cancelled = (u < _CANCEL_RATE) & ~is_linked
    returned = (u >= _CANCEL_RATE) & (u < _CANCEL_RATE + RETURN_RATE) & ~is_linked
    ship_ts = order_ts + rng.integers(12 * 3600, 4 * DAY_S, n)
    deliv_ts = ship_ts + rng.integers(DAY_S, 7 * DAY_S, n)
    return_ts = deliv_ts + rng.integers(3 * DAY_S, 20 * DAY_S, n)
    shipped_ok = (ship_ts <= END_TS) & ~cancelled
    delivered_ok = (deliv_ts <= END_TS) & ~cancelled
    returned = returned & (return_ts <= END_TS)
    placed_or_approved = np.where(END_TS - order_ts > 2 * DAY_S, _APPROVED, 0)
    status = np.where(
        cancelled,
        CANCELLED,
        np.where(
            returned, RETURNED, np.where(delivered_ok, _DELIVERED, np.where(shipped_ok, _SHIPPED, placed_or_approved))
        ),
    )
    cancel_ts = np.minimum(END_TS, order_ts + rng.integers(3600, 3 * DAY_S, n))
    updated = np.where(
        status == CANCELLED,
        cancel_ts,
        np.where(
            status == RETURNED,
            return_ts,
            np.where(
                status == _DELIVERED,
                deliv_ts,
                np.where(status == _SHIPPED, ship_ts, np.minimum(END_TS, order_ts + 3600)),
            ),
        ),
    )
    return status, cancelled, ship_ts, deliv_ts, updated


def draw_headers(
    w: World,
    m: int,
    n_regular: int,
    linked: dict[str, np.ndarray] | None,
    rng: np.random.Generator,
    first_number: int,
    acc_p: np.ndarray,
) -> Headers:
    """The chunk's orders sorted by order time, numbered from first_number."""
    o = _draw_regular(w, m, n_regular, rng, acc_p)
    has_linked = linked is not None and len(linked["opp"]) > 0
    if has_linked:
        o = o.prepend(_won_deal_orders(w, linked))
    n = len(o.acc)
    order_ts = o.day * DAY_S + work_time(rng, n)
    sort = np.lexsort((rng.random(n), order_ts))
    o, order_ts = o.gather(sort), order_ts[sort]
    linked_pos = np.argsort(sort)[: len(linked["opp"])] if has_linked else np.zeros(0, dtype=np.int64)
    status, cancelled, ship_ts, deliv_ts, updated = _status(o, order_ts, rng)
    return Headers(
        o=o,
        order_ts=order_ts,
        linked_pos=linked_pos,
        status=status,
        cancelled=cancelled,
        ship_ts=ship_ts,
        deliv_ts=deliv_ts,
        updated=updated,
        order_number=first_number + np.arange(n),
    )


def orders_frame(h: Headers, order_ids: pl.Series) -> pl.DataFrame:
    o, status = h.o, h.status
    shipped_valid = (status.astype(np.int64) >= _SHIPPED) & (status != CANCELLED)
    return pl.DataFrame(
        {
            "order_id": order_ids,
            "account_id": id_series("ACC", o.acc + 1, 7),
            "rep_id": id_series("REP", o.rep + 1, 4),
            "channel_id": take([c[0] for c in CHANNELS], o.channel),
            "partner_id": optional_id_series("PTR", np.where(o.partner >= 0, o.partner + 1, -1), 4),
            "opportunity_id": optional_id_series("OPP", np.where(o.opp >= 0, o.opp + 1, -1), 7),
            "order_date": date_series(o.day),
            "status": take(ORDER_STATUSES, status),
            "currency": take(CURRENCIES, o.currency),
            "payment_terms_days": o.terms.astype(np.int64),
            "due_date": date_series(o.day + o.terms),
            "shipped_at": timestamp_series(h.ship_ts, shipped_valid),
            "delivered_at": timestamp_series(h.deliv_ts, (status == _DELIVERED) | (status == RETURNED)),
            "updated_at": timestamp_series(h.updated),
        }
    )
