-- Customer state at every snapshot date (month end, or the as-of date for the as-of month), one row
-- per snapshot × account that exists by then (created in the CRM or already ordering). Everything
-- is computed from orders dated on or before the snapshot date only (no look-ahead).
--   recency_days   = snapshot_date − last purchase date (null before the first purchase)
--   frequency      = distinct purchases in the look-back window (window_start, snapshot_date]
--   monetary_base  = revenue_base of non-cancelled orders in that window (returns already netted)
--   prior_window_revenue_base = the same for the window before it, for growth / decline rules
with snapshots as (
    select * from {{ ref('int_customer__snapshot_dates') }}
),

orders as (
    select * from {{ ref('int_customer__orders') }}
),

{#- int_customer__orders holds one row per order (its unique test), so within a snapshot × account group
    each order is one row: its purchases are counted with count(), not count(distinct), which costs ~3× as much
    over the snapshot × order join. #}
order_state as (
    select
        snapshots.snapshot_date,
        orders.account_id,
        min(case when orders.is_purchase then orders.order_date end) as first_purchase_date,
        max(case when orders.is_purchase then orders.order_date end) as last_purchase_date,
        count(case when orders.is_purchase then 1 end) as lifetime_purchases,
        sum(orders.revenue_base) as lifetime_revenue_base,
        sum(orders.gross_margin_base) as lifetime_margin_base,
        count(case when orders.is_purchase and orders.order_date > snapshots.window_start then 1 end) as frequency,
        sum(case when orders.order_date > snapshots.window_start then orders.revenue_base else 0 end) as monetary_base,
        count(case
            when orders.is_purchase
                and orders.order_date > snapshots.prior_window_start
                and orders.order_date <= snapshots.window_start
                then 1
        end) as prior_window_purchases,
        sum(case
            when orders.order_date > snapshots.prior_window_start and orders.order_date <= snapshots.window_start
                then orders.revenue_base
            else 0
        end) as prior_window_revenue_base,
        cast(sum(case
            when orders.is_purchase and orders.order_date >= snapshots.snapshot_month then 1 else 0
        end) as {{ dbt.type_bigint() }}) as purchases_in_month,
        sum(case when orders.order_date >= snapshots.snapshot_month then orders.revenue_base else 0 end) as revenue_in_month_base
    from snapshots
    inner join orders
        on orders.order_date <= snapshots.snapshot_date
    group by snapshots.snapshot_date, orders.account_id
),

first_product_lines as (
    -- The day each account first bought each product line (positive lines of non-cancelled orders).
    select
        account_id,
        product_line,
        min(order_date) as first_bought_on
    from {{ ref('fct_order_lines') }}
    where not is_cancelled_order
      and quantity > 0
      and product_line is not null
    group by account_id, product_line
),

product_lines as (
    -- Product lines bought by the snapshot date: the 多产品线 test of the pyramid. Counted from each line's
    -- first purchase, which is count(distinct product_line) over the lines by then without joining every
    -- order line to every later snapshot.
    select
        snapshots.snapshot_date,
        first_product_lines.account_id,
        count(*) as product_lines_bought
    from snapshots
    inner join first_product_lines
        on first_product_lines.first_bought_on <= snapshots.snapshot_date
    group by snapshots.snapshot_date, first_product_lines.account_id
),

accounts as (
    select
        account_id,
        created_date,
        is_strategic,
        owner_rep_id
    from {{ ref('dim_account') }}
),

population as (
    select
        snapshots.snapshot_month,
        snapshots.snapshot_date,
        snapshots.is_complete_month,
        snapshots.is_as_of_month,
        snapshots.window_start,
        snapshots.prior_window_start,
        accounts.account_id,
        accounts.is_strategic,
        accounts.owner_rep_id
    from snapshots
    cross join accounts
    left join order_state
        on order_state.snapshot_date = snapshots.snapshot_date
        and order_state.account_id = accounts.account_id
    where accounts.created_date <= snapshots.snapshot_date
       or order_state.account_id is not null
)

select
    population.snapshot_month,
    population.snapshot_date,
    population.is_complete_month,
    population.is_as_of_month,
    population.window_start,
    population.prior_window_start,
    population.account_id,
    population.is_strategic,
    population.owner_rep_id,
    case when order_state.first_purchase_date is not null then true else false end as has_purchased,
    order_state.first_purchase_date,
    order_state.last_purchase_date,
    {{ dbt.datediff('order_state.last_purchase_date', 'population.snapshot_date', 'day') }} as recency_days,
    coalesce(order_state.lifetime_purchases, 0) as lifetime_purchases,
    coalesce(order_state.lifetime_revenue_base, 0) as lifetime_revenue_base,
    coalesce(order_state.lifetime_margin_base, 0) as lifetime_margin_base,
    coalesce(order_state.frequency, 0) as frequency,
    coalesce(order_state.monetary_base, 0) as monetary_base,
    coalesce(order_state.prior_window_purchases, 0) as prior_window_purchases,
    coalesce(order_state.prior_window_revenue_base, 0) as prior_window_revenue_base,
    coalesce(order_state.purchases_in_month, 0) as purchases_in_month,
    coalesce(order_state.revenue_in_month_base, 0) as revenue_in_month_base,
    coalesce(product_lines.product_lines_bought, 0) as product_lines_bought
from population
left join order_state
    on order_state.snapshot_date = population.snapshot_date
    and order_state.account_id = population.account_id
left join product_lines
    on product_lines.snapshot_date = population.snapshot_date
    and product_lines.account_id = population.account_id
