"""Ingest: merged pull requests from GitHub into the warehouse, by UTC day of merge."""
