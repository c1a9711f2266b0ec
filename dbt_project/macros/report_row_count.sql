{#- What the Dagster asset shows with each materialization: orchestration/dbt_stream.py reads these lines
    by their beginning (ROW_COUNT_LINE, MART_COVERAGE_LINE there). dbt reports them itself because the
    warehouse file is its alone until it exits: counted afterwards, every result would wait for the whole
    build. Only under Dagster (dagster-dbt sets DAGSTER_DBT_CLI): a plain `dbt build` on any target runs no
    extra query. For models a post-hook outside the model's transaction, so on DuckDB it runs after the
    model's own in-transaction hooks (mart_pipeline_snapshot's deletes, the incremental bookkeeping) and the
    commit (dbt-spark runs no model hook outside a transaction: there the asset counts after the build); for
    seeds, which have no hooks of their own, one inside it (dbt_project.yml says why). A model
    whose meta sets count_rows_after_build (a view over what the build itself still writes) reports
    nothing: the asset counts it once dbt has exited. -#}
{% macro report_row_count() %}
    {%- if execute and env_var('DAGSTER_DBT_CLI', '') == 'true'
        and not (config.get('meta') or {}).get('count_rows_after_build') -%}
        {%- set counted = run_query('select count(*) from ' ~ this) -%}
        {%- do log('salesops row count: ' ~ this.schema ~ '.' ~ this.identifier ~ ' ' ~ counted.columns[0].values()[0], info=True) -%}
    {%- endif -%}
{% endmacro %}

{#- mart_coverage's rows, for the "coverage" of each mart's materialization (an empty mart says why). -#}
{% macro report_mart_coverage() %}
    {%- if execute and env_var('DAGSTER_DBT_CLI', '') == 'true' -%}
        {%- set rows = run_query('select mart_name, coverage_status from ' ~ this ~ ' order by mart_name') -%}
        {%- set coverage = {} -%}
        {%- for row in rows -%}
            {%- do coverage.update({row[0]: row[1]}) -%}
        {%- endfor -%}
        {%- do log('salesops mart coverage: ' ~ tojson(coverage), info=True) -%}
    {%- endif -%}
{% endmacro %}
