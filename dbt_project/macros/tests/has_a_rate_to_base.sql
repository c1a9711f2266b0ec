{#- Every amount in a currency other than the base currency (var base_currency) was converted: a rate of
    its currency was in force on its date (orders/fx_rates.csv, macros/fx.sql). A failure names the
    currency and the dates that have none, one row per currency, with the earliest rate the file has for it
    (null: none at all; later than the dates: the file starts too late), so the missing rates can be sent;
    without the test the run fails on not-null tests that name neither. `column_name` is the converted
    amount or the rate used, null where no rate was found; without `date_column` (a price converted at the
    rate in force on the as-of date) the rows name the currencies alone. `key_column` (the row's key) adds
    the first key without a rate, one row to look up. -#}
{% test has_a_rate_to_base(model, column_name, currency_column, date_column=none, key_column=none) %}
with without_rate as (
    select
        {{ currency_column }} as currency
        {%- if date_column is not none %},
        {{ date_column }} as amount_date
        {%- endif %}
        {%- if key_column is not none %},
        {{ key_column }} as row_key
        {%- endif %}
    from {{ model }}
    where {{ column_name }} is null
        and {{ currency_column }} is not null
        and {{ currency_column }} <> '{{ var("base_currency") }}'
),

rates as (
    select
        currency,
        min(rate_date) as earliest_rate_date
    from {{ ref('stg_orders__fx_rates') }}
    group by currency
)

select
    without_rate.currency,
    {%- if date_column is not none %}
    min(without_rate.amount_date) as first_date_without_rate,
    max(without_rate.amount_date) as last_date_without_rate,
    {%- endif %}
    count(*) as rows_without_rate,
    {%- if key_column is not none %}
    min(without_rate.row_key) as first_key_without_rate,
    {%- endif %}
    min(rates.earliest_rate_date) as earliest_rate_date
from without_rate
left join rates
    on rates.currency = without_rate.currency
group by without_rate.currency
{% endtest %}
