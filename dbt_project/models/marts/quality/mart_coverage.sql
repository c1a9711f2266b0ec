-- Input coverage of every mart: which inputs a mart needs (its `required_inputs` meta in the YAML beside
-- it), whether each of them had rows, and so whether an empty mart means "no input" (a business without
-- that source) rather than a fault. An input is a contract file (accepted rows in its current versions)
-- or, where a mart's rows come from part of a file, a derived input that selects that part
-- (partner marts need order lines sold to a partner or partner-level targets, not just any order line or
-- quota); both are defined in macros/quality/mart_inputs.sql, which also empties the marts this table lists
-- without input. A requirement written `a|b` is met by either input. The not_empty tests of the marts read
-- this table; the CLI summary and the Dagster UI show it.
-- Its rows are reported to the Dagster asset as dbt builds (macros/report_row_count.sql).
{{ config(post_hook={'sql': '{{ report_mart_coverage() }}', 'transaction': false}) }}
{#- Inputs finer than a contract file (macros/quality/mart_inputs.sql). A name that is neither one of these nor
    a contract file stops the build. -#}
{%- set derived_inputs = mart_derived_inputs() %}
{%- for model_name in derived_inputs.values() | map(attribute=0) | unique | sort %}
-- depends_on: {{ ref(model_name) }}
{%- endfor %}
{%- set requirements = [] %}
{%- if execute %}
    {%- set contract_files = graph.sources.values() | selectattr('source_name', 'equalto', 'raw') | map(attribute='name') | list %}
    {%- for node in graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | sort(attribute='name') %}
        {%- set meta = node.config.meta or {} %}
        {%- if node.config.schema == 'marts' and 'required_inputs' in meta %}
            {%- set inputs = meta['required_inputs'] or [] %}
            {%- if inputs is string or inputs is mapping %}
                {{ exceptions.raise_compiler_error(node.name ~ ": meta.required_inputs must be a list, got " ~ inputs) }}
            {%- endif %}
            {%- for requirement in (inputs or [none]) %}
                {%- for input_name in (requirement.split('|') if requirement else [none]) %}
                    {%- if input_name and input_name not in contract_files and input_name not in derived_inputs %}
                        {{ exceptions.raise_compiler_error(
                            node.name ~ ": required input '" ~ input_name ~ "' is neither a contract file ("
                            ~ contract_files | join(', ') ~ ") nor one of " ~ derived_inputs.keys() | sort | join(', ')
                            ~ " (macros/quality/mart_inputs.sql)") }}
                    {%- endif %}
                    {#- empty_when_inputs_missing reads the input when the mart is built: it must be built first. -#}
                    {%- if input_name in derived_inputs
                        and ('model.' ~ project_name ~ '.' ~ derived_inputs[input_name][0]) not in ancestors(node) %}
                        {{ exceptions.raise_compiler_error(
                            node.name ~ ": required input '" ~ input_name ~ "' is read from "
                            ~ derived_inputs[input_name][0] ~ ", which is not upstream of the mart") }}
                    {%- endif %}
                    {%- do requirements.append((node.name, node.fqn[-2], requirement, input_name)) %}
                {%- endfor %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with accepted as (
    select
        table_name,
        sum({{ ledger_accepted_rows('ledger') }}) as accepted_rows
    from {{ source('audit', 'load_ledger') }} as ledger
    where is_current
    group by table_name
    {%- for input_name, selection in derived_inputs.items() | sort %}
    union all
    select
        '{{ input_name }}' as table_name,
        count(*) as accepted_rows
    from {{ ref(selection[0]) }}
    {%- if selection[1] %}
    where {{ selection[1] }}
    {%- endif %}
    {%- endfor %}
),

requirements as (
    {%- for mart_name, domain, requirement, input_table in requirements %}
    select
        cast('{{ mart_name }}' as {{ dbt.type_string() }}) as mart_name,
        cast('{{ domain }}' as {{ dbt.type_string() }}) as mart_domain,
        cast({{ "'" ~ requirement ~ "'" if requirement else 'null' }} as {{ dbt.type_string() }}) as requirement,
        cast({{ "'" ~ input_table ~ "'" if input_table else 'null' }} as {{ dbt.type_string() }}) as input_table
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as mart_name,
        cast(null as {{ dbt.type_string() }}) as mart_domain,
        cast(null as {{ dbt.type_string() }}) as requirement,
        cast(null as {{ dbt.type_string() }}) as input_table
    where 1 = 0
    {%- endfor %}
),

per_requirement as (
    -- A requirement is met when any of its alternative files delivered rows.
    select
        requirements.mart_name,
        requirements.mart_domain,
        requirements.requirement,
        sum(coalesce(accepted.accepted_rows, 0)) as accepted_rows,
        max(case
            when requirements.input_table is null then 1
            when coalesce(accepted.accepted_rows, 0) > 0 then 1
            else 0
        end) as has_rows
    from requirements
    left join accepted
        on accepted.table_name = requirements.input_table
    group by requirements.mart_name, requirements.mart_domain, requirements.requirement
),

per_mart as (
    select
        mart_name,
        mart_domain,
        {{ dbt.listagg('requirement', "', '", "order by requirement") }} as required_inputs,
        {{ dbt.listagg("case when has_rows = 0 then requirement end", "', '", "order by requirement") }} as missing_inputs,
        min(has_rows) as all_inputs_have_rows,
        cast(min(case when requirement is null then null else accepted_rows end) as {{ dbt.type_bigint() }}) as fewest_input_rows
    from per_requirement
    group by mart_name, mart_domain
)

select
    per_mart.mart_name,
    per_mart.mart_domain,
    coalesce(per_mart.required_inputs, '') as required_inputs,
    per_mart.missing_inputs,
    per_mart.all_inputs_have_rows = 1 as inputs_have_rows,
    per_mart.fewest_input_rows,
    cast(case
        when per_mart.all_inputs_have_rows = 1 then 'built from its inputs'
        else {{ dbt.concat(["'no input: '", 'per_mart.missing_inputs', "' had no rows'"]) }}
    end as {{ dbt.type_string() }}) as coverage_status,
    as_of.as_of_date
from per_mart
cross join {{ ref('int_as_of_date') }} as as_of
