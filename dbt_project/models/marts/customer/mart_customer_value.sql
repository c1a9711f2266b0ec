-- Customer value (客户终身价值), one row per account, everything up to the as-of date: lifetime revenue
-- and gross margin, historical CLV, product lines bought (交叉销售), and the customer's current RFM
-- segment, tier and lifecycle stage. Historical CLV = lifetime gross margin (domain.md §3.5, PROJECT
-- CHOICE: the sources name CLV without a formula); no forecast is made. The accounts are those that
-- exist on the as-of date (the lifecycle population): the ones that never bought have zeros (潜在期),
-- accounts created later are not there yet.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

orders as (
    select orders.*
    from {{ ref('int_customer__orders') }} as orders
    cross join as_of
    where orders.order_date <= as_of.as_of_date
),

order_totals as (
    select
        account_id,
        count(distinct case when is_purchase then order_id end) as purchases,
        min(case when is_purchase then order_date end) as first_purchase_date,
        max(case when is_purchase then order_date end) as last_purchase_date,
        sum(revenue_base) as lifetime_revenue_base,
        sum(return_amount_base) as lifetime_returns_base,
        sum(gross_margin_base) as lifetime_margin_base
    from orders
    group by account_id
),

cancelled as (
    select
        fct_orders.account_id,
        count(*) as cancelled_orders
    from {{ ref('fct_orders') }} as fct_orders
    cross join as_of
    where fct_orders.is_cancelled
      and fct_orders.order_date <= as_of.as_of_date
    group by fct_orders.account_id
),

account_lines as (
    select distinct
        lines.account_id,
        lines.product_line
    from {{ ref('fct_order_lines') }} as lines
    cross join as_of
    where not lines.is_cancelled_order
      and lines.quantity > 0
      and lines.order_date <= as_of.as_of_date
),

product_lines as (
    select
        account_id,
        count(*) as product_lines_bought,
        {{ dbt.listagg('product_line', "', '", "order by product_line") }} as product_lines_list
    from account_lines
    group by account_id
),

tier as (
    select account_id, tier_code, pyramid_level
    from {{ ref('mart_customer_tier') }}
    where snapshot_date = (select as_of_date from as_of)
),

lifecycle as (
    select account_id, stage_code
    from {{ ref('mart_customer_lifecycle') }}
    where snapshot_date = (select as_of_date from as_of)
)

select
    cast(as_of.as_of_date as date) as as_of_date,
    cast(accounts.account_id as {{ dbt.type_string() }}) as account_id,
    cast(accounts.account_name as {{ dbt.type_string() }}) as account_name,
    cast(accounts.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(accounts.owner_team_id as {{ dbt.type_string() }}) as owner_team_id,
    cast(accounts.is_strategic as {{ dbt.type_boolean() }}) as is_strategic,
    cast(order_totals.first_purchase_date as date) as first_purchase_date,
    cast(order_totals.last_purchase_date as date) as last_purchase_date,
    cast(
        case
            when order_totals.first_purchase_date is not null
                then {{ dbt.datediff('order_totals.first_purchase_date', 'as_of.as_of_date', 'day') }}
        end as {{ dbt.type_int() }}
    ) as tenure_days,
    cast(coalesce(order_totals.purchases, 0) as {{ dbt.type_int() }}) as lifetime_purchases,
    cast(coalesce(cancelled.cancelled_orders, 0) as {{ dbt.type_int() }}) as cancelled_orders,
    cast(coalesce(order_totals.lifetime_revenue_base, 0) as {{ dbt.type_numeric() }}) as lifetime_revenue_base,
    cast(coalesce(order_totals.lifetime_returns_base, 0) as {{ dbt.type_numeric() }}) as lifetime_returns_base,
    cast(coalesce(order_totals.lifetime_margin_base, 0) as {{ dbt.type_numeric() }}) as lifetime_margin_base,
    cast(
        case
            when order_totals.lifetime_revenue_base > 0
                then order_totals.lifetime_margin_base * 1.0 / order_totals.lifetime_revenue_base
        end as {{ dbt.type_numeric() }}
    ) as lifetime_margin_pct,
    cast(
        case
            when order_totals.purchases > 0 then order_totals.lifetime_revenue_base * 1.0 / order_totals.purchases
        end as {{ dbt.type_numeric() }}
    ) as average_order_value_base,
    cast(coalesce(order_totals.lifetime_margin_base, 0) as {{ dbt.type_numeric() }}) as clv_historical_base,
    cast(coalesce(product_lines.product_lines_bought, 0) as {{ dbt.type_int() }}) as product_lines_bought,
    cast(product_lines.product_lines_list as {{ dbt.type_string() }}) as product_lines_list,
    cast(rfm.segment_code as {{ dbt.type_string() }}) as segment_code,
    cast(rfm.rfm_code as {{ dbt.type_string() }}) as rfm_code,
    cast(tier.tier_code as {{ dbt.type_string() }}) as tier_code,
    cast(tier.pyramid_level as {{ dbt.type_string() }}) as pyramid_level,
    cast(lifecycle.stage_code as {{ dbt.type_string() }}) as lifecycle_stage_code
from lifecycle
inner join {{ ref('dim_account') }} as accounts
    on accounts.account_id = lifecycle.account_id
cross join as_of
left join order_totals
    on order_totals.account_id = accounts.account_id
left join cancelled
    on cancelled.account_id = accounts.account_id
left join product_lines
    on product_lines.account_id = accounts.account_id
left join {{ ref('mart_customer_rfm') }} as rfm
    on rfm.account_id = accounts.account_id
left join tier
    on tier.account_id = accounts.account_id
