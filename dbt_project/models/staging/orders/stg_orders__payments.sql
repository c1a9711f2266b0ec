-- Payments (回款), one row per payment_id, amount converted to the base currency.
with source as (
    {{ raw_row_versions(source('raw', 'payments')) }}
),

typed as (
    select
        {{ text_col('payment_id') }} as payment_id,
        {{ text_col('order_id') }} as order_id,
        {{ timestamp_col('paid_at') }} as paid_at,
        {{ decimal_col('amount') }} as amount,
        upper({{ text_col('currency') }}) as currency,
        {{ text_col('method') }} as method,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['payment_id']) }}

select
    versions.payment_id,
    versions.order_id,
    versions.paid_at,
    versions.amount,
    versions.currency,
    {{ to_base_currency('versions.amount', 'versions.currency', 'fx') }} as amount_base,
    versions.method,
    versions._load_id,
    versions._source_file,
    versions._row_number,
    versions._loaded_at
from versions
{{ fx_rate_join('fx', 'versions.currency', 'cast(versions.paid_at as date)') }}
where versions._is_in_force
