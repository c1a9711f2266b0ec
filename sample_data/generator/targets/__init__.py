"""Target tables (landing ``targets/``): quotas."""
