{#- Converting an amount to the base currency with the rate in force on a date: the latest
    fx_rates row on or before that date (rates carry valid_from / valid_to in staging). -#}
{% macro fx_rate_join(fx_alias, currency_expr, date_expr) -%}
    {{ return(adapter.dispatch('fx_rate_join', 'salesops')(fx_alias, currency_expr, date_expr)) }}
{%- endmacro %}

{% macro default__fx_rate_join(fx_alias, currency_expr, date_expr) -%}
    {{ fx_rate_interval_join(fx_alias, currency_expr, date_expr) }}
{%- endmacro %}

{#- Every engine; also where the date is one constant for every row, which an ASOF join cannot take. -#}
{% macro fx_rate_interval_join(fx_alias, currency_expr, date_expr) -%}
    left join {{ ref('stg_orders__fx_rates') }} as {{ fx_alias }}
        on {{ fx_alias }}.currency = {{ currency_expr }}
        and {{ date_expr }} >= {{ fx_alias }}.valid_from
        and ({{ date_expr }} < {{ fx_alias }}.valid_to or {{ fx_alias }}.valid_to is null)
{%- endmacro %}

{#- The same row on DuckDB by an ASOF join: a rate is in force until the next rate_date of its currency
    (valid_to is that date), so the rate in force is the one with the latest valid_from on or before the
    date. DuckDB plans the interval join above as a hash join on the currency that tests every row against
    each of its currency's rates (a daily rate file: hundreds per row); the ASOF join merges the two sides
    in date order. stg_orders__payments at scale 10: 1.11 s -> 0.61 s, the same rows. -#}
{% macro duckdb__fx_rate_join(fx_alias, currency_expr, date_expr) -%}
    asof left join {{ ref('stg_orders__fx_rates') }} as {{ fx_alias }}
        on {{ fx_alias }}.currency = {{ currency_expr }}
        and {{ date_expr }} >= {{ fx_alias }}.valid_from
{%- endmacro %}

{% macro to_base_currency(amount_expr, currency_expr, fx_alias) -%}
    case
        when {{ currency_expr }} is null or {{ currency_expr }} = '{{ var("base_currency") }}' then {{ amount_expr }}
        else {{ amount_expr }} * {{ fx_alias }}.rate_to_base
    end
{%- endmacro %}

{% macro fx_rate_used(currency_expr, fx_alias) -%}
    case
        when {{ currency_expr }} is null or {{ currency_expr }} = '{{ var("base_currency") }}' then 1.0
        else {{ fx_alias }}.rate_to_base
    end
{%- endmacro %}
