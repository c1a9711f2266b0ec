"""The channel catalog (``channels.csv``) and partners (``partners.csv``).

Partners are distributors or regional agents in a tier; second-level distributors sit under a
strategic / preferred one of the same region. Each partner is authorized for its home province and a
few more of its region, carries a set of products (slot 0 always an established one) and a few
misbehave on purpose: inventory stuffing at quarter end, selling far below list price (砸价) and
selling outside the authorized provinces (窜货).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingestion.contract import PARTNER_TIERS
from sample_data.generator.calendar import END_DAY, EPOCH, START_DAY, day_number, month_of_day, sample_days
from sample_data.generator.columns import date_series, id_series, optional_id_series, take
from sample_data.generator.randomness import seeded_rng
from sample_data.generator.reference import BRAND_CHARS, CH_AGENT, CH_DIST, CHANNELS, PROVINCE_NAMES, PROVINCES, REGIONS
from sample_data.generator.world import World


def build_channels() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "channel_id": [c[0] for c in CHANNELS],
            "channel_name": [c[1] for c in CHANNELS],
            "channel_type": [c[2] for c in CHANNELS],
            "channel_subtype": [c[3] for c in CHANNELS],
        }
    )


def build_partners(w: World) -> pl.DataFrame:
    rng = seeded_rng(w.seed, "partners")
    n = w.sizes.partners
    n_prov = len(PROVINCES)
    channel = np.where(rng.random(n) < 0.65, CH_DIST, CH_AGENT)
    tier = rng.choice(4, size=n, p=[0.1, 0.25, 0.4, 0.25])
    tier[0], tier[1] = 0, 1  # at least one strategic and one preferred partner (L1 parents)
    prov_w = np.array([p[2] for p in PROVINCES])
    province = rng.choice(n_prov, size=n, p=prov_w / prov_w.sum())
    prov_region = np.array([REGIONS.index(p[1]) for p in PROVINCES])
    region = prov_region[province]
    # Second-level distributors sit under a strategic/preferred distributor of the same region.
    channel[:2] = CH_DIST
    parent = np.full(n, -1, dtype=np.int64)
    l1 = np.flatnonzero((channel == CH_DIST) & (tier <= 1))
    for p in range(n):
        if channel[p] == CH_DIST and tier[p] >= 2 and rng.random() < 0.4:
            same = l1[region[l1] == region[p]]
            pool = same if len(same) else l1
            parent[p] = pool[rng.integers(len(pool))]
    if not (parent >= 0).any():
        p = int(np.flatnonzero(tier >= 2)[0])
        channel[p], parent[p] = CH_DIST, l1[0]
    auth = np.zeros((n, n_prov), dtype=bool)
    auth[np.arange(n), province] = True
    n_extra = rng.integers(0, 4, n)
    for p in range(n):
        same = np.flatnonzero((prov_region == region[p]) & ~auth[p])
        auth[p, rng.permutation(same)[: n_extra[p]]] = True
    start = np.where(
        rng.random(n) < 0.15,
        sample_days(rng, START_DAY, END_DAY - 120, n),
        sample_days(rng, day_number(date(2016, 1, 1)), day_number(date(2023, 6, 30)), n),
    )
    start[:2] = day_number(date(2018, 1, 1))
    years = rng.integers(3, 6, n)
    end_year = np.maximum(2026, np.array([date.fromordinal(EPOCH.toordinal() + int(d)).year for d in start]) + years)
    end = np.array([day_number(date(int(y), 12, 31)) for y in end_year])
    carry_n = np.minimum(w.n_products, np.array([20, 15, 10, 6])[tier] + rng.integers(-2, 5, n)).astype(np.int64)
    established = np.flatnonzero(w.prod_launch < START_DAY)
    carry = np.full((n, int(carry_n.max())), -1, dtype=np.int64)
    for p in range(n):
        first = established[rng.integers(len(established))]
        rest = rng.permutation(np.setdiff1d(np.arange(w.n_products), [first]))[: carry_n[p] - 1]
        carry[p, : carry_n[p]] = np.concatenate([[first], rest])
    staff = rng.integers(5, 80, n)
    trained = np.floor(staff * rng.uniform(0.3, 1.0, n)).astype(np.int64)
    flags = rng.permutation(n)
    k = max(1, round(0.12 * n))
    w.ptr_stuffer = np.isin(np.arange(n), flags[:k])
    w.ptr_dumper = np.isin(np.arange(n), flags[k : k + max(1, round(0.05 * n))])
    w.ptr_cross_seller = np.isin(np.arange(n), flags[k + max(1, round(0.05 * n)) : 2 * k + 1])
    w.ptr_channel, w.ptr_tier, w.ptr_province = channel, tier, province
    w.ptr_auth, w.ptr_carry, w.ptr_carry_n = auth, carry, carry_n
    w.ptr_slot = np.full((n, w.n_products), -1, dtype=np.int64)
    for p in range(n):
        w.ptr_slot[p, carry[p, : carry_n[p]]] = np.arange(carry_n[p])
    w.ptr_start_month = np.maximum(0, month_of_day(start))
    prefix = np.array(["华东" if r == 0 else "华北" for r in region], dtype=object)
    kind = np.where(channel == CH_DIST, "商贸有限公司", "科技代理有限公司")
    brand = np.array(BRAND_CHARS, dtype=object)
    pair = rng.permutation(len(brand) ** 2)[:n] % (len(brand) ** 2)  # distinct brand pairs: unique names
    names = prefix + brand[pair // len(brand)] + brand[pair % len(brand)] + kind
    auth_text = ["; ".join(np.array(PROVINCE_NAMES)[auth[p]]).replace("; ", ";") for p in range(n)]
    return pl.DataFrame(
        {
            "partner_id": id_series("PTR", np.arange(1, n + 1), 4),
            "partner_name": names.tolist(),
            "channel_id": take([c[0] for c in CHANNELS], channel),
            "tier": take(PARTNER_TIERS, tier),
            "parent_partner_id": optional_id_series("PTR", np.where(parent >= 0, parent + 1, -1), 4),
            "region": take(PROVINCE_NAMES, province),
            "authorized_regions": auth_text,
            "contract_start": date_series(start),
            "contract_end": date_series(end),
            "staff_count": staff,
            "staff_trained": trained,
        }
    )
