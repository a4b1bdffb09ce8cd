"""The read API over HTTP: JSON answers to the four questions, described by the OpenAPI document it serves.

FastAPI builds the OpenAPI description from the routes below (served at ``/openapi.json``; committed as
``docs/read-api.openapi.json``, which a test keeps equal to it). The token comes as
``Authorization: Bearer <token>``; the outcomes of :mod:`.queries` map to statuses: 401 (no token or an
unknown one, with ``WWW-Authenticate: Bearer``), 403 (a subject the token does not cover), 404 (a PR the
token cannot see), 400 (a malformed window, period, category or search), 503 (the warehouse unreachable or
not filled yet). Answers are private to their caller: ``Cache-Control: no-store``. No interactive docs page:
it would load scripts from a CDN.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from achievement_pipeline.core.ledger import LedgerError
from achievement_pipeline.core.records import SHOWN_CATEGORIES
from achievement_pipeline.core.settings import ServiceUnavailable
from achievement_pipeline.export.curation import CurationError
from achievement_pipeline.serve.queries import MAX_LIMIT, MAX_SEARCH_LIMIT, VIEWS, BadInput, NotFound, ReadService
from achievement_pipeline.serve.tokens import Forbidden, Unauthenticated

API_VERSION = "1.0.0"
_PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_WINDOW_HELP = "A year (2025), a quarter (2025-Q1), a month (2025-03) or a range of days (2025-01-01..2025-03-31)."


class Problem(BaseModel):
    """Why a question was refused or could not be answered."""

    detail: str = Field(description="What was wrong and what to do; never a token or a password.")


class Window(BaseModel):
    start: date = Field(description="First merge day of the window.")
    end: date = Field(description="Last merge day of the window, inclusive.")


class Caller(BaseModel):
    subject: dict[str, Any] = Field(description="The person or team the token speaks for: login, kind, members.")
    may_see: list[str] = Field(description="The subjects this token may name: itself and, for a team, each member.")


class AchievementPage(BaseModel):
    subject: dict[str, Any] = Field(description="Whose achievements: as the portfolio's subject.")
    window: Window
    category: str | None = Field(description="The category asked for, or null for every category.")
    total: int = Field(description="Achievements in the window (of that category).")
    offset: int
    limit: int
    currency: str
    achievements: list[dict[str, Any]] = Field(
        description=(
            "Achievement groups as the portfolio's achievement_groups: id, title, statement, star, category, impact, "
            "repos, pr_ids, linked_issues, grouped_by, first/last_merged_at, hours, cost, value, featured, suggested."
        )
    )


class Portfolio(BaseModel):
    """The portfolio document (portfolio_schema.json); the summary view leaves out the per-PR entries."""

    model_config = ConfigDict(extra="allow")
    schema_version: str
    subject: dict[str, Any]
    window: Window
    totals: dict[str, Any]
    achievement_groups: list[dict[str, Any]]


class FoundPR(BaseModel):
    pr_id: str
    repo: str
    number: int
    author: str
    title: str = Field(description="As the portfolio prints it: the author's own title if they gave one, redacted.")
    url: str
    merged_at: str
    status: str = Field(description="accepted, or rejected (listed in the portfolio's Appendix A).")
    category: str | None
    statement: str
    summary: str


class SearchAnswer(BaseModel):
    text: str
    total: int
    limit: int
    prs: list[FoundPR]


class ValueExplanation(BaseModel):
    """A PR's value as its card in the portfolio of the window shows it; a rejected PR gives its reasons."""

    model_config = ConfigDict(extra="allow")
    pr_id: str
    window: Window
    status: str = Field(description="accepted (with the figures below) or rejected (with reasons).")
    arithmetic: str | None = Field(
        default=None, description="The one-line sum, e.g. '8.3 h × $95/h × 1.5 (feature) = $1,200'."
    )
    value_terms: list[dict[str, Any]] | None = Field(default=None, description="Its factors: name, value, unit.")
    assumptions: list[dict[str, Any]] | None = Field(default=None, description="The ledger entries applied.")
    reasons: list[str] | None = Field(default=None, description="Why a rejected PR is not published with a value.")


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(payload), status_code=status, media_type="application/json", headers=_PRIVATE | (headers or {})
    )


