{#- The same aggregates at several slice levels, stacked: one select per (slice_type, slice_expr),
    grouped by period_month and the slice expression (the company slice is a single constant).
    slice_type 'team' is a subtree total: each row counts toward its own team and every team above it
    (dim_team_hierarchy), so slice_expr must give the row's own team. -#}
{% macro totals_by_slice(relation, slices, measures) -%}
    {%- for slice_type, slice_expr in slices %}
    select
        period_month,
        '{{ slice_type }}' as slice_type,
        {% if slice_type == 'team' %}{{ team_subtree_id(slice_expr) }}{% else %}{{ slice_expr }}{% endif %} as slice_value,
        {{ measures }}
    from {{ relation }}
    {%- if slice_type == 'team' %}
    {{ team_subtree_join(slice_expr) }}
    {%- endif %}
    group by period_month{% if slice_type == 'team' %}, {{ team_subtree_id(slice_expr) }}{% elif slice_type != 'company' %}, {{ slice_expr }}{% endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Fan a row out to its own team and every ancestor team. A team id the teams file does not know
    (and the '(none)' bucket) has no bridge row and stays its own top-level team, so the team rows of
    top-level teams still add up to the company. -#}
{% macro team_subtree_join(team_expr) -%}
    left join {{ ref('dim_team_hierarchy') }} as team_tree
        on team_tree.descendant_team_id = {{ team_expr }}
{%- endmacro %}

{% macro team_subtree_id(team_expr) -%}
    coalesce(team_tree.ancestor_team_id, {{ team_expr }})
{%- endmacro %}
