-- Cohort retention (客户留存率 / 复购率 / 流失率), one row per acquisition cohort month (month of the
-- first purchase) × months since acquisition, up to the as-of month. Each cell is measured at that
-- month's snapshot date (month end, or the as-of date), never later:
--   active           cohort customers with a purchase in that calendar month
--   previous_active  cohort customers with a purchase in the calendar month before
--   retained         active in the month before AND active in this month (domain.md §3.6 客戶留存率:
--                    "customers active in period t−1 who are also active in t ÷ customers active in t−1")
--   lapsed           active in the month before and NOT active in this month (churned in the period)
--   buying           last purchase within tier_dormancy_days (not 休眠, not 流失)
--   dormant          last purchase more than tier_dormancy_days ago but not more than lifecycle_churn_days
--   churned          last purchase more than lifecycle_churn_days ago (流失期 of mart_customer_lifecycle)
--   repeat           cohort customers with 2+ purchases so far (复购: "≥ 2 orders ÷ ≥ 1 order")
-- retention_rate = retained ÷ previous_active, null when nobody in the cohort bought in the month before
-- (always so in the acquisition month). churn_rate (domain.md §3.6 客户流失率: "1 − retention, or
-- churned-in-period ÷ active at start") = lapsed ÷ previous_active: with retention measured on the
-- customers active at the start (in t−1), the two options of the spec are the same number, so
-- retention_rate + churn_rate = 1 whenever both are defined (null together). The counts add up across
-- cohorts, so the company-wide monthly rates are sum(retained or lapsed) ÷ sum(previous_active).
-- churned (the 流失期 stock, > lifecycle_churn_days) is a different thing: a count of customers, not the
-- churn rate. active_rate and repeat_purchase_rate divide by the cohort size; buying + dormant + churned
-- = cohort size.
with state as (
    select *
    from {{ ref('int_customer__monthly_state') }}
    where has_purchased
),

cohorts as (
    select
        state.*,
        cast({{ dbt.date_trunc('month', 'first_purchase_date') }} as date) as cohort_month
    from state
),

with_previous as (
    -- The month before is looked up by date, not by row order, so a missing month can never pose as it.
    select
        cohorts.*,
        case when previous.purchases_in_month > 0 then 1 else 0 end as was_active_previous_month
    from cohorts
    left join state as previous
        on previous.account_id = cohorts.account_id
        and previous.snapshot_month = cast({{ dbt.dateadd('month', -1, 'cohorts.snapshot_month') }} as date)
),

cells as (
    select
        cohort_month,
        snapshot_month,
        max(snapshot_date) as snapshot_date,
        max(case when is_complete_month then 1 else 0 end) as is_complete_month,
        count(*) as cohort_customers,
        sum(case when purchases_in_month > 0 then 1 else 0 end) as active_customers,
        sum(was_active_previous_month) as previous_active_customers,
        sum(case when was_active_previous_month = 1 and purchases_in_month > 0 then 1 else 0 end) as retained_customers,
        sum(case when was_active_previous_month = 1 and purchases_in_month = 0 then 1 else 0 end) as lapsed_customers,
        sum(case when recency_days <= {{ var('tier_dormancy_days') }} then 1 else 0 end) as buying_customers,
        sum(case
            when recency_days > {{ var('tier_dormancy_days') }} and recency_days <= {{ var('lifecycle_churn_days') }}
                then 1
            else 0
        end) as dormant_customers,
        sum(case when recency_days > {{ var('lifecycle_churn_days') }} then 1 else 0 end) as churned_customers,
        sum(case when lifetime_purchases >= 2 then 1 else 0 end) as repeat_customers,
        sum(revenue_in_month_base) as revenue_base
    from with_previous
    group by cohort_month, snapshot_month
)

select
    cast(cohort_month as date) as cohort_month,
    cast({{ dbt.datediff('cohort_month', 'snapshot_month', 'month') }} as {{ dbt.type_int() }}) as months_since_acquisition,
    cast(snapshot_month as date) as activity_month,
    cast(snapshot_date as date) as snapshot_date,
    cast(case when is_complete_month = 1 then true else false end as {{ dbt.type_boolean() }}) as is_complete_month,
    cast(cohort_customers as {{ dbt.type_bigint() }}) as cohort_customers,
    cast(active_customers as {{ dbt.type_bigint() }}) as active_customers,
    cast(previous_active_customers as {{ dbt.type_bigint() }}) as previous_active_customers,
    cast(retained_customers as {{ dbt.type_bigint() }}) as retained_customers,
    cast(lapsed_customers as {{ dbt.type_bigint() }}) as lapsed_customers,
    cast(buying_customers as {{ dbt.type_bigint() }}) as buying_customers,
    cast(dormant_customers as {{ dbt.type_bigint() }}) as dormant_customers,
    cast(churned_customers as {{ dbt.type_bigint() }}) as churned_customers,
    cast(repeat_customers as {{ dbt.type_bigint() }}) as repeat_customers,
    cast(active_customers * 1.0 / cohort_customers as {{ dbt.type_numeric() }}) as active_rate,
    cast(
        case when previous_active_customers > 0 then retained_customers * 1.0 / previous_active_customers end
        as {{ dbt.type_numeric() }}
    ) as retention_rate,
    cast(
        case when previous_active_customers > 0 then lapsed_customers * 1.0 / previous_active_customers end
        as {{ dbt.type_numeric() }}
    ) as churn_rate,
    cast(repeat_customers * 1.0 / cohort_customers as {{ dbt.type_numeric() }}) as repeat_purchase_rate,
    cast(revenue_base as {{ dbt.type_numeric() }}) as revenue_base
from cells
