-- Exchange rates to the base currency, one row per currency + rate_date, with the interval each
-- rate is in force: from its rate_date until the next rate_date of the same currency.
with source as (
    {{ current_raw_rows(source('raw', 'fx_rates')) }}
),

typed as (
    select
        upper({{ text_col('currency') }}) as currency,
        {{ date_col('rate_date') }} as rate_date,
        {{ decimal_col('rate_to_base') }} as rate_to_base,
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
            partition by currency, rate_date
            order by {{ latest_version_order() }}
        ) as _version_rank
    from typed
)

select
    currency,
    rate_date,
    rate_to_base,
    rate_date as valid_from,
    lead(rate_date) over (partition by currency order by rate_date asc nulls last) as valid_to,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from deduplicated
where _version_rank = 1
