-- Sales forecast (销售预测), forecast date × period month × slice (company / team subtree /
-- team_direct / rep). Forecast dates are the month-end snapshots and the as-of date; periods are the
-- month holding the day after the forecast date and the next funnel_forecast_horizon_months - 1 months.
-- The weighted forecast is Σ amount × stage win rate of the deals open on the forecast date whose
-- expected close date falls in the period ("结合机会可能性大小预测一定时期内的预计签单金额", [002]). A deal
-- still open whose expected close month is already before the first period is overdue: it is still
-- being worked, so it is forecast in the first period (months_ahead 0) and reported in the overdue_*
-- columns too, the same open pipeline pipeline coverage counts (mart_pipeline_velocity); the probability is
-- the historical stage win rate known on that date (mart_pipeline_snapshot). Once the period has
-- ended by the as-of date the actual (deals won in the period) is final and 预测准确率 forecast
-- accuracy = 1 − |actual − forecast| ÷ actual and bias = forecast − actual are shown (domain.md §6.2;
-- the start-of-period forecast is the row with is_start_of_period_forecast).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

forecast_dates as (
    select
        snapshot_date as forecast_date,
        cast({{ dbt.date_trunc('month', dbt.dateadd('day', 1, 'snapshot_date')) }} as date) as first_month
    from {{ ref('int_funnel__snapshot_dates') }}
    where is_month_end or is_as_of_date
),

months as (
    select date_day as month_start, month_end
    from {{ ref('dim_date') }}
    where day_of_month = 1
),

periods as (
    select
        forecast_dates.forecast_date,
        months.month_start as period_month,
        months.month_end as period_end,
        {{ dbt.datediff('forecast_dates.first_month', 'months.month_start', 'month') }} as months_ahead
    from forecast_dates
    inner join months
        on months.month_start >= forecast_dates.first_month
        and months.month_start < cast({{ dbt.dateadd('month', var('funnel_forecast_horizon_months'), 'forecast_dates.first_month') }} as date)
),

pipeline as (
    select
        periods.forecast_date,
        periods.period_month,
        snapshot.opportunity_id,
        coalesce(snapshot.team_id, '(none)') as team_id,
        snapshot.rep_id,
        snapshot.amount_base,
        snapshot.weighted_amount_base,
        case when snapshot.expected_close_month < forecast_dates.first_month then 1 else 0 end as is_overdue
    from {{ ref('mart_pipeline_snapshot') }} as snapshot
    inner join forecast_dates
        on forecast_dates.forecast_date = snapshot.snapshot_date
    inner join periods
        on periods.forecast_date = snapshot.snapshot_date
        and periods.period_month = case
            when snapshot.expected_close_month < forecast_dates.first_month then forecast_dates.first_month
            else snapshot.expected_close_month
        end
),

pipeline_sliced as (
    select forecast_date, period_month, 'company' as slice_type, 'all' as slice_value, amount_base, weighted_amount_base, is_overdue from pipeline
    union all
    select pipeline.forecast_date, pipeline.period_month, 'team' as slice_type, {{ team_subtree_id('pipeline.team_id') }} as slice_value, pipeline.amount_base, pipeline.weighted_amount_base, pipeline.is_overdue
    from pipeline
    {{ team_subtree_join('pipeline.team_id') }}
    union all
    select forecast_date, period_month, 'team_direct' as slice_type, team_id as slice_value, amount_base, weighted_amount_base, is_overdue from pipeline
    union all
    select forecast_date, period_month, 'rep' as slice_type, coalesce(rep_id, '(none)') as slice_value, amount_base, weighted_amount_base, is_overdue from pipeline
),

pipeline_totals as (
    select
        forecast_date,
        period_month,
        slice_type,
        slice_value,
        count(*) as open_deal_count,
        sum(amount_base) as unweighted_pipeline_base,
        sum(weighted_amount_base) as weighted_forecast_base,
        sum(is_overdue) as overdue_deal_count,
        sum(case when is_overdue = 1 then amount_base else 0 end) as overdue_pipeline_base,
        sum(case when is_overdue = 1 then weighted_amount_base else 0 end) as overdue_weighted_forecast_base
    from pipeline_sliced
    group by forecast_date, period_month, slice_type, slice_value
),

won as (
    select
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as period_month,
        coalesce(team_id, '(none)') as team_id,
        rep_id,
        coalesce(amount_base, 0) as amount_base
    from {{ ref('int_funnel__opportunities') }}
    where status_as_of = 'won'
),

won_sliced as (
    select period_month, 'company' as slice_type, 'all' as slice_value, amount_base from won
    union all
    select won.period_month, 'team' as slice_type, {{ team_subtree_id('won.team_id') }} as slice_value, won.amount_base
    from won
    {{ team_subtree_join('won.team_id') }}
    union all
    select period_month, 'team_direct' as slice_type, team_id as slice_value, amount_base from won
    union all
    select period_month, 'rep' as slice_type, coalesce(rep_id, '(none)') as slice_value, amount_base from won
),

won_totals as (
    select period_month, slice_type, slice_value, count(*) as won_count, sum(amount_base) as won_base
    from won_sliced
    group by period_month, slice_type, slice_value
),

