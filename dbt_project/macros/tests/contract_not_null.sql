{#- The columns whose enforced contract declares a not_null constraint hold no null. DuckDB and
    PostgreSQL reject such a row while the model is built, so there the constraint is the check and
    this test is disabled; where the adapter leaves the constraint unenforced (dbt-spark on Parquet
    tables) it runs, one query per model for all its constrained columns. The columns are read from
    the model's own YAML at run time, so a constraint added there is checked without another edit.
    The var contract_not_null_tests turns it on or off everywhere. -#}
{% test contract_not_null(model) %}
{{ config(enabled=contract_not_null_tests_enabled()) }}
{%- set columns = contract_not_null_columns(model) %}
select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}


{#- Whether contract_not_null runs: the var contract_not_null_tests when set, else only where the
    target's adapter does not reject a null in such a column itself. Unknown adapters count as not
    enforcing, so they run the test rather than check nothing. -#}
{% macro contract_not_null_tests_enabled() -%}
{%- set forced = var('contract_not_null_tests', none) -%}
{%- if forced is none -%}
  {{ return(target.type not in ['duckdb', 'postgres']) }}
{%- endif -%}
{#- --vars may pass it as text: "false" is off. -#}
{{ return(forced | string | lower in ['true', '1', 'yes']) }}
{%- endmacro %}


{#- The names of the columns of `relation`'s model that carry a not_null contract constraint. -#}
{% macro contract_not_null_columns(relation) -%}
{%- set columns = [] -%}
{%- if execute -%}
  {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == relation.identifier
          and node.schema == relation.schema -%}
    {%- for column in node.columns.values()
          if column.constraints | selectattr('type', 'equalto', 'not_null') | list | length > 0 -%}
      {%- do columns.append(column.name) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("contract_not_null on " ~ relation ~ ": its model declares no not_null constraint") }}
  {%- endif -%}
{%- else -%}
  {#- At parse time the graph is empty; any column name keeps the SQL valid. -#}
  {%- do columns.append('1') -%}
{%- endif -%}
{{ return(columns) }}
{%- endmacro %}
