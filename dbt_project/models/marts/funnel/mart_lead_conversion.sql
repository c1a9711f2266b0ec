-- Lead conversion (线索筛选 → 销售机会), lead cohort month × source × rep, as of the as-of date: leads
-- created, MAN-qualified (Money, Authority, Need: "有預算、能決策、需求明確", [003]), BANT-qualified
-- (MAN + Timeline, [000] "有效商机应符合BANT标准"), converted to an opportunity by the as-of date,
-- conversion rate (转化率 = converted ÷ leads, cohort by creation month) and days to convert.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

leads as (
    select
        leads.lead_id,
        leads.created_at,
        cast(leads.created_at as date) as created_date,
        leads.source,
        coalesce(leads.rep_id, '(unassigned)') as rep_id,
        coalesce(leads.has_budget, false) as has_budget,
        coalesce(leads.has_authority, false) as has_authority,
        coalesce(leads.has_need, false) as has_need,
        coalesce(leads.has_timeline, false) as has_timeline,
        -- A lead marked converted without a timestamp converted when its opportunity was created.
        coalesce(
            leads.converted_at,
            case when leads.status = 'converted' then opportunities.created_at end
        ) as converted_at
    from {{ ref('stg_crm__leads') }} as leads
    left join {{ ref('stg_crm__opportunities') }} as opportunities
        on opportunities.opportunity_id = leads.opportunity_id
),

scoped as (
    select
        leads.*,
        cast({{ dbt.date_trunc('month', 'leads.created_date') }} as date) as cohort_month,
        case when has_budget and has_authority and has_need then 1 else 0 end as is_man_qualified,
        case when has_budget and has_authority and has_need and has_timeline then 1 else 0 end as is_bant_qualified,
        case
            when leads.converted_at is not null and cast(leads.converted_at as date) <= as_of.as_of_date then 1
            else 0
        end as is_converted,
        as_of.as_of_date
    from leads
    cross join as_of
    where leads.created_date <= as_of.as_of_date
),

with_days as (
    select
        scoped.*,
        case
            when is_converted = 1
                then {{ dbt.datediff('created_date', 'cast(converted_at as date)', 'day') }}
        end as days_to_convert
    from scoped
),

aggregated as (
    select
        cohort_month,
        source,
        rep_id,
        as_of_date,
        count(*) as leads_count,
        sum(is_man_qualified) as man_qualified_count,
        sum(is_bant_qualified) as bant_qualified_count,
        sum(is_converted) as converted_count,
        percentile_cont(0.5) within group (order by days_to_convert) as median_days_to_convert,
        avg(days_to_convert * 1.0) as avg_days_to_convert
    from with_days
    group by cohort_month, source, rep_id, as_of_date
)

select
    cast(cohort_month as date) as cohort_month,
    cast(coalesce(source, '(none)') as {{ dbt.type_string() }}) as lead_source,
    cast(rep_id as {{ dbt.type_string() }}) as rep_id,
    cast(leads_count as {{ dbt.type_bigint() }}) as leads_count,
    cast(man_qualified_count as {{ dbt.type_bigint() }}) as man_qualified_count,
    cast(bant_qualified_count as {{ dbt.type_bigint() }}) as bant_qualified_count,
    cast(converted_count as {{ dbt.type_bigint() }}) as converted_count,
    cast(man_qualified_count * 1.0 / leads_count as {{ dbt.type_numeric() }}) as man_qualified_rate,
    cast(bant_qualified_count * 1.0 / leads_count as {{ dbt.type_numeric() }}) as bant_qualified_rate,
    cast(converted_count * 1.0 / leads_count as {{ dbt.type_numeric() }}) as conversion_rate,
    cast(median_days_to_convert as {{ dbt.type_numeric() }}) as median_days_to_convert,
    cast(avg_days_to_convert as {{ dbt.type_numeric() }}) as avg_days_to_convert,
    cast(as_of_date as date) as as_of_date
from aggregated
