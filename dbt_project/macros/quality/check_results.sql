{#- The results store quality.check_results (see quality/results.py, which creates the same table from
    Python for the great-expectations results): one row per check evaluation, every layer. -#}

{% macro quality_check_results_columns() -%}
    {{ return([
        ('run_id', dbt.type_string() ~ ' not null'),
        ('layer', dbt.type_string() ~ ' not null'),
        ('asset', dbt.type_string() ~ ' not null'),
        ('check_name', dbt.type_string() ~ ' not null'),
        ('status', dbt.type_string() ~ ' not null'),
        ('severity', dbt.type_string() ~ ' not null'),
        ('failing_rows', dbt.type_bigint()),
        ('observed_value', dbt.type_string()),
        ('checked_at', dbt.type_timestamp() ~ ' not null'),
        ('check_source', dbt.type_string() ~ ' not null'),
        ('dq_rule', dbt.type_string()),
        ('source_file', dbt.type_string()),
        ('details', dbt.type_string()),
    ]) }}
{%- endmacro %}


{#- on-run-start: the table must exist before any model reads it (mart_dq_results), also in a plain
    `dbt build` on a warehouse no Dagster run has touched. -#}
{% macro quality_ensure_check_results() -%}
    {%- if execute -%}
        {%- set columns = [] -%}
        {%- for name, data_type in quality_check_results_columns() -%}
            {%- do columns.append(name ~ ' ' ~ data_type) -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists quality') -%}
        {%- do run_query('create table if not exists quality.check_results (' ~ columns | join(', ') ~ ')') -%}
    {%- endif -%}
    select 1 as quality_check_results_ready
{%- endmacro %}


{#- Results are filed under dbt's own invocation id; the Dagster dbt asset re-files them under its run
    id once dbt has exited (quality/results.py attribute_dbt_results), so no run id travels into dbt. -#}
{% macro quality_run_id() -%}
    {{ return(invocation_id) }}
{%- endmacro %}


{% macro quality_sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string) | replace("'", "''") }}'{%- endif -%}
{%- endmacro %}


{#- The node a test checks: the `meta.dagster.ref` model of a singular test (as dagster-dbt attaches
    it), else its generic test's attached node, else its only (or first) model, else its source. -#}
{% macro quality_tested_node(test_node) -%}
    {%- set meta = test_node.config.meta or {} -%}
    {%- set wanted = ((meta.get('dagster', {}) or {}).get('ref', {}) or {}).get('name') -%}
    {%- set candidates = [] -%}
    {%- if wanted -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.name == wanted and node.resource_type in ('model', 'seed', 'snapshot') -%}
                {%- do candidates.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set attached = test_node.attached_node -%}
    {%- if not candidates and attached and attached in graph.nodes -%}
        {%- do candidates.append(graph.nodes[attached]) -%}
    {%- endif -%}
    {%- if not candidates -%}
        {%- for unique_id in test_node.depends_on.nodes -%}
            {%- if unique_id in graph.nodes and graph.nodes[unique_id].resource_type in ('model', 'seed', 'snapshot') -%}
                {%- do candidates.append(graph.nodes[unique_id]) -%}
            {%- elif unique_id in graph.sources -%}
                {%- do candidates.append(graph.sources[unique_id]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(candidates[0] if candidates else none) }}
{%- endmacro %}


{#- on-run-end: store every data test's result (pass, fail, warn, error, skipped) in
    quality.check_results, so failed checks are on record even when the run stops on them. -#}
{% macro quality_store_test_results(results) -%}
    {%- if execute -%}
        {%- set run_id = quality_run_id() -%}
        {%- set checked_at = run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
        {%- set rows = [] -%}
        {%- for result in results if result.node.resource_type == 'test' -%}
            {%- set node = result.node -%}
            {%- set tested = quality_tested_node(node) -%}
            {%- if tested is none -%}
                {%- set layer, asset = 'unknown', 'unknown' -%}
            {%- elif tested.resource_type == 'source' -%}
                {%- set layer, asset = 'raw', tested.schema ~ '.' ~ tested.name -%}
            {%- else -%}
                {%- set layer, asset = tested.schema, tested.schema ~ '.' ~ (tested.alias or tested.name) -%}
            {%- endif -%}
            {%- set severity = (node.config.severity or 'error') | lower -%}
            {%- set status = {'pass': 'pass', 'fail': 'fail', 'warn': 'fail', 'error': 'error'}.get(result.status | string | lower, 'skipped') -%}
            {%- set meta = node.config.meta or {} -%}
            {%- set message = (result.message or '') | string -%}
            {%- do rows.append('(' ~ [
                quality_sql_literal(run_id),
                quality_sql_literal(layer),
                quality_sql_literal(asset),
                quality_sql_literal(node.name),
                quality_sql_literal(status),
                quality_sql_literal(severity),
                (result.failures | string) if result.failures is not none else 'null',
                quality_sql_literal(message[:500] if message else none),
                "cast('" ~ checked_at ~ "' as " ~ dbt.type_timestamp() ~ ")",
                "'dbt'",
                quality_sql_literal(meta.get('dq_rule')),
                'null',
                quality_sql_literal(tojson({'unique_id': node.unique_id, 'test': node.name})),
            ] | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- if rows -%}
            {%- do quality_ensure_check_results() -%}
            {%- set columns = [] -%}
            {%- for name, data_type in quality_check_results_columns() -%}
                {%- do columns.append(name) -%}
            {%- endfor -%}
            {%- for batch in rows | batch(500) -%}
                {%- do run_query('insert into quality.check_results (' ~ columns | join(', ') ~ ') values ' ~ batch | join(', ')) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select 1 as quality_test_results_stored
{%- endmacro %}
