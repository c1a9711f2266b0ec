{%- set scope = "incremental_affected_orders(include_payments=false)" -%}
{#- Spark partitions by month: a partition per order date made ~700 folders of small files at demo size,
    and every reader of the table listed and opened them all (docs/deployment.md). -#}
{%- set order_month_sql = 'cast(' ~ dbt.date_trunc('month', 'order_date') ~ ' as date)' -%}
{{ config(
    materialized='incremental',
    unique_key='order_line_key',
    incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
    partition_by=(['order_month'] if target.type == 'spark' else none),
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_delete_scope('order_id', " ~ scope ~ ") }}",
    post_hook=[
        "{{ incremental_log_run('order_id', " ~ scope ~ ") }}",
        "{{ incremental_forget_loads() }}",
        "{{ incremental_remember_loads() }}",
    ],
) }}
-- depends_on: {{ incremental_scope_inputs(['stg_orders__products', 'raw.orders', 'raw.order_lines', 'raw.products', 'raw.fx_rates']) }}
-- Incremental (docs incremental_days): an incremental run deletes and rebuilds the lines of the orders
-- incremental_affected_orders finds (new or corrected header, line, product or fx rate versions).
-- Order lines in the base currency, one row per order line. Return lines (negative quantity)
-- carry negative amounts, so sums net returns off. Amounts of cancelled orders are kept but
-- excluded from revenue_base.
with lines as (
    select * from {{ ref('stg_orders__order_lines') }}
),

orders as (
    select * from {{ ref('stg_orders__orders') }}
    where {{ incremental_scope_filter(
        'order_id', incremental_affected_orders(include_payments=false),
        spark_partition={'column': 'order_month', 'key': 'order_id', 'expr': order_month_sql,
                         'source': ref('stg_orders__orders'), 'source_expr': order_month_sql, 'source_key': 'order_id'}) }}
),

converted as (
    select
        lines.order_id,
        lines.line_number,
        lines.product_id,
        orders.order_date,
        orders.account_id,
        orders.rep_id,
        orders.channel_id,
        orders.partner_id,
        orders.status as order_status,
        orders.currency,
        lines.quantity,
        lines.unit_price,
        coalesce(lines.discount_pct, 0) as discount_pct,
        {{ fx_rate_used('orders.currency', 'fx') }} as fx_rate_to_base,
        lines.quantity * lines.unit_price as gross_amount,
        lines.quantity * lines.unit_price * (1 - coalesce(lines.discount_pct, 0)) as net_amount,
        case
            when min(lines.quantity) over (partition by lines.order_id) < 0 then true else false
        end as order_has_return_lines
    from lines
    inner join orders
        on orders.order_id = lines.order_id
    {{ fx_rate_join('fx', 'orders.currency', 'orders.order_date') }}
)

select
    {{ surrogate_key(['converted.order_id', 'converted.line_number']) }} as order_line_key,
    converted.order_id,
    converted.line_number,
    converted.product_id,
    products.product_line,
    products.category,
    converted.order_date,
    cast({{ dbt.date_trunc('month', 'converted.order_date') }} as date) as order_month,
    converted.account_id,
    converted.rep_id,
    converted.channel_id,
    converted.partner_id,
    converted.order_status,
    converted.currency,
    converted.quantity,
    converted.unit_price,
    converted.discount_pct,
    case when converted.quantity < 0 then true else false end as is_return_line,
    case when converted.order_status = 'cancelled' then true else false end as is_cancelled_order,
    converted.fx_rate_to_base,
    converted.gross_amount,
    converted.net_amount,
    converted.gross_amount * converted.fx_rate_to_base as gross_amount_base,
    converted.net_amount * converted.fx_rate_to_base as net_amount_base,
    converted.quantity * products.unit_cost_base as cost_amount_base,
    -- Same revenue rule as fct_orders (macros/receivables.sql order_books_revenue): a returned order
    -- without return lines came back whole.
    case
        when {{ order_books_revenue('converted.order_status', 'converted.order_has_return_lines') }}
            then converted.net_amount * converted.fx_rate_to_base
        else 0
    end as revenue_base
from converted
left join {{ ref('dim_product') }} as products
    on products.product_id = converted.product_id
