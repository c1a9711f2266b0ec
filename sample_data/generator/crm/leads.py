"""Leads (``leads.csv``): the converted leads behind ~30% of opportunities and leads in every other status.

A converted lead is created 3-45 days before its opportunity and carries its account and rep; the
other leads follow the seasonality, young ones still new / nurturing / qualified, older ones also
disqualified. BANT flags are mostly present on leads that went on to convert (domain §3.9). Leads
draw from their own stream, ``(seed, "leads")``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ingestion.contract import LEAD_SOURCES, LEAD_STATUSES
from sample_data.generator.calendar import (
    DAY_S,
    END_DAY,
    END_TS,
    MONTH_END,
    MONTH_START,
    MONTH_WEIGHT,
    N_MONTHS,
    START_DAY,
    month_of_day,
    sample_days,
    work_time,
)
from sample_data.generator.columns import id_series, optional_id_series, str_series, take, timestamp_series
from sample_data.generator.randomness import seeded_rng, split_total
from sample_data.generator.reference import BRAND_CHARS, CAMPAIGN_THEMES, INDUSTRY_CN, LEAD_SOURCE_WEIGHT
from sample_data.generator.world import World

# Status codes index the contract's LEAD_STATUSES.
_NEW, _CONVERTED = LEAD_STATUSES.index("new"), LEAD_STATUSES.index("converted")
_PARTNER_SOURCE = LEAD_SOURCES.index("partner")


def _created_and_status(
    opp_created: np.ndarray, conv: np.ndarray, n_other: int, lrng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(created, status, opportunity or -1) per lead, sorted by creation time."""
    conv_created = np.maximum(
        START_DAY * DAY_S + work_time(lrng, len(conv)),
        opp_created[conv] - lrng.integers(3, 45, len(conv)) * DAY_S - lrng.integers(0, 3600 * 6, len(conv)),
    )
    conv_created = np.minimum(conv_created, opp_created[conv] - 3600)
    per_month = split_total(n_other, MONTH_WEIGHT)
    o_month = np.repeat(np.arange(N_MONTHS), per_month)
    o_day = sample_days(lrng, MONTH_START[o_month], MONTH_END[o_month], n_other)
    o_created = o_day * DAY_S + work_time(lrng, n_other)
    age = END_DAY - o_day
    o_status = np.where(
        age < 30,
        lrng.choice([0, 1, 2], size=n_other, p=[0.55, 0.3, 0.15]),
        lrng.choice([1, 2, 3], size=n_other, p=[0.35, 0.2, 0.45]),
    )
    l_created = np.concatenate([conv_created, o_created])
    l_status = np.concatenate([np.full(len(conv), _CONVERTED), o_status])
    order_l = np.argsort(l_created, kind="stable")
    l_opp = np.concatenate([conv, np.full(n_other, -1)])[order_l]
    return l_created[order_l], l_status[order_l], l_opp


def _owner_rep(
    w: World, l_opp: np.ndarray, l_status: np.ndarray, l_day: np.ndarray, opp_rep: np.ndarray, lrng: np.random.Generator
) -> np.ndarray:
    """The lead's rep: the deal's rep once converted; most others are assigned, some new ones not yet."""
    n_leads = len(l_opp)
    l_rep = np.where(
        l_opp >= 0,
        opp_rep[np.maximum(l_opp, 0)],
        np.where(lrng.random(n_leads) < 0.85, -1, -2),
    )
    plain_reps = np.flatnonzero(w.rep_role == 0)
    pick = plain_reps[lrng.integers(0, len(plain_reps), n_leads)]
    pick = np.where(w.employed(pick, l_day), pick, w.team_manager[w.rep_team[pick]])
    l_rep = np.where(l_rep == -1, pick, l_rep)
    l_rep = np.where((l_rep == -2) | ((l_status == _NEW) & (lrng.random(n_leads) < 0.5)), -1, l_rep)
    return np.where(l_opp >= 0, opp_rep[np.maximum(l_opp, 0)], l_rep)


