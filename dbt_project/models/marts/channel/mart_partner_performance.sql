-- Partner performance (渠道績效評估, [004] five KPI families, domain.md §4.3): one row per partner ×
-- period (month and quarter), from the partner's first activity month to the as-of date.
--   sales (銷售業績): sell-in revenue and units, sell-out units and amount
--   financial (財務健康): 回款率 (collected in the period ÷ due in the period, domain.md §4.3; the
--     due-date cohort view as due_cohort_collection_rate), 库存周转 (sell-out
--     units ÷ average of opening and closing channel stock), 毛利率 (our margin on the sell-in)
--   market (市場發展): new customers (accounts whose first order came through the partner), product
--     coverage (products sold out ÷ products launched by the period end)
--   service (客戶服務): the contract has no surveys or tickets; return rate of the sell-in is the proxy
--   team (團隊建設): training completion = staff_trained ÷ staff_count (current partner record); staff
--     stability needs headcount history the contract does not carry, so it is left empty
-- plus attainment against the partner's revenue target (int_quota__period_targets).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

months as (
    select
        month_start,
        max(month_end) as month_end,
        min(quarter_start) as quarter_start
    from {{ ref('dim_date') }}
    group by month_start
),

periods as (
    select 'month' as period_grain, month_start as period_start, month_end as period_end, month_start from months
    union all
    select
        'quarter' as period_grain,
        quarter_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, 'quarter_start')) }} as date) as period_end,
        month_start
    from months
),

sell_in as (
    select * from {{ ref('int_channel__sell_in_lines') }}
),

sell_out as (
    select * from {{ ref('int_channel__sell_out_lines') }}
),

-- A figure whose file had no rows is unknown (null), not 0 (macros/quality/mart_inputs.sql): sell-in (and the
-- receivables of its orders), sell-out, collections (payments) and stock (both flows, mart_channel_inventory).
inputs as (
    select
        case when {{ inputs_have_rows(['int_channel__sell_in_lines']) }} then 1 else 0 end as sell_in_known,
        case when {{ inputs_have_rows(['int_channel__sell_out_lines']) }} then 1 else 0 end as sell_out_known,
        case when {{ inputs_have_rows(['int_channel__sell_in_lines', 'payments']) }} then 1 else 0 end as collected_known,
        case when {{ inputs_have_rows(['int_channel__sell_in_lines', 'int_channel__sell_out_lines']) }} then 1 else 0 end as stock_known
),

partner_targets as (
    select period_grain, period_start, owner_id as partner_id, target_value
    from {{ ref('int_quota__period_targets') }}
    where level = 'partner' and metric = 'revenue'
),

first_months as (
    select partner_id, min(month_start) as first_month
    from (
        select partner_id, month_start from sell_in
        union all
        select partner_id, month_start from sell_out
        union all
        select partner_id, month_start from {{ ref('mart_channel_inventory') }}
        union all
        select partner_id, period_start as month_start from partner_targets
    ) as activity
    group by partner_id
),

partner_periods as (
    select distinct
        first_months.partner_id,
        periods.period_grain,
        periods.period_start,
        periods.period_end
    from first_months
    cross join as_of
    inner join periods
        on periods.month_start >= first_months.first_month
        and periods.month_start <= as_of.as_of_date
),

sell_in_monthly as (
    select
        partner_id,
        month_start,
        sum(revenue_base) as sell_in_revenue_base,
        sum(cost_amount_base) as sell_in_cost_base,
        sum(quantity) as sell_in_units,
        sum(case when quantity > 0 then quantity else 0 end) as sold_units,
        sum(case when quantity < 0 then -quantity else 0 end) as returned_units,
        count(distinct order_id) as sell_in_orders
    from sell_in
    group by partner_id, month_start
),

sell_out_monthly as (
    select partner_id, month_start, sum(quantity) as sell_out_units, sum(amount_base) as sell_out_amount_base
    from sell_out
    group by partner_id, month_start
),

