{% test not_empty(model) %}
select 1 as empty_model
from (select count(*) as n from {{ model }}) c
where c.n = 0
{% endtest %}
