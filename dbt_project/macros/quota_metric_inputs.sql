{#- The inputs each quota metric's actual is computed from (int_quota__actuals_daily): where one had no rows the
    actual is unknown, so mart_quota_attainment and mart_rep_scorecard show null rather than 0
    (data-contract.md: "never silently zero"; macros/quality/mart_inputs.sql). -#}
{% macro quota_metric_inputs() %}
    {{ return({
        'revenue': ['orders', 'order_lines'],
        'collections': ['orders', 'order_lines', 'payments'],
        'new_customers': ['orders'],
        'won_deals': ['opportunities'],
    }) }}
{% endmacro %}
