{#- The receivables money convention (docs block `receivables_money_convention`, macros/receivables.md).
    Every model that reports open, collected or due receivables builds its numbers from these macros,
    so fct_orders, the collections intermediates and every collections mart agree to the cent. -#}

{#- Whether an order books revenue: not cancelled, and not a returned order whose return was never
    keyed as negative lines (status `returned` alone means the whole order came back; with return
    lines the lines already net the return off, so it is not deducted a second time). -#}
{% macro order_books_revenue(status_expr, has_return_lines_expr) -%}
    (coalesce({{ status_expr }}, '') <> 'cancelled'
        and not (coalesce({{ status_expr }}, '') = 'returned' and not {{ has_return_lines_expr }}))
{%- endmacro %}

{#- What a customer can owe on an order: its revenue, or 0 when the order is a net credit. -#}
{% macro receivable_amount(revenue_expr) -%}
    case when {{ revenue_expr }} > 0 then {{ revenue_expr }} else 0 end
{%- endmacro %}

{#- True when a receivable counts as settled by the settlement value paid against it: a residual under
    var receivable_settled_tolerance is rounding (payments are in cents, discounted revenue is not). -#}
{% macro receivable_is_settled(receivable_expr, settled_expr) -%}
    ({{ receivable_expr }} - ({{ settled_expr }}) < {{ var('receivable_settled_tolerance') }})
{%- endmacro %}

{#- Open receivable: receivable − settled payments, never below 0, 0 once settled. -#}
{% macro receivable_open(receivable_expr, settled_expr) -%}
    case
        when {{ receivable_is_settled(receivable_expr, settled_expr) }} then 0
        else {{ receivable_expr }} - ({{ settled_expr }})
    end
{%- endmacro %}

{#- Collected against a receivable: the settled payments capped at the receivable (the whole receivable
    once settled; an overpayment or a payment on an order that owes nothing is not a collection).
    Always receivable = collected + open. -#}
{% macro receivable_collected(receivable_expr, settled_expr) -%}
    case
        when {{ receivable_is_settled(receivable_expr, settled_expr) }} then {{ receivable_expr }}
        when ({{ settled_expr }}) > 0 then ({{ settled_expr }})
        else 0
    end
{%- endmacro %}
