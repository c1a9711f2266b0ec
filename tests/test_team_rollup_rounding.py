"""The generic test team_rollup_adds_up on a hand-made mart_win_rate: the stored rounding of six child
teams must not fail it, a lost deal must.

The figures are the ones that failed it on the scale-10 sample landing (seed 42): won deals closed in
May 2025 of region team T001, whose six child teams each store their exact sum (12 decimals) rounded to
the mart's 6. Exact subtree 11012291.006808240000 is stored 11012291.006808; the children's stored
figures add up to 11012291.006810, two steps of 0.000001 apart, because five of the six rounded up.
Both figures are right; the test used to allow one step only.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.pipeline import run_dbt

REGION = "T001"
# (child team, exact won amount of its own deals) in May 2025, from int_funnel__opportunities.
CHILDREN = [
    ("T003", "1752306.930320700000"),
    ("T005", "1751752.023799040000"),
    ("T007", "2183110.782704650000"),
    ("T009", "1453583.630676680000"),
    ("T011", "1494591.466218590000"),
    ("T013", "2376946.173088580000"),
]
HONEST, TAMPERED = "2025-05-01", "2025-06-01"
MEASURES = [
    "won_count",
    "lost_count",
    "closed_count",
    "won_amount_base",
    "lost_amount_base",
    "created_count",
    "created_won_count",
    "checklist_won_count",
    "checklist_lost_count",
]


def _warehouse(path: Path) -> None:
    """core.dim_team and marts.mart_win_rate with only the columns the test reads, rounded as the mart
    rounds (sum the exact amounts, then cast to numeric(28,6))."""
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute("create schema marts")
    con.execute("create table core.dim_team (team_id varchar, rollup_parent_team_id varchar)")
    con.execute("insert into core.dim_team values (?, null)", [REGION])
    con.executemany("insert into core.dim_team values (?, ?)", [(team, REGION) for team, _ in CHILDREN])
    con.execute(
        "create table exact_deals (period_month date, team_id varchar, amount decimal(38, 12), won_count bigint)"
    )
    for month in (HONEST, TAMPERED):
        con.executemany(
            "insert into exact_deals values (cast(? as date), ?, cast(? as decimal(38, 12)), 2)",
            [(month, team, amount) for team, amount in CHILDREN],
        )
    # The test reads every measure it is given; the ones not under test are zero.
    columns = ", ".join(
        f"cast({m if m in ('won_count', 'won_amount_base') else 0} as "
        f"{'decimal(28, 6)' if m.endswith('_base') else 'bigint'}) as {m}"
        for m in MEASURES
    )
    con.execute(
        f"""
        create table marts.mart_win_rate as
        with subtree as (
            select period_month, 'team' as slice_type, team_id as slice_value,
                sum(won_count) as won_count, sum(amount) as won_amount_base
            from exact_deals group by period_month, team_id
            union all
            select period_month, 'team_direct', team_id, sum(won_count), sum(amount)
            from exact_deals group by period_month, team_id
            union all
            select period_month, 'team', '{REGION}', sum(won_count), sum(amount)
            from exact_deals group by period_month
        )
        select period_month, slice_type, slice_value, {columns} from subtree
        """
    )
    # June: the region lost one of T013's deals (its count and its 0.30 CNY) on the way up.
    con.execute(
        f"update marts.mart_win_rate set won_count = won_count - 1, won_amount_base = won_amount_base - 0.30 "
        f"where period_month = date '{TAMPERED}' and slice_type = 'team' and slice_value = '{REGION}'"
    )
    con.close()


def test_stored_rounding_of_six_child_teams_passes_a_lost_deal_fails(tmp_path: Path):
    # Named as the suite's other warehouses: dbt's saved parse state is per file name and vars
    # (orchestration/dbt_parse_cache.py), so `dbt test` below starts from theirs instead of a full parse.
    warehouse = tmp_path / "salesops.duckdb"
    _warehouse(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    region, children = con.execute(
        "select sum(case when slice_value = ? then won_amount_base end), "
        "sum(case when slice_value <> ? then won_amount_base end) "
        "from marts.mart_win_rate where slice_type = 'team' and period_month = date '2025-05-01'",
        [REGION, REGION],
    ).fetchone()
    con.close()
    assert (str(region), str(children)) == ("11012291.006808", "11012291.006810")  # the failing row

    target = tmp_path / "target"
    proc = run_dbt(
        [
            "test",
            "--select",
            "mart_win_rate,test_name:team_rollup_adds_up",
            "--store-failures",
        ],
        warehouse,
        target_path=target,
        check=False,
    )
    assert (target / "run_results.json").exists(), proc.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    results = [r for r in results if r["unique_id"].startswith("test.")]
    assert len(results) == 1, [r["unique_id"] for r in results]
    assert (results[0]["status"], results[0]["failures"]) == ("fail", 1), proc.stdout[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    failure_table = con.execute(
        "select table_schema, table_name from information_schema.tables where table_name like 'team_rollup_adds_up%'"
    ).fetchone()
    rows = con.execute(
        f"select period_month, team_id, part_count, subtree_won_count, children_plus_direct_won_count, "
        f'subtree_won_amount_base, children_plus_direct_won_amount_base from "{failure_table[0]}"."{failure_table[1]}"'
    ).fetchall()
    con.close()
    assert [(str(r[0]), r[1], r[2], r[3], int(r[4]), str(r[5]), str(r[6])) for r in rows] == [
        (TAMPERED, REGION, 6, 11, 12, "11012290.706808", "11012291.006810")
    ]
