"""Order lines (``order_lines.csv``) of one chunk of orders, and the revenue / sell-in they book.

Products follow popularity among the products launched by the month (consumers and web shops buy the
cheaper lines, partners what they carry); won-deal orders reproduce the deal's single line; returned
orders get a negative-quantity line. Amounts are computed in exact integers so that a warehouse summing
``quantity * unit_price * (1 - discount_pct)`` gets the total the payments add up to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sample_data.generator.calendar import MONTH_START
from sample_data.generator.columns import id_series
from sample_data.generator.orders.headers import CANCELLED, RETURNED, Headers
from sample_data.generator.reference import CHANNEL_TYPE_OF, TIER_DISCOUNT
from sample_data.generator.world import World


@dataclass
class Lines:
    """Line arrays in file order (by order, then line number); slot = the partner's stock slot."""

    line_order: np.ndarray  # position of the line's order in the chunk
    line_no: np.ndarray
    prod: np.ndarray
    qty: np.ndarray
    unit: np.ndarray
    disc: np.ndarray
    slot: np.ndarray


def _products(w: World, m: int, h: Headers, line_order: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(product, stock slot) per line."""
    nl = len(line_order)
    l_acc = h.o.acc[line_order]
    l_ptr = h.o.partner[line_order]
    eligible = w.prod_launch <= MONTH_START[m]
    pp = np.where(eligible, w.prod_pop, 0.0)
    prod = rng.choice(w.n_products, size=nl, p=pp / pp.sum())
    # Consumers and web shops buy the cheaper lines (consumables, sensors, devices).
    cheap_p = np.where(w.prod_list_price <= 3000, pp, 0.0)
    retail = (w.acc_type[l_acc] == 2) | (CHANNEL_TYPE_OF[h.o.channel[line_order]] == "ecommerce")
    prod = np.where(retail, rng.choice(w.n_products, size=nl, p=cheap_p / cheap_p.sum()), prod)
    is_ptr_line = l_ptr >= 0
    slot = np.zeros(nl, dtype=np.int64)
    if is_ptr_line.any():
        pi = l_ptr[is_ptr_line]
        s = np.floor(rng.random(len(pi)) * w.ptr_carry_n[pi]).astype(np.int64)
        cand = w.ptr_carry[pi, s]
        late = w.prod_launch[cand] > MONTH_START[m]
        s = np.where(late, 0, s)  # slot 0 always holds an established product
        slot[is_ptr_line] = s
        prod[is_ptr_line] = w.ptr_carry[pi, s]
    return prod, slot


def _quantity_price_discount(
    w: World, h: Headers, line_order: np.ndarray, prod: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    nl = len(line_order)
    l_acc = h.o.acc[line_order]
    l_ptr = h.o.partner[line_order]
    is_ptr_line = l_ptr >= 0
    a_type = w.acc_type[l_acc]
    size = np.clip((2000 / w.prod_list_price[prod]) ** 0.35, 0.3, 4)
    base_qty = np.where(
        is_ptr_line,
        rng.lognormal(2.6, 0.7, nl),
        np.where(
            a_type == 0,
            rng.lognormal(1.9, 0.8, nl),
            np.where(a_type == 1, rng.geometric(0.25, nl), rng.geometric(0.65, nl)),
        ),
    )
    qty = np.maximum(
        1, np.ceil(base_qty * np.where(a_type == 2, 1.0, size) * np.where(h.o.stuffing[line_order], 2.5, 1.0))
    ).astype(np.int64)
    l_cur = h.o.currency[line_order]
    l_day = h.o.day[line_order]
    unit = np.round(w.prod_list_price[prod] * rng.uniform(0.97, 1.03, nl) / w.rate(l_cur, l_day), 2)
    tier = w.ptr_tier[np.maximum(l_ptr, 0)]
    lo = np.array([t[0] for t in TIER_DISCOUNT])[tier]
    hi = np.array([t[1] for t in TIER_DISCOUNT])[tier]
    disc = np.where(
        is_ptr_line,
        rng.uniform(lo, hi),
        np.where(
            a_type == 0,
            rng.uniform(0, 0.15, nl) + 0.05 * w.acc_strategic[l_acc],
            np.where(rng.random(nl) < 0.3, rng.uniform(0, 0.1, nl), 0.0),
        ),
    )
    disc = np.clip(np.round(disc, 2), 0, 0.3)
    return qty, unit, disc


def _reproduce_won_deals(w: World, h: Headers, linked: dict[str, np.ndarray], lines: Lines) -> None:
    """Won-deal orders reproduce the deal exactly (one line)."""
    first_line = np.cumsum(h.o.n_lines) - h.o.n_lines
    rows = first_line[h.linked_pos]
    lines.prod[rows], lines.qty[rows] = linked["product"], linked["qty"]
    lines.unit[rows], lines.disc[rows] = linked["unit"], linked["disc"]
    lp = h.o.partner[h.linked_pos]
    chan = rows[lp >= 0]
    # Channel deals: the deal product is one the partner carries; find its stock slot for sell-in.
    lines.slot[chan] = np.maximum(0, w.ptr_slot[lp[lp >= 0], lines.prod[chan]])


def _with_returns(h: Headers, lines: Lines, rng: np.random.Generator) -> Lines:
    """Returned orders get a negative-quantity line for part of their first line; then file order."""
    ret_orders = np.flatnonzero(h.status == RETURNED)
    first_line = np.cumsum(h.o.n_lines) - h.o.n_lines
    src = first_line[ret_orders]
    ret_qty = -np.maximum(1, np.floor(lines.qty[src] * rng.uniform(0.2, 1.0, len(ret_orders)))).astype(np.int64)
    line_order = np.concatenate([lines.line_order, ret_orders])
    line_no = np.concatenate([lines.line_no, h.o.n_lines[ret_orders] + 1])
    lsort = np.lexsort((line_no, line_order))
    return Lines(
        line_order=line_order[lsort],
        line_no=line_no[lsort],
        prod=np.concatenate([lines.prod, lines.prod[src]])[lsort],
        qty=np.concatenate([lines.qty, ret_qty])[lsort],
        unit=np.concatenate([lines.unit, lines.unit[src]])[lsort],
        disc=np.concatenate([lines.disc, lines.disc[src]])[lsort],
        slot=np.concatenate([lines.slot, lines.slot[src]])[lsort],
    )


def draw_lines(w: World, m: int, h: Headers, linked: dict[str, np.ndarray] | None, rng: np.random.Generator) -> Lines:
    n_lines = h.o.n_lines
    line_order = np.repeat(np.arange(h.n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    prod, slot = _products(w, m, h, line_order, rng)
    qty, unit, disc = _quantity_price_discount(w, h, line_order, prod, rng)
    lines = Lines(line_order=line_order, line_no=line_no, prod=prod, qty=qty, unit=unit, disc=disc, slot=slot)
    if linked is not None and len(linked["opp"]):
        _reproduce_won_deals(w, h, linked, lines)
    return _with_returns(h, lines, rng)


def book_order_totals(w: World, m: int, h: Headers, lines: Lines) -> tuple[np.ndarray, np.ndarray]:
    """Order totals in cents and CNY rates; adds revenue, partner revenue, sell-in and first orders to w."""
    # Exact integers (1/10000 of the currency): sum(quantity * unit_price * (1 - discount_pct)) in the
    # warehouse gives the same total the instalments add up to.
    unit_cents = np.round(lines.unit * 100).astype(np.int64)
    disc_pct = np.round(lines.disc * 100).astype(np.int64)
    line_e4 = lines.qty * unit_cents * (100 - disc_pct)
    total_e4 = np.zeros(h.n, dtype=np.int64)
    np.add.at(total_e4, lines.line_order, line_e4)
    total = (total_e4 + 50) // 100  # cents, half up
    o = h.o
    rate = w.rate(o.currency, o.day)
    live = h.status != CANCELLED
    net_cny = total / 100 * rate * live
    np.add.at(w.rev_rep_month[:, m], o.rep, net_cny)
    for_ptr = (o.partner >= 0) & live
    np.add.at(w.rev_partner_quarter[:, m // 3], o.partner[for_ptr], net_cny[for_ptr])
    lp = o.partner[lines.line_order]
    ok = (lp >= 0) & live[lines.line_order]
    np.add.at(w.sell_in[:, :, m], (lp[ok], lines.slot[ok]), lines.qty[ok])
    np.minimum.at(w.first_order_month, o.acc[live], m)
    return total, rate


def lines_frame(lines: Lines, order_ids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "order_id": order_ids.gather(lines.line_order),
            "line_number": lines.line_no.astype(np.int64),
            "product_id": id_series("PRD", lines.prod + 1, 5),
            "quantity": lines.qty.astype(np.int64),
            "unit_price": lines.unit,
            "discount_pct": lines.disc,
        }
    )
