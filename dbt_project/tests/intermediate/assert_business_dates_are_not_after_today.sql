{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_as_of_date'}}}) }}
-- A business date after the day of the build is a typo (2099 for 2024, say), and the default as-of date is
-- the latest business date (int_as_of_date): one such row moves every mart to that day, with a calendar
-- reaching it. Warns with the date; fix the row, or pass --as-of-date. A build for an as-of date the user
-- chose (the var) is not checked. One day of slack: business dates are local, the build's clock UTC.
select
    as_of.as_of_date,
    as_of.earliest_latest_date
from {{ ref('int_as_of_date') }} as as_of
where not as_of.is_from_var
  and as_of.as_of_date > cast({{ dbt.dateadd('day', 1, dbt.current_timestamp()) }} as date)
