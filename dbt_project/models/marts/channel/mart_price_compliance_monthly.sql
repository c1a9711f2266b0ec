-- Price and territory compliance per partner × month (砸价 / 窜货 summary of mart_price_compliance).
select
    {{ surrogate_key(['partner_id', 'month_start']) }} as price_compliance_month_key,
    cast(partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(max(partner_name) as {{ dbt.type_string() }}) as partner_name,
    cast(max(channel_type) as {{ dbt.type_string() }}) as channel_type,
    cast(month_start as date) as month_start,
    cast(count(*) as {{ dbt.type_bigint() }}) as sell_out_lines,
    cast(sum(quantity) as {{ dbt.type_bigint() }}) as sell_out_qty,
    cast(sum(amount_base) as {{ dbt.type_numeric() }}) as sell_out_amount_base,
    cast(sum(case when is_below_floor then 1 else 0 end) as {{ dbt.type_bigint() }}) as below_floor_lines,
    cast(sum(case when is_below_floor then quantity else 0 end) as {{ dbt.type_bigint() }}) as below_floor_qty,
    cast(sum(below_floor_amount_base) as {{ dbt.type_numeric() }}) as below_floor_amount_base,
    cast(sum(case when is_below_floor then 1 else 0 end) * 1.0 / count(*) as {{ dbt.type_numeric() }}) as below_floor_line_share,
    cast(sum(case when is_outside_authorized_region then 1 else 0 end) as {{ dbt.type_bigint() }}) as outside_region_lines,
    cast(sum(case when is_outside_authorized_region then quantity else 0 end) as {{ dbt.type_bigint() }}) as outside_region_qty,
    cast(sum(case when is_outside_authorized_region then 1 else 0 end) * 1.0 / count(*) as {{ dbt.type_numeric() }}) as outside_region_line_share,
    cast(sum(case when is_outside_authorized_region is null then 1 else 0 end) as {{ dbt.type_bigint() }}) as region_unknown_lines,
    cast(sum(case when is_duplicate_serial then 1 else 0 end) as {{ dbt.type_bigint() }}) as duplicate_serial_lines,
    -- Quantity-weighted deviation from list price (negative = sold below list).
    cast(
        case
            when sum(case when deviation_pct is not null then quantity else 0 end) <> 0
                then sum(case when deviation_pct is not null then deviation_pct * quantity else 0 end)
                    / sum(case when deviation_pct is not null then quantity else 0 end)
        end as {{ dbt.type_numeric() }}
    ) as avg_deviation_pct,
    cast(min(deviation_pct) as {{ dbt.type_numeric() }}) as min_deviation_pct
from {{ ref('mart_price_compliance') }}
group by partner_id, month_start
