-- The span of core.dim_date: whole calendar years from the earliest to the latest business date in the
-- loaded data (and the reporting date), so every mart works for 1997 as for 2035. The calendar_start /
-- calendar_end vars override either end.
with business_dates as (
    select min(order_date) as first_day, max(order_date) as last_day from {{ ref('stg_orders__orders') }}
    union all
    -- Receivables age against due dates, which may lie after the last order.
    select min(due_date) as first_day, max(due_date) as last_day from {{ ref('stg_orders__orders') }}
    union all
    select min(cast(paid_at as date)) as first_day, max(cast(paid_at as date)) as last_day
    from {{ ref('stg_orders__payments') }}
    union all
    select min(cast(created_at as date)) as first_day, max(cast(created_at as date)) as last_day
    from {{ ref('stg_crm__opportunities') }}
    union all
    select min(cast(closed_at as date)) as first_day, max(cast(closed_at as date)) as last_day
    from {{ ref('stg_crm__opportunities') }}
    union all
    -- Open deals expected to close later are forecast into those months.
    select min(expected_close_date) as first_day, max(expected_close_date) as last_day
    from {{ ref('stg_crm__opportunities') }}
    union all
    select min(cast(entered_at as date)) as first_day, max(cast(entered_at as date)) as last_day
    from {{ ref('stg_crm__opportunity_stage_history') }}
    union all
    select min(cast(created_at as date)) as first_day, max(cast(coalesce(converted_at, created_at) as date)) as last_day
    from {{ ref('stg_crm__leads') }}
    union all
    select min(cast(occurred_at as date)) as first_day, max(cast(occurred_at as date)) as last_day
    from {{ ref('stg_crm__activities') }}
    union all
    select min(cast(created_at as date)) as first_day, max(cast(created_at as date)) as last_day
    from {{ ref('stg_crm__accounts') }}
    union all
    select min(sold_on) as first_day, max(sold_on) as last_day from {{ ref('stg_channels__partner_sell_out') }}
    union all
    select min(snapshot_date) as first_day, max(snapshot_date) as last_day
    from {{ ref('stg_channels__partner_inventory') }}
    union all
    -- A year target starting in December runs to the next December: its whole period is in the calendar.
    select min(period_start) as first_day, max(cast({{ dbt.dateadd('month', 12, 'period_start') }} as date)) as last_day
    from {{ ref('stg_targets__quotas') }}
    union all
    select as_of_date as first_day, as_of_date as last_day from {{ ref('int_as_of_date') }}
),

span as (
    select min(first_day) as first_day, max(last_day) as last_day
    from business_dates
)

select
    {% if var('calendar_start') -%}
    cast('{{ var("calendar_start") }}' as date)
    {%- else -%}
    cast({{ dbt.date_trunc('year', 'first_day') }} as date)
    {%- endif %} as calendar_start,
    {% if var('calendar_end') -%}
    cast('{{ var("calendar_end") }}' as date)
    {%- else -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'last_day'))) }} as date)
    {%- endif %} as calendar_end,
    first_day as first_business_date,
    last_day as last_business_date,
    {{ 'true' if var('calendar_start') or var('calendar_end') else 'false' }} as is_overridden
from span
