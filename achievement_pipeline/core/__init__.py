"""What every stage shares: row contracts, the warehouse, settings, windows of days, the ledger, text."""
