-- Pipeline velocity and coverage, month × slice (company / team subtree / team_direct / rep), as of the
-- as-of date. A team row is the sum over the team's subtree (child teams and its own direct deals);
-- team_direct rows hold only the deals attached to the team itself and add up to the company. Both
-- formulas are PROJECT CHOICES (the source documents give neither, domain.md §2.4):
--   velocity (per day) = open deals × win rate × average won deal size ÷ average signing cycle days,
--     with open deals counted on the measurement date (the month-end, or the as-of date in the
--     current month) and win rate, deal size and cycle taken from the deals closed in the month;
--   pipeline coverage = open pipeline expected to close by the period end (overdue deals included:
--     they are still being worked) ÷ remaining revenue quota (monthly quota − revenue booked in the
--     month up to the measurement date). period_start_coverage is the same ratio going into the
--     month: pipeline open at the previous month-end ÷ the whole monthly quota.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

opportunities as (
    select * from {{ ref('int_funnel__opportunities') }}
),

first_month as (
    select min(cast({{ dbt.date_trunc('month', 'created_date') }} as date)) as first_month from opportunities
),

periods as (
    select
        dim_date.date_day as period_month,
        dim_date.month_end as period_end,
        case when dim_date.month_end < as_of.as_of_date then dim_date.month_end else as_of.as_of_date end as measurement_date,
        cast({{ dbt.dateadd('day', -1, 'dim_date.date_day') }} as date) as previous_month_end,
        case when as_of.as_of_date <= dim_date.month_end then true else false end as is_current_period
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_month
    where dim_date.day_of_month = 1
      and dim_date.date_day >= first_month.first_month
      and dim_date.date_day <= as_of.as_of_date
),

snapshot as (
    select snapshot_date, team_id, rep_id, amount_base, expected_close_date
    from {{ ref('mart_pipeline_snapshot') }}
),

open_at_measurement as (
    select
        periods.period_month,
        snapshot.team_id,
        snapshot.rep_id,
        snapshot.amount_base,
        case
            when snapshot.expected_close_date <= periods.period_end then snapshot.amount_base
            else 0
        end as period_amount_base
    from periods
    inner join snapshot
        on snapshot.snapshot_date = periods.measurement_date
),

open_at_period_start as (
    select
        periods.period_month,
        snapshot.team_id,
        snapshot.rep_id,
        case
            when snapshot.expected_close_date <= periods.period_end then snapshot.amount_base
            else 0
        end as period_amount_base
    from periods
    inner join snapshot
        on snapshot.snapshot_date = periods.previous_month_end
),

closed as (
    select
        periods.period_month,
        opportunities.team_id,
        opportunities.rep_id,
        opportunities.status_as_of,
        coalesce(opportunities.amount_base, 0) as amount_base,
        {{ dbt.datediff('opportunities.created_date', 'opportunities.closed_date', 'day') }} as cycle_days
    from opportunities
    inner join periods
        on opportunities.closed_date >= periods.period_month
        and opportunities.closed_date <= periods.period_end
    where opportunities.status_as_of in ('won', 'lost')
),

revenue as (
    select
        periods.period_month,
        orders.team_id,
        orders.rep_id,
        orders.revenue_base
    from {{ ref('fct_orders') }} as orders
    inner join periods
        on orders.order_date >= periods.period_month
        and orders.order_date <= periods.measurement_date
    where not orders.is_cancelled
),

