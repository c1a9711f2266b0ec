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
