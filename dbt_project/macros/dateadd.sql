{#- dbt-spark's dateadd multiplies the interval by 12 (years), 3 (quarters) or 7 (weeks) without
    parentheses, so a computed interval such as `n + 1` years added n years and one month there (found by
    the cross-engine diff in mart_customer_health_alert.renewal_date). Parenthesised, then dbt-spark's own
    macro; tests/core/assert_dateadd_adds_computed_intervals.sql holds the case on every engine. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {{ return(dbt.spark__dateadd(datepart, '(' ~ interval ~ ')', from_date_or_timestamp)) }}
{%- endmacro %}
