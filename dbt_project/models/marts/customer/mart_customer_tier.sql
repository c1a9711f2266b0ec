-- Customer tiers (客户分级 战略级 / 成长级 / 潜力级 / 休眠级, [003]) and the repeat-purchase pyramid
-- (客户二次开发 首次购买 / 重复购买 / 忠诚, [000]), one row per month × customer that has bought by
-- the month's snapshot date. Rules, first match wins (thresholds are vars, see customer_tiers seed):
--   1 strategic  the account's strategic_flag
--   2 dormant    no purchase within tier_dormancy_days (recency_days > tier_dormancy_days)
--   3 strategic  top tier_strategic_top_share of customers by look-back revenue: rank() <= ceil(share × n),
--                n = customers with positive look-back revenue. rank() gives a tie its best position, so
--                a tie that starts inside the cut takes every tied customer in (equal revenue, equal
--                tier; the share can be exceeded by the size of that tie): see docs tie_safe_top_share.
--   4 growth     look-back revenue >= (1 + tier_growth_rate) × revenue of the window before (> 0)
--   5 potential  everyone else: still buying, spend below the strategic cut and not growing
-- Pyramid: first = 1 purchase; repeat = 2+ purchases; loyal = 2+ purchases across 2+ product lines
-- (多产品线应用). The referral half of "多产品线应用与主动推荐" is not in the data contract.
with state as (
    select *
    from {{ ref('int_customer__monthly_state') }}
    where has_purchased
),

ranked as (
    select
        state.*,
        -- No tie-breaker on purpose: which of two equal customers is strategic must not depend on the id.
        rank() over (
            partition by snapshot_date
            order by monetary_base desc nulls last
        ) as revenue_rank,
        sum(case when monetary_base > 0 then 1 else 0 end) over (partition by snapshot_date) as customers_with_revenue
    from state
),

flagged as (
    select
        ranked.*,
        case
            when monetary_base > 0
                and revenue_rank <= ceil({{ var('tier_strategic_top_share') }} * customers_with_revenue)
                then true
            else false
        end as is_top_value,
        case when recency_days > {{ var('tier_dormancy_days') }} then true else false end as is_dormant,
        case
            when prior_window_revenue_base > 0
                and monetary_base >= (1 + {{ var('tier_growth_rate') }}) * prior_window_revenue_base
                then true
            else false
        end as is_growing
    from ranked
),

tiered as (
    select
        flagged.*,
        case
            when is_strategic then 'strategic_flag'
            when is_dormant then 'dormant'
            when is_top_value then 'top_value'
            when is_growing then 'growth'
            else 'potential'
        end as tier_reason,
        case
            when is_strategic then 'strategic'
            when is_dormant then 'dormant'
            when is_top_value then 'strategic'
            when is_growing then 'growth'
            else 'potential'
        end as tier_code,
        case
            when lifetime_purchases >= 2 and product_lines_bought >= 2 then 'loyal'
            when lifetime_purchases >= 2 then 'repeat'
            else 'first'
        end as pyramid_level
    from flagged
),

with_previous as (
    select
        tiered.*,
        lag(tier_code) over (
            partition by account_id
            order by snapshot_month asc nulls last
        ) as previous_tier_code
    from tiered
)

select
    cast(with_previous.snapshot_month as date) as snapshot_month,
    cast(with_previous.snapshot_date as date) as snapshot_date,
    cast(with_previous.is_complete_month as {{ dbt.type_boolean() }}) as is_complete_month,
    cast(with_previous.account_id as {{ dbt.type_string() }}) as account_id,
    cast(with_previous.owner_rep_id as {{ dbt.type_string() }}) as owner_rep_id,
    cast(with_previous.tier_code as {{ dbt.type_string() }}) as tier_code,
    cast(tiers.tier_name_zh as {{ dbt.type_string() }}) as tier_name_zh,
    cast(with_previous.tier_reason as {{ dbt.type_string() }}) as tier_reason,
    cast(with_previous.previous_tier_code as {{ dbt.type_string() }}) as previous_tier_code,
    cast(
        case
            when with_previous.previous_tier_code is not null
                and with_previous.previous_tier_code <> with_previous.tier_code then true
            else false
        end as {{ dbt.type_boolean() }}
    ) as is_tier_change,
    cast(with_previous.is_strategic as {{ dbt.type_boolean() }}) as is_strategic_flag,
    cast(with_previous.is_top_value as {{ dbt.type_boolean() }}) as is_top_value,
    cast(with_previous.is_dormant as {{ dbt.type_boolean() }}) as is_dormant,
    cast(with_previous.is_growing as {{ dbt.type_boolean() }}) as is_growing,
    cast(with_previous.revenue_rank as {{ dbt.type_int() }}) as revenue_rank,
    cast(with_previous.customers_with_revenue as {{ dbt.type_int() }}) as customers_with_revenue,
    cast(with_previous.monetary_base as {{ dbt.type_numeric() }}) as window_revenue_base,
    cast(with_previous.prior_window_revenue_base as {{ dbt.type_numeric() }}) as prior_window_revenue_base,
    cast(
        case
            when with_previous.prior_window_revenue_base > 0
                then with_previous.monetary_base * 1.0 / with_previous.prior_window_revenue_base - 1
        end as {{ dbt.type_numeric() }}
    ) as revenue_growth_rate,
    cast(with_previous.recency_days as {{ dbt.type_int() }}) as recency_days,
    cast(with_previous.lifetime_purchases as {{ dbt.type_int() }}) as lifetime_purchases,
    cast(with_previous.product_lines_bought as {{ dbt.type_int() }}) as product_lines_bought,
    cast(with_previous.pyramid_level as {{ dbt.type_string() }}) as pyramid_level,
    cast(
        case with_previous.pyramid_level
            when 'loyal' then '忠诚客户'
            when 'repeat' then '重复购买客户'
            else '首次购买客户'
        end as {{ dbt.type_string() }}
    ) as pyramid_level_zh
from with_previous
left join {{ ref('customer_tiers') }} as tiers
    on tiers.tier_code = with_previous.tier_code