due_monthly as (
    select
        partner_id,
        due_month as month_start,
        sum(receivable_base) as due_base,
        sum(collected_base) as collected_on_due_base
    from {{ ref('int_collections__order_balances') }}
    where partner_id is not null
      and due_date <= as_of_date
    group by partner_id, due_month
),

collected_monthly as (
    -- 回款 in the month: the applied settlement value of the payments (receivables money convention).
    select
        applications.partner_id,
        applications.paid_month as month_start,
        sum(applications.applied_base) as collected_base
    from {{ ref('int_collections__payment_applications') }} as applications
    cross join as_of
    where applications.partner_id is not null
      and applications.paid_date <= as_of.as_of_date
    group by applications.partner_id, applications.paid_month
),

new_customers_monthly as (
    select
        orders.partner_id,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as month_start,
        count(*) as new_customers
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    where orders.account_order_sequence = 1
      and orders.partner_id is not null
      and orders.order_date <= as_of.as_of_date
    group by orders.partner_id, cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date)
),

monthly as (
    select
        partner_periods.partner_id,
        partner_periods.period_grain,
        partner_periods.period_start,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.sell_in_revenue_base, 0)) end as sell_in_revenue_base,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.sell_in_cost_base, 0)) end as sell_in_cost_base,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.sell_in_units, 0)) end as sell_in_units,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.sold_units, 0)) end as sold_units,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.returned_units, 0)) end as returned_units,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(sell_in_monthly.sell_in_orders, 0)) end as sell_in_orders,
        case when max(inputs.sell_out_known) = 1 then sum(coalesce(sell_out_monthly.sell_out_units, 0)) end as sell_out_units,
        case when max(inputs.sell_out_known) = 1 then sum(coalesce(sell_out_monthly.sell_out_amount_base, 0)) end as sell_out_amount_base,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(due_monthly.due_base, 0)) end as due_base,
        case when max(inputs.collected_known) = 1 then sum(coalesce(due_monthly.collected_on_due_base, 0)) end as collected_on_due_base,
        case when max(inputs.collected_known) = 1 then sum(coalesce(collected_monthly.collected_base, 0)) end as collected_in_period_base,
        case when max(inputs.sell_in_known) = 1 then sum(coalesce(new_customers_monthly.new_customers, 0)) end as new_customers
    from partner_periods
    cross join as_of
    cross join inputs
    inner join periods
        on periods.period_grain = partner_periods.period_grain
        and periods.period_start = partner_periods.period_start
        and periods.month_start <= as_of.as_of_date
    left join sell_in_monthly
        on sell_in_monthly.partner_id = partner_periods.partner_id and sell_in_monthly.month_start = periods.month_start
    left join sell_out_monthly
        on sell_out_monthly.partner_id = partner_periods.partner_id and sell_out_monthly.month_start = periods.month_start
    left join due_monthly
        on due_monthly.partner_id = partner_periods.partner_id and due_monthly.month_start = periods.month_start
    left join collected_monthly
        on collected_monthly.partner_id = partner_periods.partner_id and collected_monthly.month_start = periods.month_start
    left join new_customers_monthly
        on new_customers_monthly.partner_id = partner_periods.partner_id
        and new_customers_monthly.month_start = periods.month_start
    group by partner_periods.partner_id, partner_periods.period_grain, partner_periods.period_start
),

inventory as (
    -- Stock at the start of the period and at its end (or the as-of month): Σ over products.
    select
        partner_periods.partner_id,
        partner_periods.period_grain,
        partner_periods.period_start,
        sum(case when inventory.month_start = partner_periods.period_start then inventory.opening_qty else 0 end) as opening_qty,
        sum(
            case
                when inventory.month_start = cast({{ dbt.date_trunc('month', 'case when partner_periods.period_end < as_of.as_of_date then partner_periods.period_end else as_of.as_of_date end') }} as date)
                    then inventory.closing_qty
                else 0
            end
        ) as closing_qty
    from partner_periods
    cross join as_of
    inner join {{ ref('mart_channel_inventory') }} as inventory
        on inventory.partner_id = partner_periods.partner_id
        and inventory.month_start >= partner_periods.period_start
        and inventory.month_start <= partner_periods.period_end
    group by partner_periods.partner_id, partner_periods.period_grain, partner_periods.period_start
),

