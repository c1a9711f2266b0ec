"""The business calendar every table shares: the 2024-2025 window, months, seasonality, working days.

Days are integers (days since 1970-01-01) and timestamps integer seconds, so that whole columns are
numpy arrays; ``columns`` turns them into polars dates and datetimes at the end.
"""

from __future__ import annotations

from datetime import date

import numpy as np

WINDOW_START = date(2024, 1, 1)
WINDOW_END = date(2025, 12, 31)
EPOCH = date(1970, 1, 1)
DAY_S = 86_400


def day_number(d: date) -> int:
    return (d - EPOCH).days


START_DAY = day_number(WINDOW_START)
END_DAY = day_number(WINDOW_END)
END_TS = (END_DAY + 1) * DAY_S - 1
N_DAYS = END_DAY - START_DAY + 1
N_MONTHS = 24
MONTH_START = np.array(
    [day_number(date(2024 + m // 12, m % 12 + 1, 1)) for m in range(N_MONTHS)] + [day_number(date(2026, 1, 1))],
    dtype=np.int64,
)
MONTH_END = MONTH_START[1:] - 1

# Seasonality (domain: year-end push, March after the holiday, Chinese New Year dip) and YoY growth.
_SEASON = np.array([0.85, 0.62, 1.22, 0.95, 1.00, 1.08, 0.90, 0.88, 1.05, 0.98, 1.18, 1.38])
_YOY_GROWTH = 1.18
MONTH_WEIGHT = np.array([_SEASON[m % 12] * _YOY_GROWTH ** (m / 12) for m in range(N_MONTHS)])

_HOLIDAYS = (
    (date(2024, 2, 10), date(2024, 2, 17), 0.08),  # Chinese New Year 2024
    (date(2025, 1, 28), date(2025, 2, 4), 0.08),  # Chinese New Year 2025
    (date(2024, 10, 1), date(2024, 10, 7), 0.3),  # National Day
    (date(2025, 10, 1), date(2025, 10, 8), 0.3),
)


def _day_weights() -> np.ndarray:
    days = np.arange(START_DAY, END_DAY + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday -> 0 = Monday
    w = np.where(weekday == 5, 0.35, np.where(weekday == 6, 0.25, 1.0))
    for lo, hi, factor in _HOLIDAYS:
        w[(days >= day_number(lo)) & (days <= day_number(hi))] *= factor
    return w


DAY_WEIGHT = _day_weights()


def month_of_day(days: np.ndarray) -> np.ndarray:
    return np.searchsorted(MONTH_START, days, side="right") - 1


def work_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a business day (09:00-18:00)."""
    return rng.integers(9 * 3600, 18 * 3600, size=n)


def sample_days(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """Uniform integer day in [lo, hi] (vectorised bounds)."""
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,))
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
