"""Orders, order lines and payments, streamed month by month in chunks of ``ORDERS_PER_CHUNK`` orders.

Each chunk is generated from its own stream ``(seed, "orders", month, chunk)``, written to the three
open CSVs (with bad rows from ``<file>_bad`` streams) and dropped, so 10M order lines stay far below
2 GB. The month's orders follow the seasonality; ``order_lines=N`` sizes the total from the line count.
While streaming, the actuals later tables need (revenue and collections per rep and month, partner
revenue per quarter, partner sell-in, each account's first order month) accumulate on the world.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl

from ingestion.contract import CONTRACT_BY_NAME
from sample_data.generator.bad_rows import BAD_SPECS
from sample_data.generator.calendar import MONTH_WEIGHT, N_MONTHS
from sample_data.generator.columns import id_series
from sample_data.generator.orders.headers import LINES_MEAN, RETURN_RATE, draw_headers, month_account_p, orders_frame
from sample_data.generator.orders.lines import book_order_totals, draw_lines, lines_frame
from sample_data.generator.orders.payments import draw_payments
from sample_data.generator.randomness import seeded_rng, split_total
from sample_data.generator.sink import CsvSink
from sample_data.generator.world import World

ORDERS_PER_CHUNK = 20_000


def _order_total(w: World) -> int:
    """Orders to generate: the scaled count, or enough for the requested number of order lines."""
    if w.sizes.orders is not None:
        return w.sizes.orders
    assert w.sizes.order_lines is not None
    n_opp = sum(len(v["opp"]) for v in w.opp_orders.values())
    per_order = LINES_MEAN + RETURN_RATE * 0.9
    return max(300, round((w.sizes.order_lines + n_opp * (LINES_MEAN - 1)) / per_order))


def _order_chunk(
    w: World,
    m: int,
    n_regular: int,
    linked: dict[str, np.ndarray] | None,
    rng: np.random.Generator,
    first_number: int,
    acc_p: np.ndarray,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Orders, lines and payments of one chunk, all drawn from the chunk's one stream in that order."""
    h = draw_headers(w, m, n_regular, linked, rng, first_number, acc_p)
    lines = draw_lines(w, m, h, linked, rng)
    total, rate = book_order_totals(w, m, h, lines)
    order_ids = id_series("ORD", h.order_number, 8)
    payments = draw_payments(w, h, total, rate, order_ids, rng)
    return orders_frame(h, order_ids), lines_frame(lines, order_ids), payments


def stream_orders(w: World, landing: Path) -> dict[str, CsvSink]:
    """Write orders, order_lines and payments; returns their (open) sinks."""
    total = _order_total(w)
    per_month = split_total(total, MONTH_WEIGHT)
    sinks = {
        name: CsvSink(landing, CONTRACT_BY_NAME[name], BAD_SPECS[name])
        for name in ("orders", "order_lines", "payments")
    }
    w.rev_rep_month = np.zeros((w.n_reps, N_MONTHS))
    w.coll_rep_month = np.zeros((w.n_reps, N_MONTHS))
    w.rev_partner_quarter = np.zeros((w.n_partners, N_MONTHS // 3))
    w.sell_in = np.zeros((w.n_partners, w.ptr_carry.shape[1], N_MONTHS), dtype=np.int64)
    w.first_order_month = np.full(w.n_accounts, N_MONTHS, dtype=np.int64)
    number = 1
    chunk = 0
    for m in range(N_MONTHS):
        linked = w.opp_orders.get(m)
        n_linked = 0 if linked is None else len(linked["opp"])
        n_regular = max(0, int(per_month[m]) - n_linked)
        n_sub = max(1, math.ceil(n_regular / ORDERS_PER_CHUNK))
        sub_sizes = split_total(n_regular, np.ones(n_sub))
        acc_p = month_account_p(w, m)
        for sub in range(n_sub):
            rng = seeded_rng(w.seed, "orders", m, sub)
            orders, lines, payments = _order_chunk(
                w, m, int(sub_sizes[sub]), linked if sub == 0 else None, rng, number, acc_p
            )
            number += orders.height
            sinks["orders"].write(orders, seeded_rng(w.seed, "orders_bad", chunk))
            sinks["order_lines"].write(lines, seeded_rng(w.seed, "order_lines_bad", chunk))
            sinks["payments"].write(payments, seeded_rng(w.seed, "payments_bad", chunk))
            chunk += 1
    assert number < 9 * 10**7, "order ids would reach the reserved bad-row range"
    return sinks
