-- Sell-out price and territory compliance (不砸价, 不窜货; [002], [004] 防止竄貨與價格混亂), one row per
-- sell-out line on or before the as-of date. Floor = list price (base currency) × var
-- price_floor_share_of_list; 砸价 = unit price below the floor. 窜货 = the end customer's region is not
-- in the partner's authorized_regions (semicolon list; unknown when either side is empty). A serial
-- number reported by more than one sell-out line is flagged too (serial traceability, [004]).
with lines as (
    select * from {{ ref('int_channel__sell_out_lines') }}
),

serials as (
    select serial_no, count(*) as serial_lines
    from lines
    where serial_no is not null
    group by serial_no
),

enriched as (
    select
        lines.*,
        partners.partner_name,
        partners.channel_id,
        partners.channel_type,
        partners.authorized_regions,
        products.product_name,
        products.list_price_base,
        products.list_price_base * {{ var('price_floor_share_of_list') }} as floor_price_base,
        -- ';east;south;' contains ';east;': a whole-token match, case and spaces ignored.
        {{ dbt.concat(["';'", "replace(lower(partners.authorized_regions), ' ', '')", "';'"]) }} as authorized_tokens,
        {{ dbt.concat(["'%;'", "replace(lower(lines.end_customer_region), ' ', '')", "';%'"]) }} as region_pattern,
        serials.serial_lines
    from lines
    left join {{ ref('dim_partner') }} as partners
        on partners.partner_id = lines.partner_id
    left join {{ ref('dim_product') }} as products
        on products.product_id = lines.product_id
    left join serials
        on serials.serial_no = lines.serial_no
)

select
    cast(sell_out_line_key as {{ dbt.type_string() }}) as sell_out_line_key,
    cast(partner_id as {{ dbt.type_string() }}) as partner_id,
    cast(partner_name as {{ dbt.type_string() }}) as partner_name,
    cast(channel_type as {{ dbt.type_string() }}) as channel_type,
    cast(product_id as {{ dbt.type_string() }}) as product_id,
    cast(product_name as {{ dbt.type_string() }}) as product_name,
    cast(sold_on as date) as sold_on,
    cast(month_start as date) as month_start,
    cast(quantity as {{ dbt.type_bigint() }}) as quantity,
    cast(unit_price_base as {{ dbt.type_numeric() }}) as unit_price_base,
    cast(amount_base as {{ dbt.type_numeric() }}) as amount_base,
    cast(list_price_base as {{ dbt.type_numeric() }}) as list_price_base,
    cast(floor_price_base as {{ dbt.type_numeric() }}) as floor_price_base,
    cast(
        case when list_price_base > 0 then (unit_price_base - list_price_base) / list_price_base end
        as {{ dbt.type_numeric() }}
    ) as deviation_pct,
    cast(
        case
            when floor_price_base is null or unit_price_base is null then null
            when unit_price_base < floor_price_base then true
            else false
        end as {{ dbt.type_boolean() }}
    ) as is_below_floor,
    cast(
        case when unit_price_base < floor_price_base then (floor_price_base - unit_price_base) * quantity else 0 end
        as {{ dbt.type_numeric() }}
    ) as below_floor_amount_base,
    cast(end_customer_region as {{ dbt.type_string() }}) as end_customer_region,
    cast(authorized_regions as {{ dbt.type_string() }}) as authorized_regions,
    cast(
        case
            when end_customer_region is null or authorized_regions is null then null
            when authorized_tokens like region_pattern then false
            else true
        end as {{ dbt.type_boolean() }}
    ) as is_outside_authorized_region,
    cast(serial_no as {{ dbt.type_string() }}) as serial_no,
    cast(case when serial_lines > 1 then true else false end as {{ dbt.type_boolean() }}) as is_duplicate_serial
from enriched
