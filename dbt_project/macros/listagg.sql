{#- dbt-spark's listagg ignores its order by (a warning, then collect_list order: whatever the shuffle
    gives) and returns '' where DuckDB and PostgreSQL return NULL for no values; the cross-engine diff
    found both in mart_customer_value, mart_coverage and mart_quota_rollup_check. Here the values are
    collected with their sort key, sorted, and joined; NULL when there is nothing to join. One ascending
    key, as every listagg of this project uses (tests/core/assert_listagg_orders_and_skips_nulls.sql). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- set clause = (order_by_clause or '') | trim -%}
    {%- if not clause.lower().startswith('order by ') or ',' in clause or clause.lower().endswith(' desc') -%}
        {{ exceptions.raise_compiler_error("listagg on Spark: give one ascending 'order by <expression>', not '" ~ clause ~ "'") }}
    {%- endif -%}
    {%- set sorted -%}
        transform(
            array_sort(collect_list(struct({{ clause[9:] }} as sort_key, {{ measure }} as item))),
            entry -> entry.item
        )
    {%- endset -%}
    case when count({{ measure }}) > 0 then array_join(
        {%- if limit_num %} slice(filter({{ sorted }}, item -> item is not null), 1, {{ limit_num }}){% else %} {{ sorted }}{% endif %},
        {{ delimiter_text }}
    ) end
{%- endmacro %}
