-- 80/20 analysis (2/8法则, [002] "20%的核心客户决定着企业80%的销售量(额)"), one row per period × customer
-- that bought in the period. Periods: each calendar year up to the as-of date ('year', the as-of year
-- is year to date) and the RFM look-back window ending on the as-of date ('trailing').
-- Customers are ranked by revenue (revenue_base of non-cancelled orders, returns netted) descending
-- with rank(), no tie-breaker: equal revenue gets the same rank, the same cumulative figures (a tie is
-- one step of the Pareto curve, counted whole) and the same is_top_share. is_top_share = rank <=
-- ceil(pareto_top_customer_share × customers), so a tie that starts inside the cut is taken in whole
-- (docs tie_safe_top_share).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

orders as (
    select * from {{ ref('int_customer__orders') }}
),

periods as (
    select distinct
        'year' as period_type,
        dim_date.year_start as period_start,
        case
            when cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'dim_date.year_start')) }} as date) <= as_of.as_of_date
                then cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'dim_date.year_start')) }} as date)
            else as_of.as_of_date
        end as period_end,
        cast({{ dbt.dateadd('day', -1, 'dim_date.year_start') }} as date) as period_start_exclusive
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    where dim_date.date_day = dim_date.year_start
      and dim_date.year_start <= as_of.as_of_date
      and dim_date.year_start >= (select cast({{ dbt.date_trunc('year', 'min(order_date)') }} as date) from orders)

    union all

    select
        'trailing' as period_type,
        cast({{ dbt.dateadd('day', 1, dbt.dateadd('month', -1 * var('rfm_lookback_months'), 'as_of.as_of_date')) }} as date) as period_start,
        as_of.as_of_date as period_end,
        cast({{ dbt.dateadd('month', -1 * var('rfm_lookback_months'), 'as_of.as_of_date') }} as date) as period_start_exclusive
    from as_of
),

customer_revenue as (
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        orders.account_id,
        count(distinct case when orders.is_purchase then orders.order_id end) as purchases,
        sum(orders.revenue_base) as revenue_base
    from periods
    inner join orders
        on orders.order_date > periods.period_start_exclusive
        and orders.order_date <= periods.period_end
    group by periods.period_type, periods.period_start, periods.period_end, orders.account_id
),

buyers as (
    select * from customer_revenue where purchases > 0
),

ranked as (
    select
        buyers.*,
        rank() over (
            partition by period_type, period_start
            order by revenue_base desc nulls last
        ) as revenue_rank,
        count(*) over (partition by period_type, period_start) as period_customers,
        sum(revenue_base) over (partition by period_type, period_start) as period_revenue_base,
        -- range (not rows) frames: the running figures take in every customer tied with this one, so
        -- they do not depend on the order in which the database happens to return a tie.
        count(*) over (
            partition by period_type, period_start
            order by revenue_base desc nulls last
            range between unbounded preceding and current row
        ) as cumulative_customers,
        sum(revenue_base) over (
            partition by period_type, period_start
            order by revenue_base desc nulls last
            range between unbounded preceding and current row
        ) as cumulative_revenue_base
    from buyers
)

select
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(purchases as {{ dbt.type_int() }}) as purchases,
    cast(revenue_base as {{ dbt.type_numeric() }}) as revenue_base,
    cast(revenue_rank as {{ dbt.type_int() }}) as revenue_rank,
    cast(period_customers as {{ dbt.type_int() }}) as period_customers,
    cast(cumulative_customers as {{ dbt.type_int() }}) as cumulative_customers,
    cast(cumulative_customers * 1.0 / period_customers as {{ dbt.type_numeric() }}) as customer_share_cumulative,
    cast(
        case when period_revenue_base <> 0 then revenue_base * 1.0 / period_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as revenue_share,
    cast(
        case when period_revenue_base <> 0 then cumulative_revenue_base * 1.0 / period_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as cumulative_revenue_share,
    cast(
        case
            when revenue_rank <= ceil({{ var('pareto_top_customer_share') }} * period_customers) then true
            else false
        end as {{ dbt.type_boolean() }}
    ) as is_top_share
from ranked
