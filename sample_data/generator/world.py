"""Table sizes for a scale, and the ``World``: the arrays later tables need from earlier ones.

Tables are generated in dependency order (org, products, fx, partners, accounts, funnel, orders, channel
stock, activities, quotas); each step stores what later steps draw from (indices, not ids) on the
world, and the streamed orders accumulate the actuals the quotas are planned from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sample_data.generator.calendar import N_DAYS, START_DAY

# Base sizes at scale 1.0.
_BASE_ACCOUNTS = 2_000
_BASE_LEADS = 6_000
_BASE_OPPORTUNITIES = 2_500
_BASE_ORDERS = 15_000
_BASE_ACTIVITIES = 25_000
_BASE_PRODUCTS = 60
_BASE_PARTNERS = 40
_BASE_LEAF_TEAMS = 4
_BASE_REPS_PER_TEAM = 7


@dataclass(frozen=True)
class Sizes:
    """Row counts to generate (dimension-like tables grow with sqrt(scale))."""

    leaf_teams: int
    reps_per_team: int
    products: int
    partners: int
    accounts: int
    leads: int
    opportunities: int
    orders: int | None  # None: derive from order_lines after the opportunities exist
    order_lines: int | None
    activities: int


def sizes_for(scale: float, order_lines: int | None) -> Sizes:
    root = math.sqrt(scale)
    leaf = max(2, 2 * round(_BASE_LEAF_TEAMS * root / 2))  # even: the two regions get the same count
    return Sizes(
        leaf_teams=leaf,
        reps_per_team=max(3, round(_BASE_REPS_PER_TEAM * root)),
        products=max(12, round(_BASE_PRODUCTS * root)),
        partners=max(10, round(_BASE_PARTNERS * root)),
        accounts=max(150, round(_BASE_ACCOUNTS * scale)),
        leads=max(200, round(_BASE_LEADS * scale)),
        opportunities=max(100, round(_BASE_OPPORTUNITIES * scale)),
        orders=None if order_lines is not None else max(300, round(_BASE_ORDERS * scale)),
        order_lines=order_lines,
        activities=max(500, round(_BASE_ACTIVITIES * scale)),
    )


@dataclass
class World:
    """Arrays shared between tables (indices, not ids), built dimension by dimension."""

    seed: int
    sizes: Sizes
    # org
    team_region: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_parent: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    leaf_teams: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_manager: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_role: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 rep 1 manager 2 dir
    rep_manager: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_hire: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_term: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_members: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # padded
    team_size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # products
    prod_list_price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prod_launch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_pop: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # fx: rate[currency, day - START_DAY] in CNY per unit
    fx: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # partners
    ptr_channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_tier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_province: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_auth: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # [partner, province]
    ptr_start_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_carry: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # padded -1
    ptr_carry_n: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_slot: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # [partner, product]
    ptr_stuffer: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ptr_dumper: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ptr_cross_seller: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # accounts
    acc_name: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    acc_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    acc_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 ent 1 smb 2 consumer
    acc_partner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_currency: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_hist_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_credit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_strategic: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    acc_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_created: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # opportunity-linked orders, by order month
    opp_orders: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    opp_won_team_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    # opportunity-linked activities (computed with the funnel)
    opp_act_ts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_opp: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_rep: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_acc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # accumulated while streaming orders
    rev_rep_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    coll_rep_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    rev_partner_quarter: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sell_in: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.int64))
    first_order_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_reps(self) -> int:
        return len(self.rep_team)

    @property
    def n_accounts(self) -> int:
        return len(self.acc_weight)

    @property
    def n_partners(self) -> int:
        return len(self.ptr_tier)

    @property
    def n_products(self) -> int:
        return len(self.prod_list_price)

    def employed(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.rep_hire[rep] <= day) & (day <= self.rep_term[rep])

    def effective_rep(self, acc: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Who sold to an account on a day: the historic owner while employed, then the current owner,
        else the team manager (new hires before their start date, leavers after they left)."""
        hist = self.acc_hist_owner[acc]
        owner = self.acc_owner[acc]
        manager = self.team_manager[self.acc_team[acc]]
        return np.where(self.employed(hist, day), hist, np.where(self.employed(owner, day), owner, manager))

    def rate(self, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.fx[currency, np.clip(day - START_DAY, 0, N_DAYS - 1)]
