-- Win rate (赢单率) by month × slice (company / team subtree / team_direct / rep / channel), as of the
-- as-of date: won ÷ (won + lost) of the deals closed in the month, the share of the month's new deals
-- that were won (won ÷ all created, cohort by creation month), and the realized win rate of deals that
-- met the 8个C,1个F,0个W checklist beside the ≥60% the source promises for them ([002], domain.md §2.3).
-- A team row counts every deal of the team's subtree (dim_team_hierarchy, domain.md §5.2), so a parent
-- team's rate is won ÷ closed over its child teams' deals and its own, computed from the subtree
-- counts (a mean of the child teams' rates would weight a 2-deal team like a 200-deal one).
-- team_direct rows hold only the team's own deals; they, not the team rows, add up to the company.
with opportunities as (
    select
        opportunities.*,
        cast({{ dbt.date_trunc('month', 'opportunities.created_date') }} as date) as created_month,
        cast({{ dbt.date_trunc('month', 'opportunities.closed_date') }} as date) as closed_month
    from {{ ref('int_funnel__opportunities') }} as opportunities
),

sliced as (
    select opportunities.*, 'company' as slice_type, 'all' as slice_value from opportunities
    union all
    select opportunities.*, 'team' as slice_type, {{ team_subtree_id("coalesce(opportunities.team_id, '(none)')") }} as slice_value
    from opportunities
    {{ team_subtree_join("coalesce(opportunities.team_id, '(none)')") }}
    union all
    select opportunities.*, 'team_direct' as slice_type, coalesce(team_id, '(none)') as slice_value from opportunities
    union all
    select opportunities.*, 'rep' as slice_type, coalesce(rep_id, '(none)') as slice_value from opportunities
    union all
    select opportunities.*, 'channel' as slice_type, coalesce(channel_id, '(none)') as slice_value from opportunities
),

closed as (
    select
        closed_month as period_month,
        slice_type,
        slice_value,
        sum(case when status_as_of = 'won' then 1 else 0 end) as won_count,
        sum(case when status_as_of = 'lost' then 1 else 0 end) as lost_count,
        sum(case when status_as_of = 'won' then coalesce(amount_base, 0) else 0 end) as won_amount_base,
        sum(case when status_as_of = 'lost' then coalesce(amount_base, 0) else 0 end) as lost_amount_base,
        sum(case when status_as_of = 'won' and is_8c1f0w then 1 else 0 end) as checklist_won_count,
        sum(case when status_as_of = 'lost' and is_8c1f0w then 1 else 0 end) as checklist_lost_count
    from sliced
    where status_as_of in ('won', 'lost')
    group by closed_month, slice_type, slice_value
),

created as (
    select
        created_month as period_month,
        slice_type,
        slice_value,
        count(*) as created_count,
        sum(case when status_as_of = 'won' then 1 else 0 end) as created_won_count
    from sliced
    where created_month is not null
      and created_date <= as_of_date
    group by created_month, slice_type, slice_value
),

keys as (
    select period_month, slice_type, slice_value from closed
    union
    select period_month, slice_type, slice_value from created
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
)

select
    cast(keys.period_month as date) as period_month,
    cast(keys.slice_type as {{ dbt.type_string() }}) as slice_type,
    cast(keys.slice_value as {{ dbt.type_string() }}) as slice_value,
    cast(
        case when keys.slice_type in ('team', 'team_direct') then coalesce(teams.hierarchy_level, 1) end as integer
    ) as team_hierarchy_level,
    cast(
        case when keys.slice_type in ('team', 'team_direct') then coalesce(teams.is_leaf_team, true) end as boolean
    ) as is_leaf_team,
    cast(coalesce(closed.won_count, 0) as {{ dbt.type_bigint() }}) as won_count,
    cast(coalesce(closed.lost_count, 0) as {{ dbt.type_bigint() }}) as lost_count,
    cast(coalesce(closed.won_count, 0) + coalesce(closed.lost_count, 0) as {{ dbt.type_bigint() }}) as closed_count,
    cast(
        case
            when coalesce(closed.won_count, 0) + coalesce(closed.lost_count, 0) > 0
                then closed.won_count * 1.0 / (closed.won_count + closed.lost_count)
        end as {{ dbt.type_numeric() }}
    ) as win_rate,
    cast(coalesce(closed.won_amount_base, 0) as {{ dbt.type_numeric() }}) as won_amount_base,
    cast(coalesce(closed.lost_amount_base, 0) as {{ dbt.type_numeric() }}) as lost_amount_base,
    cast(
        case
            when coalesce(closed.won_amount_base, 0) + coalesce(closed.lost_amount_base, 0) > 0
                then closed.won_amount_base * 1.0 / (closed.won_amount_base + closed.lost_amount_base)
        end as {{ dbt.type_numeric() }}
    ) as amount_win_rate,
    cast(coalesce(created.created_count, 0) as {{ dbt.type_bigint() }}) as created_count,
    cast(coalesce(created.created_won_count, 0) as {{ dbt.type_bigint() }}) as created_won_count,
    cast(
        case when coalesce(created.created_count, 0) > 0 then created.created_won_count * 1.0 / created.created_count end
        as {{ dbt.type_numeric() }}
    ) as won_share_of_created,
    cast(coalesce(closed.checklist_won_count, 0) as {{ dbt.type_bigint() }}) as checklist_won_count,
    cast(coalesce(closed.checklist_lost_count, 0) as {{ dbt.type_bigint() }}) as checklist_lost_count,
    cast(
        case
            when coalesce(closed.checklist_won_count, 0) + coalesce(closed.checklist_lost_count, 0) > 0
                then closed.checklist_won_count * 1.0 / (closed.checklist_won_count + closed.checklist_lost_count)
        end as {{ dbt.type_numeric() }}
    ) as checklist_win_rate,
    cast({{ var('checklist_win_rate_benchmark') }} as {{ dbt.type_numeric() }}) as checklist_win_rate_benchmark,
    cast(
        case
            when coalesce(closed.checklist_won_count, 0) + coalesce(closed.checklist_lost_count, 0) > 0
                then closed.checklist_won_count * 1.0 / (closed.checklist_won_count + closed.checklist_lost_count)
                    >= {{ var('checklist_win_rate_benchmark') }}
        end as boolean
    ) as checklist_meets_benchmark,
    cast(as_of.as_of_date as date) as as_of_date
from keys
cross join as_of
left join {{ ref('dim_team') }} as teams
    on teams.team_id = keys.slice_value
    and keys.slice_type in ('team', 'team_direct')
left join closed
    on closed.period_month = keys.period_month
    and closed.slice_type = keys.slice_type
    and closed.slice_value = keys.slice_value
left join created
    on created.period_month = keys.period_month
    and created.slice_type = keys.slice_type
    and created.slice_value = keys.slice_value
