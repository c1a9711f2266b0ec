{#- The rows of a raw table that staging may use: from the current version of each landing file
    (a corrected file replaces the earlier one; audit.load_ledger says which is current) and not
    quarantined by the loader. -#}
{% macro current_raw_rows(raw_relation) -%}
    select
        r.*,
        l.drop_date as _drop_date
    from {{ raw_relation }} as r
    inner join {{ source('audit', 'load_ledger') }} as l
        on l.load_id = r._load_id
    where l.is_current
      and not r._is_quarantined
{%- endmacro %}

{#- Order for "latest version wins" deduplication by primary key. -#}
{% macro latest_version_order(updated_at_column=none) -%}
    {%- if updated_at_column %}{{ updated_at_column }} desc nulls last, {% endif -%}
    _drop_date desc nulls last, _loaded_at desc nulls last, _row_number desc nulls last
{%- endmacro %}


{#- As-of history ("what did we know then"). docs: as_of_history in models/staging/_history.md.

    raw keeps every version of every row it received. A version is known from `updated_at` when the
    file carries one, else from its drop date (dated drops), else from "always" (an undated export
    without updated_at says nothing about when it changed). With the var as_of_date set, staging takes
    for each key the latest version known by the end of that date; versions from superseded file loads
    take part when they are older than the key's first current version (a replaced whole-file export
    still tells what was true before). A key nobody knew on that date keeps its earliest version: the
    first thing heard of it is the best knowledge there is, and marts filter records by their own dates.
    Without the var, staging is the latest version of every current file, as before. -#}

{#- The cutoff (exclusive) for versions known by the as-of date, or none. -#}
{% macro as_of_known_before() -%}
    {%- set as_of = var('as_of_date', none) -%}
    {%- if as_of -%}
        {%- set day = modules.datetime.date.fromisoformat(as_of | string) + modules.datetime.timedelta(days=1) -%}
        {{- return("cast('" ~ day.isoformat() ~ " 00:00:00' as timestamp)") -}}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}


{#- Raw rows staging may version: every accepted row of every file load, with whether the load is
    current (superseded loads feed the history; without the var as_of_date they never win staging). -#}
{% macro raw_row_versions(raw_relation) -%}
    select
        r.*,
        l.drop_date as _drop_date,
        l.is_current as _is_current_load
    from {{ raw_relation }} as r
    inner join {{ source('audit', 'load_ledger') }} as l
        on l.load_id = r._load_id
    where not r._is_quarantined
{%- endmacro %}


{% macro version_known_from(updated_at_column=none) -%}
    {%- if updated_at_column -%}
    coalesce(cast({{ updated_at_column }} as timestamp), cast(_drop_date as timestamp))
    {%- else -%}
    cast(_drop_date as timestamp)
    {%- endif -%}
{%- endmacro %}


{#- CTEs over a typed CTE of raw_row_versions rows, ending in `versions`: every version of every key
    that history may use, with _known_from, _valid_to (the next version's _known_from),
    _version_sequence (1 = earliest) and _is_in_force (the one version staging keeps for the as-of
    date). Use as `with source as (...), typed as (...), {{ version_ctes('typed', [...]) }} select`. -#}
{% macro version_ctes(typed_cte, key_columns, updated_at_column=none) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- set cutoff = as_of_known_before() -%}
_versions as (
    select
        {{ typed_cte }}.*,
        {{ version_known_from(updated_at_column) }} as _known_from,
        max(case when _is_current_load then 1 else 0 end) over (partition by {{ keys }}) as _key_is_current,
        min(case when _is_current_load then {{ version_known_from(updated_at_column) }} end)
            over (partition by {{ keys }}) as _first_current_known_from
    from {{ typed_cte }}
),

_eligible_versions as (
    -- A key the current files no longer hold is gone (a corrected export removed it). A superseded
    -- version counts only for the time before the current files' first version of its key, so only
    -- when that first version says when it began.
    select *
    from _versions
    where _key_is_current = 1
      and (
          _is_current_load
          or (
              _first_current_known_from is not null
              and (_known_from is null or _known_from < _first_current_known_from)
          )
      )
),

_ranked_versions as (
    select
        _eligible_versions.*,
        row_number() over (
            partition by {{ keys }}
            order by
                {%- if cutoff is not none %}
                case when _known_from is null or _known_from < {{ cutoff }} then 0 else 1 end asc,
                case when _known_from >= {{ cutoff }} then _known_from end asc nulls last,
                {%- else %}
                case when _is_current_load then 0 else 1 end asc,
                {%- endif %}
                {{ latest_version_order(updated_at_column) }}
        ) as _in_force_rank,
        row_number() over (
            partition by {{ keys }}
            order by {{ earliest_version_order(updated_at_column) }}
        ) as _version_sequence
    from _eligible_versions
),

versions as (
    select
        _ranked_versions.*,
        case when _in_force_rank = 1 then true else false end as _is_in_force,
        lead(_known_from) over (partition by {{ keys }} order by _version_sequence) as _valid_to
    from _ranked_versions
)
{%- endmacro %}


{% macro earliest_version_order(updated_at_column=none) -%}
    {%- if updated_at_column %}{{ updated_at_column }} asc nulls first, {% endif -%}
    _drop_date asc nulls first, _loaded_at asc nulls first, _row_number asc nulls first
{%- endmacro %}
