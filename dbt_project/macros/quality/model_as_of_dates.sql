{#- The as-of date each model's table was built for: audit.model_as_of_dates, one row per model built per
    dbt invocation, written by the on-run-end hook. A build of some models (a selection in the Dagster UI, dbt
    run by hand) can move the as-of date for them alone: the models it leaves out keep the date they were built
    for. The test assert_models_left_out_share_the_as_of_date (tests/intermediate/) compares them with the
    current date, so such a warehouse fails its checks and is not published with marts of two dates side by
    side. A model built before the records began has no row and is not judged. -#}

{% macro model_as_of_dates_ddl() -%}
    {{ return('create table if not exists audit.model_as_of_dates (model_name ' ~ dbt.type_string()
        ~ ' not null, as_of_date date, invocation_id ' ~ dbt.type_string() ~ ' not null, built_at '
        ~ dbt.type_timestamp() ~ ' not null)') }}
{%- endmacro %}


{#- on-run-start: the table exists before the test reads it, also on a warehouse no build has recorded. -#}
{% macro ensure_model_as_of_dates() -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists audit') -%}
        {%- do run_query(model_as_of_dates_ddl()) -%}
    {%- endif -%}
    select 1 as model_as_of_dates_ready
{%- endmacro %}


{#- on-run-end: every model this invocation built, with the date it was built for: the var as_of_date when
    set (staging cuts its rows at it, the marts read it through int_as_of_date); else int_as_of_date's date as
    the invocation ends (every model downstream of it was built after it). A model that reads the var itself
    (meta reads_as_of_var: staging, dbt_project.yml), built without the var in a warehouse whose date came
    from an earlier build's var, holds the rows up to the latest date in the data, not that date: it is
    recorded null (no date), as every model is when the warehouse has no int_as_of_date yet. -#}
{% macro record_model_as_of_dates(results) -%}
    {%- if execute -%}
        {%- set built = [] -%}
        {%- for result in results
            if result.node.resource_type == 'model' and (result.status | string | lower) == 'success' -%}
            {%- do built.append('select ' ~ quality_sql_literal(result.node.name) ~ ' as model_name, '
                ~ ('true' if (result.node.config.meta or {}).get('reads_as_of_var') else 'false')
                ~ ' as reads_the_var') -%}
        {%- endfor -%}
        {%- if built -%}
            {%- set as_of_node = graph.nodes['model.' ~ project_name ~ '.int_as_of_date'] -%}
            {%- set as_of_relation = adapter.get_relation(
                database=as_of_node.database, schema=as_of_node.schema, identifier=as_of_node.alias) -%}
            {%- if var('as_of_date') -%}
                {%- set built_for, as_of_join = "cast('" ~ var('as_of_date') ~ "' as date)", '' -%}
            {%- elif as_of_relation is not none -%}
                {%- set built_for = 'case when built.reads_the_var and as_of.is_from_var then null'
                    ~ ' else as_of.as_of_date end' -%}
                {%- set as_of_join = ' left join ' ~ as_of_relation ~ ' as as_of on 1 = 1' -%}
            {%- else -%}
                {%- set built_for, as_of_join = 'cast(null as date)', '' -%}
            {%- endif -%}
            {%- do ensure_model_as_of_dates() -%}
            {%- do run_query(
                'insert into audit.model_as_of_dates (model_name, as_of_date, invocation_id, built_at) select '
                ~ 'built.model_name, ' ~ built_for ~ ', ' ~ quality_sql_literal(invocation_id) ~ ', cast('
                ~ quality_sql_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) ~ ' as '
                ~ dbt.type_timestamp() ~ ') from (' ~ built | join(' union all ') ~ ') as built' ~ as_of_join) -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as model_as_of_dates_recorded
{%- endmacro %}
