-- Channel inventory (渠道库存 / 进销存): one row per partner × product × month, from the pair's first
-- activity month to the as-of month. Closing stock is anchored on the latest inventory snapshot on or
-- before the month's end (qty at the snapshot + sell-in − sell-out after it); without any snapshot
-- it is the running book balance (Σ sell-in − Σ sell-out). Opening = the previous month's closing; in
-- the pair's first month it is back-derived from a snapshot in that month (stock held before the data).
-- Without rows in one of the flows only a count taken on the period's last day is known (see `known`).
-- Sell-in is dated by order_date and counted in units (returns net off).
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

months as (
    select
        dim_date.month_start,
        max(dim_date.month_end) as month_end
    from {{ ref('dim_date') }} as dim_date
    group by dim_date.month_start
),

sell_in as (
    select partner_id, product_id, order_date as flow_date, quantity as qty_in, 0 as qty_out
    from {{ ref('int_channel__sell_in_lines') }}
),

sell_out as (
    select partner_id, product_id, sold_on as flow_date, 0 as qty_in, quantity as qty_out
    from {{ ref('int_channel__sell_out_lines') }}
),

flows as (
    select * from sell_in
    union all
    select * from sell_out
),

snapshots as (
    select snapshots.partner_id, snapshots.product_id, snapshots.snapshot_date, snapshots.on_hand_qty
    from {{ ref('stg_channels__partner_inventory') }} as snapshots
    cross join as_of
    where snapshots.snapshot_date <= as_of.as_of_date
      and snapshots.on_hand_qty is not null
),

pairs as (
    select
        partner_id,
        product_id,
        cast({{ dbt.date_trunc('month', 'min(first_date)') }} as date) as first_month
    from (
        select partner_id, product_id, flow_date as first_date from flows
        union all
        select partner_id, product_id, snapshot_date as first_date from snapshots
    ) as activity
    group by partner_id, product_id
),

spine as (
    select
        pairs.partner_id,
        pairs.product_id,
        months.month_start,
        case when months.month_end < as_of.as_of_date then months.month_end else as_of.as_of_date end as period_end,
        case when months.month_end > as_of.as_of_date then true else false end as is_open_period
    from pairs
    cross join as_of
    inner join months
        on months.month_start >= pairs.first_month
        and months.month_start <= as_of.as_of_date
),

monthly_flows as (
    select
        partner_id,
        product_id,
        cast({{ dbt.date_trunc('month', 'flow_date') }} as date) as month_start,
        sum(qty_in) as sell_in_qty,
        sum(qty_out) as sell_out_qty
    from flows
    group by partner_id, product_id, cast({{ dbt.date_trunc('month', 'flow_date') }} as date)
),

last_snapshot_in_month as (
    select
        partner_id,
        product_id,
        month_start,
        snapshot_date,
        on_hand_qty
    from (
        select
            snapshots.*,
            cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date) as month_start,
            row_number() over (
                partition by partner_id, product_id, cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date)
                order by snapshot_date desc nulls last
            ) as snapshot_rank
        from snapshots
    ) as ranked
    where snapshot_rank = 1
),

anchors as (
    -- Running total of net flows up to each month's end, and up to each anchor snapshot's date.
    select
        last_snapshot_in_month.partner_id,
        last_snapshot_in_month.product_id,
        last_snapshot_in_month.month_start,
        last_snapshot_in_month.snapshot_date,
        last_snapshot_in_month.on_hand_qty,
        coalesce(sum(flows.qty_in - flows.qty_out), 0) as net_flow_to_snapshot
    from last_snapshot_in_month
    left join flows
        on flows.partner_id = last_snapshot_in_month.partner_id
        and flows.product_id = last_snapshot_in_month.product_id
        and flows.flow_date <= last_snapshot_in_month.snapshot_date
    group by
        last_snapshot_in_month.partner_id,
        last_snapshot_in_month.product_id,
        last_snapshot_in_month.month_start,
        last_snapshot_in_month.snapshot_date,
        last_snapshot_in_month.on_hand_qty
),

running as (
    select
        spine.*,
        coalesce(monthly_flows.sell_in_qty, 0) as sell_in_qty,
        coalesce(monthly_flows.sell_out_qty, 0) as sell_out_qty,
        sum(coalesce(monthly_flows.sell_in_qty, 0) - coalesce(monthly_flows.sell_out_qty, 0)) over (
            partition by spine.partner_id, spine.product_id
            order by spine.month_start asc nulls last
            rows between unbounded preceding and current row
        ) as net_flow_to_month_end,
        -- The month of the latest snapshot on or before this month's end.
        max(case when last_snapshot_in_month.snapshot_date is not null then spine.month_start end) over (
            partition by spine.partner_id, spine.product_id
            order by spine.month_start asc nulls last
            rows between unbounded preceding and current row
        ) as anchor_month
    from spine
    left join monthly_flows
        on monthly_flows.partner_id = spine.partner_id
        and monthly_flows.product_id = spine.product_id
        and monthly_flows.month_start = spine.month_start
    left join last_snapshot_in_month
        on last_snapshot_in_month.partner_id = spine.partner_id
        and last_snapshot_in_month.product_id = spine.product_id
        and last_snapshot_in_month.month_start = spine.month_start
),

closing as (
    select
        running.*,
        anchors.snapshot_date as anchor_snapshot_date,
        anchors.on_hand_qty as anchor_on_hand_qty,
        case
            when anchors.snapshot_date is not null
                then anchors.on_hand_qty + running.net_flow_to_month_end - anchors.net_flow_to_snapshot
            else running.net_flow_to_month_end
        end as closing_qty
    from running
    left join anchors
        on anchors.partner_id = running.partner_id
        and anchors.product_id = running.product_id
        and anchors.month_start = running.anchor_month
),

