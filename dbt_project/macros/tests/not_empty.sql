{#- The model has at least one row, unless marts.mart_coverage says one of its required inputs
    delivered no rows (a business without that source): then an empty mart is the right answer, and
    mart_coverage is where that is reported. A model missing from mart_coverage must never be empty. -#}
{% test not_empty(model) %}
select 1 as empty_model
from (select count(*) as n from {{ model }}) as counted
where counted.n = 0
  and not {{ mart_inputs_missing(model.identifier) }}
{% endtest %}
