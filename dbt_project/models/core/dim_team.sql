-- Sales teams (团队) with their place in a team tree of any depth, one row per team. The tree is the
-- one dim_team_hierarchy rolls up along: parent_team_id is the link as given, rollup_parent_team_id the
-- link actually followed (null when the given parent names no team or sits on a parent cycle).
{%- set max_depth = var('team_hierarchy_max_depth') | int -%}
{%- set path_parts = ["'/'"] -%}
{%- for depth in range(max_depth, -1, -1) -%}
    {%- do path_parts.append("case when paths.ancestor_" ~ depth ~ " is not null then " ~ dbt.concat(['paths.ancestor_' ~ depth, "'/'"]) ~ " else '' end") -%}
{%- endfor %}
with teams as (
    select * from {{ ref('stg_crm__teams') }}
),

hierarchy as (
    select * from {{ ref('dim_team_hierarchy') }}
),

ancestry as (
    select
        descendant_team_id as team_id,
        max(depth) as max_depth,
        max(case when depth = 1 then ancestor_team_id end) as rollup_parent_team_id
    from hierarchy
    group by descendant_team_id
),

top_teams as (
    select hierarchy.descendant_team_id as team_id, hierarchy.ancestor_team_id as top_team_id
    from hierarchy
    inner join ancestry
        on ancestry.team_id = hierarchy.descendant_team_id
        and ancestry.max_depth = hierarchy.depth
),

child_counts as (
    select ancestor_team_id as team_id, count(*) as child_team_count
    from hierarchy
    where depth = 1
    group by ancestor_team_id
),

paths as (
    -- Slash-delimited ids from the top team down, e.g. /T001/T003/T007/, so a BI filter
    -- team_path like '%/T001/%' selects a team's whole subtree on any table that carries it. Built
    -- from one column per depth rather than an ordered listagg (Spark ignores its order by).
    select
        descendant_team_id as team_id
        {%- for depth in range(max_depth, -1, -1) %},
        max(case when depth = {{ depth }} then ancestor_team_id end) as ancestor_{{ depth }}
        {%- endfor %}
    from hierarchy
    group by descendant_team_id
)

select
    teams.team_id,
    teams.team_name,
    teams.parent_team_id,
    parent.team_name as parent_team_name,
    ancestry.rollup_parent_team_id,
    top_teams.top_team_id,
    teams.region,
    ancestry.max_depth + 1 as hierarchy_level,
    case when child_counts.team_id is null then true else false end as is_leaf_team,
    {{ dbt.concat(path_parts) }} as team_path,
    case when teams.parent_team_id is not null and parent.team_id is null then true else false end as has_missing_parent,
    case
        when parent.team_id is not null and ancestry.rollup_parent_team_id is null then true
        else false
    end as is_in_parent_cycle
from teams
inner join ancestry
    on ancestry.team_id = teams.team_id
inner join top_teams
    on top_teams.team_id = teams.team_id
inner join paths
    on paths.team_id = teams.team_id
left join child_counts
    on child_counts.team_id = teams.team_id
left join teams as parent
    on parent.team_id = teams.parent_team_id
