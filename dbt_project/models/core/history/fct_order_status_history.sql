-- Order status history (SCD2): status and due date over time.
{{ scd2_from_versions('stg_orders__orders_versions', 'order_id', ['status', 'due_date', 'payment_terms_days']) }}
