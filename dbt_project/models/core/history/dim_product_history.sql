-- Product history (SCD2): list price and unit cost over time, in the row's currency.
{{ scd2_from_versions('stg_orders__products_versions', 'product_id', ['list_price', 'unit_cost', 'currency']) }}
