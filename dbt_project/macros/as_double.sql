{#- A ratio computed in double precision on every engine. `x * 1.0 / y` is a DECIMAL division on Spark
    (its scale is cut to 6 digits when the precision runs out) and a DOUBLE one on DuckDB; casting the
    numerator gives the same IEEE result everywhere. `double` is not a PostgreSQL type name, `float` is
    single precision on DuckDB and Spark, hence the dispatch. -#}
{% macro as_double(expression) -%}
    cast({{ expression }} as {{ adapter.dispatch('type_double')() }})
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
