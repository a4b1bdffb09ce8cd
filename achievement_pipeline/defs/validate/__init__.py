"""Validate: which achievements may be published, and why not."""
