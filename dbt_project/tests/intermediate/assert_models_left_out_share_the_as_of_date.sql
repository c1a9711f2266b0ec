-- One as-of date for the whole warehouse: every model this invocation did not build was last built for the
-- as-of date int_as_of_date holds now (macros/quality/model_as_of_dates.sql). A build of some models that
-- rebuilt int_as_of_date for another date (`salesops build --as-of-date X --select +mart_a`, or without the
-- date after a dated build) leaves the other marts on the old one: the rows returned name them. A model with
-- no record (built before the records began) is not judged.
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
