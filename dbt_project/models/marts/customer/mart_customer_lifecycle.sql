-- Customer lifecycle (客户生命周期 潜在期 / 成长期 / 成熟期 / 衰退期 / 流失期, [003]), one row per month ×
-- account that exists by the month's snapshot date. Rules, first match wins (see the
-- customer_lifecycle_stages seed; windows are vars):
--   potential  no purchase yet
--   churned    recency_days > lifecycle_churn_days
--   growth     first purchase after snapshot_date − lifecycle_growth_months
--   decline    recency_days > tier_dormancy_days, or look-back revenue < lifecycle_decline_ratio ×
--              the window before it (when that is > 0)
--   mature     everyone else
-- A churn event is the month a customer enters 流失期; a win-back is the month a churned customer
-- leaves it (it bought again), the [003] "流失客户回流".
with state as (
    select * from {{ ref('int_customer__monthly_state') }}
),

staged as (
    select
        state.*,
        case
            when not has_purchased then 'potential'
            when recency_days > {{ var('lifecycle_churn_days') }} then 'churned'
            when first_purchase_date > cast({{ dbt.dateadd('month', -1 * var('lifecycle_growth_months'), 'snapshot_date') }} as date)
                then 'growth'
            when recency_days > {{ var('tier_dormancy_days') }} then 'decline'
            when prior_window_revenue_base > 0
                and monetary_base < {{ var('lifecycle_decline_ratio') }} * prior_window_revenue_base
                then 'decline'
            else 'mature'
        end as stage_code
    from state
),

with_previous as (
    select
        staged.*,
        lag(stage_code) over (
            partition by account_id
            order by snapshot_month asc nulls last
        ) as previous_stage_code
    from staged
),

runs as (
    -- Gaps and islands: a new run starts whenever the stage changes.
    select
        with_previous.*,
        case
            when previous_stage_code is not null and previous_stage_code <> stage_code then 1 else 0
        end as is_stage_change,
        sum(case when previous_stage_code is null or previous_stage_code <> stage_code then 1 else 0 end) over (
            partition by account_id
            order by snapshot_month asc nulls last
            rows between unbounded preceding and current row
        ) as run_number
    from with_previous
),

with_run_start as (
    select
        runs.*,
        min(snapshot_month) over (partition by account_id, run_number) as stage_entered_month,
        case when stage_code = 'churned' and coalesce(previous_stage_code, '') <> 'churned' then 1 else 0 end as is_churn_event,
        case when previous_stage_code = 'churned' and stage_code <> 'churned' then 1 else 0 end as is_winback_event
    from runs
),

with_history as (
    select
        with_run_start.*,
        max(case when is_churn_event = 1 then snapshot_month end) over (
            partition by account_id
            order by snapshot_month asc nulls last
            rows between unbounded preceding and current row
        ) as last_churn_month,
        max(case when is_winback_event = 1 then snapshot_month end) over (
            partition by account_id
            order by snapshot_month asc nulls last
            rows between unbounded preceding and current row
        ) as last_winback_month
    from with_run_start
)

select
    cast(with_history.snapshot_month as date) as snapshot_month,
    cast(with_history.snapshot_date as date) as snapshot_date,
    cast(with_history.is_complete_month as {{ dbt.type_boolean() }}) as is_complete_month,
    cast(with_history.account_id as {{ dbt.type_string() }}) as account_id,
    cast(with_history.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(with_history.stage_code as {{ dbt.type_string() }}) as stage_code,
    cast(stages.stage_name_zh as {{ dbt.type_string() }}) as stage_name_zh,
    cast(stages.stage_order as {{ dbt.type_int() }}) as stage_order,
    cast(with_history.previous_stage_code as {{ dbt.type_string() }}) as previous_stage_code,
    cast(case when with_history.is_stage_change = 1 then true else false end as {{ dbt.type_boolean() }}) as is_stage_change,
    cast(with_history.stage_entered_month as date) as stage_entered_month,
    cast({{ dbt.datediff('with_history.stage_entered_month', 'with_history.snapshot_month', 'month') }} + 1 as {{ dbt.type_int() }}) as months_in_stage,
    cast(
        case
            when with_history.first_purchase_date is not null
                then {{ dbt.datediff(dbt.date_trunc('month', 'with_history.first_purchase_date'), 'with_history.snapshot_month', 'month') }} + 1
        end as {{ dbt.type_int() }}
    ) as months_as_customer,
    cast(case when with_history.is_churn_event = 1 then true else false end as {{ dbt.type_boolean() }}) as is_churn_event,
    cast(case when with_history.is_winback_event = 1 then true else false end as {{ dbt.type_boolean() }}) as is_winback_event,
    cast(case when with_history.stage_code = 'churned' then true else false end as {{ dbt.type_boolean() }}) as is_churned,
    cast(with_history.last_churn_month as date) as last_churn_month,
    cast(with_history.last_winback_month as date) as last_winback_month,
    cast(with_history.first_purchase_date as date) as first_purchase_date,
    cast(with_history.last_purchase_date as date) as last_purchase_date,
    cast(with_history.recency_days as {{ dbt.type_int() }}) as recency_days,
    cast(with_history.lifetime_purchases as {{ dbt.type_int() }}) as lifetime_purchases,
    cast(with_history.monetary_base as {{ dbt.type_numeric() }}) as window_revenue_base,
    cast(with_history.prior_window_revenue_base as {{ dbt.type_numeric() }}) as prior_window_revenue_base
from with_history
left join {{ ref('customer_lifecycle_stages') }} as stages
    on stages.stage_code = with_history.stage_code
