"""Order tables (landing ``orders/``): products, fx rates, orders, order lines, payments."""
