-- RFM segment migration (客户分级变动), one row per month × customer that has bought by that month's
-- snapshot date: the segment this month, the segment last month, and whether the customer moved up
-- (to a better segment_rank), down, stayed, or entered (first month as a buyer).
with scores as (
    select * from {{ ref('int_customer__rfm_scores') }}
),

with_previous as (
    select
        scores.*,
        lag(scores.snapshot_month) over (
            partition by scores.account_id
            order by scores.snapshot_month asc nulls last
        ) as previous_snapshot_month,
        lag(scores.segment_code) over (
            partition by scores.account_id
            order by scores.snapshot_month asc nulls last
        ) as previous_segment_code,
        lag(scores.segment_rank) over (
            partition by scores.account_id
            order by scores.snapshot_month asc nulls last
        ) as previous_segment_rank,
        lag(scores.rfm_code) over (
            partition by scores.account_id
            order by scores.snapshot_month asc nulls last
        ) as previous_rfm_code
    from scores
)

select
    cast(snapshot_month as date) as snapshot_month,
    cast(snapshot_date as date) as snapshot_date,
    cast(is_complete_month as {{ dbt.type_boolean() }}) as is_complete_month,
    cast(account_id as {{ dbt.type_string() }}) as account_id,
    cast(segment_code as {{ dbt.type_string() }}) as segment_code,
    cast(segment_rank as {{ dbt.type_int() }}) as segment_rank,
    cast(rfm_code as {{ dbt.type_string() }}) as rfm_code,
    cast(previous_segment_code as {{ dbt.type_string() }}) as previous_segment_code,
    cast(previous_segment_rank as {{ dbt.type_int() }}) as previous_segment_rank,
    cast(previous_rfm_code as {{ dbt.type_string() }}) as previous_rfm_code,
    cast(
        case
            when previous_segment_code is null then 'entered'
            when segment_rank < previous_segment_rank then 'up'
            when segment_rank > previous_segment_rank then 'down'
            else 'same'
        end as {{ dbt.type_string() }}
    ) as movement,
    cast(
        case when previous_segment_rank is not null then previous_segment_rank - segment_rank end
        as {{ dbt.type_int() }}
    ) as rank_change
from with_previous
