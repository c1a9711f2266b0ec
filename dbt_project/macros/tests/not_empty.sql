{#- The model has at least one row, unless marts.mart_coverage says one of its required inputs
    delivered no rows (a business without that source): then an empty mart is the right answer, and
    mart_coverage is where that is reported. A model missing from mart_coverage must never be empty.
    `expected_from` (a model) and `expected_where` (a filter on it) name what the model's rows come from
    when even complete inputs may give none: receivables aging has rows only while an order is open, and a
    business whose every order is paid has none. -#}
{% test not_empty(model, expected_from=none, expected_where=none) %}
select '{{ model.identifier }} has no row though its inputs delivered rows' as found
from (select count(*) as n from {{ model }}) as counted
where counted.n = 0
  and not {{ mart_inputs_missing(model.identifier) }}
  {%- if expected_from is not none %}
  and exists (select 1 from {{ expected_from }}{% if expected_where %} where {{ expected_where }}{% endif %})
  {%- endif %}
{% endtest %}
