-- Partner inventory snapshots (渠道库存), one row per snapshot_date + partner_id + product_id.
with source as (
    {{ raw_row_versions(source('raw', 'partner_inventory')) }}
),

typed as (
    select
        {{ date_col('snapshot_date') }} as snapshot_date,
        {{ text_col('partner_id') }} as partner_id,
        {{ text_col('product_id') }} as product_id,
        {{ int_col('on_hand_qty') }} as on_hand_qty,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['snapshot_date', 'partner_id', 'product_id']) }}

select
    snapshot_date,
    partner_id,
    product_id,
    on_hand_qty,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from versions
where _is_in_force
