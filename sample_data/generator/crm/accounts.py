"""Accounts (``accounts.csv``): customers, partner accounts and prospects, with owners and a lifecycle.

Account spend is log-normal (a minority produce most revenue, domain §3.2); accounts start in every
month, ~15% churn, ~5% never order; every account is created before its first order. Each partner
is also an account (its sell-in orders carry ``partner_id``); ~10% of the others are abroad and buy
in USD/EUR/HKD. Owners are reps of a leaf team in the account's sales region; a leaver's accounts
have passed to a colleague, while ``World.effective_rep`` keeps the historic owner for their sales.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample_data.generator.calendar import (
    DAY_S,
    END_DAY,
    END_TS,
    MONTH_START,
    N_MONTHS,
    START_DAY,
    day_number,
    sample_days,
    work_time,
)
from sample_data.generator.columns import id_series, optional_id_series, str_series, take, timestamp_series
from sample_data.generator.randomness import person_names, seeded_rng
from sample_data.generator.reference import (
    ACCOUNT_TYPES,
    BRAND_CHARS,
    CH_DOUYIN,
    CH_JD,
    CH_KEY,
    CH_SITE,
    CH_TMALL,
    CH_XB,
    CHANNELS,
    CITIES,
    COMPANY_SUFFIXES,
    CREDIT_RATINGS,
    CURRENCIES,
    FOREIGN_CITIES,
    INDUSTRIES,
    INDUSTRY_CN,
    PROVINCE_NAMES,
    PROVINCES,
    REGIONS,
)
from sample_data.generator.world import World


def _types(w: World, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(is a partner account, is abroad); sets the account type and partner."""
    n_ptr = w.n_partners
    is_ptr = np.arange(n) < n_ptr
    partner = np.where(is_ptr, np.arange(n), -1)
    foreign = ~is_ptr & (rng.random(n) < 0.105)
    acc_type = rng.choice(3, size=n, p=[0.3, 0.5, 0.2])
    acc_type[is_ptr] = 0
    acc_type[foreign] = np.where(rng.random(foreign.sum()) < 0.6, 0, 1)
    w.acc_type, w.acc_partner = acc_type, partner
    return is_ptr, foreign