coverage as (
    -- Equality join through the month (not a date range): sell-out can run to millions of lines.
    select
        sell_out.partner_id,
        periods.period_grain,
        periods.period_start,
        count(distinct sell_out.product_id) as products_sold_out
    from sell_out
    inner join periods
        on periods.month_start = sell_out.month_start
    where sell_out.quantity > 0
    group by sell_out.partner_id, periods.period_grain, periods.period_start
),

catalog as (
    select
        partner_periods.partner_id,
        partner_periods.period_grain,
        partner_periods.period_start,
        count(*) as products_available
    from partner_periods
    inner join {{ ref('dim_product') }} as products
        on products.launched_at is null or products.launched_at <= partner_periods.period_end
    group by partner_periods.partner_id, partner_periods.period_grain, partner_periods.period_start
),

combined as (
    select
        partner_periods.partner_id,
        partner_periods.period_grain,
        partner_periods.period_start,
        partner_periods.period_end,
        case when partner_periods.period_end > as_of.as_of_date then true else false end as is_open_period,
        monthly.sell_in_revenue_base,
        monthly.sell_in_cost_base,
        monthly.sell_in_units,
        monthly.sold_units,
        monthly.returned_units,
        monthly.sell_in_orders,
        monthly.sell_out_units,
        monthly.sell_out_amount_base,
        monthly.due_base,
        monthly.collected_on_due_base,
        monthly.collected_in_period_base,
        monthly.new_customers,
        case when inputs.stock_known = 1 then coalesce(inventory.opening_qty, 0) end as opening_inventory_qty,
        case when inputs.stock_known = 1 then coalesce(inventory.closing_qty, 0) end as closing_inventory_qty,
        case
            when inputs.stock_known = 1 then (coalesce(inventory.opening_qty, 0) + coalesce(inventory.closing_qty, 0)) / 2.0
        end as avg_inventory_qty,
        case when inputs.sell_out_known = 1 then coalesce(coverage.products_sold_out, 0) end as products_sold_out,
        {{ when_inputs_have_rows(['products'], 'coalesce(catalog.products_available, 0)') }} as products_available,
        partner_targets.target_value as revenue_target_base
    from partner_periods
    cross join as_of
    cross join inputs
    inner join monthly
        on monthly.partner_id = partner_periods.partner_id
        and monthly.period_grain = partner_periods.period_grain
        and monthly.period_start = partner_periods.period_start
    left join inventory
        on inventory.partner_id = partner_periods.partner_id
        and inventory.period_grain = partner_periods.period_grain
        and inventory.period_start = partner_periods.period_start
    left join coverage
        on coverage.partner_id = partner_periods.partner_id
        and coverage.period_grain = partner_periods.period_grain
        and coverage.period_start = partner_periods.period_start
    left join catalog
        on catalog.partner_id = partner_periods.partner_id
        and catalog.period_grain = partner_periods.period_grain
        and catalog.period_start = partner_periods.period_start
    left join partner_targets
        on partner_targets.partner_id = partner_periods.partner_id
        and partner_targets.period_grain = partner_periods.period_grain
        and partner_targets.period_start = partner_periods.period_start
)

