{#- What a mart needs before its figures mean anything (data-contract.md: a missing or header-only file is "no
    data from this source"; the marts that need it are "built empty and reported as such, never silently
    zero"). An input is a contract file (its accepted rows in the current versions of audit.load_ledger) or a
    derived input below: part of a file that some marts need (partner marts need order lines sold to a partner,
    not just any order line). marts.mart_coverage reports every mart's inputs from these definitions; the
    marts' post-hook empty_when_inputs_missing empties a table mart one of whose required_inputs (YAML meta) had
    no rows; when_inputs_have_rows sets a column to null when the input it is computed from had no rows. -#}

{#- Inputs finer than a contract file: name -> (model, condition or none). -#}
{% macro mart_derived_inputs() %}
    {{ return({
        'int_channel__sell_in_lines': ('int_channel__sell_in_lines', none),
        'int_channel__sell_out_lines': ('int_channel__sell_out_lines', none),
        'partner_revenue_targets': ('int_quota__period_targets', "level = 'partner' and metric = 'revenue'"),
    }) }}
{% endmacro %}

{#- Accepted rows of a ledger version: the rows it received that no rule quarantined. -#}
{% macro ledger_accepted_rows(ledger_alias) -%}
{{ ledger_alias }}.rows_received - {{ ledger_alias }}.rows_quarantined
{%- endmacro %}

{#- SQL condition: the input delivered rows. `relations` maps a derived input's model and the ledger to the
    relation to read; by default ref() and source(), which a model's SQL must use so that dbt knows the
    dependency. A scalar subquery, not EXISTS: Spark takes EXISTS only in a filter, and these conditions
    also pick a column's value. -#}
{% macro input_has_rows(input_name, relations=none) -%}
    {%- set derived = mart_derived_inputs() -%}
    {%- if input_name in derived -%}
        {%- set model_name, condition = derived[input_name] -%}
        {%- set relation = relations[model_name] if relations else ref(model_name) -%}
(select count(*) from (select 1 as found from {{ relation }}{% if condition %} where {{ condition }}{% endif %} limit 1) as probe) > 0
    {%- else -%}
        {%- set ledger = relations['load_ledger'] if relations else source('audit', 'load_ledger') -%}
(select count(*) from {{ ledger }} as ledger where ledger.is_current and ledger.table_name = '{{ input_name }}' and {{ ledger_accepted_rows('ledger') }} > 0) > 0
    {%- endif -%}
{%- endmacro %}

{#- SQL condition: every requirement delivered rows. A requirement is an input name or `a|b` (either input). -#}
{% macro inputs_have_rows(requirements, relations=none) -%}
    {%- for requirement in requirements -%}
        ({% for input_name in requirement.split('|') %}{{ input_has_rows(input_name, relations) }}{% if not loop.last %} or {% endif %}{% endfor %}){% if not loop.last %} and {% endif %}
    {%- else -%}
        1 = 1
    {%- endfor -%}
{%- endmacro %}

{#- A column computed from an input: its value when every requirement delivered rows, else null (unknown,
    not zero). The requirements are literal names, so ref() records the dependency. -#}
{% macro when_inputs_have_rows(requirements, expression) -%}
case when {{ inputs_have_rows(requirements) }} then {{ expression }} end
{%- endmacro %}

{#- SQL condition: marts.mart_coverage says a required input of the mart delivered no rows, so the mart is
    empty on purpose. Tests that expect rows or matching sums add `and not {{ mart_inputs_missing(name) }}`:
    in a filter only (an EXISTS, which Spark takes nowhere else). -#}
{% macro mart_inputs_missing(mart_name) -%}
exists (
    select 1
    from {{ ref('mart_coverage') }} as coverage
    where coverage.mart_name = '{{ mart_name }}'
      and not coverage.inputs_have_rows
)
{%- endmacro %}

{#- Post-hook of every mart (dbt_project.yml): a table mart one of whose required_inputs had no rows is
    emptied, whatever its SQL made of the inputs it did get (a calendar of zero revenue, say). An incremental
    mart keeps its history: its SQL adds no rows without its inputs. The relations come from the graph, not
    ref(): YAML meta is not known when dbt parses a hook, so ref() here would name a model dbt did not record as
    a dependency. Every derived input a mart requires is upstream of it, so built before it (mart_coverage
    checks that). -#}
{% macro empty_when_inputs_missing() -%}
    {%- set requirements = (config.get('meta') or {}).get('required_inputs') -%}
    {%- if execute and requirements and config.get('materialized') == 'table' -%}
        {%- set relations = {} -%}
        {%- for source_node in graph.sources.values() if source_node.source_name == 'audit' and source_node.name == 'load_ledger' -%}
            {%- do relations.update({'load_ledger': source_node.relation_name}) -%}
        {%- endfor -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
            {%- do relations.update({node.name: node.relation_name}) -%}
        {%- endfor -%}
        {{ adapter.dispatch('empty_when_inputs_missing')(this, requirements, relations) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__empty_when_inputs_missing(relation, requirements, relations) -%}
delete from {{ relation }} where not ({{ inputs_have_rows(requirements, relations) }})
{%- endmacro %}

{#- Parquet tables take no DELETE: ask first, then truncate. -#}
{% macro spark__empty_when_inputs_missing(relation, requirements, relations) -%}
    {%- set met = run_query('select case when ' ~ inputs_have_rows(requirements, relations) ~ ' then 1 else 0 end') -%}
    {%- if met.columns[0].values()[0] == 0 -%}
truncate table {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Unique ids of every node upstream of a graph node (its parents, theirs, and so on). -#}
{% macro ancestors(node) %}
    {%- set seen = [] -%}
    {%- set queue = node.depends_on.nodes | list -%}
    {#- The loop also visits what it appends to the queue (a breadth-first walk). -#}
    {%- for unique_id in queue if unique_id not in seen -%}
        {%- do seen.append(unique_id) -%}
        {%- if unique_id in graph.nodes -%}
            {%- do queue.extend(graph.nodes[unique_id].depends_on.nodes) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(seen) }}
{% endmacro %}
