"""Channel tables (landing ``channels/``): the channel catalog, partners, partner inventory and sell-out."""
