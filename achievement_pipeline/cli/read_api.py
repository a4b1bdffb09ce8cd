"""`achievement-api` (HTTP JSON) and `achievement-mcp` (MCP, for agents): the read API, configured like the pipeline.

Both read the warehouse of ``ACHIEVEMENT_WAREHOUSE_URL`` (the local SQLite file when unset) over
read-only connections, and answer only to the tokens of ``ACHIEVEMENT_API_TOKENS``. ``achievement-api``
listens on ``ACHIEVEMENT_API_ADDRESS``:``ACHIEVEMENT_API_PORT`` (loopback unless told otherwise);
``achievement-mcp`` speaks MCP over stdio with the caller's token in ``ACHIEVEMENT_API_TOKEN``, or with
``--transport streamable-http`` over HTTP on ``ACHIEVEMENT_MCP_PORT`` with a bearer token per request. A
malformed setting or an unreachable warehouse ends either in one line on stderr (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from achievement_pipeline.cli.preflight import check_settings, in_one_line
from achievement_pipeline.core import settings
from achievement_pipeline.core.warehouse import create_engine
from achievement_pipeline.serve.queries import ReadService
from achievement_pipeline.serve.reader import Reader, read_only
from achievement_pipeline.serve.tokens import Tokens


def build_service() -> ReadService:
    """The read service from the settings; the warehouse asked for one answer first (ServiceUnavailable if none)."""
    from achievement_pipeline.export.curation import curation_file
    from achievement_pipeline.resources.github import GitHubResource
    from achievement_pipeline.resources.warehouse import WarehouseResource

    check_settings()
    tokens = Tokens.from_json(settings.text("ACHIEVEMENT_API_TOKENS"))
    engine = read_only(create_engine(WarehouseResource(url=settings.text("ACHIEVEMENT_WAREHOUSE_URL")).resolved_url()))
    with engine.connect():
        pass  # an unreachable database is said now, in one line, not at the first question
    github = GitHubResource(
        token=settings.text("GITHUB_TOKEN"),
        base_url=settings.text("GITHUB_API_URL"),
        app_id=settings.text("GITHUB_APP_ID"),
    )
    # The document names where its PRs came from, as the export names it (the demo's fake GitHub is not started).
    source = "demo (built-in fake GitHub)" if github.demo else github.resolved_base_url()
    return ReadService(Reader(engine, github_base_url=source, curation_path=curation_file()), tokens)


def _serving(service: ReadService) -> ReadService:
    """``service`` with its kept answers refreshed in the background while it serves."""
    service.reader.keep_fresh()
    return service


def _address_and_port(parser: argparse.ArgumentParser, port_setting: str) -> None:
    parser.add_argument(
        "--address",
        default=settings.text("ACHIEVEMENT_API_ADDRESS"),
        help="listen address (default 127.0.0.1, loopback; 0.0.0.0 where other machines or pods call it)",
    )
    parser.add_argument("--port", type=int, default=int(settings.number(port_setting)), help="listen port")


def api_main(argv: Sequence[str] | None = None) -> int:
    """Serve the HTTP API until stopped (SIGTERM or Ctrl-C)."""
    return in_one_line("achievement-api", lambda: _serve_http(argv))


def _serve_http(argv: Sequence[str] | None) -> int:
    import uvicorn

    from achievement_pipeline.serve.http_api import create_app

    parser = argparse.ArgumentParser(prog="achievement-api", description="The read API over HTTP (JSON).")
    _address_and_port(parser, "ACHIEVEMENT_API_PORT")
    args = parser.parse_args(argv)
    app = create_app(_serving(build_service()))
    uvicorn.run(app, host=args.address, port=args.port, log_level="info", server_header=False)
    return 0


def mcp_main(argv: Sequence[str] | None = None) -> int:
    """Serve MCP over stdio (the default) or streamable HTTP until the client or a signal stops it."""
    return in_one_line("achievement-mcp", lambda: _serve_mcp(argv))


def _serve_mcp(argv: Sequence[str] | None) -> int:
    from achievement_pipeline.serve.mcp_tools import bearer_guard, create_server

    parser = argparse.ArgumentParser(prog="achievement-mcp", description="The read API for agents (MCP).")
    parser.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    _address_and_port(parser, "ACHIEVEMENT_MCP_PORT")
    args = parser.parse_args(argv)
    service = _serving(build_service())
    if args.transport == "stdio":
        token = settings.text("ACHIEVEMENT_API_TOKEN")
        if not token:  # said once on stderr (stdout is the protocol); every call is refused until it is set
            print("achievement-mcp: ACHIEVEMENT_API_TOKEN is not set: every call will be refused", file=sys.stderr)
        create_server(service, token=token or None).run("stdio")
        return 0
    import uvicorn

    server = create_server(service, token=None)
    app = server.streamable_http_app(stateless_http=True, json_response=True, host=args.address)
    uvicorn.run(
        bearer_guard(app, service.tokens), host=args.address, port=args.port, log_level="info", server_header=False
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(api_main())
