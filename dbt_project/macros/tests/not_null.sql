{#- dbt's not_null test, selecting the whole failing row instead of the null column alone (dbt does so
    only with store_failures): the rows a failed test found are shown with their landing file and row
    number (orchestration/dbt_failing_rows.py). dbt counts them with count(*), so every engine reads the
    tested column alone. Overrides the global implementation through dispatch. -#}
{% macro default__test_not_null(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is null
{% endmacro %}