def _geography(w: World, is_ptr: np.ndarray, foreign: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(region, city, chinese city name, city tier, sales region); sets the account currency."""
    n = len(is_ptr)
    # Partners at home, domestic accounts by province weight, foreign by city.
    prov_w = np.array([p[2] for p in PROVINCES])
    city_prov = np.array([PROVINCE_NAMES.index(c[0]) for c in CITIES])
    province = rng.choice(len(PROVINCES), size=n, p=prov_w / prov_w.sum())
    province[is_ptr] = w.ptr_province
    city_idx = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for p in range(len(PROVINCES)):
        cand = np.flatnonzero(city_prov == p)
        rows = province == p
        # Bigger cities are more likely (tier 1-2 cities hold most enterprise customers).
        tw = 1.0 / np.array([CITIES[c][3] for c in cand], dtype=float)
        cum = np.cumsum(tw / tw.sum())
        city_idx[rows] = cand[np.minimum(np.searchsorted(cum, u[rows]), len(cand) - 1)]
    fcity = rng.integers(0, len(FOREIGN_CITIES), n)
    region = np.where(
        foreign,
        np.array([f[0] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array(PROVINCE_NAMES, dtype=object)[province],
    )
    city = np.where(
        foreign,
        np.array([f[1] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array([c[1] for c in CITIES], dtype=object)[city_idx],
    )
    city_cn = np.where(
        foreign,
        np.array([f[2] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array([c[2] for c in CITIES], dtype=object)[city_idx],
    )
    tier = np.where(
        foreign, np.array([f[3] for f in FOREIGN_CITIES])[fcity], np.array([c[3] for c in CITIES])[city_idx]
    )
    currency = np.where(foreign, np.array([CURRENCIES.index(f[4]) for f in FOREIGN_CITIES])[fcity], 0)
    sales_region = np.array([REGIONS.index(p[1]) for p in PROVINCES])[province]
    sales_region = np.where(foreign, rng.integers(0, 2, n), sales_region)

    w.acc_currency = currency
    return region, city, city_cn, tier, sales_region


def _channel_and_spend(w: World, is_ptr: np.ndarray, foreign: np.ndarray, rng: np.random.Generator) -> None:
    """Home channel, spend weight, strategic flag and credit rating."""
    n, acc_type = len(is_ptr), w.acc_type
    # Home channel: partners buy through their channel, foreigners cross-border, the rest by type.
    channel = np.where(
        acc_type == 0,
        CH_KEY,
        np.where(
            acc_type == 1,
            rng.choice([CH_KEY, CH_SITE, CH_TMALL, CH_JD], size=n, p=[0.6, 0.2, 0.1, 0.1]),
            rng.choice([CH_SITE, CH_TMALL, CH_JD, CH_DOUYIN], size=n, p=[0.15, 0.35, 0.3, 0.2]),
        ),
    )
    channel = np.where(foreign, np.where(rng.random(n) < 0.75, CH_XB, CH_KEY), channel)
    channel[is_ptr] = w.ptr_channel

    # Spend intensity: log-normal gives the Pareto-like 20/80 concentration of domain §3.2.
    weight = rng.lognormal(0, 1.25, n) * np.array([3.0, 1.0, 0.25])[acc_type]
    weight[is_ptr] *= np.array([13.0, 9.0, 6.0, 4.0])[w.ptr_tier] / 3.0
    strategic = np.zeros(n, dtype=bool)
    ent = np.flatnonzero((acc_type == 0) & ~is_ptr)
    top = ent[np.argsort(-weight[ent], kind="stable")[: max(1, round(0.05 * n))]]
    strategic[top] = True
    weight[strategic] *= 1.5
    credit = rng.choice(4, size=n, p=[0.3, 0.4, 0.2, 0.1])
    credit[strategic] = np.minimum(credit[strategic], 1)

    w.acc_channel, w.acc_weight, w.acc_strategic, w.acc_credit = channel, weight, strategic, credit


def _owners(w: World, sales_region: np.ndarray, rng: np.random.Generator) -> None:
    n = len(sales_region)
    # Team and owner: a leaf team of the account's sales region, then a rep of that team.
    leaf = w.leaf_teams
    team = np.empty(n, dtype=np.int64)
    for r in range(2):
        cand = leaf[w.team_region[leaf] == r]
        rows = sales_region == r
        team[rows] = cand[rng.integers(0, len(cand), rows.sum())]
    hist = np.empty(n, dtype=np.int64)
    owner = np.empty(n, dtype=np.int64)
    for t in leaf:
        members = np.flatnonzero((w.rep_team == t) & (w.rep_role == 0))
        stayers = members[w.rep_term[members] > END_DAY]
        rows = np.flatnonzero(team == t)
        h = members[rng.integers(0, len(members), len(rows))]
        # Key accounts stay with the manager sometimes (player-coach).
        h = np.where(rng.random(len(rows)) < 0.05, w.team_manager[t], h)
        hist[rows] = h
        leaver = w.rep_term[h] <= END_DAY
        owner[rows] = np.where(leaver, stayers[rng.integers(0, len(stayers), len(rows))], h)

    w.acc_team, w.acc_owner, w.acc_hist_owner = team, owner, hist


def _lifecycle(w: World, is_ptr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sets the first / last active month and creation time; returns the last update time."""
    n = len(is_ptr)
    # Lifecycle: existing customers, a stream of new ones every month, churners and prospects.
    kind = rng.random(n)
    start = np.where(kind < 0.55, 0, rng.integers(1, N_MONTHS, n))
    start = np.where((kind >= 0.95) & ~is_ptr, N_MONTHS, start)  # never order (prospects)
    start[is_ptr] = w.ptr_start_month
    churn = (rng.random(n) < 0.15) & ~is_ptr & (start < N_MONTHS - 4)
    end = np.where(churn, np.minimum(start + rng.integers(3, 18, n), N_MONTHS - 1), N_MONTHS - 1)
    start_day = MONTH_START[np.minimum(start, N_MONTHS - 1)]
    created_day = np.where(
        start == 0,
        sample_days(rng, day_number(date(2018, 1, 1)), START_DAY - 10, n),
        start_day - rng.integers(1, 45, n),
    )
    created_day = np.where(start == N_MONTHS, sample_days(rng, START_DAY, END_DAY - 20, n), created_day)
    created = created_day * DAY_S + work_time(rng, n)
    updated = np.minimum(END_TS, created + rng.integers(0, 400, n) * DAY_S)

    w.acc_start, w.acc_end, w.acc_created = start, end, created
    return updated


def _names(w: World, city_cn: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(industry index, contact person); sets the account name."""
    n, acc_type = len(city_cn), w.acc_type
    brand = np.array(BRAND_CHARS, dtype=object)
    ind = rng.integers(0, len(INDUSTRIES), n)
    names = (
        city_cn
        + brand[rng.integers(0, len(brand), n)]
        + brand[rng.integers(0, len(brand), n)]
        + np.array(INDUSTRY_CN, dtype=object)[ind]
        + np.array(COMPANY_SUFFIXES, dtype=object)[rng.integers(0, len(COMPANY_SUFFIXES), n)]
    )
    # Consumer accounts are individuals or small shops: a person's name and no industry.
    person = person_names(rng, n)
    names = np.where(acc_type == 2, city_cn + "-" + person, names)
    w.acc_name = names
    return ind, person


def build_accounts(w: World) -> pl.DataFrame:
    rng = seeded_rng(w.seed, "accounts")
    n = max(w.sizes.accounts, w.n_partners + 50)
    is_ptr, foreign = _types(w, n, rng)
    region, city, city_cn, tier, sales_region = _geography(w, is_ptr, foreign, rng)
    _channel_and_spend(w, is_ptr, foreign, rng)
    _owners(w, sales_region, rng)
    updated = _lifecycle(w, is_ptr, rng)
    ind, person = _names(w, city_cn, rng)
    acc_type, weight, strategic, credit = w.acc_type, w.acc_weight, w.acc_strategic, w.acc_credit
    owner, channel, partner, created = w.acc_owner, w.acc_channel, w.acc_partner, w.acc_created
    score = np.clip(np.ceil(5 * (np.argsort(np.argsort(weight)) + 1) / n + rng.normal(0, 0.8, n)), 1, 5)
    ids = id_series("ACC", np.arange(1, n + 1), 7)
    return pl.DataFrame(
        {
            "account_id": ids,
            "account_name": w.acc_name.tolist(),
            "industry": str_series(np.where(acc_type == 2, None, np.array(INDUSTRIES, dtype=object)[ind])),
            "region": str_series(region),
            "city": str_series(city),
            "city_tier": pl.Series(np.where(tier > 0, tier, np.nan), nan_to_null=True).cast(pl.Int64),
            "account_type": take(ACCOUNT_TYPES, acc_type),
            "owner_rep_id": id_series("REP", owner + 1, 4),
            "acquisition_channel_id": take([c[0] for c in CHANNELS], channel),
            "partner_id": optional_id_series("PTR", np.where(partner >= 0, partner + 1, -1), 4),
            "credit_rating": take(CREDIT_RATINGS, credit),
            "strategic_flag": pl.Series(strategic),
            "demand_intensity": score.astype(np.int64),
            "cooperation_potential": np.clip(score + rng.integers(-1, 2, n), 1, 5).astype(np.int64),
            "strategic_fit": np.clip(np.where(strategic, 5, score - rng.integers(0, 2, n)), 1, 5).astype(np.int64),
            "contact_name": person.tolist(),
            "contact_phone": pl.Series(
                np.char.add("1", rng.choice(["38", "39", "50", "58", "86", "89"], n).astype(str))
            )
            + pl.Series(rng.integers(0, 10**8, n)).cast(pl.String).str.zfill(8),
            "contact_email": ids.str.to_lowercase() + "@customer.example.com",
            "created_at": timestamp_series(created),
            "updated_at": timestamp_series(updated),
        }
    )


def set_partner_account_names(accounts: pl.DataFrame, partners: pl.DataFrame, w: World) -> pl.DataFrame:
    """Partner accounts carry the partner's legal name (the distributor is the buying customer)."""
    n_ptr = w.n_partners
    names = accounts["account_name"].to_list()
    names[:n_ptr] = partners["partner_name"].to_list()
    w.acc_name = np.array(names, dtype=object)
    return accounts.with_columns(pl.Series("account_name", names, dtype=pl.String))