stocked as (
    select
        closing.*,
        coalesce(
            lag(closing.closing_qty) over (
                partition by closing.partner_id, closing.product_id
                order by closing.month_start asc nulls last
            ),
            -- First month: stock held before the data starts, back-derived from a snapshot in that
            -- month (closing − sell-in + sell-out), so it is not reported as variance; else 0.
            case
                when closing.anchor_month = closing.month_start
                    then greatest(closing.closing_qty - closing.sell_in_qty + closing.sell_out_qty, 0)
                else 0
            end
        ) as opening_qty,
        {{ dbt.datediff('closing.month_start', 'closing.period_end', 'day') }} + 1 as period_days
    from closing
),

-- A flow whose file had no rows is unknown (null), not 0; and stock, a balance of both flows, is unknown
-- without either of them, not the other flow's running total (macros/quality/mart_inputs.sql). A count taken
-- on the period's last day is still known: it is that month's closing stock and the next month's opening.
known_closing as (
    select
        stocked.*,
        inputs.sell_in_known,
        inputs.sell_out_known,
        case
            when inputs.sell_in_known = 1 and inputs.sell_out_known = 1 then stocked.closing_qty
            when stocked.anchor_month = stocked.month_start and stocked.anchor_snapshot_date = stocked.period_end
                then stocked.anchor_on_hand_qty
        end as known_closing_qty
    from stocked
    cross join (
        select
            case when {{ inputs_have_rows(['int_channel__sell_in_lines']) }} then 1 else 0 end as sell_in_known,
            case when {{ inputs_have_rows(['int_channel__sell_out_lines']) }} then 1 else 0 end as sell_out_known
    ) as inputs
),

known as (
    select
        partner_id,
        product_id,
        month_start,
        period_end,
        is_open_period,
        period_days,
        anchor_month,
        anchor_snapshot_date,
        case when sell_in_known = 1 then sell_in_qty end as sell_in_qty,
        case when sell_out_known = 1 then sell_out_qty end as sell_out_qty,
        case
            when sell_in_known = 1 and sell_out_known = 1 then opening_qty
            else lag(known_closing_qty) over (
                partition by partner_id, product_id
                order by month_start asc nulls last
            )
        end as opening_qty,
        known_closing_qty as closing_qty
    from known_closing
),

measures as (
    select
        known.*,
        known.opening_qty + known.sell_in_qty - known.sell_out_qty as book_closing_qty,
        (known.opening_qty + known.closing_qty) / 2.0 as avg_inventory_qty
    from known
)

select
    {{ surrogate_key(['measures.partner_id', 'measures.product_id', 'measures.month_start']) }} as channel_inventory_key,
    cast(measures.partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(partners.partner_name as {{ dbt.type_string() }}) as partner_name,
    cast(partners.channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(measures.product_id as {{ dbt.type_string() }}) as product_id,
    cast(products.product_name as {{ dbt.type_string() }}) as product_name,
    cast(products.product_line as {{ dbt.type_string() }}) as product_line,
    cast(measures.month_start as date) as month_start,
    cast(measures.period_end as date) as period_end_date,
    cast(measures.is_open_period as {{ dbt.type_boolean() }}) as is_open_period,
    cast(measures.period_days as integer) as period_days,
    cast(measures.opening_qty as {{ dbt.type_numeric() }}) as opening_qty,
    cast(measures.sell_in_qty as {{ dbt.type_numeric() }}) as sell_in_qty,
    cast(measures.sell_out_qty as {{ dbt.type_numeric() }}) as sell_out_qty,
    cast(measures.book_closing_qty as {{ dbt.type_numeric() }}) as book_closing_qty,
    cast(measures.closing_qty as {{ dbt.type_numeric() }}) as closing_qty,
    cast(measures.closing_qty - measures.book_closing_qty as {{ dbt.type_numeric() }}) as inventory_variance_qty,
    cast(
        case when measures.anchor_month = measures.month_start then measures.anchor_snapshot_date end as date
    ) as snapshot_date,
    cast(measures.avg_inventory_qty as {{ dbt.type_numeric() }}) as avg_inventory_qty,
    -- 库存周转 = sell-out ÷ average inventory (units); days of inventory = average ÷ daily sell-out.
    cast(
        case when measures.avg_inventory_qty > 0 then measures.sell_out_qty / measures.avg_inventory_qty end
        as {{ dbt.type_numeric() }}
    ) as inventory_turnover,
    cast(
        case
            when measures.sell_out_qty > 0
                then measures.avg_inventory_qty * measures.period_days / measures.sell_out_qty
        end as {{ dbt.type_numeric() }}
    ) as days_of_inventory,
    -- Sell-through = sell-out ÷ (opening + sell-in): share of the stock available that moved (PROJECT CHOICE).
    cast(
        case
            when measures.opening_qty + measures.sell_in_qty > 0
                then measures.sell_out_qty * 1.0 / (measures.opening_qty + measures.sell_in_qty)
        end as {{ dbt.type_numeric() }}
    ) as sell_through_rate,
    cast(measures.closing_qty * products.unit_cost_base as {{ dbt.type_numeric() }}) as closing_value_base
from measures
left join {{ ref('dim_partner') }} as partners
    on partners.partner_id = measures.partner_id
left join {{ ref('dim_product') }} as products
    on products.product_id = measures.product_id
