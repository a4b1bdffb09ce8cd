"""The read API for agents: an MCP server (the official ``mcp`` SDK) with the four questions as read-only tools.

``list_achievements``, ``search_prs``, ``get_portfolio`` and ``explain_value`` answer as the HTTP API
does (:mod:`.queries`). Whose token a call carries depends on the transport:

- over **stdio** (an agent starts ``achievement-mcp`` itself) the token is the process's own,
  ``ACHIEVEMENT_API_TOKEN``, set in the agent's server configuration: it never passes through the
  model's context, as a tool argument would;
- over **streamable HTTP** it is each request's ``Authorization: Bearer`` header; a request without a
  known token is refused with 401 before it reaches the MCP session (:func:`bearer_guard`).

A refusal is a protocol error, not a tool result: :data:`UNAUTHENTICATED` for no token or an unknown
one, :data:`FORBIDDEN` for a subject the token does not cover. A question the model can put right (a
malformed window, an unknown or hidden PR id) is a tool error whose text says what to change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import ToolAnnotations
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from achievement_pipeline.core.ledger import LedgerError
from achievement_pipeline.core.records import SHOWN_CATEGORIES
from achievement_pipeline.core.settings import ServiceUnavailable
from achievement_pipeline.export.curation import CurationError
from achievement_pipeline.serve.queries import MAX_LIMIT, MAX_SEARCH_LIMIT, BadInput, NotFound, ReadService
from achievement_pipeline.serve.tokens import Forbidden, Tokens, Unauthenticated

# JSON-RPC's range for a server's own errors (-32000 to -32099): 401 and 403 in MCP's terms.
UNAUTHENTICATED = -32001
FORBIDDEN = -32003
_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
_WINDOW = "a year (2025), a quarter (2025-Q1), a month (2025-03) or a range of days (2025-01-01..2025-03-31)"
_INSTRUCTIONS = (
    "Read-only answers about merged pull requests and the portfolio built from them, limited to the person or "
    "team this server's token speaks for. Figures (hours, cost, value) are estimates with ranges; "
    "explain_value gives the arithmetic and assumptions behind one. Start with get_portfolio for a period, "
    "then list_achievements, search_prs or explain_value for detail."
)

T = TypeVar("T")


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, None for any other."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == name), None)


async def _answer(question: Callable[[], T]) -> T:
    """Run a question off the event loop (it reads the database) and turn its refusals into MCP's terms."""
    try:
        return await anyio.to_thread.run_sync(question)
    except Unauthenticated as exc:
        raise MCPError(UNAUTHENTICATED, f"unauthenticated: {exc}") from None
    except Forbidden as exc:
        raise MCPError(FORBIDDEN, f"forbidden: {exc}") from None
    except (BadInput, NotFound) as exc:
        raise ToolError(str(exc)) from None
    except (ServiceUnavailable, CurationError, LedgerError) as exc:
        raise ToolError(f"cannot answer now: {' '.join(str(exc).split())}") from None


def create_server(service: ReadService, *, token: str | None) -> MCPServer:
    """The MCP server over ``service``; ``token`` is the process's own (stdio), used when a call has no HTTP headers."""
    server = MCPServer("achievement-pipeline", instructions=_INSTRUCTIONS, version="1.0.0")

    def presented(ctx: Context) -> str | None:
        headers = ctx.headers
        if headers is None:  # stdio, or in-process: the process's own token
            return token
        return bearer(_header(headers, "authorization"))

    @server.tool(annotations=_READ_ONLY)
    async def list_achievements(
        ctx: Context,
        subject: Annotated[str, Field(description="A GitHub login, or the team's name, that the token covers.")],
        window: Annotated[str, Field(description=f"The merge days to cover: {_WINDOW}.")],
        category: Annotated[str, Field(description=f"One of {', '.join(SHOWN_CATEGORIES)}; empty for all.")] = "",
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="At most this many achievements.")] = 50,
        offset: Annotated[int, Field(ge=0, description="Skip this many (the next page).")] = 0,
    ) -> dict[str, Any]:
        """The subject's achievements in a window (related pull requests grouped, as the portfolio tells them):
        title, statement, STAR story, category, impact, pull requests, and hours, cost and value ranges; pinned
        ones first, then by expected value."""
        caller = presented(ctx)
        return await _answer(lambda: service.list_achievements(caller, subject, window, category, limit, offset))

    @server.tool(annotations=_READ_ONLY)
    async def search_prs(
        ctx: Context,
        text: Annotated[
            str,
            Field(
                description="Words that must all appear (any case) in the PR's id, repository, "
                "title, statement or summary."
            ),
        ],  # fmt: skip
        limit: Annotated[int, Field(ge=1, le=MAX_SEARCH_LIMIT, description="At most this many PRs.")] = 20,
    ) -> dict[str, Any]:
        """The caller's published pull requests holding every word of the text, newest first: id, repository,
        title, statement, summary, category and whether it was accepted or rejected."""
        caller = presented(ctx)
        return await _answer(lambda: service.search_prs(caller, text, limit))

    @server.tool(annotations=_READ_ONLY)
    async def get_portfolio(
        ctx: Context,
        subject: Annotated[str, Field(description="A GitHub login, or the team's name, that the token covers.")],
        period: Annotated[str, Field(description=f"The reporting period: {_WINDOW}.")],
        view: Annotated[
            str,
            Field(
                description="summary (headline achievements, no per-PR entries) or full (the whole exported document)."
            ),
        ] = "summary",  # fmt: skip
    ) -> dict[str, Any]:
        """The subject's portfolio for the period, as the export builds it: totals with value, cost and hours
        ranges, the calendar's capacity, category mix, value over time, repositories, quarters, skills,
        achievements, curation and the assumptions ledger."""
        caller = presented(ctx)
        return await _answer(lambda: service.get_portfolio(caller, subject, period, view))

    @server.tool(annotations=_READ_ONLY)
    async def explain_value(
        ctx: Context,
        pr_id: Annotated[str, Field(description="The pull request, as owner/repo#123.")],
        period: Annotated[
            str, Field(description=f"The portfolio to explain it in: {_WINDOW}; empty for the quarter it merged in.")
        ] = "",  # fmt: skip
    ) -> dict[str, Any]:
        """How a pull request's value was reached: the one-line arithmetic and its factors, the outcome it rests
        on or the judgement it is, reach, refused claims, hours and cost, evidence and the ledger's assumptions;
        for a rejected PR, the reasons."""
        caller = presented(ctx)
        return await _answer(lambda: service.explain_value(caller, pr_id, period))

    return server


def bearer_guard(app: ASGIApp, tokens: Tokens) -> ASGIApp:
    """``app`` (the streamable HTTP app) refusing with 401 every HTTP request whose bearer token is not known."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
            try:
                tokens.caller(bearer(raw))
            except Unauthenticated as exc:
                body = json.dumps({"detail": str(exc)}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b"Bearer"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded
