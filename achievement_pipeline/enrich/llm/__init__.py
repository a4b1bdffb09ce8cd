"""Narratives through litellm: the Router and its configuration, the budget, the cache, the local providers."""
