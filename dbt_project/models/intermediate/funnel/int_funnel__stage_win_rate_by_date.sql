-- Company stage win rate (阶段赢率) as it was known on each snapshot date: among deals closed in the
-- trailing funnel_win_rate_window_months up to that date, won ÷ closed of those that had reached the
-- stage ("根据以往销售的统计数据赋予每一阶段成功的概率", domain.md §2.2). Computed per date, not once,
-- so a past snapshot keeps the probability it had then. Below funnel_min_company_sample closed deals
-- the stages seed default is used instead.
with dates as (
    select snapshot_date from {{ ref('int_funnel__snapshot_dates') }}
),

stages as (
    select stage_code, stage_order, default_win_probability
    from {{ ref('stages') }}
    where not is_lost_stage
),

closed_in_window as (
    select
        state.snapshot_date,
        state.opportunity_id,
        state.status_at_date,
        state.furthest_stage_order
    from {{ ref('int_funnel__opportunity_state_by_date') }} as state
    where state.status_at_date in ('won', 'lost')
      and state.closed_date > cast({{ dbt.dateadd('month', -1 * var('funnel_win_rate_window_months'), 'state.snapshot_date') }} as date)
),

counts as (
    select
        dates.snapshot_date,
        stages.stage_code,
        stages.stage_order,
        stages.default_win_probability,
        count(closed_in_window.opportunity_id) as closed_n,
        cast(
            coalesce(sum(case when closed_in_window.status_at_date = 'won' then 1 else 0 end), 0)
            as {{ dbt.type_bigint() }}
        ) as won_n
    from dates
    cross join stages
    left join closed_in_window
        on closed_in_window.snapshot_date = dates.snapshot_date
        and closed_in_window.furthest_stage_order >= stages.stage_order
    group by dates.snapshot_date, stages.stage_code, stages.stage_order, stages.default_win_probability
)

select
    snapshot_date,
    stage_code,
    stage_order,
    closed_n,
    won_n,
    closed_n - won_n as lost_n,
    case when closed_n > 0 then {{ as_double("won_n") }} / closed_n end as historical_win_rate,
    default_win_probability,
    case
        when closed_n >= {{ var('funnel_min_company_sample') }} then {{ as_double("won_n") }} / closed_n
        else default_win_probability
    end as win_probability,
    case
        when closed_n >= {{ var('funnel_min_company_sample') }} then 'historical'
        else 'stage_default'
    end as probability_source
from counts
