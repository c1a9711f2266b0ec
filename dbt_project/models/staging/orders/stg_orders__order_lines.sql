-- Order lines, one row per order_id + line_number; negative quantity = return (退货).
with source as (
    {{ raw_row_versions(source('raw', 'order_lines')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['order_id', 'line_number']) }}

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
from versions
where _is_in_force
