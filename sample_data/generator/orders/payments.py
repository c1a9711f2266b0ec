"""Payments (``payments.csv``) of one chunk of orders: instalments by credit rating and channel.

Payments come in 1-3 instalments that end around the due date; some payers are late (>15 days after
due), some pay in part or never, cancelled orders are never paid. A won deal's order is paid in full
on the date that moved the deal to ``6_collected``, or not at all. Collections are booked per rep and
month for the quota plans.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.generator.calendar import DAY_S, END_TS, month_of_day, work_time
from sample_data.generator.columns import id_series, take, timestamp_series
from sample_data.generator.orders.headers import Headers
from sample_data.generator.reference import CHANNEL_TYPE_OF, CURRENCIES, PAYMENT_METHODS
from sample_data.generator.world import World

# Payment behaviour by credit rating A-D: prompt, late (>15 days), partial, never.
_PAYER_P = np.array(
    [[0.85, 0.10, 0.04, 0.01], [0.75, 0.15, 0.07, 0.03], [0.60, 0.20, 0.12, 0.08], [0.45, 0.25, 0.15, 0.15]]
)
_LATE, _PARTIAL, _NEVER = 1, 2, 3


def _plan(
    w: World, h: Headers, total: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(instalments, instalments paid, first instalment day, days between instalments) per order."""
    o, n = h.o, h.n
    payer = (rng.random(n)[:, None] > np.cumsum(_PAYER_P[w.acc_credit[o.acc]], axis=1)).sum(axis=1)
    n_inst = np.where(o.terms == 0, 1, rng.choice([1, 2, 3], size=n, p=[0.6, 0.28, 0.12]))
    n_inst = np.where(payer == _PARTIAL, np.maximum(2, n_inst), n_inst)
    due = o.day + o.terms
    gap = rng.integers(15, 36, n)
    # Instalment plans end around the due date; late payers (and half the partial ones) slip 16-120 days.
    slips = (payer == _LATE) | ((payer == _PARTIAL) & (rng.random(n) < 0.5))
    last_day = due + np.where(slips, rng.integers(16, 121, n), rng.integers(-10, 11, n))
    first_day = np.maximum(o.day, last_day - (n_inst - 1) * gap)
    first_day = np.where(o.terms == 0, o.day + rng.integers(0, 2, n), first_day)
    paid_count = np.where(
        payer == _NEVER, 0, np.where(payer == _PARTIAL, np.floor(rng.random(n) * (n_inst - 1)) + 1, n_inst)
    ).astype(np.int64)
    paid_count = np.where(h.cancelled | (total <= 0), 0, paid_count)
    # Won deals: paid in full on the collection date that moved the deal to 6_collected, else unpaid.
    is_forced = o.forced > -2
    n_inst = np.where(is_forced, 1, n_inst)
    paid_count = np.where(is_forced, (o.forced >= 0).astype(np.int64), paid_count)
    return n_inst, paid_count, first_day, gap


def _methods(channel: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Payment method per payment (indexes PAYMENT_METHODS): web shops by wallet, exports by wire or L/C."""
    n = len(channel)
    return np.where(
        CHANNEL_TYPE_OF[channel] == "ecommerce",
        rng.choice([2, 3], size=n),
        np.where(
            CHANNEL_TYPE_OF[channel] == "cross_border",
            rng.choice([0, 4], size=n, p=[0.6, 0.4]),
            rng.choice([0, 1, 2, 3, 5], size=n, p=[0.6, 0.25, 0.06, 0.06, 0.03]),
        ),
    )


def draw_payments(
    w: World,
    h: Headers,
    total: np.ndarray,
    rate: np.ndarray,
    order_ids: pl.Series,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """The chunk's payments made by the window end; adds collections per rep and month to w."""
    o = h.o
    n_inst, paid_count, first_day, gap = _plan(w, h, total, rng)
    is_forced = o.forced > -2
    p_order = np.repeat(np.arange(h.n), paid_count)
    p_k = np.arange(len(p_order)) - np.repeat(np.cumsum(paid_count) - paid_count, paid_count)
    p_day = first_day[p_order] + p_k * gap[p_order]
    p_ts = p_day * DAY_S + work_time(rng, len(p_order))
    p_ts = np.where(is_forced[p_order], o.forced[p_order], np.maximum(p_ts, h.order_ts[p_order] + 600))
    share = total[p_order] // n_inst[p_order]
    p_cents = np.where(p_k == n_inst[p_order] - 1, total[p_order] - share * (n_inst[p_order] - 1), share)
    keep = p_ts <= END_TS
    p_order, p_k, p_ts, p_cents = p_order[keep], p_k[keep], p_ts[keep], p_cents[keep]
    p_month = month_of_day(p_ts // DAY_S)
    np.add.at(w.coll_rep_month, (o.rep[p_order], p_month), p_cents / 100 * rate[p_order])
    method = _methods(o.channel[p_order], rng)
    p_sort = np.lexsort((p_k, p_order))
    p_order, p_k, p_ts, p_cents, method = p_order[p_sort], p_k[p_sort], p_ts[p_sort], p_cents[p_sort], method[p_sort]
    return pl.DataFrame(
        {
            "payment_id": id_series("PAY", h.order_number[p_order] * 10 + p_k + 1, 9),
            "order_id": order_ids.gather(p_order),
            "paid_at": timestamp_series(p_ts),
            "amount": p_cents / 100,
            "currency": take(CURRENCIES, o.currency[p_order]),
            "method": take(PAYMENT_METHODS, method),
        }
    )
