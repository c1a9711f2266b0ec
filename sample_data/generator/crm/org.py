"""The sales organisation: teams (``teams.csv``) and sales reps (``sales_reps.csv``).

Two region teams (East, North) with an even number of leaf teams under them; a director heads each
region, one manager each leaf team, then the reps. ~10% of reps leave during the window and ~12% are
hired in it, so ownership and quotas have to follow people (``World.effective_rep``).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sample_data.generator.calendar import END_DAY, START_DAY, day_number, sample_days
from sample_data.generator.columns import date_series, id_series, optional_id_series, take
from sample_data.generator.randomness import person_names, seeded_rng
from sample_data.generator.reference import REGIONS, REP_ROLES
from sample_data.generator.world import World


def build_org(w: World) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = seeded_rng(w.seed, "org")
    n_leaf = w.sizes.leaf_teams
    n_teams = 2 + n_leaf
    team_region = np.concatenate([[0, 1], np.arange(n_leaf) % 2])
    team_parent = np.concatenate([[-1, -1], np.arange(n_leaf) % 2])
    region_cn = ("华东", "华北")
    ordinal = "一二三四五六七八九十"
    names = [f"{region_cn[0]}大区", f"{region_cn[1]}大区"]
    for i in range(n_leaf):
        k = i // 2
        names.append(f"{region_cn[i % 2]}{ordinal[k] if k < 10 else k + 1}部")
    teams = pl.DataFrame(
        {
            "team_id": id_series("T", np.arange(1, n_teams + 1), 3),
            "team_name": names,
            "parent_team_id": optional_id_series("T", np.where(team_parent >= 0, team_parent + 1, -1), 3),
            "region": take(REGIONS, team_region),
        }
    )

    # Directors head the region teams, one manager per leaf team, then the reps.
    rep_team: list[int] = [0, 1]
    rep_role: list[int] = [2, 2]
    rep_manager: list[int] = [-1, -1]
    team_manager = np.full(n_teams, -1, dtype=np.int64)
    team_manager[0], team_manager[1] = 0, 1
    for t in range(2, n_teams):
        team_manager[t] = len(rep_team)
        rep_team.append(t)
        rep_role.append(1)
        rep_manager.append(int(team_region[t]))
        for _ in range(w.sizes.reps_per_team):
            rep_team.append(t)
            rep_role.append(0)
            rep_manager.append(int(team_manager[t]))
    n = len(rep_team)
    role = np.array(rep_role)
    hire = np.where(
        role == 0,
        sample_days(rng, day_number(date(2017, 3, 1)), day_number(date(2023, 10, 31)), n),
        sample_days(rng, day_number(date(2014, 1, 1)), day_number(date(2020, 12, 31)), n),
    )
    term = np.full(n, 10**7, dtype=np.int64)
    plain = np.flatnonzero(role == 0)
    order = rng.permutation(plain)
    n_term = max(1, round(0.10 * len(plain)))
    n_new = max(1, round(0.12 * len(plain)))
    leavers, newcomers = order[:n_term], order[n_term : n_term + n_new]
    term[leavers] = sample_days(rng, START_DAY + 60, END_DAY - 30, len(leavers))
    hire[newcomers] = sample_days(rng, START_DAY, END_DAY - 150, len(newcomers))

    w.team_region, w.team_parent, w.team_manager = team_region, team_parent, team_manager
    w.leaf_teams = np.arange(2, n_teams)
    w.rep_team, w.rep_role = np.array(rep_team), role
    w.rep_manager, w.rep_hire, w.rep_term = np.array(rep_manager), hire, term
    w.team_size = np.bincount(w.rep_team, minlength=n_teams)
    w.team_members = np.zeros((n_teams, int(w.team_size.max())), dtype=np.int64)
    for t in range(n_teams):
        w.team_members[t, : w.team_size[t]] = np.flatnonzero(w.rep_team == t)

    rep_ids = id_series("REP", np.arange(1, n + 1), 4)
    reps = pl.DataFrame(
        {
            "rep_id": rep_ids,
            "rep_name": person_names(rng, n).tolist(),
            "email": (rep_ids.str.to_lowercase() + "@salesops.example.cn"),
            "team_id": id_series("T", np.array(rep_team) + 1, 3),
            "manager_rep_id": optional_id_series("REP", np.where(w.rep_manager >= 0, w.rep_manager + 1, -1), 4),
            "role": take(REP_ROLES, role),
            "region": take(REGIONS, team_region[np.array(rep_team)]),
            "hire_date": date_series(hire),
            "termination_date": date_series(term, term < 10**7),
        }
    )
    return teams, reps