{#- team = the team's whole subtree (dim_team_hierarchy); team_direct = deals and reps attached to the
    team itself, the rows that add up across teams. -#}
{% set slices = [
    ('company', "'all'"),
    ('team', "coalesce(team_id, '(none)')"),
    ('team_direct', "coalesce(team_id, '(none)')"),
    ('rep', "coalesce(rep_id, '(none)')")
] %}

{% set open_measures %}
        count(*) as open_deal_count,
        sum(amount_base) as open_pipeline_base,
        sum(period_amount_base) as period_pipeline_base
{% endset %}

open_totals as (
    {{ totals_by_slice('open_at_measurement', slices, open_measures) }}
),

start_totals as (
    {{ totals_by_slice('open_at_period_start', slices, "sum(period_amount_base) as period_start_pipeline_base") }}
),

{% set closed_measures %}
        sum(case when status_as_of = 'won' then 1 else 0 end) as won_count,
        sum(case when status_as_of = 'lost' then 1 else 0 end) as lost_count,
        sum(case when status_as_of = 'won' then amount_base else 0 end) as won_amount_base,
        sum(case when status_as_of = 'won' then cycle_days else 0 end) as won_cycle_days
{% endset %}

closed_totals as (
    {{ totals_by_slice('closed', slices, closed_measures) }}
),

revenue_totals as (
    {{ totals_by_slice('revenue', slices, "sum(revenue_base) as revenue_to_date_base") }}
),

quotas as (
    select
        quotas.month_start as period_month,
        quotas.slice_type,
        quotas.slice_value,
        quotas.quota_source_grain,
        quotas.quota_revenue_base
    from {{ ref('int_funnel__revenue_quota_monthly') }} as quotas
    inner join periods
        on periods.period_month = quotas.month_start
),

keys as (
    select period_month, 'company' as slice_type, 'all' as slice_value from periods
    union
    select period_month, slice_type, slice_value from open_totals
    union
    select period_month, slice_type, slice_value from start_totals
    union
    select period_month, slice_type, slice_value from closed_totals
    union
    -- A team or rep that only sold in the month (no deal open or closed, no quota) still has its row,
    -- so team rows add up to the company's revenue.
    select period_month, slice_type, slice_value from revenue_totals
    union
    select period_month, slice_type, slice_value from quotas
),

joined as (
    select
        keys.period_month,
        periods.period_end,
        periods.measurement_date,
        periods.is_current_period,
        keys.slice_type,
        keys.slice_value,
        coalesce(open_totals.open_deal_count, 0) as open_deal_count,
        coalesce(open_totals.open_pipeline_base, 0) as open_pipeline_base,
        coalesce(open_totals.period_pipeline_base, 0) as period_pipeline_base,
        coalesce(start_totals.period_start_pipeline_base, 0) as period_start_pipeline_base,
        coalesce(closed_totals.won_count, 0) as won_count,
        coalesce(closed_totals.lost_count, 0) as lost_count,
        case
            when coalesce(closed_totals.won_count, 0) + coalesce(closed_totals.lost_count, 0) > 0
                then {{ as_double('closed_totals.won_count') }} / (closed_totals.won_count + closed_totals.lost_count)
        end as win_rate,
        case
            when coalesce(closed_totals.won_count, 0) > 0 then {{ as_double('closed_totals.won_amount_base') }} / closed_totals.won_count
        end as avg_won_deal_size_base,
        case
            when coalesce(closed_totals.won_count, 0) > 0 then {{ as_double('closed_totals.won_cycle_days') }} / closed_totals.won_count
        end as avg_cycle_days,
        quotas.quota_source_grain,
        quotas.quota_revenue_base,
        -- Null (unknown, not 0) when the order files had no rows (macros/quality/mart_inputs.sql).
        {{ when_inputs_have_rows(quota_metric_inputs()['revenue'], 'coalesce(revenue_totals.revenue_to_date_base, 0)') }} as revenue_to_date_base,
        case
            when keys.slice_type in ('team', 'team_direct') then coalesce(teams.hierarchy_level, 1)
        end as team_hierarchy_level,
        case
            when keys.slice_type in ('team', 'team_direct') then coalesce(teams.is_leaf_team, true)
        end as is_leaf_team,
        as_of.as_of_date
    from keys
    cross join as_of
    left join {{ ref('dim_team') }} as teams
        on teams.team_id = keys.slice_value
        and keys.slice_type in ('team', 'team_direct')
    inner join periods
        on periods.period_month = keys.period_month
    left join open_totals
        on open_totals.period_month = keys.period_month
        and open_totals.slice_type = keys.slice_type
        and open_totals.slice_value = keys.slice_value
    left join start_totals
        on start_totals.period_month = keys.period_month
        and start_totals.slice_type = keys.slice_type
        and start_totals.slice_value = keys.slice_value
    left join closed_totals
        on closed_totals.period_month = keys.period_month
        and closed_totals.slice_type = keys.slice_type
        and closed_totals.slice_value = keys.slice_value
    left join revenue_totals
        on revenue_totals.period_month = keys.period_month
        and revenue_totals.slice_type = keys.slice_type
        and revenue_totals.slice_value = keys.slice_value
    left join quotas
        on quotas.period_month = keys.period_month
        and quotas.slice_type = keys.slice_type
        and quotas.slice_value = keys.slice_value
),

with_remaining as (
    select
        joined.*,
        case
            when quota_revenue_base is null or revenue_to_date_base is null then null
            when quota_revenue_base - revenue_to_date_base > 0 then quota_revenue_base - revenue_to_date_base
            else 0
        end as remaining_quota_base
    from joined
)

select
    cast(period_month as date) as period_month,
    cast(period_end as date) as period_end,
    cast(measurement_date as date) as measurement_date,
    cast(is_current_period as boolean) as is_current_period,
    cast(slice_type as {{ dbt.type_string() }}) as slice_type,
    cast(slice_value as {{ dbt.type_string() }}) as slice_value,
    cast(team_hierarchy_level as integer) as team_hierarchy_level,
    cast(is_leaf_team as boolean) as is_leaf_team,
    cast(open_deal_count as {{ dbt.type_bigint() }}) as open_deal_count,
    cast(open_pipeline_base as {{ dbt.type_numeric() }}) as open_pipeline_base,
    cast(won_count as {{ dbt.type_bigint() }}) as won_count,
    cast(lost_count as {{ dbt.type_bigint() }}) as lost_count,
    cast(win_rate as {{ dbt.type_numeric() }}) as win_rate,
    cast(avg_won_deal_size_base as {{ dbt.type_numeric() }}) as avg_won_deal_size_base,
    cast(avg_cycle_days as {{ dbt.type_numeric() }}) as avg_cycle_days,
    cast(
        case
            when avg_cycle_days > 0
                then open_deal_count * win_rate * avg_won_deal_size_base / avg_cycle_days
        end as {{ dbt.type_numeric() }}
    ) as velocity_per_day_base,
    cast(quota_revenue_base as {{ dbt.type_numeric() }}) as quota_revenue_base,
    cast(quota_source_grain as {{ dbt.type_string() }}) as quota_source_grain,
    cast(revenue_to_date_base as {{ dbt.type_numeric() }}) as revenue_to_date_base,
    cast(remaining_quota_base as {{ dbt.type_numeric() }}) as remaining_quota_base,
    cast(period_pipeline_base as {{ dbt.type_numeric() }}) as period_pipeline_base,
    cast(
        case when remaining_quota_base > 0 then period_pipeline_base * 1.0 / remaining_quota_base end
        as {{ dbt.type_numeric() }}
    ) as pipeline_coverage,
    cast(period_start_pipeline_base as {{ dbt.type_numeric() }}) as period_start_pipeline_base,
    cast(
        case when quota_revenue_base > 0 then period_start_pipeline_base * 1.0 / quota_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as period_start_coverage,
    cast(as_of_date as date) as as_of_date
from with_remaining
