{#- Converting an amount to the base currency with the rate in force on a date: the latest
    fx_rates row on or before that date (rates carry valid_from / valid_to in staging). -#}
{% macro fx_rate_join(fx_alias, currency_expr, date_expr) -%}
    left join {{ ref('stg_orders__fx_rates') }} as {{ fx_alias }}
        on {{ fx_alias }}.currency = {{ currency_expr }}
        and {{ date_expr }} >= {{ fx_alias }}.valid_from
        and ({{ date_expr }} < {{ fx_alias }}.valid_to or {{ fx_alias }}.valid_to is null)
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
