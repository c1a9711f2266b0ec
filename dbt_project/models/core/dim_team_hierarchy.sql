{#-
  Team hierarchy bridge (团队 / 组织结构 closure table): one row per ancestor team × descendant team,
  the team itself included at depth 0, for a tree of any depth built from teams.parent_team_id.

  Spark has no recursive CTE (stack-notes.md), so the parent chain is unrolled into
  team_hierarchy_max_depth self-joins. Two defects in the parent links must not multiply rows or
  loop: a parent_team_id that names no team ends the chain there (the team is top level), and every
  team on a parent cycle is treated as top level (the cycle's links are dropped, links pointing into
  the cycle are kept). dim_team flags both; a chain longer than the var is caught by
  assert_team_hierarchy_reaches_top_level.
-#}
{%- set max_depth = var('team_hierarchy_max_depth') | int -%}
with teams as (
    select team_id, parent_team_id from {{ ref('stg_crm__teams') }}
),

links as (
    select
        teams.team_id,
        parents.team_id as parent_team_id
    from teams
    left join teams as parents
        on parents.team_id = teams.parent_team_id
),

given_chain as (
    select
        l0.team_id
        {%- for step in range(1, max_depth + 1) %},
        l{{ step - 1 }}.parent_team_id as ancestor_{{ step }}
        {%- endfor %}
    from links as l0
    {%- for step in range(1, max_depth) %}
    left join links as l{{ step }}
        on l{{ step }}.team_id = l{{ step - 1 }}.parent_team_id
    {%- endfor %}
),

cycle_members as (
    select team_id
    from given_chain
    where team_id in (
        {%- for step in range(1, max_depth + 1) %}
        coalesce(ancestor_{{ step }}, ''){% if not loop.last %},{% endif %}
        {%- endfor %}
    )
),

rollup_links as (
    select
        links.team_id,
        case when cycle_members.team_id is null then links.parent_team_id end as parent_team_id
    from links
    left join cycle_members
        on cycle_members.team_id = links.team_id
),

chain as (
    select
        r0.team_id
        {%- for step in range(1, max_depth + 1) %},
        r{{ step - 1 }}.parent_team_id as ancestor_{{ step }}
        {%- endfor %}
    from rollup_links as r0
    {%- for step in range(1, max_depth) %}
    left join rollup_links as r{{ step }}
        on r{{ step }}.team_id = r{{ step - 1 }}.parent_team_id
    {%- endfor %}
),

depths as (
    {%- for step in range(0, max_depth + 1) %}
    select {{ step }} as depth{% if not loop.last %}
    union all{% endif %}
    {%- endfor %}
),

-- Each team with each depth, its ancestor at that depth picked from the chain's columns: one read of the
-- chain. A union of one select per depth read it max_depth + 1 times, and Spark inlines the whole chain,
-- self-joins and cycle detection, at every read: the model took 17 s there for a few rows.
candidate_pairs as (
    select
        case depths.depth
            when 0 then chain.team_id
            {%- for step in range(1, max_depth + 1) %}
            when {{ step }} then chain.ancestor_{{ step }}
            {%- endfor %}
        end as ancestor_team_id,
        chain.team_id as descendant_team_id,
        depths.depth
    from chain
    cross join depths
),

pairs as (
    select ancestor_team_id, descendant_team_id, depth
    from candidate_pairs
    where ancestor_team_id is not null
)

select
    cast(ancestor_team_id as {{ dbt.type_string() }}) as ancestor_team_id,
    cast(descendant_team_id as {{ dbt.type_string() }}) as descendant_team_id,
    cast(depth as integer) as depth,
    cast(case when depth = 0 then true else false end as {{ dbt.type_boolean() }}) as is_self
from pairs