keys as (
    select forecast_date, period_month, 'company' as slice_type, 'all' as slice_value from periods
    union
    select forecast_date, period_month, slice_type, slice_value from pipeline_totals
    union
    select periods.forecast_date, periods.period_month, won_totals.slice_type, won_totals.slice_value
    from periods
    inner join won_totals
        on won_totals.period_month = periods.period_month
),

joined as (
    select
        keys.forecast_date,
        keys.period_month,
        periods.period_end,
        periods.months_ahead,
        keys.slice_type,
        keys.slice_value,
        coalesce(pipeline_totals.open_deal_count, 0) as open_deal_count,
        coalesce(pipeline_totals.unweighted_pipeline_base, 0) as unweighted_pipeline_base,
        coalesce(pipeline_totals.weighted_forecast_base, 0) as weighted_forecast_base,
        coalesce(pipeline_totals.overdue_deal_count, 0) as overdue_deal_count,
        coalesce(pipeline_totals.overdue_pipeline_base, 0) as overdue_pipeline_base,
        coalesce(pipeline_totals.overdue_weighted_forecast_base, 0) as overdue_weighted_forecast_base,
        quotas.quota_revenue_base,
        case
            when keys.slice_type in ('team', 'team_direct') then coalesce(teams.hierarchy_level, 1)
        end as team_hierarchy_level,
        case
            when keys.slice_type in ('team', 'team_direct') then coalesce(teams.is_leaf_team, true)
        end as is_leaf_team,
        coalesce(won_totals.won_count, 0) as won_count_to_date,
        coalesce(won_totals.won_base, 0) as won_to_date_base,
        case when periods.period_end <= as_of.as_of_date then true else false end as is_period_closed,
        as_of.as_of_date
    from keys
    cross join as_of
    inner join periods
        on periods.forecast_date = keys.forecast_date
        and periods.period_month = keys.period_month
    left join pipeline_totals
        on pipeline_totals.forecast_date = keys.forecast_date
        and pipeline_totals.period_month = keys.period_month
        and pipeline_totals.slice_type = keys.slice_type
        and pipeline_totals.slice_value = keys.slice_value
    left join won_totals
        on won_totals.period_month = keys.period_month
        and won_totals.slice_type = keys.slice_type
        and won_totals.slice_value = keys.slice_value
    left join {{ ref('int_funnel__revenue_quota_monthly') }} as quotas
        on quotas.month_start = keys.period_month
        and quotas.slice_type = keys.slice_type
        and quotas.slice_value = keys.slice_value
    left join {{ ref('dim_team') }} as teams
        on teams.team_id = keys.slice_value
        and keys.slice_type in ('team', 'team_direct')
)

select
    cast(forecast_date as date) as forecast_date,
    cast(period_month as date) as period_month,
    cast(period_end as date) as period_end,
    cast(months_ahead as integer) as months_ahead,
    cast(
        case when cast({{ dbt.dateadd('day', 1, 'forecast_date') }} as date) = period_month then true else false end
        as boolean
    ) as is_start_of_period_forecast,
    cast(slice_type as {{ dbt.type_string() }}) as slice_type,
    cast(slice_value as {{ dbt.type_string() }}) as slice_value,
    cast(team_hierarchy_level as integer) as team_hierarchy_level,
    cast(is_leaf_team as boolean) as is_leaf_team,
    cast(open_deal_count as {{ dbt.type_bigint() }}) as open_deal_count,
    cast(unweighted_pipeline_base as {{ dbt.type_numeric() }}) as unweighted_pipeline_base,
    cast(weighted_forecast_base as {{ dbt.type_numeric() }}) as weighted_forecast_base,
    cast(overdue_deal_count as {{ dbt.type_bigint() }}) as overdue_deal_count,
    cast(overdue_pipeline_base as {{ dbt.type_numeric() }}) as overdue_pipeline_base,
    cast(overdue_weighted_forecast_base as {{ dbt.type_numeric() }}) as overdue_weighted_forecast_base,
    cast(quota_revenue_base as {{ dbt.type_numeric() }}) as quota_revenue_base,
    cast(
        case when quota_revenue_base > 0 then weighted_forecast_base * 1.0 / quota_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as forecast_to_quota,
    cast(is_period_closed as boolean) as is_period_closed,
    cast(won_count_to_date as {{ dbt.type_bigint() }}) as won_count_to_date,
    cast(won_to_date_base as {{ dbt.type_numeric() }}) as won_to_date_base,
    cast(case when is_period_closed then won_to_date_base end as {{ dbt.type_numeric() }}) as actual_won_base,
    cast(
        case
            when is_period_closed and won_to_date_base > 0
                then 1 - abs(won_to_date_base - weighted_forecast_base) * 1.0 / won_to_date_base
        end as {{ dbt.type_numeric() }}
    ) as forecast_accuracy,
    cast(
        case when is_period_closed then weighted_forecast_base - won_to_date_base end as {{ dbt.type_numeric() }}
    ) as forecast_bias_base,
    cast(
        case
            when is_period_closed and won_to_date_base > 0
                then (weighted_forecast_base - won_to_date_base) * 1.0 / won_to_date_base
        end as {{ dbt.type_numeric() }}
    ) as forecast_bias_ratio,
    cast(as_of_date as date) as as_of_date
from joined
