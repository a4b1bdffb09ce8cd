"""Collecting merged pull requests from GitHub (PyGithub, GraphQL pages, conditional probes, cursors)."""
