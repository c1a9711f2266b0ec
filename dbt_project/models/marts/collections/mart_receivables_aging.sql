-- Receivables aging (应收账款账龄, 逾期未收货款): one row per customer account and one per channel
-- partner with an open receivable on the as-of date. Bucket columns come from var aging_bucket_edges
-- (default [30, 60, 90] → days_0_30 (incl. not yet due), days_31_60, days_61_90, days_over_90).
-- Open amounts are int_collections__order_balances.open_base, i.e. fct_orders.open_amount_base (docs
-- receivables_money_convention); assert_open_receivables_reconcile_to_fct_orders holds every level to it.
{%- set edges = var('aging_bucket_edges') %}
{%- set bucket_columns = [] %}
{%- for edge in edges %}
    {%- if loop.first %}
        {%- do bucket_columns.append('days_0_' ~ edge ~ '_base') %}
    {%- else %}
        {%- do bucket_columns.append('days_' ~ (edges[loop.index0 - 1] + 1) ~ '_' ~ edge ~ '_base') %}
    {%- endif %}
{%- endfor %}
{%- do bucket_columns.append('days_over_' ~ edges[-1] ~ '_base') %}
with open_orders as (
    select * from {{ ref('int_collections__order_balances') }}
    where open_base > 0
),

entity_orders as (
    select 'account' as aging_level, account_id as entity_id, open_orders.*
    from open_orders
    union all
    select 'partner' as aging_level, partner_id as entity_id, open_orders.*
    from open_orders
    where partner_id is not null
),

aggregated as (
    select
        aging_level,
        entity_id,
        max(as_of_date) as as_of_date,
        count(*) as open_orders,
        sum(open_base) as open_receivable_base,
        sum(case when days_past_due <= 0 then open_base else 0 end) as not_yet_due_base,
        sum(case when days_past_due > 0 then open_base else 0 end) as overdue_base,
        {%- for column in bucket_columns %}
        sum(case when aging_bucket_number = {{ loop.index }} then open_base else 0 end) as {{ column }},
        {%- endfor %}
        max(days_past_due) as max_days_past_due,
        min(due_date) as oldest_due_date
    from entity_orders
    group by aging_level, entity_id
),

names as (
    select
        'account' as aging_level,
        account_id as entity_id,
        account_name as entity_name,
        owner_rep_id,
        region
    from {{ ref('dim_account') }}
    union all
    select
        'partner' as aging_level,
        partner_id as entity_id,
        partner_name as entity_name,
        cast(null as {{ dbt.type_string() }}) as owner_rep_id,
        region
    from {{ ref('dim_partner') }}
)

select
    {{ surrogate_key(['aggregated.as_of_date', 'aggregated.aging_level', 'aggregated.entity_id']) }} as aging_key,
    cast(aggregated.as_of_date as date) as as_of_date,
    cast(aggregated.aging_level as {{ dbt.type_string() }}) as aging_level,
    cast(aggregated.entity_id as {{ dbt.type_string() }}) as entity_id,
    cast(names.entity_name as {{ dbt.type_string() }}) as entity_name,
    cast(names.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(names.region as {{ dbt.type_string() }}) as region,
    cast(aggregated.open_orders as {{ dbt.type_bigint() }}) as open_orders,
    cast(aggregated.open_receivable_base as {{ dbt.type_numeric() }}) as open_receivable_base,
    cast(aggregated.not_yet_due_base as {{ dbt.type_numeric() }}) as not_yet_due_base,
    cast(aggregated.overdue_base as {{ dbt.type_numeric() }}) as overdue_base,
    cast(
        case when aggregated.open_receivable_base > 0 then aggregated.overdue_base / aggregated.open_receivable_base end
        as {{ dbt.type_numeric() }}
    ) as overdue_share,
    {%- for column in bucket_columns %}
    cast(aggregated.{{ column }} as {{ dbt.type_numeric() }}) as {{ column }},
    {%- endfor %}
    -- Days the oldest open item is past due (0 when nothing is overdue yet).
    cast(case when aggregated.max_days_past_due > 0 then aggregated.max_days_past_due else 0 end as integer) as max_days_late,
    cast(aggregated.oldest_due_date as date) as oldest_due_date,
    -- 付款延迟超15天 ([003] customer-health alert, var alert_late_payment_days).
    cast(
        case when aggregated.max_days_past_due > {{ var('alert_late_payment_days') }} then true else false end
        as {{ dbt.type_boolean() }}
    ) as is_late_over_alert_days
from aggregated
left join names
    on names.aging_level = aggregated.aging_level
    and names.entity_id = aggregated.entity_id
