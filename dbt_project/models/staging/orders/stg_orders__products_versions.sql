{{ config(materialized='view') }}

-- Every received version of the products that history may use (one row per key and version),
-- with when each was known and until when: the source of stg_orders__products (the version in force on the
-- as-of date) and of the SCD2 history in core. See the docs block as_of_history.
with source as (
    {{ raw_row_versions(source('raw', 'products')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['product_id']) }}

select
    product_id,
    product_name,
    product_line,
    category,
    list_price,
    unit_cost,
    currency,
    launched_at,
    is_new_product,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at,
    _drop_date,
    _is_current_load,
    _known_from as valid_from,
    _valid_to as valid_to,
    _version_sequence as version_sequence,
    _is_in_force as is_in_force
from versions
