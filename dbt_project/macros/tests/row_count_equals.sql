{#- Integrity test: a mart has exactly as many rows as its spine (no fan-out, nothing missing). -#}
{% test row_count_equals(model, compare_sql) %}
with actual as (select count(*) as n from {{ model }}),
expected as (select count(*) as n from ({{ compare_sql }}) spine)
select actual.n as actual_rows, expected.n as expected_rows
from actual cross join expected
where actual.n <> expected.n
{% endtest %}
