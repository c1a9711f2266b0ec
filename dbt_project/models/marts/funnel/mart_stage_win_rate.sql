-- Historical stage win rate (阶段赢率), stage × level (company / team) × window, as of the as-of date:
-- of the deals closed in the window that had reached the stage, the share won (domain.md §2.2:
-- "根据以往销售的统计数据赋予每一阶段成功的概率"). Reached = entered the stage or a later one, so every
-- won deal reached every stage and the rate cannot fall down the funnel ("上部低,下部高"). Won stages
-- are 1 and lost is 0 by construction. Rates are computed for the company and teams, never reps,
-- and a team's rate is only shown from funnel_min_team_sample closed deals ("没有足够的量").
-- level team is the team's whole subtree (dim_team_hierarchy, domain.md §5.2): the rate is won ÷
-- reached over the subtree's closed deals and the minimum sample applies to that subtree count, so a
-- parent team whose child teams are each too small on their own can still show a rate. level
-- team_direct keeps the team's own deals only (same minimum sample); those rows add up to the company.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

windows as (
    select
        'trailing_{{ var("funnel_win_rate_window_months") }}m' as window_name,
        {{ var('funnel_win_rate_window_months') }} as window_months,
        cast({{ dbt.dateadd('month', -1 * var('funnel_win_rate_window_months'), 'as_of.as_of_date') }} as date) as window_start_exclusive,
        as_of.as_of_date
    from as_of
    union all
    select
        'all_time' as window_name,
        cast(null as integer) as window_months,
        cast(null as date) as window_start_exclusive,
        as_of.as_of_date
    from as_of
),

stages as (
    select stage_code, stage_order, stage_name_zh, default_win_probability, is_won_stage, is_lost_stage
    from {{ ref('stages') }}
),

closed as (
    select
        windows.window_name,
        opportunities.opportunity_id,
        opportunities.team_id,
        opportunities.status_as_of,
        opportunities.furthest_stage_order
    from {{ ref('int_funnel__opportunities') }} as opportunities
    cross join windows
    where opportunities.status_as_of in ('won', 'lost')
      and (windows.window_start_exclusive is null or opportunities.closed_date > windows.window_start_exclusive)
),

closed_by_level as (
    select window_name, 'company' as level, 'all' as team_id, opportunity_id, status_as_of, furthest_stage_order
    from closed
    union all
    select
        closed.window_name,
        'team' as level,
        {{ team_subtree_id("coalesce(closed.team_id, '(none)')") }} as team_id,
        closed.opportunity_id,
        closed.status_as_of,
        closed.furthest_stage_order
    from closed
    {{ team_subtree_join("coalesce(closed.team_id, '(none)')") }}
    union all
    select window_name, 'team_direct' as level, coalesce(team_id, '(none)') as team_id, opportunity_id, status_as_of, furthest_stage_order
    from closed
),

spine as (
    -- Every stage for the company (once there is any deal: a business without a CRM gets no rows of
    -- zeros); every stage for each team (subtree and direct) with a closed deal in the window.
    select windows.window_name, 'company' as level, 'all' as team_id
    from windows
    where exists (select 1 from {{ ref('int_funnel__opportunities') }})
    union all
    select distinct window_name, level, team_id
    from closed_by_level
    where level in ('team', 'team_direct')
),

counts as (
    select
        spine.window_name,
        spine.level,
        spine.team_id,
        stages.stage_code,
        count(closed_by_level.opportunity_id) as reached_count,
        coalesce(sum(case when closed_by_level.status_as_of = 'won' then 1 else 0 end), 0) as won_count
    from spine
    cross join stages
    left join closed_by_level
        on closed_by_level.window_name = spine.window_name
        and closed_by_level.level = spine.level
        and closed_by_level.team_id = spine.team_id
        and (
            (stages.is_lost_stage and closed_by_level.status_as_of = 'lost')
            or (not stages.is_lost_stage and closed_by_level.furthest_stage_order >= stages.stage_order)
        )
    group by spine.window_name, spine.level, spine.team_id, stages.stage_code
)

select
    cast(counts.window_name as {{ dbt.type_string() }}) as window_name,
    cast(windows.window_months as integer) as window_months,
    cast({{ dbt.dateadd('day', 1, 'windows.window_start_exclusive') }} as date) as window_start_date,
    cast(counts.level as {{ dbt.type_string() }}) as level,
    cast(counts.team_id as {{ dbt.type_string() }}) as team_id,
    cast(
        case when counts.level in ('team', 'team_direct') then coalesce(teams.hierarchy_level, 1) end as integer
    ) as team_hierarchy_level,
    cast(
        case when counts.level in ('team', 'team_direct') then coalesce(teams.is_leaf_team, true) end as boolean
    ) as is_leaf_team,
    cast(counts.stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(stages.stage_order as integer) as stage_order,
    cast(stages.stage_name_zh as {{ dbt.type_string() }}) as stage_name_zh,
    cast(counts.reached_count as {{ dbt.type_bigint() }}) as reached_count,
    cast(counts.won_count as {{ dbt.type_bigint() }}) as won_count,
    cast(counts.reached_count - counts.won_count as {{ dbt.type_bigint() }}) as lost_count,
    cast(
        case when counts.reached_count > 0 then counts.won_count * 1.0 / counts.reached_count end
        as {{ dbt.type_numeric() }}
    ) as observed_win_rate,
    cast(
        case
            when counts.level in ('team', 'team_direct') then {{ var('funnel_min_team_sample') }}
            else 1
        end as integer
    ) as min_sample,
    cast(
        case
            when counts.level in ('team', 'team_direct') then counts.reached_count >= {{ var('funnel_min_team_sample') }}
            else counts.reached_count >= 1
        end as boolean
    ) as is_sample_sufficient,
    cast(
        case
            when counts.reached_count = 0 then null
            when counts.level in ('team', 'team_direct') and counts.reached_count < {{ var('funnel_min_team_sample') }} then null
            else counts.won_count * 1.0 / counts.reached_count
        end as {{ dbt.type_numeric() }}
    ) as win_rate,
    cast(stages.default_win_probability as {{ dbt.type_numeric() }}) as default_win_probability,
    cast(windows.as_of_date as date) as as_of_date
from counts
inner join windows
    on windows.window_name = counts.window_name
inner join stages
    on stages.stage_code = counts.stage_code
left join {{ ref('dim_team') }} as teams
    on teams.team_id = counts.team_id
    and counts.level in ('team', 'team_direct')
