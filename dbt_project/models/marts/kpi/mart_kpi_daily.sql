-- Daily KPIs per channel (业绩仪表盘): revenue, orders, buying customers, 客单价 and 回款额.
-- Spine = every day from the first order date to the as-of date × every channel, so a day with
-- no sales shows zeros instead of disappearing.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

first_day as (
    select min(order_date) as first_date from {{ ref('fct_orders') }}
),

spine as (
    select
        dim_date.date_day,
        channels.channel_id,
        channels.channel_type
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_day
    cross join {{ ref('dim_channel') }} as channels
    where dim_date.date_day between first_day.first_date and as_of.as_of_date
),

sales as (
    select
        order_date,
        channel_id,
        sum(revenue_base) as revenue_base,
        count(*) as orders,
        count(distinct account_id) as buying_customers,
        sum(return_amount_base) as returns_base,
        sum(gross_margin_base) as gross_margin_base
    from {{ ref('fct_orders') }}
    where not is_cancelled
    group by order_date, channel_id
),

collections as (
    -- 回款额: the applied settlement value of the payments (docs receivables_money_convention); money
    -- paid on cancelled orders or beyond an order's receivable is not a collection.
    select
        paid_date,
        channel_id,
        sum(applied_base) as collections_base,
        count(*) as payments
    from {{ ref('int_collections__payment_applications') }}
    group by paid_date, channel_id
)

select
    spine.date_day,
    spine.channel_id,
    spine.channel_type,
    cast(coalesce(sales.revenue_base, 0) as {{ dbt.type_numeric() }}) as revenue_base,
    cast(coalesce(sales.orders, 0) as {{ dbt.type_bigint() }}) as orders,
    cast(coalesce(sales.buying_customers, 0) as {{ dbt.type_bigint() }}) as buying_customers,
    cast(
        case when coalesce(sales.buying_customers, 0) > 0 then sales.revenue_base / sales.buying_customers end
        as {{ dbt.type_numeric() }}
    ) as revenue_per_customer_base,
    cast(
        case when coalesce(sales.orders, 0) > 0 then sales.revenue_base / sales.orders end
        as {{ dbt.type_numeric() }}
    ) as average_order_value_base,
    cast(coalesce(sales.returns_base, 0) as {{ dbt.type_numeric() }}) as returns_base,
    cast(coalesce(sales.gross_margin_base, 0) as {{ dbt.type_numeric() }}) as gross_margin_base,
    -- Null (unknown, not 0) when the payments file had no rows (macros/quality/mart_inputs.sql).
    cast({{ when_inputs_have_rows(['payments'], 'coalesce(collections.collections_base, 0)') }} as {{ dbt.type_numeric() }}) as collections_base,
    cast({{ when_inputs_have_rows(['payments'], 'coalesce(collections.payments, 0)') }} as {{ dbt.type_bigint() }}) as payments
from spine
left join sales
    on sales.order_date = spine.date_day
    and sales.channel_id = spine.channel_id
left join collections
    on collections.paid_date = spine.date_day
    and collections.channel_id = spine.channel_id
