-- Channel performance (渠道績效 / 關鍵渠道數據指標, [004]): one row per channel type (直营/分销/代理/电商/
-- 跨境) × month, from the first order month to the as-of month (the as-of month up to the as-of date).
-- Sales and margin come from our orders; 回款率 is collected in the month ÷ due in the month (domain.md
-- §4.3; the due-date cohort view is due_cohort_collection_rate);
-- 库存周转 and the partner counts come from the partner channels (empty for channel types without
-- partners); new customers are accounts whose first order came through the channel type.
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

channels as (
    select channel_id, channel_type, channel_type_zh from {{ ref('dim_channel') }}
),

orders as (
    select
        orders.*,
        channels.channel_type,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as month_start
    from {{ ref('fct_orders') }} as orders
    cross join as_of
    inner join channels on channels.channel_id = orders.channel_id
    where not orders.is_cancelled
      and orders.order_date <= as_of.as_of_date
),

months as (
    select
        dim_date.month_start,
        max(dim_date.month_end) as month_end
    from {{ ref('dim_date') }} as dim_date
    cross join as_of
    where dim_date.month_start >= (select min(month_start) from orders)
      and dim_date.month_start <= as_of.as_of_date
    group by dim_date.month_start
),

spine as (
    select
        types.channel_type,
        types.channel_type_zh,
        months.month_start,
        months.month_end,
        case when months.month_end > as_of.as_of_date then true else false end as is_open_period
    from (select distinct channel_type, channel_type_zh from channels) as types
    cross join months
    cross join as_of
),

sales as (
    select
        channel_type,
        month_start,
        sum(revenue_base) as revenue_base,
        sum(cost_base) as cost_base,
        count(*) as orders,
        sum(case when account_order_sequence = 1 then 1 else 0 end) as new_customers,
        avg(
            case
                when shipped_at is not null
                    then {{ dbt.datediff('order_date', 'cast(shipped_at as date)', 'day') }}
            end
        ) as avg_order_processing_days
    from orders
    group by channel_type, month_start
),

units as (
    select
        channels.channel_type,
        lines.order_month as month_start,
        sum(lines.quantity) as units
    from {{ ref('fct_order_lines') }} as lines
    cross join as_of
    inner join channels on channels.channel_id = lines.channel_id
    where not lines.is_cancelled_order
      and lines.order_date <= as_of.as_of_date
    group by channels.channel_type, lines.order_month
),

collections as (
    select
        channel_type,
        due_month as month_start,
        sum(receivable_base) as due_base,
        sum(collected_base) as collected_on_due_base
    from {{ ref('int_collections__order_balances') }}
    where due_date <= as_of_date
    group by channel_type, due_month
),

collected as (
    -- 回款 in the month: the applied settlement value of the payments (receivables money convention).
    select
        channels.channel_type,
        applications.paid_month as month_start,
        sum(applications.applied_base) as collected_in_period_base
    from {{ ref('int_collections__payment_applications') }} as applications
    cross join as_of
    inner join channels
        on channels.channel_id = applications.channel_id
    where applications.paid_date <= as_of.as_of_date
    group by channels.channel_type, applications.paid_month
),

inventory as (
    select
        channel_type,
        month_start,
        sum(sell_out_qty) as sell_out_units,
        -- Unknown when the stock of one partner's product is (a flow without its file, no count that day).
        case when count(avg_inventory_qty) = count(*) then sum(avg_inventory_qty) end as avg_inventory_units
    from {{ ref('mart_channel_inventory') }}
    group by channel_type, month_start
),

partner_activity as (
    select partner_id, month_start from {{ ref('int_channel__sell_in_lines') }}
    union
    select partner_id, month_start from {{ ref('int_channel__sell_out_lines') }}
),

partner_counts as (
    -- 渠道活跃度: partners with sell-in or sell-out in the month ÷ partners under contract that month.
    select
        partners.channel_type,
        months.month_start,
        sum(
            case
                when (partners.contract_start is null or partners.contract_start <= months.month_end)
                    and (partners.contract_end is null or partners.contract_end >= months.month_start)
                    then 1
                else 0
            end
        ) as authorized_partners,
        count(distinct partner_activity.partner_id) as active_partners
    from {{ ref('dim_partner') }} as partners
    cross join months
    left join partner_activity
        on partner_activity.partner_id = partners.partner_id
        and partner_activity.month_start = months.month_start
    group by partners.channel_type, months.month_start
),