select
    {{ surrogate_key(['combined.partner_id', 'combined.period_grain', 'combined.period_start']) }} as partner_period_key,
    cast(combined.partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(partners.partner_name as {{ dbt.type_string() }}) as partner_name,
    cast(partners.channel_id as {{ dbt.type_string() }}) as channel_id,
    cast(partners.channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(partners.tier as {{ dbt.type_string() }}) as tier,
    cast(combined.period_grain as {{ dbt.type_string() }}) as period_grain,
    cast(combined.period_start as date) as period_start,
    cast(combined.period_end as date) as period_end,
    cast(combined.is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    -- sales
    cast(combined.sell_in_revenue_base as {{ dbt.type_numeric() }}) as sell_in_revenue_base,
    cast(combined.sell_in_units as {{ dbt.type_numeric() }}) as sell_in_units,
    cast(combined.sell_in_orders as {{ dbt.type_bigint() }}) as sell_in_orders,
    cast(combined.sell_out_units as {{ dbt.type_numeric() }}) as sell_out_units,
    cast(combined.sell_out_amount_base as {{ dbt.type_numeric() }}) as sell_out_amount_base,
    -- financial health
    cast(combined.due_base as {{ dbt.type_numeric() }}) as due_base,
    cast(combined.collected_on_due_base as {{ dbt.type_numeric() }}) as collected_on_due_base,
    cast(combined.collected_in_period_base as {{ dbt.type_numeric() }}) as collected_in_period_base,
    cast(
        case when combined.due_base > 0 then combined.collected_in_period_base / combined.due_base end
        as {{ dbt.type_numeric() }}
    ) as collection_rate,
    cast(
        case when combined.due_base > 0 then combined.collected_on_due_base / combined.due_base end as {{ dbt.type_numeric() }}
    ) as due_cohort_collection_rate,
    cast(combined.opening_inventory_qty as {{ dbt.type_numeric() }}) as opening_inventory_qty,
    cast(combined.closing_inventory_qty as {{ dbt.type_numeric() }}) as closing_inventory_qty,
    cast(combined.avg_inventory_qty as {{ dbt.type_numeric() }}) as avg_inventory_qty,
    cast(
        case when combined.avg_inventory_qty > 0 then combined.sell_out_units / combined.avg_inventory_qty end
        as {{ dbt.type_numeric() }}
    ) as inventory_turnover,
    cast(combined.sell_in_revenue_base - combined.sell_in_cost_base as {{ dbt.type_numeric() }}) as gross_margin_base,
    cast(
        case
            when combined.sell_in_revenue_base > 0
                then (combined.sell_in_revenue_base - combined.sell_in_cost_base) / combined.sell_in_revenue_base
        end as {{ dbt.type_numeric() }}
    ) as gross_margin_pct,
    -- market development
    cast(combined.new_customers as {{ dbt.type_bigint() }}) as new_customers,
    cast(combined.products_sold_out as {{ dbt.type_bigint() }}) as products_sold_out,
    cast(combined.products_available as {{ dbt.type_bigint() }}) as products_available,
    cast(
        case when combined.products_available > 0 then combined.products_sold_out * 1.0 / combined.products_available end
        as {{ dbt.type_numeric() }}
    ) as product_coverage,
    -- service (proxy)
    cast(combined.returned_units as {{ dbt.type_numeric() }}) as returned_units,
    cast(
        case when combined.sold_units > 0 then combined.returned_units * 1.0 / combined.sold_units end
        as {{ dbt.type_numeric() }}
    ) as return_rate,
    -- team
    cast(partners.staff_count as {{ dbt.type_bigint() }}) as staff_count,
    cast(partners.staff_trained as {{ dbt.type_bigint() }}) as staff_trained,
    cast(
        case when partners.staff_count > 0 then partners.staff_trained * 1.0 / partners.staff_count end
        as {{ dbt.type_numeric() }}
    ) as training_completion_rate,
    cast(null as {{ dbt.type_numeric() }}) as staff_stability_rate,
    -- attainment
    cast(combined.revenue_target_base as {{ dbt.type_numeric() }}) as revenue_target_base,
    cast(
        case
            when combined.revenue_target_base > 0 then combined.sell_in_revenue_base / combined.revenue_target_base
        end as {{ dbt.type_numeric() }}
    ) as revenue_attainment
from combined
left join {{ ref('dim_partner') }} as partners
    on partners.partner_id = combined.partner_id
