{{ config(meta={'dagster': {'ref': {'name': 'mart_customer_retention'}}}) }}
-- Retention counts a cohort customer as churned with the same rule that puts it in 流失期 in the
-- lifecycle mart: the two marts must agree on the number of churned buyers in every month.
with retention as (
    select activity_month, sum(churned_customers) as churned
    from {{ ref('mart_customer_retention') }}
    group by activity_month
),

lifecycle as (
    select snapshot_month, sum(case when stage_code = 'churned' then 1 else 0 end) as churned
    from {{ ref('mart_customer_lifecycle') }}
    where first_purchase_date is not null
    group by snapshot_month
)

select
    lifecycle.snapshot_month,
    lifecycle.churned as lifecycle_churned,
    coalesce(retention.churned, 0) as retention_churned
from lifecycle
left join retention
    on retention.activity_month = lifecycle.snapshot_month
where lifecycle.churned <> coalesce(retention.churned, 0)
