-- 80/20 summary, one row per period of mart_customer_pareto: the revenue share of the top
-- pareto_top_customer_share of customers beside the pareto_reference_revenue_share reference
-- ([002] 20:80), and how many customers it actually takes to reach the reference share.
with pareto as (
    select * from {{ ref('mart_customer_pareto') }}
),

summary as (
    select
        period_type,
        period_start,
        max(period_end) as period_end,
        count(*) as customers,
        sum(revenue_base) as revenue_base,
        sum(case when is_top_share then 1 else 0 end) as top_customers,
        sum(case when is_top_share then revenue_base else 0 end) as top_revenue_base,
        -- How many of the largest customers it takes to reach the reference share (80%). A tie is
        -- counted whole (cumulative_customers includes every tied customer): it cannot be split.
        min(case
            when cumulative_revenue_share >= {{ var('pareto_reference_revenue_share') }} then cumulative_customers
        end) as customers_to_reference_share
    from pareto
    group by period_type, period_start
)

select
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    cast(customers as {{ dbt.type_int() }}) as customers,
    cast(revenue_base as {{ dbt.type_numeric() }}) as revenue_base,
    cast({{ var('pareto_top_customer_share') }} as {{ dbt.type_numeric() }}) as top_customer_share_target,
    cast(top_customers as {{ dbt.type_int() }}) as top_customers,
    cast(top_revenue_base as {{ dbt.type_numeric() }}) as top_revenue_base,
    cast(case when revenue_base <> 0 then top_revenue_base * 1.0 / revenue_base end as {{ dbt.type_numeric() }}) as top_revenue_share,
    cast({{ var('pareto_reference_revenue_share') }} as {{ dbt.type_numeric() }}) as reference_revenue_share,
    cast(
        case when revenue_base <> 0 then top_revenue_base * 1.0 / revenue_base - {{ var('pareto_reference_revenue_share') }} end
        as {{ dbt.type_numeric() }}
    ) as share_gap_to_reference,
    cast(
        case
            -- The share as published (the numeric type's 6 places), so a top share of exactly 80% meets the
            -- reference whatever the division's last digits (a double on DuckDB).
            when
                revenue_base <> 0
                and cast(top_revenue_base * 1.0 / revenue_base as {{ dbt.type_numeric() }})
                >= {{ var('pareto_reference_revenue_share') }}
                then true
            else false
        end as {{ dbt.type_boolean() }}
    ) as meets_reference,
    cast(customers_to_reference_share as {{ dbt.type_int() }}) as customers_to_reference_share,
    cast(customers_to_reference_share * 1.0 / customers as {{ dbt.type_numeric() }}) as customer_share_to_reference
from summary
