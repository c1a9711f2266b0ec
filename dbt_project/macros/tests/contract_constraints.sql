{#- The rows of a contract table that break one of its declared constraints: a null in a column with a
    not_null constraint, or a check constraint's expression false (of the model or of a column). DuckDB
    and PostgreSQL reject such a row while the model is built, so there the constraints are the check and
    this test is disabled; where the adapter leaves them unenforced (dbt-spark on Parquet tables) it runs,
    one query per model for all its constraints, and each failing row says which ones it breaks
    (broken_constraints: "not_null: <column>", "check: <column>", "check: model #<n>" for the model's n-th
    check in its YAML). A check whose expression is null passes, as in SQL. The constraints are read from
    the model's own YAML at run time, so one added there is checked without another edit. The var
    contract_constraint_tests turns it on or off everywhere. -#}
{% test contract_constraints(model) %}
{{ config(enabled=contract_constraint_tests_enabled()) }}
{%- set violations = contract_violations(model) %}
select
    *,
    concat_ws(', '
        {%- for label, condition in violations %}, case when {{ condition }} then '{{ label }}' end{% endfor %}
    ) as broken_constraints
from {{ model }}
where {% for label, condition in violations %}({{ condition }}){% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}


{#- Whether contract_constraints runs: the var contract_constraint_tests when set, else only where the
    target's adapter does not reject a row breaking a constraint itself. Unknown adapters count as not
    enforcing, so they run the test rather than check nothing. -#}
{% macro contract_constraint_tests_enabled() -%}
{%- set forced = var('contract_constraint_tests', none) -%}
{%- if forced is none -%}
  {{ return(target.type not in ['duckdb', 'postgres']) }}
{%- endif -%}
{#- --vars may pass it as text: "false" is off. -#}
{{ return(forced | string | lower in ['true', '1', 'yes']) }}
{%- endmacro %}


{#- One (label, SQL condition) per not_null or check constraint of `relation`'s model, the condition true
    on a row that breaks it. -#}
{% macro contract_violations(relation) -%}
{%- set violations = [] -%}
{%- if execute -%}
  {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == relation.identifier
          and node.schema == relation.schema -%}
    {%- for column in node.columns.values() -%}
      {%- for constraint in column.constraints -%}
        {%- if constraint.type == 'not_null' -%}
          {%- do violations.append(('not_null: ' ~ column.name, column.name ~ ' is null')) -%}
        {%- elif constraint.type == 'check' -%}
          {%- do violations.append(('check: ' ~ column.name, 'not (' ~ constraint.expression ~ ')')) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- for constraint in node.constraints | selectattr('type', 'equalto', 'check') -%}
      {%- do violations.append(('check: model #' ~ loop.index, 'not (' ~ constraint.expression ~ ')')) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if violations | length == 0 -%}
    {{ exceptions.raise_compiler_error("contract_constraints on " ~ relation ~ ": its model declares no not_null or check constraint") }}
  {%- endif -%}
{%- else -%}
  {#- At parse time the graph is empty; any condition keeps the SQL valid. -#}
  {%- do violations.append(('parse', '1 = 0')) -%}
{%- endif -%}
{{ return(violations) }}
{%- endmacro %}
