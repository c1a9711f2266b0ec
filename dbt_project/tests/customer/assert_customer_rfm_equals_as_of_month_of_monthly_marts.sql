{{ config(meta={'dagster': {'ref': {'name': 'mart_customer_segment_migration'}}}) }}
-- The as-of month of the monthly marts is computed on the as-of date, so it must agree with
-- mart_customer_rfm customer by customer (same population, same segment, same RFM code).
with as_of_month as (
    select
        migration.account_id,
        migration.segment_code,
        migration.rfm_code
    from {{ ref('mart_customer_segment_migration') }} as migration
    where migration.snapshot_date = (select as_of_date from {{ ref('int_as_of_date') }})
),

rfm as (
    select account_id, segment_code, rfm_code
    from {{ ref('mart_customer_rfm') }}
)

select
    coalesce(rfm.account_id, as_of_month.account_id) as account_id,
    rfm.segment_code as rfm_segment,
    as_of_month.segment_code as migration_segment
from rfm
full outer join as_of_month
    on as_of_month.account_id = rfm.account_id
where rfm.account_id is null
   or as_of_month.account_id is null
   or rfm.segment_code <> as_of_month.segment_code
   or rfm.rfm_code <> as_of_month.rfm_code
