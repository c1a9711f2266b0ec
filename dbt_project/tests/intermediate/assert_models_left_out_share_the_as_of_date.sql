-- One as-of date for the whole warehouse: every model this invocation did not build was last built for the
-- as-of date int_as_of_date holds now (macros/quality/model_as_of_dates.sql). `salesops build` refuses a
-- selection that would move the date under the models it leaves out; what gets past it (new data moving the
-- latest business date under `--select +mart_a`, dbt run by hand with another as_of_date) leaves them on the
-- old date, and the rows returned name them. A model recorded without a date (staging built without the var
-- in a warehouse built for one) fails too; a model with no record (built before the records began) is not
-- judged.
{{ config(severity='error', meta={'dagster': {'ref': {'name': 'int_as_of_date'}}}) }}
{%- set left_out = [''] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.unique_id not in selected_resources -%}
        {%- do left_out.append(node.name) -%}
    {%- endfor -%}
{%- endif %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

latest_build as (
    select
        model_name,
        as_of_date,
        row_number() over (partition by model_name order by built_at desc) as build_rank
    from audit.model_as_of_dates
    where model_name in ({% for name in left_out %}'{{ name }}'{{ ', ' if not loop.last }}{% endfor %})
)

select
    latest_build.model_name,
    latest_build.as_of_date as built_for,
    as_of.as_of_date as current_as_of_date
from latest_build
cross join as_of
where
    latest_build.build_rank = 1
    and (latest_build.as_of_date is null or latest_build.as_of_date <> as_of.as_of_date)
