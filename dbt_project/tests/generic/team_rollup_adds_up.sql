{#-
  A parent team's subtree row must equal the sum of its child teams' subtree rows plus its own direct
  row, measure by measure, within each partition (e.g. period). Child teams are the ones whose
  dim_team.rollup_parent_team_id is the parent; a missing row counts as zero on either side.
-#}
{% test team_rollup_adds_up(model, slice_column, team_column, measures, partition_by, rollup_value='team', direct_value='team_direct') %}
{%- set keys = partition_by + ['team_id'] %}
with slice_rows as (
    select
        {%- for column in partition_by %}
        {{ column }},
        {%- endfor %}
        {{ slice_column }} as slice_kind,
        {{ team_column }} as team_id
        {%- for measure in measures %},
        coalesce({{ measure }}, 0) as {{ measure }}
        {%- endfor %}
    from {{ model }}
    where {{ slice_column }} in ('{{ rollup_value }}', '{{ direct_value }}')
),

subtree as (
    select * from slice_rows where slice_kind = '{{ rollup_value }}'
),

parts as (
    select
        {%- for column in partition_by %}
        subtree.{{ column }},
        {%- endfor %}
        teams.rollup_parent_team_id as team_id
        {%- for measure in measures %},
        subtree.{{ measure }}
        {%- endfor %}
    from subtree
    inner join {{ ref('dim_team') }} as teams
        on teams.team_id = subtree.team_id
    where teams.rollup_parent_team_id is not null
    union all
    select
        {%- for column in partition_by %}
        {{ column }},
        {%- endfor %}
        team_id
        {%- for measure in measures %},
        {{ measure }}
        {%- endfor %}
    from slice_rows
    where slice_kind = '{{ direct_value }}'
),

expected as (
    select
        {{ keys | join(', ') }}
        {%- for measure in measures %},
        sum({{ measure }}) as {{ measure }}
        {%- endfor %}
    from parts
    group by {{ keys | join(', ') }}
)

select
    {%- for column in keys %}
    coalesce(subtree.{{ column }}, expected.{{ column }}) as {{ column }},
    {%- endfor %}
    {%- for measure in measures %}
    subtree.{{ measure }} as subtree_{{ measure }},
    expected.{{ measure }} as children_plus_direct_{{ measure }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from subtree
full outer join expected
    on
    {%- for column in keys %}
    subtree.{{ column }} = expected.{{ column }}{% if not loop.last %} and{% endif %}
    {%- endfor %}
where
    {%- for measure in measures %}
    abs(coalesce(subtree.{{ measure }}, 0) - coalesce(expected.{{ measure }}, 0)) > 0.000001{% if not loop.last %} or{% endif %}
    {%- endfor %}
{% endtest %}
