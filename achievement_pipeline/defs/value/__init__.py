"""Value: low / expected / high estimates per PR from the assumptions ledger."""
