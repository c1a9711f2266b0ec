"""Daily fx rates (``fx_rates.csv``): CNY per unit of CNY, USD, EUR and HKD for every window day.

USD and EUR follow mean-reverting random walks; HKD is pegged to USD with a little noise.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sample_data.generator.calendar import END_DAY, N_DAYS, START_DAY
from sample_data.generator.columns import date_series, take
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.reference import CURRENCIES
from sample_data.generator.world import World


def build_fx_rates(w: World) -> pl.DataFrame:
    rng = seeded_rng(w.seed, "fx_rates")
    days = np.arange(START_DAY, END_DAY + 1)
    fx = np.ones((len(CURRENCIES), N_DAYS))
    for i, (base, vol) in enumerate(((7.12, 0.0022), (7.78, 0.0035)), start=1):
        level = np.log(base)
        steps = rng.normal(0, vol, N_DAYS)
        path = np.empty(N_DAYS)
        for d in range(N_DAYS):  # 731 days: mean-reverting walk, cheap
            level += steps[d] - 0.02 * (level - np.log(base))
            path[d] = level
        fx[i] = np.exp(path)
    fx[3] = fx[1] / 7.80 * (1 + rng.normal(0, 0.0008, N_DAYS))  # HKD pegged to USD
    w.fx = np.round(fx, 6)
    return pl.DataFrame(
        {
            "currency": take(CURRENCIES, np.repeat(np.arange(len(CURRENCIES)), N_DAYS)),
            "rate_date": date_series(np.tile(days, len(CURRENCIES))),
            "rate_to_base": w.fx.reshape(-1),
        }
    )
