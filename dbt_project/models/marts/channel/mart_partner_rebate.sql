-- Partner rebate (销售返利, 阶梯式返利; [004], domain.md §4.5): one row per partner × quarter.
--   basis       = the quarter's sell-in revenue (base currency), attainment = basis ÷ revenue target
--   band        = the rebate_tiers row with attainment_from ≤ attainment < attainment_to
--   base        = basis × base_rebate_pct                                   (基础返利)
--   growth      = (basis − same quarter last year) × growth_rebate_pct,
--                 only when last year's quarter had sell-in                 (增长返利)
--   special     = new-product sell-in × special_rebate_pct                  (专项返利, 新品推广)
--   sprint      = var quarter_sprint_bonus_amount when the quarter is over and attainment > 100%
--                 ([004] 季度衝刺獎金 5萬 "季度末超額完成目標"), withheld for a stuffing-flagged
--                 quarter when var stuffing_blocks_sprint_bonus is true
--   stuffing    = in the last var stuffing_window_days days of a finished quarter the daily sell-in
--                 units exceed var stuffing_multiplier × the daily rate of the rest of the quarter,
--                 while daily sell-out units do not ([004] "季度末突擊採購", "防止…囤貨")
-- Partners without a target get no band and no rebate. The open quarter's figures are provisional.
{%- set window_days = var('stuffing_window_days') %}
{%- set multiplier = var('stuffing_multiplier') %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

quarters as (
    select
        performance.partner_id,
        performance.partner_name,
        performance.channel_type,
        performance.tier,
        performance.period_start as quarter_start,
        performance.period_end as quarter_end,
        performance.is_open_period,
        performance.sell_in_revenue_base,
        performance.revenue_target_base,
        performance.revenue_attainment,
        cast({{ dbt.dateadd('day', 1 - window_days, 'performance.period_end') }} as date) as window_start
    from {{ ref('mart_partner_performance') }} as performance
    where performance.period_grain = 'quarter'
),

prior_year as (
    select partner_id, period_start, sell_in_revenue_base
    from {{ ref('mart_partner_performance') }}
    where period_grain = 'quarter'
),

new_product_sell_in as (
    select partner_id, quarter_start, sum(revenue_base) as new_product_revenue_base
    from {{ ref('int_channel__sell_in_lines') }}
    where is_new_product
    group by partner_id, quarter_start
),

sell_in_window as (
    select
        quarters.partner_id,
        quarters.quarter_start,
        sum(case when lines.order_date < quarters.window_start then lines.quantity else 0 end) as pre_window_units,
        sum(case when lines.order_date >= quarters.window_start then lines.quantity else 0 end) as window_units
    from quarters
    inner join {{ ref('int_channel__sell_in_lines') }} as lines
        on lines.partner_id = quarters.partner_id
        and lines.quarter_start = quarters.quarter_start
    group by quarters.partner_id, quarters.quarter_start
),

sell_out_window as (
    select
        quarters.partner_id,
        quarters.quarter_start,
        sum(case when lines.sold_on < quarters.window_start then lines.quantity else 0 end) as pre_window_units,
        sum(case when lines.sold_on >= quarters.window_start then lines.quantity else 0 end) as window_units
    from quarters
    inner join {{ ref('int_channel__sell_out_lines') }} as lines
        on lines.partner_id = quarters.partner_id
        and lines.quarter_start = quarters.quarter_start
    group by quarters.partner_id, quarters.quarter_start
),

measured as (
    select
        quarters.*,
        case when quarters.is_open_period then false else true end as is_quarter_closed,
        prior_year.sell_in_revenue_base as prior_year_sell_in_revenue_base,
        coalesce(new_product_sell_in.new_product_revenue_base, 0) as new_product_revenue_base,
        coalesce(sell_in_window.pre_window_units, 0) as sell_in_pre_window_units,
        coalesce(sell_in_window.window_units, 0) as sell_in_window_units,
        -- Null (unknown, not 0) when the sell-out file had no rows (macros/quality/mart_inputs.sql).
        {{ when_inputs_have_rows(['int_channel__sell_out_lines'], 'coalesce(sell_out_window.pre_window_units, 0)') }} as sell_out_pre_window_units,
        {{ when_inputs_have_rows(['int_channel__sell_out_lines'], 'coalesce(sell_out_window.window_units, 0)') }} as sell_out_window_units,
        {{ dbt.datediff('quarters.quarter_start', 'quarters.window_start', 'day') }} as pre_window_days
    from quarters
    left join prior_year
        on prior_year.partner_id = quarters.partner_id
        and prior_year.period_start = cast({{ dbt.dateadd('month', -12, 'quarters.quarter_start') }} as date)
    left join new_product_sell_in
        on new_product_sell_in.partner_id = quarters.partner_id
        and new_product_sell_in.quarter_start = quarters.quarter_start
    left join sell_in_window
        on sell_in_window.partner_id = quarters.partner_id
        and sell_in_window.quarter_start = quarters.quarter_start
    left join sell_out_window
        on sell_out_window.partner_id = quarters.partner_id
        and sell_out_window.quarter_start = quarters.quarter_start
),

flagged as (
    select
        measured.*,
        case
            when not measured.is_quarter_closed then null
            when not coalesce(
                measured.sell_in_window_units > 0
                and measured.sell_in_window_units * 1.0 / {{ window_days }}
                    > {{ multiplier }} * measured.sell_in_pre_window_units / measured.pre_window_days,
                false
            ) then false
            -- A sell-in spike, and no sell-out to tell whether it followed: unknown.
            when measured.sell_out_window_units is null then null
            when not (
                measured.sell_out_window_units * 1.0 / {{ window_days }}
                    > {{ multiplier }} * measured.sell_out_pre_window_units / measured.pre_window_days
            ) then true
            else false
        end as is_stuffing_suspected
    from measured
),

banded as (
    select
        flagged.*,
        case when flagged.sell_in_revenue_base > 0 then flagged.sell_in_revenue_base else 0 end as rebate_basis_base,
        tiers.band_code,
        tiers.band_label,
        coalesce(tiers.base_rebate_pct, 0) as base_rebate_pct,
        coalesce(tiers.growth_rebate_pct, 0) as growth_rebate_pct,
        coalesce(tiers.special_rebate_pct, 0) as special_rebate_pct,
        tiers.payout_method
    from flagged
    left join {{ ref('rebate_tiers') }} as tiers
        on flagged.revenue_attainment >= tiers.attainment_from
        and (tiers.attainment_to is null or flagged.revenue_attainment < tiers.attainment_to)
),

amounts as (
    select
        banded.*,
        banded.rebate_basis_base * banded.base_rebate_pct as base_rebate_base,
        case
            when banded.prior_year_sell_in_revenue_base > 0
                and banded.rebate_basis_base > banded.prior_year_sell_in_revenue_base
                then banded.rebate_basis_base - banded.prior_year_sell_in_revenue_base
            else 0
        end as growth_amount_base,
        case when banded.new_product_revenue_base > 0 then banded.new_product_revenue_base else 0 end
            * banded.special_rebate_pct as special_rebate_base,
        case
            {%- if var('stuffing_blocks_sprint_bonus') %}
            -- Earned, but whether stuffing withholds it is unknown (no sell-out): unknown, not 0.
            when banded.is_quarter_closed
                and banded.revenue_attainment > 1
                and banded.is_stuffing_suspected is null
                then null
            {%- endif %}
            when banded.is_quarter_closed
                and banded.revenue_attainment > 1
                {%- if var('stuffing_blocks_sprint_bonus') %}
                and not banded.is_stuffing_suspected
                {%- endif %}
                then {{ var('quarter_sprint_bonus_amount') }}
            else 0
        end as sprint_bonus_base
    from banded
)

select
    {{ surrogate_key(['partner_id', 'quarter_start']) }} as partner_rebate_key,
    cast(partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(partner_name as {{ dbt.type_string() }}) as partner_name,
    cast(channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(tier as {{ dbt.type_string() }}) as tier,
    cast(quarter_start as date) as quarter_start,
    cast(quarter_end as date) as quarter_end,
    cast(is_quarter_closed as {{ dbt.type_boolean() }}) as is_quarter_closed,
    cast(case when revenue_target_base > 0 then true else false end as {{ dbt.type_boolean() }}) as has_target,
    cast(rebate_basis_base as {{ dbt.type_numeric() }}) as rebate_basis_base,
    cast(revenue_target_base as {{ dbt.type_numeric() }}) as revenue_target_base,
    cast(revenue_attainment as {{ dbt.type_numeric() }}) as attainment_pct,
    cast(band_code as {{ dbt.type_string() }}) as rebate_band,
    cast(band_label as {{ dbt.type_string() }}) as rebate_band_label,
    cast(base_rebate_pct as {{ dbt.type_numeric() }}) as base_rebate_pct,
    cast(base_rebate_base as {{ dbt.type_numeric() }}) as base_rebate_base,
    cast(prior_year_sell_in_revenue_base as {{ dbt.type_numeric() }}) as prior_year_basis_base,
    cast(growth_amount_base as {{ dbt.type_numeric() }}) as growth_amount_base,
    cast(growth_rebate_pct as {{ dbt.type_numeric() }}) as growth_rebate_pct,
    cast(growth_amount_base * growth_rebate_pct as {{ dbt.type_numeric() }}) as growth_rebate_base,
    cast(new_product_revenue_base as {{ dbt.type_numeric() }}) as new_product_basis_base,
    cast(special_rebate_pct as {{ dbt.type_numeric() }}) as special_rebate_pct,
    cast(special_rebate_base as {{ dbt.type_numeric() }}) as special_rebate_base,
    cast(
        base_rebate_base + growth_amount_base * growth_rebate_pct + special_rebate_base as {{ dbt.type_numeric() }}
    ) as rebate_total_base,
    cast(sprint_bonus_base as {{ dbt.type_numeric() }}) as sprint_bonus_base,
    cast(
        base_rebate_base + growth_amount_base * growth_rebate_pct + special_rebate_base + sprint_bonus_base
        as {{ dbt.type_numeric() }}
    ) as incentive_total_base,
    cast(payout_method as {{ dbt.type_string() }}) as payout_method,
    cast(sell_in_pre_window_units as {{ dbt.type_numeric() }}) as sell_in_pre_window_units,
    cast(sell_in_window_units as {{ dbt.type_numeric() }}) as sell_in_window_units,
    cast(sell_out_pre_window_units as {{ dbt.type_numeric() }}) as sell_out_pre_window_units,
    cast(sell_out_window_units as {{ dbt.type_numeric() }}) as sell_out_window_units,
    cast(is_stuffing_suspected as {{ dbt.type_boolean() }}) as is_stuffing_suspected
from amounts
