{#- Every amount in a currency other than the base currency (var base_currency) was converted: a rate of
    its currency was in force on its date (orders/fx_rates.csv, macros/fx.sql). A failure names the
    currency and the dates that have none, one row per currency, so the missing rates can be sent; without
    the test the run fails on not-null tests that name neither. `column_name` is the converted amount or
    the rate used, null where no rate was found; without `date_column` (a price converted at the rate in
    force on the as-of date) the rows name the currencies alone. -#}
{% test has_a_rate_to_base(model, column_name, currency_column, date_column=none) %}
select
    {{ currency_column }} as currency,
    {%- if date_column is not none %}
    min({{ date_column }}) as first_date_without_rate,
    max({{ date_column }}) as last_date_without_rate,
    {%- endif %}
    count(*) as rows_without_rate
from {{ model }}
where {{ column_name }} is null
    and {{ currency_column }} is not null
    and {{ currency_column }} <> '{{ var("base_currency") }}'
group by {{ currency_column }}
{% endtest %}
