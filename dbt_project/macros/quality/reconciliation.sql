{#- Reconciliation of raw and staging (data-contract.md "Promises": raw row count = staged +
    quarantined, per file, always). The contract files, their staging models and keys come from
    contract_files() (macros/generated, written from ingestion/contract.py). -#}
{% macro quality_contract_file(table) -%}
    {%- for f in contract_files() if f.table == table -%}
        {{ return(f) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('quality_contract_file: unknown contract file ' ~ table) }}
{%- endmacro %}


{% macro quality_typed_key(column, key_type) -%}
    {%- if key_type == 'int' -%}{{ int_col(column) }}
    {%- elif key_type == 'date' -%}{{ date_col(column) }}
    {%- elif key_type == 'timestamp' -%}{{ timestamp_col(column) }}
    {%- elif key_type == 'upper' -%}upper({{ text_col(column) }})
    {%- else -%}{{ text_col(column) }}
    {%- endif -%}
{%- endmacro %}


{#- Failing rows = broken promises, one row per (file, promise):
    1. raw keeps every received row of the current file version (ledger rows_received);
    2. the rows flagged quarantined are the rows the quarantine log lists, and the ledger's count;
    3. per table: current raw rows = staged + quarantined + superseded, where superseded = accepted rows
       whose primary key repeats (several versions of one record across dated drops or inside a file;
       staging keeps one per key, "latest version wins") - counted here from raw, not from staging;
    4. every staged row comes from an accepted row of a current file version (nothing invented, nothing
       quarantined let through); with the var as_of_date, of any received file version. -#}
{% macro quality_reconcile_raw_to_staging(table) -%}
    {%- set f = quality_contract_file(table) -%}
    {%- set raw_relation = source('raw', table) -%}
    {%- set staged_relation = ref(f.model) -%}
with ledger as (
    select load_id, source_file, rows_received, rows_quarantined
    from {{ source('audit', 'load_ledger') }}
    where table_name = '{{ table }}'
      and is_current
),

raw_per_file as (
    select
        ledger.source_file,
        count(*) as raw_rows,
        sum(case when r._is_quarantined then 1 else 0 end) as flagged_rows
    from {{ raw_relation }} as r
    inner join ledger
        on ledger.load_id = r._load_id
    group by ledger.source_file
),

logged_per_file as (
    select
        ledger.source_file,
        count(*) as logged_rows
    from (
        select distinct load_id, row_number
        from {{ source('audit', 'quarantined_rows') }}
        where table_name = '{{ table }}'
    ) as q
    inner join ledger
        on ledger.load_id = q.load_id
    group by ledger.source_file
),

per_file as (
    select
        ledger.source_file,
        ledger.rows_received,
        ledger.rows_quarantined,
        coalesce(raw_per_file.raw_rows, 0) as raw_rows,
        coalesce(raw_per_file.flagged_rows, 0) as flagged_rows,
        coalesce(logged_per_file.logged_rows, 0) as logged_rows
    from ledger
    left join raw_per_file
        on raw_per_file.source_file = ledger.source_file
    left join logged_per_file
        on logged_per_file.source_file = ledger.source_file
),

accepted as (
    select
        r._load_id,
        r._row_number
        {%- for column, key_type in f.key %},
        {{ quality_typed_key('r.' ~ column, key_type) }} as key_{{ loop.index }}
        {%- endfor %}
    from {{ raw_relation }} as r
    inner join ledger
        on ledger.load_id = r._load_id
    where not r._is_quarantined
),

distinct_keys as (
    {%- if f.key %}
    select count(*) as n
    from (
        select distinct {% for column, key_type in f.key %}key_{{ loop.index }}{{ ', ' if not loop.last }}{% endfor %}
        from accepted
    ) as k
    {%- else %}
    -- No primary key (partner sell-out lines): every accepted row is its own record.
    select count(*) as n from accepted
    {%- endif %}
),

staged as (
    select count(*) as n from {{ staged_relation }}
),

{%- if var('as_of_date', none) %}
-- For a past as-of date staging may keep a version from a superseded file load (docs as_of_history):
-- still an accepted raw row, never an invented or quarantined one.
received_versions as (
    select r._load_id, r._row_number
    from {{ raw_relation }} as r
    inner join {{ source('audit', 'load_ledger') }} as l
        on l.load_id = r._load_id
    where l.table_name = '{{ table }}'
      and not r._is_quarantined
),
{%- endif %}

untraceable as (
    select count(*) as n
    from {{ staged_relation }} as s
    left join {{ 'received_versions' if var('as_of_date', none) else 'accepted' }} as accepted
        on accepted._load_id = s._load_id
        and accepted._row_number = s._row_number
    where accepted._load_id is null
),

table_totals as (
    select
        (select sum(raw_rows) from per_file) as raw_rows,
        (select sum(flagged_rows) from per_file) as quarantined_rows,
        (select count(*) from accepted) - (select n from distinct_keys) as superseded_rows,
        (select n from staged) as staged_rows,
        (select n from untraceable) as untraceable_rows
)

select '{{ table }}' as table_name, source_file, 'raw rows differ from the rows received' as broken_promise,
    rows_received as expected, raw_rows as actual
from per_file where raw_rows <> rows_received
union all
select '{{ table }}', source_file, 'rows flagged quarantined differ from the ledger', rows_quarantined, flagged_rows
from per_file where flagged_rows <> rows_quarantined
union all
select '{{ table }}', source_file, 'rows flagged quarantined differ from the quarantine log', logged_rows, flagged_rows
from per_file where flagged_rows <> logged_rows
union all
select '{{ table }}', '*', 'raw rows differ from staged + quarantined + superseded',
    raw_rows, staged_rows + quarantined_rows + superseded_rows
from table_totals
where raw_rows <> staged_rows + quarantined_rows + superseded_rows
union all
select '{{ table }}', '*', 'staged rows not from an accepted current raw row', 0, untraceable_rows
from table_totals where untraceable_rows <> 0
{%- endmacro %}
