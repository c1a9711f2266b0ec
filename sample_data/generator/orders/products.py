"""Products (``products.csv``): a catalog across the product lines, ~20% launched during the window.

List prices are log-uniform within the line's range and end in 9 / .9; popularity is log-normal with
a boost for new products, and every line keeps an established product partners can stock.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample_data.generator.calendar import START_DAY, day_number, sample_days
from sample_data.generator.columns import date_series, id_series, take
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.reference import BASE_CURRENCY, PRODUCT_LINES
from sample_data.generator.world import World


def build_products(w: World) -> pl.DataFrame:
    rng = seeded_rng(w.seed, "products")
    n = w.sizes.products
    line = np.arange(n) % len(PRODUCT_LINES)
    lo = np.array([p[3] for p in PRODUCT_LINES], dtype=float)[line]
    hi = np.array([p[4] for p in PRODUCT_LINES], dtype=float)[line]
    price = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    price = np.where(price >= 1000, np.round(price, -1), np.round(price)) - np.where(price >= 100, 1, 0.1)
    cost = np.round(price * rng.uniform(0.45, 0.75, n), 2)
    new = rng.random(n) < 0.2
    new[: len(PRODUCT_LINES)] = False  # every line has an established product partners can stock
    launch = np.where(
        new,
        sample_days(rng, START_DAY, day_number(date(2025, 9, 30)), n),
        sample_days(rng, day_number(date(2017, 1, 1)), day_number(date(2023, 10, 31)), n),
    )
    w.prod_list_price, w.prod_launch = price, launch
    w.prod_pop = rng.lognormal(0, 0.8, n) * np.where(new, 1.4, 1.0)
    model = np.array([p[0][:2].upper() for p in PRODUCT_LINES], dtype=object)[line]
    series = 100 + (np.arange(n) // len(PRODUCT_LINES)) * 10 + rng.integers(0, 10, n)
    names = np.array([p[1] for p in PRODUCT_LINES], dtype=object)[line] + " " + model + "-" + series.astype(str)
    return pl.DataFrame(
        {
            "product_id": id_series("PRD", np.arange(1, n + 1), 5),
            "product_name": names.tolist(),
            "product_line": take([p[0] for p in PRODUCT_LINES], line),
            "category": take([p[2] for p in PRODUCT_LINES], line),
            "list_price": price,
            "unit_cost": cost,
            "currency": [BASE_CURRENCY] * n,
            "launched_at": date_series(launch),
            "is_new_product": pl.Series(new),
        }
    )
