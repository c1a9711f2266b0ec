"""Partner month-end inventory (``partner_inventory.csv``) and sell-out (``partner_sell_out.csv``).

Inventory = previous + sell-in (accumulated while streaming orders) - sell-out, never negative
(domain §1.18, §4.4, §4.5). Sell-out splits each month's sold quantity into end-customer sales of a
few units, with serial numbers unique across the file; dumping and cross-region partners show up here.
Sell-out is written month by month in chunks of ``SELL_OUT_ROWS_PER_CHUNK`` rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.contract import CONTRACT_BY_NAME
from sample_data.generator.bad_rows import BAD_SPECS
from sample_data.generator.calendar import DAY_WEIGHT, MONTH_END, MONTH_START, N_MONTHS, START_DAY
from sample_data.generator.columns import date_series, id_series, take
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.reference import PROVINCE_NAMES
from sample_data.generator.sink import CsvSink
from sample_data.generator.world import World

SELL_OUT_ROWS_PER_CHUNK = 100_000


def stream_channel_stock(w: World, landing: Path) -> tuple[CsvSink, pl.DataFrame]:
    """Month-end partner inventory and the sell-out that drains it (domain §1.18, §4.4, §4.5)."""
    rng = seeded_rng(w.seed, "partner_inventory")
    n_p, n_s = w.ptr_carry.shape
    carried = np.arange(n_s)[None, :] < w.ptr_carry_n[:, None]
    run_rate = np.maximum(w.sell_in, 0).mean(axis=2)
    on_hand = np.round(run_rate * rng.uniform(0.8, 1.5, (n_p, n_s))).astype(np.int64) * carried
    snapshots: list[pl.DataFrame] = []
    sink = CsvSink(landing, CONTRACT_BY_NAME["partner_sell_out"], BAD_SPECS["partner_sell_out"])
    unauth = [np.flatnonzero(~w.ptr_auth[p]) for p in range(n_p)]
    auth = [np.flatnonzero(w.ptr_auth[p]) for p in range(n_p)]
    chunk = 0
    for m in range(N_MONTHS):
        mrng = seeded_rng(w.seed, "partner_sell_out", m)
        active = (w.ptr_start_month <= m)[:, None] & carried
        avail = np.maximum(0, on_hand + w.sell_in[:, :, m]) * active
        sold = np.floor(avail * mrng.uniform(0.45, 0.75, (n_p, n_s))).astype(np.int64)
        on_hand = np.where(active, avail - sold, on_hand)
        pi, si = np.nonzero(active)
        snapshots.append(
            pl.DataFrame(
                {
                    "snapshot_date": date_series(np.full(len(pi), MONTH_END[m])),
                    "partner_id": id_series("PTR", pi + 1, 4),
                    "product_id": id_series("PRD", w.ptr_carry[pi, si] + 1, 5),
                    "on_hand_qty": on_hand[pi, si].astype(np.int64),
                }
            )
        )
        # Sell-out rows: each cell's monthly quantity split into end-customer sales of a few units.
        cp, cs = np.nonzero(sold > 0)
        q = sold[cp, cs]
        per_row = mrng.integers(2, 10, len(q))
        n_rows = np.ceil(q / per_row).astype(np.int64)
        r_cell = np.repeat(np.arange(len(q)), n_rows)
        pos = np.arange(len(r_cell)) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
        r_qty = q[r_cell] // n_rows[r_cell] + (pos < q[r_cell] % n_rows[r_cell])
        r_ptr = cp[r_cell]
        r_prod = w.ptr_carry[r_ptr, cs[r_cell]]
        nr = len(r_cell)
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        dp = DAY_WEIGHT[days - START_DAY] + 0.3  # shops sell on weekends too
        r_day = mrng.choice(days, size=nr, p=dp / dp.sum())
        price = w.prod_list_price[r_prod] * mrng.uniform(0.92, 1.08, nr)
        dump = mrng.random(nr) < np.where(w.ptr_dumper[r_ptr], 0.10, 0.005)
        price = np.round(np.where(dump, w.prod_list_price[r_prod] * mrng.uniform(0.45, 0.7, nr), price), 2)
        cross = mrng.random(nr) < np.where(w.ptr_cross_seller[r_ptr], 0.12, 0.01)
        u = mrng.random(nr)
        region = np.empty(nr, dtype=np.int64)
        for p in np.unique(r_ptr):
            rows = np.flatnonzero(r_ptr == p)
            a, ua = auth[p], unauth[p]
            region[rows] = a[np.floor(u[rows] * len(a)).astype(np.int64)]
            xr = rows[cross[rows]]
            if len(ua) and len(xr):
                region[xr] = ua[np.floor(u[xr] * len(ua)).astype(np.int64)]
        order = np.lexsort((r_prod, r_day, r_ptr))
        r_ptr, r_prod, r_day, r_qty, price, region = (
            r_ptr[order],
            r_prod[order],
            r_day[order],
            r_qty[order],
            price[order],
            region[order],
        )
        # Serial numbers: partner + year/month + running number, unique across the whole file.
        seq = np.arange(nr) - np.searchsorted(r_ptr, r_ptr, side="left") + 1
        yymm = (2024 + m // 12 - 2000) * 100 + m % 12 + 1
        serial = pl.select(
            pl.concat_str(
                [
                    pl.lit("SN"),
                    pl.Series(r_ptr + 1).cast(pl.String).str.zfill(4),
                    pl.lit(str(yymm)),
                    pl.Series(seq).cast(pl.String).str.zfill(6),
                ]
            )
        ).to_series()
        month_df = pl.DataFrame(
            {
                "partner_id": id_series("PTR", r_ptr + 1, 4),
                "product_id": id_series("PRD", r_prod + 1, 5),
                "sold_on": date_series(r_day),
                "quantity": r_qty.astype(np.int64),
                "unit_price": price,
                "end_customer_region": take(PROVINCE_NAMES, region),
                "serial_no": serial,
            }
        )
        for start in range(0, max(1, nr), SELL_OUT_ROWS_PER_CHUNK):
            sink.write(
                month_df.slice(start, SELL_OUT_ROWS_PER_CHUNK), seeded_rng(w.seed, "partner_sell_out_bad", chunk)
            )
            chunk += 1
    return sink, pl.concat(snapshots)
