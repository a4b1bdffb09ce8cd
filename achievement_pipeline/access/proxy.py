"""The launch tagger: a reverse proxy in front of dagster-webserver that records who launches each run.

It runs beside the webserver, in the same pod, and the login proxy (oauth2-proxy) sends every request
here rather than to the webserver (deploy/k8s/auth.yaml). Requests pass through unchanged, WebSockets
included, except the GraphQL requests that launch runs: their ``user`` tag becomes the login in the
header the login proxy sets (``X-Forwarded-User``; oauth2-proxy removes any value a client sent), or
they are refused (``launch_tags.py`` says when). The GraphQL request is read exactly as
dagster-webserver reads it (``dagster_webserver/graphql.py``: a GET's query string, a POST's JSON or
``application/graphql`` body, else its query string), and a rewritten one is sent on as a POST with a
JSON body and no query string, so the webserver executes what was checked and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from achievement_pipeline.access.launch_tags import LaunchRefused, mentions_launch, stamp_launches
from achievement_pipeline.core.launched_by import is_login

log = logging.getLogger("achievement_pipeline.launch_tagger")

USER_HEADER = "X-Forwarded-User"  # what oauth2-proxy sets from the session (--pass-user-headers)
MAX_BODY_BYTES = 32 * 1024 * 1024  # far above the largest launch (a backfill naming years of partitions)
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# Hop-by-hop headers (RFC 9110, 7.6.1) and those each hop sets for itself.
_NOT_FORWARDED = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip


def build_app(upstream: str, user_header: str = USER_HEADER) -> Starlette:
    """The proxy's ASGI app, forwarding to ``upstream`` (the webserver's own address, e.g. http://127.0.0.1:80)."""
    tagger = _Tagger(upstream.rstrip("/"), user_header)
    return Starlette(
        routes=[
            Route("/{path:path}", tagger.http, methods=_METHODS),
            WebSocketRoute("/{path:path}", tagger.websocket),
        ],
        lifespan=tagger.lifespan,
    )


class _Tagger:
    def __init__(self, upstream: str, user_header: str) -> None:
        self._upstream = upstream
        self._user_header = user_header
        self._client: httpx.AsyncClient | None = None

    @asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # trust_env=False: the webserver is on this pod's loopback, never behind an HTTP proxy from the environment.
        timeout = httpx.Timeout(30.0, read=300.0)
        async with httpx.AsyncClient(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            self._client = client
            yield
        self._client = None

    async def http(self, request: Request) -> Response:
        body = await _body(request)
        if body is None:
            return _refusal(LaunchRefused(f"request bodies over {MAX_BODY_BYTES} bytes are refused", 413))
        method, query_string = request.method, request.url.query
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED]
        if _is_graphql(request.url.path):
            try:
                rewritten = self._stamped(request, body)
            except LaunchRefused as refusal:
                log.warning("refused %s %s: %s", request.method, request.url.path, refusal)
                return _refusal(refusal)
            if rewritten is not None:
                method, query_string, body = "POST", "", rewritten
                headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
                headers.append(("content-type", "application/json"))
        assert self._client is not None, "the app's lifespan has not started"
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        url = httpx.URL(self._upstream).copy_with(
            raw_path=raw_path + (b"?" + query_string.encode("latin-1") if query_string else b"")
        )
        try:
            upstream = await self._client.send(
                self._client.build_request(method, url, headers=headers, content=body), stream=True
            )
        except httpx.TransportError as error:
            log.error("dagster-webserver at %s did not answer: %s", self._upstream, type(error).__name__)
            return Response("dagster-webserver did not answer", status_code=502, media_type="text/plain")
        response = StreamingResponse(
            upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(upstream.aclose)
        )
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in upstream.headers.multi_items()
            if k.lower() not in _NOT_FORWARDED - {"content-length"}
        ]
        return response

    def _stamped(self, request: Request, body: bytes) -> bytes | None:
        """The JSON body to send instead of this GraphQL request, or None to send it as it is."""
        data = _graphql_request(request, body)
        if data is None:
            return None
        variables = stamp_launches(data["query"], data["variables"], data["operationName"], self._login(request))
        if variables is None:
            return None
        return json.dumps({**data, "variables": variables}).encode()

    def _login(self, request: Request) -> str | None:
        values = request.headers.getlist(self._user_header)
        if len(values) == 1 and is_login(values[0]):
            return values[0]
        if values:  # the login proxy sets exactly one login; anything else is a misconfiguration, not a person
            log.warning("%s holds %r, not one GitHub login: launches are refused", self._user_header, values[:2])
        return None

    async def websocket(self, websocket: WebSocket) -> None:
        """Frames pass both ways; a subscription that names a launch is answered with an error, not sent on."""
        url = re.sub(r"^http", "ws", self._upstream) + websocket.url.path
        if websocket.url.query:
            url += "?" + websocket.url.query
        headers = [
            (k, v)
            for k, v in websocket.headers.items()
            if k.lower() not in _NOT_FORWARDED and not k.lower().startswith("sec-websocket-")
        ]
        try:
            async with connect(
                url,
                subprotocols=websocket.scope.get("subprotocols") or None,
                additional_headers=headers,
                proxy=None,
                max_size=None,
                compression=None,
            ) as upstream:
                await websocket.accept(subprotocol=upstream.subprotocol)
                await _relay(websocket, upstream)
        except (OSError, InvalidHandshake) as error:
            log.error("dagster-webserver's WebSocket at %s did not answer: %s", url, type(error).__name__)
            await websocket.close(code=1011)