_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No token, or one this service does not know."},
    403: {"model": Problem, "description": "The token does not cover this subject."},
    503: {"model": Problem, "description": "The warehouse is unreachable or holds no pipeline tables yet."},
}
_BAD_INPUT: dict[int | str, dict[str, Any]] = {400: {"model": Problem, "description": "A malformed parameter."}}


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from ACHIEVEMENT_API_TOKENS: 'Authorization: Bearer <token>'.",
)


def _presented(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str | None:
    """The bearer token, or None (no header, or another scheme): the service refuses both with 401."""
    return credentials.credentials if credentials else None


Token = Annotated[str | None, Depends(_presented)]
SubjectName = Annotated[str, Path(description="A GitHub login, or a team's name, that the token covers.")]


def create_app(service: ReadService) -> FastAPI:
    """The HTTP API over ``service``."""
    app = FastAPI(
        title="Achievement pipeline read API",
        version=API_VERSION,
        description=(
            "Read-only answers from the achievement warehouse and its portfolio, limited to what the caller's "
            "token may see: a person's token their own pull requests, a team's token its members'. Figures are "
            "the exported portfolio's, redacted as the exports are."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    def refused(status: int, headers: dict[str, str] | None = None) -> Any:
        def handler(_request: Request, exc: Exception) -> Response:
            message = " ".join(str(exc).split())
            return _json({"detail": message}, status, headers)

        return handler

    app.add_exception_handler(Unauthenticated, refused(401, {"WWW-Authenticate": "Bearer"}))
    app.add_exception_handler(Forbidden, refused(403))
    app.add_exception_handler(NotFound, refused(404))
    app.add_exception_handler(BadInput, refused(400))
    for unavailable in (ServiceUnavailable, CurationError, LedgerError):
        app.add_exception_handler(unavailable, refused(503))

    @app.get("/healthz", tags=["service"], summary="Liveness: the process answers (reads nothing).")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/me", tags=["read"], response_model=Caller, responses=_REFUSALS, summary="Who the token speaks for.")
    def me(token: Token) -> Response:
        return _json(service.whoami(token))

    @app.get(
        "/v1/subjects/{subject}/achievements",
        tags=["read"],
        response_model=AchievementPage,
        responses=_REFUSALS | _BAD_INPUT,
        summary="The subject's achievements in a window, optionally of one category.",
    )
    def list_achievements(
        token: Token,
        subject: SubjectName,
        window: Annotated[str, Query(description=_WINDOW_HELP)],
        category: Annotated[str, Query(description=f"One of {', '.join(SHOWN_CATEGORIES)}; empty for all.")] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        return _json(service.list_achievements(token, subject, window, category, limit, offset))

    @app.get(
        "/v1/subjects/{subject}/portfolio",
        tags=["read"],
        response_model=Portfolio,
        responses=_REFUSALS | _BAD_INPUT,
        summary="The subject's portfolio for a period, as the export builds it.",
    )
    def get_portfolio(
        token: Token,
        subject: SubjectName,
        period: Annotated[str, Query(description=_WINDOW_HELP)],
        view: Annotated[
            str,
            Query(
                description=f"{' or '.join(VIEWS)}: summary leaves out the per-PR entries and keeps the headline "
                "achievements; full is the whole document, as portfolio.json holds it."
            ),
        ] = "summary",
    ) -> Response:
        return _json(service.get_portfolio(token, subject, period, view))

    @app.get(
        "/v1/prs/search",
        tags=["read"],
        response_model=SearchAnswer,
        responses=_REFUSALS | _BAD_INPUT,
        summary="The caller's published pull requests holding every word of the text, newest first.",
    )
    def search_prs(
        token: Token,
        text: Annotated[str, Query(description="Words to find in the id, repository, title, statement or summary.")],
        limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = 20,
    ) -> Response:
        return _json(service.search_prs(token, text, limit))

    @app.get(
        "/v1/prs/{owner}/{repo}/{number}/value",
        tags=["read"],
        response_model=ValueExplanation,
        responses=_REFUSALS | _BAD_INPUT | {404: {"model": Problem, "description": "No such PR the token may see."}},
        summary="How a pull request's value was reached: its arithmetic, factors, evidence and assumptions.",
    )
    def explain_value(
        token: Token,
        owner: str,
        repo: str,
        number: int,
        period: Annotated[str, Query(description=f"{_WINDOW_HELP} Empty: the quarter it merged in.")] = "",
    ) -> Response:
        return _json(service.explain_value(token, f"{owner}/{repo}#{number}", period))

    return app
