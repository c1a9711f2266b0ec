-- Summary of the RFM transition matrix: one row per month × segment last month × segment this month,
-- with the customers that made that move and their share of last month's segment. Customers buying
-- for the first time come from the pseudo-segment 'none'. Only observed transitions are listed.
with migration as (
    select * from {{ ref('mart_customer_segment_migration') }}
),

moves as (
    select
        snapshot_month,
        coalesce(previous_segment_code, 'none') as from_segment_code,
        segment_code as to_segment_code,
        max(movement) as movement,
        count(*) as customers
    from migration
    group by snapshot_month, coalesce(previous_segment_code, 'none'), segment_code
),

with_totals as (
    select
        moves.*,
        sum(customers) over (partition by snapshot_month, from_segment_code) as from_segment_customers
    from moves
)

select
    cast(snapshot_month as date) as snapshot_month,
    cast(from_segment_code as {{ dbt.type_string() }}) as from_segment_code,
    cast(to_segment_code as {{ dbt.type_string() }}) as to_segment_code,
    cast(movement as {{ dbt.type_string() }}) as movement,
    cast(customers as {{ dbt.type_bigint() }}) as customers,
    cast(from_segment_customers as {{ dbt.type_bigint() }}) as from_segment_customers,
    cast(customers * 1.0 / from_segment_customers as {{ dbt.type_numeric() }}) as share_of_from_segment
from with_totals
