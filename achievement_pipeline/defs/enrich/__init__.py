"""Enrich: features, an LLM (or offline) narrative and the numbers it may use, per PR."""
