-- Order lines, one row per order_id + line_number; negative quantity = return (退货).
with source as (
    {{ current_raw_rows(source('raw', 'order_lines')) }}
),

typed as (
    select
        {{ text_col('order_id') }} as order_id,
        {{ int_col('line_number') }} as line_number,
        {{ text_col('product_id') }} as product_id,
        {{ int_col('quantity') }} as quantity,
        {{ decimal_col('unit_price') }} as unit_price,
        {{ decimal_col('discount_pct') }} as discount_pct,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by order_id, line_number
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    order_id,
    line_number,
    product_id,
    quantity,
    unit_price,
    discount_pct,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
