-- Partner sell-out lines (动销), one row per received line.
with source as (
    {{ current_raw_rows(source('raw', 'partner_sell_out')) }}
),

typed as (
    select
        {{ text_col('partner_id') }} as partner_id,
        {{ text_col('product_id') }} as product_id,
        {{ date_col('sold_on') }} as sold_on,
        {{ int_col('quantity') }} as quantity,
        {{ decimal_col('unit_price') }} as unit_price,
        {{ text_col('end_customer_region') }} as end_customer_region,
        {{ text_col('serial_no') }} as serial_no,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date
    from source
)

select
    partner_id,
    product_id,
    sold_on,
    quantity,
    unit_price,
    end_customer_region,
    serial_no,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from typed
