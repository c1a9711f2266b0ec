{#- Reconciliation: the total of a column equals the total of another relation's column
    (within an absolute tolerance, for money rounded differently along the way). A mart that
    marts.mart_coverage lists without input is empty on purpose and reconciles to nothing; a model that is no
    mart sets skip_without_input false, so that its test does not read mart_coverage (a test with that extra
    parent would no longer stop the models below it in a build). -#}
{% test sums_match(model, column_name, compare_model, compare_column, tolerance=0.01, where_clause=none, compare_where=none, skip_without_input=true) %}
with a as (
    select coalesce(sum({{ column_name }}), 0) as total from {{ model }}
    {% if where_clause %}where {{ where_clause }}{% endif %}
),
b as (
    select coalesce(sum({{ compare_column }}), 0) as total from {{ compare_model }}
    {% if compare_where %}where {{ compare_where }}{% endif %}
)
select a.total as model_total, b.total as compare_total
from a cross join b
where abs(a.total - b.total) > {{ tolerance }}
{%- if skip_without_input %}
  and not {{ mart_inputs_missing(model.identifier) }}
{%- endif %}
{% endtest %}