async def _relay(client: WebSocket, upstream: Any) -> None:
    async def to_upstream() -> None:
        while True:
            message = await client.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is not None and (refusal := _websocket_refusal(text)) is not None:
                await client.send_text(json.dumps(refusal))
                continue
            await upstream.send(text if text is not None else message.get("bytes", b""))

    async def to_client() -> None:
        try:
            async for frame in upstream:
                await (client.send_text(frame) if isinstance(frame, str) else client.send_bytes(frame))
        except ConnectionClosed:
            pass

    from_client, from_upstream = asyncio.create_task(to_upstream()), asyncio.create_task(to_client())
    _, pending = await asyncio.wait([from_client, from_upstream], return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    await upstream.close()
    if from_upstream.done() and not from_upstream.cancelled():  # the webserver ended it: tell the browser
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await client.close()


def _websocket_refusal(text: str) -> dict[str, Any] | None:
    """The graphql-ws error for a ``start`` message naming a launch (subscriptions launch nothing), else None."""
    try:
        message = json.loads(text)
    except ValueError:
        return None  # the webserver refuses what is not JSON
    if not isinstance(message, dict) or message.get("type") != "start":
        return None
    payload = message.get("payload")
    query = payload.get("query") if isinstance(payload, dict) else None
    if isinstance(query, str) and not mentions_launch(query):
        return None
    return {"type": "error", "id": message.get("id"), "payload": {"message": "launch runs over HTTP, not a WebSocket"}}


def _is_graphql(path: str) -> bool:
    """Whether the webserver could take ``path`` for its GraphQL endpoint (a superset: any prefix, case, slashes)."""
    return re.sub("/+", "/", path).rstrip("/").lower().endswith("/graphql")


def _graphql_request(request: Request, body: bytes) -> dict[str, Any] | None:
    """The query, variables and operation name dagster-webserver would execute for this request, or None if none."""
    if request.method == "GET":
        if "text/html" in request.headers.get("Accept", ""):
            return None  # GraphiQL's page: nothing is executed
        data: Any = dict(request.query_params)
    elif request.method == "POST":
        content_type = request.headers.get("Content-Type", "")
        try:
            if "application/json" in content_type:
                data = json.loads(body)
            elif "application/graphql" in content_type:
                data = {"query": body.decode()}
            else:
                data = dict(request.query_params)
        except ValueError:
            raise LaunchRefused("the GraphQL request is neither valid JSON nor UTF-8 text", 400) from None
    else:
        return None  # dagster-webserver answers 405
    if not isinstance(data, dict):
        raise LaunchRefused("a GraphQL request is one JSON object", 400)
    query, variables, operation_name = data.get("query"), data.get("variables"), data.get("operationName")
    if query is None:
        return None  # dagster-webserver answers 400
    if isinstance(variables, str):
        try:
            variables = json.loads(variables)
        except ValueError:
            raise LaunchRefused("the GraphQL variables are not valid JSON", 400) from None
    if (
        not isinstance(query, str)
        or not isinstance(variables, dict | None)
        or not isinstance(operation_name, str | None)
    ):
        raise LaunchRefused("query and operationName are strings, variables a JSON object", 400)
    return {"query": query, "variables": variables, "operationName": operation_name}


async def _body(request: Request) -> bytes | None:
    """The request's body, or None when it is larger than MAX_BODY_BYTES."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _refusal(refusal: LaunchRefused) -> JSONResponse:
    """A refusal as dagster-webserver answers a GraphQL error, so the UI shows the message."""
    return JSONResponse({"data": None, "errors": [{"message": str(refusal)}]}, status_code=refusal.status)
