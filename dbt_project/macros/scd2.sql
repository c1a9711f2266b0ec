{#- Type-2 history (SCD2) from a staging versions model: one row per key and period in which the
    tracked columns held one set of values. Consecutive versions that changed nothing tracked are
    folded into one period; valid_to is the next period's valid_from (null = still in force). A null
    valid_from means "since the first record": the source said nothing about when it started. -#}
{% macro scd2_from_versions(versions_model, key_column, tracked_columns) -%}
with versions as (
    select
        {{ key_column }},
        {%- for column in tracked_columns %}
        {{ column }},
        {%- endfor %}
        valid_from,
        version_sequence,
        _source_file,
        _row_number
    from {{ ref(versions_model) }}
),

compared as (
    select
        versions.*,
        row_number() over (partition by {{ key_column }} order by version_sequence) as _position,
        {%- for column in tracked_columns %}
        lag({{ column }}) over (partition by {{ key_column }} order by version_sequence) as _previous_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from versions
),

changes as (
    select *
    from compared
    where _position = 1
    {%- for column in tracked_columns %}
       or not ({{ column }} = _previous_{{ column }} or ({{ column }} is null and _previous_{{ column }} is null))
    {%- endfor %}
)

select
    {{ key_column }},
    {%- for column in tracked_columns %}
    {{ column }},
    {%- endfor %}
    valid_from,
    lead(valid_from) over (partition by {{ key_column }} order by version_sequence) as valid_to,
    case
        when lead(valid_from) over (partition by {{ key_column }} order by version_sequence) is null then true
        else false
    end as is_latest,
    row_number() over (partition by {{ key_column }} order by version_sequence) as period_number,
    _source_file,
    _row_number
from changes
{%- endmacro %}
