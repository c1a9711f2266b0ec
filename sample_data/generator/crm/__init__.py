"""CRM tables (landing ``crm/``): teams, sales reps, accounts, leads, opportunities and their stage
history, activities."""
