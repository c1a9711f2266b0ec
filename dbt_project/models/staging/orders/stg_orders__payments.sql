-- Payments (回款), one row per payment_id, amount converted to the base currency.
with source as (
    {{ current_raw_rows(source('raw', 'payments')) }}
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
        _drop_date
    from source
),

deduplicated as (
    select
        typed.*,
        row_number() over (
            partition by payment_id
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    deduplicated.payment_id,
    deduplicated.order_id,
    deduplicated.paid_at,
    deduplicated.amount,
    deduplicated.currency,
    {{ to_base_currency('deduplicated.amount', 'deduplicated.currency', 'fx') }} as amount_base,
    deduplicated.method,
    deduplicated._load_id,
    deduplicated._source_file,
    deduplicated._row_number,
    deduplicated._loaded_at
from deduplicated
{{ fx_rate_join('fx', 'deduplicated.currency', 'cast(deduplicated.paid_at as date)') }}
where deduplicated._version_rank = 1