def _campaign(source: np.ndarray, l_day: np.ndarray, lrng: np.random.Generator) -> np.ndarray:
    """Marketing sources name a campaign such as ``2025Q1-event-行业峰会``; the others none."""
    quarter = (month_of_day(l_day) // 3) % 4 + 1
    year = 2024 + month_of_day(l_day) // 12
    theme = np.array(CAMPAIGN_THEMES, dtype=object)[lrng.integers(0, len(CAMPAIGN_THEMES), len(source))]
    return np.where(
        source <= 3,
        year.astype(str).astype(object)
        + "Q"
        + quarter.astype(str).astype(object)
        + "-"
        + np.array(LEAD_SOURCES, dtype=object)[source]
        + "-"
        + theme,
        None,
    )


def build_leads(
    w: World, opp_acc: np.ndarray, opp_rep: np.ndarray, opp_created: np.ndarray, from_lead: np.ndarray
) -> tuple[pl.DataFrame, np.ndarray]:
    """The leads table and, per opportunity, the index of the lead it came from (-1: none)."""
    n = len(opp_acc)
    conv = np.flatnonzero(from_lead)
    n_leads = max(w.sizes.leads, len(conv) + 50)
    lrng = seeded_rng(w.seed, "leads")
    l_created, l_status, l_opp = _created_and_status(opp_created, conv, n_leads - len(conv), lrng)
    lead_of_opp = np.full(n, -1, dtype=np.int64)
    lead_of_opp[l_opp[l_opp >= 0]] = np.flatnonzero(l_opp >= 0)
    p_bant = np.array([0.3, 0.4, 0.6, 0.2, 0.8])[l_status]
    bant = lrng.random((4, n_leads)) < p_bant
    existing = (lrng.random(n_leads) < 0.2) & (l_opp < 0)
    l_acc = np.where(
        l_opp >= 0, opp_acc[np.maximum(l_opp, 0)], np.where(existing, lrng.integers(0, w.n_accounts, n_leads), -1)
    )
    # A lead can only name an account that already existed.
    l_acc = np.where((l_acc >= 0) & (w.acc_created[np.maximum(l_acc, 0)] > l_created) & (l_opp < 0), -1, l_acc)
    source = lrng.choice(len(LEAD_SOURCES), size=n_leads, p=LEAD_SOURCE_WEIGHT)
    source = np.where((l_acc >= 0) & (w.acc_partner[np.maximum(l_acc, 0)] >= 0), _PARTNER_SOURCE, source)
    l_day = l_created // DAY_S
    l_rep = _owner_rep(w, l_opp, l_status, l_day, opp_rep, lrng)
    campaign = _campaign(source, l_day, lrng)
    company = np.where(
        l_acc >= 0,
        w.acc_name[np.maximum(l_acc, 0)],
        np.array(BRAND_CHARS, dtype=object)[lrng.integers(0, len(BRAND_CHARS), n_leads)]
        + np.array(BRAND_CHARS, dtype=object)[lrng.integers(0, len(BRAND_CHARS), n_leads)]
        + np.array(INDUSTRY_CN, dtype=object)[lrng.integers(0, len(INDUSTRY_CN), n_leads)]
        + "有限公司",
    )
    conv_at = np.where(l_opp >= 0, opp_created[np.maximum(l_opp, 0)], -1)
    l_updated = np.where(l_opp >= 0, conv_at, np.minimum(END_TS, l_created + lrng.integers(0, 60, n_leads) * DAY_S))
    leads = pl.DataFrame(
        {
            "lead_id": id_series("LD", np.arange(1, n_leads + 1), 7),
            "created_at": timestamp_series(l_created),
            "source": take(LEAD_SOURCES, source),
            "campaign": str_series(campaign),
            "rep_id": optional_id_series("REP", np.where(l_rep >= 0, l_rep + 1, -1), 4),
            "company_name": str_series(company),
            "account_id": optional_id_series("ACC", np.where(l_acc >= 0, l_acc + 1, -1), 7),
            "status": take(LEAD_STATUSES, l_status),
            "has_budget": pl.Series(bant[0]),
            "has_authority": pl.Series(bant[1]),
            "has_need": pl.Series(bant[2]),
            "has_timeline": pl.Series(bant[3]),
            "decision_chain_size": lrng.integers(1, 9, n_leads),
            "converted_at": timestamp_series(conv_at, l_opp >= 0),
            "opportunity_id": optional_id_series("OPP", np.where(l_opp >= 0, l_opp + 1, -1), 7),
            "updated_at": timestamp_series(l_updated),
        }
    )
    return leads, lead_of_opp
