-- Calendar, one row per day over the span of the data (int_calendar_bounds: whole years from the
-- earliest to the latest business date, or the calendar_start / calendar_end vars).
with spine as (
    {{ date_spine(
        "(select calendar_start from " ~ ref('int_calendar_bounds') ~ ")",
        "(select calendar_end from " ~ ref('int_calendar_bounds') ~ ")"
    ) }}
),

parts as (
    select
        date_day,
        cast(extract(year from date_day) as integer) as year_number,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(month from date_day) as integer) as month_number,
        cast(extract(day from date_day) as integer) as day_of_month,
        -- 1900-01-01 was a Monday; extract(dow) numbers days differently per engine.
        cast(mod({{ dbt.datediff("cast('1900-01-01' as date)", 'date_day', 'day') }}, 7) + 1 as integer) as day_of_week,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start
    from spine
)

select
    date_day,
    year_number,
    quarter_number,
    month_number,
    day_of_month,
    day_of_week,
    day_of_week >= 6 as is_weekend,
    day_of_week <= 5 as is_workday,
    cast({{ dbt.dateadd('day', '1 - day_of_week', 'date_day') }} as date) as week_start,
    month_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end,
    quarter_start,
    year_start,
    {{ dbt.concat(["cast(year_number as " ~ dbt.type_string() ~ ")", "'-'", "lpad(cast(month_number as " ~ dbt.type_string() ~ "), 2, '0')"]) }} as year_month,
    {{ dbt.concat(["cast(year_number as " ~ dbt.type_string() ~ ")", "'-Q'", "cast(quarter_number as " ~ dbt.type_string() ~ ")"]) }} as year_quarter
from parts
