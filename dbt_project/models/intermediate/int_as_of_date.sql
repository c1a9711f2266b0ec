-- reads_as_of_var: the as-of record and the refusal of a selected build treat it as staging (dbt_project.yml).
{{ config(meta={'reads_as_of_var': true}) }}
-- The reporting date every mart is computed for: the as_of_date var when given, otherwise the
-- latest business date present in the data. Never the wall clock, so a rerun on the same inputs
-- gives the same numbers.
with data_dates as (
    select max(order_date) as business_date from {{ ref('stg_orders__orders') }}
    union all
    select max(cast(paid_at as date)) from {{ ref('stg_orders__payments') }}
    union all
    select max(cast(occurred_at as date)) from {{ ref('stg_crm__activities') }}
    union all
    select max(cast(created_at as date)) from {{ ref('stg_crm__opportunities') }}
    union all
    -- A CRM export without orders: its latest event may be a deal closing after the last one opened.
    select max(cast(closed_at as date)) from {{ ref('stg_crm__opportunities') }}
),

-- A business without orders, payments, activities or opportunities (only partner sell-out, say) still
-- has a reporting date: the latest of its other business dates.
other_dates as (
    select max(cast(entered_at as date)) as business_date from {{ ref('stg_crm__opportunity_stage_history') }}
    union all
    select max(cast(created_at as date)) from {{ ref('stg_crm__leads') }}
    union all
    select max(sold_on) from {{ ref('stg_channels__partner_sell_out') }}
    union all
    select max(snapshot_date) from {{ ref('stg_channels__partner_inventory') }}
    union all
    -- Reference data only (accounts, quotas): still a date to report as of, so the marts build empty.
    select max(cast(created_at as date)) from {{ ref('stg_crm__accounts') }}
    union all
    select max(period_start) from {{ ref('stg_targets__quotas') }}
)

select
    {% if var('as_of_date') -%}
    cast('{{ var("as_of_date") }}' as date) as as_of_date,
    {%- else -%}
    coalesce(max(business_date), (select max(business_date) from other_dates)) as as_of_date,
    {%- endif %}
    min(business_date) as earliest_latest_date,
    {{ 'true' if var('as_of_date') else 'false' }} as is_from_var
from data_dates
