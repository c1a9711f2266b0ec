-- Products (产品), one row per product_id, prices converted to the base currency.
with source as (
    {{ current_raw_rows(source('raw', 'products')) }}
),

typed as (
    select
        {{ text_col('product_id') }} as product_id,
        {{ text_col('product_name') }} as product_name,
        {{ text_col('product_line') }} as product_line,
        {{ text_col('category') }} as category,
        {{ decimal_col('list_price') }} as list_price,
        {{ decimal_col('unit_cost') }} as unit_cost,
        upper({{ text_col('currency') }}) as currency,
        {{ date_col('launched_at') }} as launched_at,
        {{ bool_col('is_new_product') }} as is_new_product,
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
            partition by product_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    deduplicated.product_id,
    deduplicated.product_name,
    deduplicated.product_line,
    deduplicated.category,
    deduplicated.list_price,
    deduplicated.unit_cost,
    deduplicated.currency,
    {{ to_base_currency('deduplicated.list_price', 'deduplicated.currency', 'fx') }} as list_price_base,
    {{ to_base_currency('deduplicated.unit_cost', 'deduplicated.currency', 'fx') }} as unit_cost_base,
    deduplicated.launched_at,
    deduplicated.is_new_product,
    deduplicated._load_id,
    deduplicated._source_file,
    deduplicated._row_number,
    deduplicated._loaded_at
from deduplicated
left join {{ ref('stg_orders__fx_rates') }} as fx
    on fx.currency = deduplicated.currency
    and fx.valid_to is null
where deduplicated._version_rank = 1
