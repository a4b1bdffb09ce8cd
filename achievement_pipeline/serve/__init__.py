"""The read API: what the warehouse and the portfolio say, for people (HTTP JSON) and agents (MCP), read-only.

Every answer is limited to what the caller's token may see (:mod:`.tokens`: one token per person or
team, from ``ACHIEVEMENT_API_TOKENS``) and built the way the export builds the portfolio
(:mod:`.reader`: the same curation, window rules, document and redaction), so an answer never
disagrees with the exported files. :mod:`.queries` holds the four questions; :mod:`.http_api` and
:mod:`.mcp_tools` only translate them to their protocol. No Dagster import: the service runs
beside the pipeline, not in it.
"""
