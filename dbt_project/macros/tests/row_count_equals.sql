{#- Integrity test: a mart has exactly as many rows as its spine (no fan-out, nothing missing).
    unless_inputs_missing: skip it when marts.mart_coverage says a required input of the mart delivered
    no rows (the mart is then empty on purpose). Only for marts: mart_coverage is built from them. -#}
{% test row_count_equals(model, compare_sql, unless_inputs_missing=false) %}
with actual as (select count(*) as n from {{ model }}),
expected as (select count(*) as n from ({{ compare_sql }}) spine)
select actual.n as actual_rows, expected.n as expected_rows
from actual cross join expected
where actual.n <> expected.n
{%- if unless_inputs_missing %}
  and not {{ mart_inputs_missing(model.identifier) }}
{%- endif %}
{% endtest %}
