"""Activities (``activities.csv``), month by month: the touches behind deals plus account care.

Deal activities were planned with the funnel (3-6 before a win); the rest are coverage touches by
account owners (calls, visits, care, surveys, domain §3.10) and ~8% cold prospecting without an
account. Each month is one chunk from ``(seed, "activities", month)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from ingestion.contract import ACTIVITY_TYPES, CONTRACT_BY_NAME
from sample_data.generator.bad_rows import BAD_SPECS
from sample_data.generator.calendar import (
    DAY_S,
    DAY_WEIGHT,
    MONTH_END,
    MONTH_START,
    MONTH_WEIGHT,
    N_MONTHS,
    START_DAY,
    month_of_day,
    work_time,
)
from sample_data.generator.columns import id_series, optional_id_series, str_series, take, timestamp_series
from sample_data.generator.randomness import seeded_rng, split_total
from sample_data.generator.reference import ACTIVITY_OUTCOMES
from sample_data.generator.sink import CsvSink
from sample_data.generator.world import World


def stream_activities(w: World, landing: Path) -> CsvSink:
    sink = CsvSink(landing, CONTRACT_BY_NAME["activities"], BAD_SPECS["activities"])
    linked_month = month_of_day(w.opp_act_ts // DAY_S)
    n_linked = len(w.opp_act_ts)
    n_generic = max(0, w.sizes.activities - n_linked)
    generic_per_month = split_total(n_generic, MONTH_WEIGHT**0.5)
    linked_per_month = np.bincount(linked_month, minlength=N_MONTHS)
    first_number = 1 + np.concatenate([[0], np.cumsum(generic_per_month + linked_per_month)[:-1]])
    plain = np.flatnonzero(w.rep_role <= 1)
    for m in range(N_MONTHS):
        rng = seeded_rng(w.seed, "activities", m)
        g = int(generic_per_month[m])
        # Account care and coverage touches (domain §3.10): owners call, visit, care and survey.
        created_ok = w.acc_created < MONTH_END[m] * DAY_S
        aw = np.sqrt(w.acc_weight) * created_ok * np.where(w.acc_strategic, 3.0, 1.0)
        acc = rng.choice(w.n_accounts, size=g, p=aw / aw.sum())
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        dp = DAY_WEIGHT[days - START_DAY]
        day = rng.choice(days, size=g, p=dp / dp.sum())
        ts = day * DAY_S + work_time(rng, g)
        ts = np.maximum(ts, w.acc_created[acc] + 3600)
        rep = w.effective_rep(acc, ts // DAY_S)
        a_type = rng.choice([0, 1, 2, 3, 6, 7], size=g, p=[0.32, 0.2, 0.18, 0.1, 0.06, 0.14])
        prospecting = rng.random(g) < 0.08
        cold = plain[rng.integers(0, len(plain), g)]
        cold = np.where(w.employed(cold, day), cold, w.team_manager[w.rep_team[cold]])
        rep = np.where(prospecting, cold, rep)
        a_type = np.where(prospecting, 0, a_type)
        acc = np.where(prospecting, -1, acc)
        opp = np.full(g, -1, dtype=np.int64)

        sel = linked_month == m
        acc = np.concatenate([w.opp_act_acc[sel], acc])
        rep = np.concatenate([w.opp_act_rep[sel], rep])
        ts = np.concatenate([w.opp_act_ts[sel], ts])
        a_type = np.concatenate([w.opp_act_type[sel], a_type])
        opp = np.concatenate([w.opp_act_opp[sel], opp])
        order = np.lexsort((rng.random(len(ts)), ts))
        acc, rep, ts, a_type, opp = acc[order], rep[order], ts[order], a_type[order], opp[order]
        outcomes = np.array(ACTIVITY_OUTCOMES, dtype=object)
        outcome = outcomes[a_type, rng.integers(0, 3, len(ts))]
        n = len(ts)
        df = pl.DataFrame(
            {
                "activity_id": id_series("ACT", first_number[m] + np.arange(n), 8),
                "rep_id": id_series("REP", rep + 1, 4),
                "account_id": optional_id_series("ACC", np.where(acc >= 0, acc + 1, -1), 7),
                "opportunity_id": optional_id_series("OPP", np.where(opp >= 0, opp + 1, -1), 7),
                "activity_type": take(ACTIVITY_TYPES, a_type),
                "occurred_at": timestamp_series(ts),
                "outcome": str_series(outcome),
            }
        )
        sink.write(df, seeded_rng(w.seed, "activities_bad", m))
    return sink