joined as (
    select
        spine.*,
        coalesce(sales.revenue_base, 0) as revenue_base,
        coalesce(sales.cost_base, 0) as cost_base,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.new_customers, 0) as new_customers,
        sales.avg_order_processing_days,
        coalesce(units.units, 0) as units,
        coalesce(collections.due_base, 0) as due_base,
        -- Null (unknown, not 0) when the file a figure comes from had no rows (macros/quality/mart_inputs.sql).
        {{ when_inputs_have_rows(['payments'], 'coalesce(collections.collected_on_due_base, 0)') }} as collected_on_due_base,
        {{ when_inputs_have_rows(['payments'], 'coalesce(collected.collected_in_period_base, 0)') }} as collected_in_period_base,
        inventory.sell_out_units,
        inventory.avg_inventory_units,
        {{ when_inputs_have_rows(['partners'], 'coalesce(partner_counts.authorized_partners, 0)') }} as authorized_partners,
        {{ when_inputs_have_rows(['partners', 'int_channel__sell_in_lines|int_channel__sell_out_lines'], 'coalesce(partner_counts.active_partners, 0)') }} as active_partners
    from spine
    left join sales on sales.channel_type = spine.channel_type and sales.month_start = spine.month_start
    left join units on units.channel_type = spine.channel_type and units.month_start = spine.month_start
    left join collections on collections.channel_type = spine.channel_type and collections.month_start = spine.month_start
    left join collected on collected.channel_type = spine.channel_type and collected.month_start = spine.month_start
    left join inventory on inventory.channel_type = spine.channel_type and inventory.month_start = spine.month_start
    left join partner_counts
        on partner_counts.channel_type = spine.channel_type and partner_counts.month_start = spine.month_start
),

compared as (
    select
        joined.*,
        sum(joined.revenue_base) over (partition by joined.month_start) as total_revenue_base,
        lag(joined.revenue_base) over (
            partition by joined.channel_type
            order by joined.month_start asc nulls last
        ) as prior_month_revenue_base,
        prior_year.revenue_base as prior_year_revenue_base
    from joined
    left join joined as prior_year
        on prior_year.channel_type = joined.channel_type
        and prior_year.month_start = cast({{ dbt.dateadd('month', -12, 'joined.month_start') }} as date)
)

select
    {{ surrogate_key(['channel_type', 'month_start']) }} as channel_month_key,
    cast(channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(channel_type_zh as {{ dbt.type_string() }}) as channel_type_zh,
    cast(month_start as date) as month_start,
    cast(is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    cast(revenue_base as {{ dbt.type_numeric() }}) as revenue_base,
    cast(units as {{ dbt.type_numeric() }}) as units,
    cast(orders as {{ dbt.type_bigint() }}) as orders,
    cast(case when total_revenue_base <> 0 then revenue_base / total_revenue_base end as {{ dbt.type_numeric() }}) as share_of_total_revenue,
    cast(prior_month_revenue_base as {{ dbt.type_numeric() }}) as prior_month_revenue_base,
    cast(
        case when prior_month_revenue_base > 0 then (revenue_base - prior_month_revenue_base) / prior_month_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as mom_growth_pct,
    cast(prior_year_revenue_base as {{ dbt.type_numeric() }}) as prior_year_revenue_base,
    cast(
        case when prior_year_revenue_base > 0 then (revenue_base - prior_year_revenue_base) / prior_year_revenue_base end
        as {{ dbt.type_numeric() }}
    ) as yoy_growth_pct,
    cast(revenue_base - cost_base as {{ dbt.type_numeric() }}) as gross_margin_base,
    cast(case when revenue_base > 0 then (revenue_base - cost_base) / revenue_base end as {{ dbt.type_numeric() }}) as gross_margin_pct,
    cast(due_base as {{ dbt.type_numeric() }}) as due_base,
    cast(collected_on_due_base as {{ dbt.type_numeric() }}) as collected_on_due_base,
    cast(collected_in_period_base as {{ dbt.type_numeric() }}) as collected_in_period_base,
    cast(case when due_base > 0 then collected_in_period_base / due_base end as {{ dbt.type_numeric() }}) as collection_rate,
    cast(case when due_base > 0 then collected_on_due_base / due_base end as {{ dbt.type_numeric() }}) as due_cohort_collection_rate,
    cast(sell_out_units as {{ dbt.type_numeric() }}) as sell_out_units,
    cast(avg_inventory_units as {{ dbt.type_numeric() }}) as avg_inventory_units,
    cast(
        case when avg_inventory_units > 0 then sell_out_units / avg_inventory_units end as {{ dbt.type_numeric() }}
    ) as inventory_turnover,
    cast(new_customers as {{ dbt.type_bigint() }}) as new_customers,
    cast(active_partners as {{ dbt.type_bigint() }}) as active_partners,
    cast(authorized_partners as {{ dbt.type_bigint() }}) as authorized_partners,
    cast(
        case when authorized_partners > 0 then active_partners * 1.0 / authorized_partners end as {{ dbt.type_numeric() }}
    ) as active_partner_rate,
    cast(avg_order_processing_days as {{ dbt.type_numeric() }}) as avg_order_processing_days
from compared
