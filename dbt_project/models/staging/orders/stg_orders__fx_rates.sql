-- Exchange rates to the base currency, one row per currency + rate_date, with the interval each
-- rate is in force: from its rate_date until the next rate_date of the same currency.
with source as (
    {{ raw_row_versions(source('raw', 'fx_rates')) }}
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
        _drop_date,
        _is_current_load
    from source
),

{{ version_ctes('typed', ['currency', 'rate_date']) }}

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
from versions
where _is_in_force
