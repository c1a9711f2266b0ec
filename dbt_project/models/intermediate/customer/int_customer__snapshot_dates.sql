-- The dates the monthly customer marts are computed on: one row per calendar month from the first
-- order month to the as-of month. snapshot_date is the month end, or the as-of date for the as-of
-- month, so nothing after the as-of date is ever seen (no look-ahead) and the last month of every
-- monthly mart equals the as-of state of mart_customer_rfm.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

first_order as (
    select cast({{ dbt.date_trunc('month', 'min(order_date)') }} as date) as first_month
    from {{ ref('fct_orders') }}
),

months as (
    select
        dim_date.month_start,
        dim_date.month_end
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_order
    where dim_date.date_day = dim_date.month_start
      and dim_date.month_start >= first_order.first_month
      and dim_date.month_start <= as_of.as_of_date
)

select
    months.month_start as snapshot_month,
    case when months.month_end <= as_of.as_of_date then months.month_end else as_of.as_of_date end as snapshot_date,
    months.month_end,
    case when months.month_end <= as_of.as_of_date then true else false end as is_complete_month,
    case when months.month_end >= as_of.as_of_date then true else false end as is_as_of_month,
    -- RFM look-back window (window_start, snapshot_date] and the window before it, in whole months.
    cast({{ dbt.dateadd('month', -1 * var('rfm_lookback_months'), 'case when months.month_end <= as_of.as_of_date then months.month_end else as_of.as_of_date end') }} as date) as window_start,
    cast({{ dbt.dateadd('month', -2 * var('rfm_lookback_months'), 'case when months.month_end <= as_of.as_of_date then months.month_end else as_of.as_of_date end') }} as date) as prior_window_start
from months
cross join as_of
