-- The dates mart_pipeline_snapshot keeps: every month-end since the first stage entry (history for
-- trends and start-of-period forecasts) plus the last funnel_snapshot_daily_days days up to the
-- as-of date (day-by-day detail for the current month). Every day × every open deal for years would
-- grow without adding information the month-ends and the stage history do not already hold.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

first_entry as (
    select min(entered_date) as first_date from {{ ref('int_funnel__stage_entries') }}
),

days as (
    select
        dim_date.date_day,
        dim_date.month_end,
        cast({{ dbt.dateadd('day', -1 * var('funnel_snapshot_daily_days'), 'as_of.as_of_date') }} as date) as daily_window_start_exclusive,
        as_of.as_of_date
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    cross join first_entry
    where dim_date.date_day >= first_entry.first_date
      and dim_date.date_day <= as_of.as_of_date
)

select
    date_day as snapshot_date,
    case when date_day = month_end then true else false end as is_month_end,
    case when date_day > daily_window_start_exclusive then true else false end as is_in_daily_window,
    case when date_day = as_of_date then true else false end as is_as_of_date,
    as_of_date
from days
where date_day = month_end
   or date_day > daily_window_start_exclusive
