{#-
  A parent team's subtree row must equal the sum of its child teams' subtree rows plus its own direct
  row, measure by measure, within each partition (e.g. period). Child teams are the ones whose
  dim_team.rollup_parent_team_id is the parent; a missing row counts as zero on either side.

  Every row is summed from the exact deal amounts and then stored rounded to rounding_step (the marts
  store money as dbt.type_numeric(), numeric(28,6): step 0.000001). So each stored figure is within
  step/2 of its exact value, and the sum of the n stored parts can differ from the stored subtree
  figure by up to (n + 1) * step/2 without anything being wrong: six child teams that each round up
  by 0.0000004 put the parts 2 steps above the subtree. The allowed difference is that bound, per
  row; counts are exact (any bound below 1 keeps them exact) and a lost or doubled deal still fails.
-#}
{% test team_rollup_adds_up(model, slice_column, team_column, measures, partition_by, rollup_value='team', direct_value='team_direct', rounding_step=0.000001) %}
{%- set keys = partition_by + ['team_id'] %}
{#- A decimal literal (a float renders as 1e-06, a double); half a step per stored figure. -#}
{%- set half_step = '%.12f' | format(rounding_step | float * 0.5) %}
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
        {{ keys | join(', ') }},
        count(*) as part_count
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
    coalesce(expected.part_count, 0) as part_count,
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
    abs(coalesce(subtree.{{ measure }}, 0) - coalesce(expected.{{ measure }}, 0))
        > (coalesce(expected.part_count, 0) + 1) * {{ half_step }}{% if not loop.last %} or{% endif %}
    {%- endfor %}
{% endtest %}
