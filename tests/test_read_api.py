"""The read API over a warehouse the pipeline filled: HTTP (a real server, a real client) and MCP (the SDK's client).

One warehouse for the module (``tests/read_api_support.py``): two members of the team Platform, an outsider,
PRs left out, private, rejected, and a token planted in a title. Each answer is checked against what the
token may see and against what the export itself writes for the same subject and window.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import sqlalchemy as sa

from achievement_pipeline.serve.queries import ReadService
from tests.local_processes import environment_without_settings, free_port
from tests.local_processes import uvicorn_serving as serving
from tests.read_api_support import (
    EXCLUDED,
    PERIOD,
    PINNED,
    PLANTED,
    PRIVATE,
    SET_ASIDE,
    TOKENS,
    TOKENS_JSON,
    VAULT_PR,
    Filled,
    filled_warehouse,
    pull_requests,
)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OCTO_PUBLISHED = {"acme/web-app#1", PINNED, "acme/web-app#3"}
ADA = {"acme/web-app#10", "acme/web-app#11"}
OUTSIDER_PR = "acme/web-app#20"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Filled]:
    with filled_warehouse(tmp_path_factory.mktemp("read-api") / "home") as found:
        yield found


@pytest.fixture(scope="module")
def service(filled: Filled) -> ReadService:
    from achievement_pipeline.cli.read_api import build_service

    return build_service()


@pytest.fixture(scope="module")
def api(service: ReadService) -> Iterator[httpx.Client]:
    from achievement_pipeline.serve.http_api import create_app

    with serving(create_app(service)) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def pr_ids(groups: list[dict[str, Any]]) -> set[str]:
    return {pr_id for group in groups for pr_id in group["pr_ids"]}


QUESTIONS = (
    ("/v1/me", {}),
    ("/v1/subjects/octo-demo/achievements", {"window": PERIOD}),
    ("/v1/subjects/octo-demo/portfolio", {"period": PERIOD}),
    ("/v1/prs/search", {"text": "cart"}),
    ("/v1/prs/acme/web-app/1/value", {}),
)


# --- who may ask what --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), QUESTIONS)
def test_a_question_without_a_token_is_refused_with_401(api, path, params):
    answer = api.get(path, params=params)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in answer.json()["detail"]


@pytest.mark.parametrize(("path", "params"), QUESTIONS)
@pytest.mark.parametrize(
    "header",
    [f"Bearer {TOKENS['octo']}x", f"Bearer {TOKENS['octo'][:-1]}", "Bearer", f"Basic {TOKENS['octo']}"],
    ids=["longer", "shorter", "empty", "basic-scheme"],
)
def test_a_wrong_token_is_refused_with_401(api, path, params, header):
    answer = api.get(path, params=params, headers={"Authorization": header})
    assert answer.status_code == 401
    assert TOKENS["octo"] not in answer.text


@pytest.mark.parametrize(
    ("who", "subject"),
    [("octo", "ada-dev"), ("octo", "Platform"), ("mallory", "octo-demo"), ("ada", "mallory-dev")],
)
@pytest.mark.parametrize("question", ["achievements", "portfolio"])
def test_a_token_asking_about_another_subject_is_refused_with_403(api, who, subject, question):
    params = {"window": PERIOD} if question == "achievements" else {"period": PERIOD}
    answer = api.get(f"/v1/subjects/{subject}/{question}", params=params, headers=auth(who))
    assert answer.status_code == 403
    assert subject in answer.json()["detail"]


def test_a_persons_token_sees_only_their_published_prs(api):
    answer = api.get("/v1/subjects/octo-demo/achievements", params={"window": PERIOD}, headers=auth("octo"))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert pr_ids(answer.json()["achievements"]) == OCTO_PUBLISHED  # not left out, private or rejected


def test_a_teams_token_sees_the_team_and_each_member_and_no_one_else(api):
    team = api.get("/v1/subjects/Platform/achievements", params={"window": PERIOD}, headers=auth("team"))
    member = api.get("/v1/subjects/ada-dev/achievements", params={"window": PERIOD}, headers=auth("team"))
    outsider = api.get("/v1/subjects/mallory-dev/achievements", params={"window": PERIOD}, headers=auth("team"))
    assert pr_ids(team.json()["achievements"]) == OCTO_PUBLISHED | ADA
    assert member.json()["subject"] == {"login": "ada-dev", "kind": "user"}
    assert pr_ids(member.json()["achievements"]) == ADA
    assert outsider.status_code == 403
    me = api.get("/v1/me", headers=auth("team")).json()
    assert me["may_see"] == ["Platform", "octo-demo", "ada-dev"]


def test_a_private_repositorys_pr_reaches_only_readers_who_could_all_see_that_repository(api):
    """ada-dev alone worked in acme/vault: her own token sees the PR; the team's token does not, even when it asks
    about ada-dev, since the whole team reads its answers."""
    params = {"window": PERIOD}
    own = api.get("/v1/subjects/ada-dev/achievements", params=params, headers=auth("ada")).json()
    team_on_ada = api.get("/v1/subjects/ada-dev/achievements", params=params, headers=auth("team")).json()
    assert VAULT_PR in pr_ids(own["achievements"])
    assert VAULT_PR not in pr_ids(team_on_ada["achievements"])
    vault = VAULT_PR.replace("#", "/")
    assert api.get(f"/v1/prs/{vault}/value", headers=auth("ada")).status_code == 200
    assert api.get(f"/v1/prs/{vault}/value", headers=auth("team")).status_code == 404
    assert api.get("/v1/prs/search", params={"text": "signing keys"}, headers=auth("ada")).json()["total"] == 1
    assert api.get("/v1/prs/search", params={"text": "signing keys"}, headers=auth("team")).json()["total"] == 0
    full = api.get("/v1/subjects/Platform/portfolio", params={"period": PERIOD, "view": "full"}, headers=auth("team"))
    assert "acme/vault" not in full.text


def test_a_pr_the_token_cannot_see_is_answered_like_one_that_does_not_exist(api):
    hidden = api.get(f"/v1/prs/{OUTSIDER_PR.replace('#', '/')}/value", headers=auth("octo"))
    missing = api.get("/v1/prs/acme/web-app/999/value", headers=auth("octo"))
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["detail"].replace("#20", "#N") == missing.json()["detail"].replace("#999", "#N")
    # The outsider's own token sees it.
    assert api.get(f"/v1/prs/{OUTSIDER_PR.replace('#', '/')}/value", headers=auth("mallory")).status_code == 200


@pytest.mark.parametrize("chosen", [EXCLUDED, PRIVATE], ids=["left-out", "private"])
def test_a_pr_its_author_left_out_or_made_private_is_nowhere(api, chosen):
    assert api.get(f"/v1/prs/{chosen.replace('#', '/')}/value", headers=auth("octo")).status_code == 404
    words = {EXCLUDED: "bluebird", PRIVATE: "pricing"}[chosen]
    assert api.get("/v1/prs/search", params={"text": words}, headers=auth("octo")).json()["total"] == 0
    full = api.get("/v1/subjects/octo-demo/portfolio", params={"period": PERIOD, "view": "full"}, headers=auth("octo"))
    assert chosen not in full.text and words not in full.text


@pytest.mark.parametrize(
    ("path", "params", "says"),
    [
        ("/v1/subjects/octo-demo/achievements", {"window": "2025-Q5"}, "window '2025-Q5'"),
        ("/v1/subjects/octo-demo/achievements", {"window": "2025-03-01..2025-01-01"}, "ends before it starts"),
        ("/v1/subjects/octo-demo/achievements", {"window": PERIOD, "category": "heroics"}, "category 'heroics'"),
        ("/v1/subjects/octo-demo/portfolio", {"period": "last year"}, "period 'last year'"),
        ("/v1/subjects/octo-demo/portfolio", {"period": PERIOD, "view": "everything"}, "view 'everything'"),
        ("/v1/prs/search", {"text": "   "}, "text must hold"),
        ("/v1/prs/acme/web-app/1/value", {"period": "2025-Q2"}, "outside the period"),
    ],
)
def test_a_malformed_question_gets_400_naming_the_input(api, path, params, says):
    answer = api.get(path, params=params, headers=auth("octo"))
    assert answer.status_code == 400
    assert says in answer.json()["detail"]


# --- what the answers say ----------------------------------------------------------------------------------


def test_the_full_portfolio_is_the_document_the_export_writes(api, filled):
    """Same subject, same window: the API's document and the exported portfolio.json agree to the last figure."""
    exported = filled.export({"team": "Platform", "members": ["octo-demo", "ada-dev"], "period": PERIOD})
    answer = api.get("/v1/subjects/Platform/portfolio", params={"period": PERIOD, "view": "full"}, headers=auth("team"))
    served = answer.json()
    run_only = {"generated_at", "generated_by", "provenance"}  # who rendered the files, when, from which run's reads
    assert {k: v for k, v in served.items() if k not in run_only} == {
        k: v for k, v in exported.items() if k not in run_only
    }


def test_the_summary_keeps_the_headline_and_counts_what_it_leaves_out(api):
    params = {"period": PERIOD}
    summary = api.get("/v1/subjects/octo-demo/portfolio", params=params, headers=auth("octo")).json()
    full = api.get("/v1/subjects/octo-demo/portfolio", params=params | {"view": "full"}, headers=auth("octo")).json()
    assert "achievements" not in summary and "rejected" not in summary
    assert summary["totals"] == full["totals"] and summary["view"] == "summary"
    assert summary["counts"] == {
        "achievement_groups": len(full["achievement_groups"]),
        "achievements": len(full["achievements"]),
        "rejected": 1,
    }
    assert {a["pr_id"] for a in full["achievements"]} == OCTO_PUBLISHED
    assert [r["pr_id"] for r in full["rejected"]] == [SET_ASIDE]


def test_achievements_of_one_category_and_in_pages(api):
    params = {"window": "2025-01-01..2025-02-28"}
    everything = api.get("/v1/subjects/Platform/achievements", params=params, headers=auth("team")).json()
    categories = {group["category"] for group in everything["achievements"]}
    for category in categories:
        some = api.get(
            "/v1/subjects/Platform/achievements", params=params | {"category": category}, headers=auth("team")
        ).json()
        assert some["achievements"] and {g["category"] for g in some["achievements"]} == {category}
    first = api.get("/v1/subjects/Platform/achievements", params=params | {"limit": 1}, headers=auth("team")).json()
    rest = api.get("/v1/subjects/Platform/achievements", params=params | {"offset": 1}, headers=auth("team")).json()
    assert first["achievements"] + rest["achievements"] == everything["achievements"]
    assert PINNED in everything["achievements"][0]["pr_ids"] and everything["achievements"][0]["featured"]


def test_search_finds_the_callers_prs_by_their_published_words(api):
    octo = api.get("/v1/prs/search", params={"text": "CART sync"}, headers=auth("octo")).json()
    assert [pr["pr_id"] for pr in octo["prs"]] == [PINNED]
    assert api.get("/v1/prs/search", params={"text": "cart"}, headers=auth("ada")).json()["total"] == 0
    team = api.get("/v1/prs/search", params={"text": "search"}, headers=auth("team")).json()
    assert {pr["pr_id"] for pr in team["prs"]} == ADA
    assert api.get("/v1/prs/search", params={"text": "admin"}, headers=auth("team")).json()["total"] == 0


def test_a_secret_in_pr_text_is_redacted_and_cannot_be_searched_for(api):
    found = api.get("/v1/prs/search", params={"text": "logging the token"}, headers=auth("octo")).json()
    (pr,) = found["prs"]
    assert "[REDACTED:github-token]" in pr["title"] and PLANTED not in json.dumps(found)
    assert api.get("/v1/prs/search", params={"text": PLANTED[:12]}, headers=auth("octo")).json()["total"] == 0
    for path, params in QUESTIONS:
        answer = api.get(path, params=params | ({"view": "full"} if "portfolio" in path else {}), headers=auth("octo"))
        assert answer.status_code == 200 and PLANTED not in answer.text, path


def test_explain_value_gives_the_cards_arithmetic_and_its_factors(api):
    explained = api.get("/v1/prs/acme/web-app/1/value", headers=auth("octo")).json()
    full = api.get("/v1/subjects/octo-demo/portfolio", params={"period": PERIOD, "view": "full"}, headers=auth("octo"))
    (card,) = [a for a in full.json()["achievements"] if a["pr_id"] == "acme/web-app#1"]
    assert explained["window"] == {"start": "2025-01-01", "end": "2025-03-31"}  # the quarter it merged in
    assert explained["status"] == "accepted" and explained["arithmetic"] == card["arithmetic"]
    assert (explained["value"], explained["assumptions"]) == (card["value"], card["assumptions"])
    product = math.prod(float(term["value"]) for term in explained["value_terms"])
    assert product == pytest.approx(explained["value"]["expected"], rel=0.01)
    assert explained["capacity"]["scale"] == 1.0 and "available for PR work" in explained["capacity"]["statement"]


def test_explain_value_of_a_rejected_pr_gives_its_reasons(api):
    explained = api.get(f"/v1/prs/{SET_ASIDE.replace('#', '/')}/value", headers=auth("octo")).json()
    assert explained["status"] == "rejected" and explained["reasons"]
    assert "value" not in explained


def test_the_served_openapi_description_is_the_committed_one(api):
    served = api.get("/openapi.json").json()
    committed = json.loads((ROOT / "docs" / "read-api.openapi.json").read_text())
    assert served == committed, "stale: run .venv/bin/python docs/read_api_openapi.py"
    assert served["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": served["components"]["securitySchemes"]["token"]["description"],
    }
    value = served["paths"]["/v1/prs/{owner}/{repo}/{number}/value"]["get"]
    assert {"401", "403", "404", "400", "503"} <= set(value["responses"])


# --- read-only, and never stale ----------------------------------------------------------------------------


def test_the_service_cannot_write_to_the_warehouse(service, filled):
    with pytest.raises(sa.exc.OperationalError, match="readonly"), service.reader.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM pull_requests"))
    with sa.create_engine(filled.warehouse_url).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pull_requests")).scalar() == len(pull_requests())


@pytest.mark.services
def test_the_service_cannot_write_to_a_postgresql_warehouse_either(postgres_database):
    from datetime import date

    from achievement_pipeline.core.warehouse import connect, create_engine
    from achievement_pipeline.serve.reader import read_only
    from tests.factories import make_pr

    url = f"postgresql+psycopg2://{postgres_database}"
    connect(url).replace_window("pull_requests", date(2025, 1, 3), date(2025, 1, 4), [make_pr(1)])
    engine = read_only(create_engine(url))
    try:
        for _ in range(2):  # a new connection, then the same one back from the pool
            with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"), engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM pull_requests"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM pull_requests")).scalar() == 1
    finally:
        engine.dispose()


def test_an_answer_follows_a_new_choice_without_a_restart(api, filled):
    """Answers are kept while nothing changed; a choice made since (here in the curation table) is seen at once."""
    from achievement_pipeline.export.curation import EXCLUDE, FROM_UI, CurationStore, choice

    params = {"window": PERIOD}
    before = api.get("/v1/subjects/octo-demo/achievements", params=params, headers=auth("octo")).json()
    store = CurationStore(sa.create_engine(filled.warehouse_url))
    store.set([choice(EXCLUDE, "acme/web-app#3", by="octo-demo", source=FROM_UI)])
    try:
        after = api.get("/v1/subjects/octo-demo/achievements", params=params, headers=auth("octo")).json()
    finally:
        store.remove(EXCLUDE, "acme/web-app#3")
    again = api.get("/v1/subjects/octo-demo/achievements", params=params, headers=auth("octo")).json()
    assert pr_ids(before["achievements"]) == OCTO_PUBLISHED
    assert pr_ids(after["achievements"]) == OCTO_PUBLISHED - {"acme/web-app#3"}
    assert pr_ids(again["achievements"]) == OCTO_PUBLISHED


def _fresh_reader(filled: Filled) -> Any:
    from achievement_pipeline.core.warehouse import create_engine
    from achievement_pipeline.serve.reader import Reader, read_only

    engine = read_only(create_engine(filled.warehouse_url))
    return Reader(engine, github_base_url="test", curation_path=filled.home / "curation.yaml")


def test_a_refresh_builds_again_what_was_asked_before_once_the_warehouse_changed(filled):
    from datetime import date

    from achievement_pipeline.export.curation import EXCLUDE, FROM_UI, CurationStore, choice
    from achievement_pipeline.export.subjects import Subject

    reader = _fresh_reader(filled)
    octo, quarter = Subject("octo-demo", "user", ("octo-demo",)), (date(2025, 1, 1), date(2025, 4, 1))
    before = reader.portfolio(octo, *quarter)
    assert reader.refresh() == 0  # nothing changed: nothing built
    store = CurationStore(sa.create_engine(filled.warehouse_url))
    store.set([choice(EXCLUDE, "acme/web-app#1", by="octo-demo", source=FROM_UI)])
    try:
        assert reader.refresh() == 1
        rebuilt = reader.portfolio(octo, *quarter)
        asked_again = reader.portfolio(octo, *quarter)
    finally:
        store.remove(EXCLUDE, "acme/web-app#1")
    assert rebuilt is not before and asked_again is rebuilt  # built by the refresh, kept, not built on asking
    assert "acme/web-app#1" not in rebuilt.rows and "acme/web-app#1" in before.rows


def test_questions_asked_together_share_one_build(filled, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date

    from achievement_pipeline.export.subjects import Subject
    from achievement_pipeline.serve import reader as reader_module

    builds = []
    real = reader_module.assemble_portfolio

    def slow(*args: Any, **kwargs: Any) -> Any:
        builds.append(args[1])
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(reader_module, "assemble_portfolio", slow)
    reader = _fresh_reader(filled)
    ada = Subject("ada-dev", "user", ("ada-dev",))
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: reader.portfolio(ada, date(2025, 1, 1), date(2025, 4, 1)), range(4)))
    assert len(builds) == 1 and all(answer is answers[0] for answer in answers)


def test_a_warehouse_the_pipeline_never_filled_answers_503_naming_what_to_do(tmp_path):
    from achievement_pipeline.core.warehouse import create_engine
    from achievement_pipeline.serve.http_api import create_app
    from achievement_pipeline.serve.reader import Reader, read_only
    from achievement_pipeline.serve.tokens import Tokens

    engine = read_only(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    reader = Reader(engine, github_base_url="", curation_path=tmp_path / "curation.yaml")
    app = create_app(ReadService(reader, Tokens.from_json(TOKENS_JSON)))
    with serving(app) as url:
        answer = httpx.get(f"{url}/v1/subjects/octo-demo/portfolio", params={"period": PERIOD}, headers=auth("octo"))
    assert answer.status_code == 503
    assert "run the pipeline first" in answer.json()["detail"]


# --- the MCP server, driven by the SDK's own client ---------------------------------------------------------


def _run(call: Any) -> Any:
    """``anyio.run(call)``; an error the client's task groups wrapped (a refusal) is raised as itself."""
    try:
        return anyio.run(call)
    except BaseExceptionGroup as group:
        error: BaseException = group
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        raise error from None


def _call(server_or_transport: Any, tool: str, arguments: dict[str, Any]) -> Any:
    from mcp import Client

    async def call() -> Any:
        async with Client(server_or_transport) as client:
            return await client.call_tool(tool, arguments)

    return _run(call)


def _mcp(service: ReadService, who: str | None) -> Any:
    from achievement_pipeline.serve.mcp_tools import create_server

    return create_server(service, token=TOKENS[who] if who else None)


def test_the_mcp_server_offers_the_four_questions_as_read_only_tools(service):
    from mcp import Client

    async def listed() -> Any:
        async with Client(_mcp(service, "octo")) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in anyio.run(listed)}
    assert set(tools) == {"list_achievements", "search_prs", "get_portfolio", "explain_value"}
    assert all(tool.annotations.read_only_hint and not tool.annotations.destructive_hint for tool in tools.values())
    assert {"subject", "window", "category"} <= set(tools["list_achievements"].input_schema["properties"])


@pytest.mark.parametrize(
    ("tool", "arguments", "question"),
    [
        ("list_achievements", {"subject": "octo-demo", "window": PERIOD}, "list_achievements"),
        ("search_prs", {"text": "cart"}, "search_prs"),
        ("get_portfolio", {"subject": "octo-demo", "period": PERIOD}, "get_portfolio"),
        ("explain_value", {"pr_id": "acme/web-app#1"}, "explain_value"),
    ],
)
def test_each_tool_answers_as_the_service_does(service, tool, arguments, question):
    result = _call(_mcp(service, "octo"), tool, arguments)
    assert not result.is_error
    expected = getattr(service, question)(TOKENS["octo"], *arguments.values())
    drop = {"generated_at"}  # the same document, built once and kept: equal anyway
    assert {k: v for k, v in result.structured_content.items() if k not in drop} == {
        k: v for k, v in json.loads(json.dumps(expected)).items() if k not in drop
    }


@pytest.mark.parametrize(
    ("who", "tool", "arguments", "code"),
    [
        (None, "search_prs", {"text": "cart"}, -32001),
        ("wrong", "get_portfolio", {"subject": "octo-demo", "period": PERIOD}, -32001),
        ("octo", "list_achievements", {"subject": "ada-dev", "window": PERIOD}, -32003),
        ("octo", "get_portfolio", {"subject": "Platform", "period": PERIOD}, -32003),
    ],
    ids=["no-token", "unknown-token", "another-person", "the-persons-team"],
)
def test_a_refused_call_is_an_mcp_error(service, who, tool, arguments, code):
    from mcp.shared.exceptions import MCPError

    from achievement_pipeline.serve.mcp_tools import create_server

    token = {None: None, "wrong": "not-a-token-anyone-was-given-xyz"}.get(who, TOKENS.get(who or ""))
    with pytest.raises(MCPError) as refused:
        _call(create_server(service, token=token), tool, arguments)
    assert refused.value.code == code


@pytest.mark.parametrize("pr_id", [OUTSIDER_PR, "acme/web-app#999", EXCLUDED, "not a pr"])
def test_an_unknown_or_hidden_pr_is_a_tool_error_the_model_can_read(service, pr_id):
    result = _call(_mcp(service, "octo"), "explain_value", {"pr_id": pr_id})
    assert result.is_error
    (content,) = result.content
    assert "among those this token may see" in content.text or "owner/repo#123" in content.text


def _stdio_environment(filled: Filled, token: str | None) -> dict[str, str]:
    env = {
        **environment_without_settings(),
        "ACHIEVEMENT_HOME": str(filled.home),
        "ACHIEVEMENT_API_TOKENS": TOKENS_JSON,
    }
    return env | ({"ACHIEVEMENT_API_TOKEN": token} if token else {})


def test_an_agent_starts_achievement_mcp_over_stdio_with_its_token(filled, service):
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=str(BIN / "achievement-mcp"), env=_stdio_environment(filled, TOKENS["ada"]), cwd=str(filled.home)
    )
    result = _call(params, "get_portfolio", {"subject": "ada-dev", "period": PERIOD})
    assert not result.is_error
    assert result.structured_content["totals"] == service.get_portfolio(TOKENS["ada"], "ada-dev", PERIOD)["totals"]


def test_achievement_mcp_over_stdio_without_a_token_refuses_every_call(filled):
    from mcp import StdioServerParameters
    from mcp.shared.exceptions import MCPError

    params = StdioServerParameters(
        command=str(BIN / "achievement-mcp"), env=_stdio_environment(filled, None), cwd=str(filled.home)
    )
    with pytest.raises(MCPError) as refused:
        _call(params, "search_prs", {"text": "cart"})
    assert refused.value.code == -32001 and "unauthenticated" in refused.value.message


def test_mcp_over_streamable_http_takes_the_bearer_token_of_each_request(service):
    import httpx2
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.exceptions import MCPError

    from achievement_pipeline.serve.mcp_tools import bearer_guard, create_server

    server = create_server(service, token=TOKENS["team"])  # the process's token is not used over HTTP
    app = bearer_guard(server.streamable_http_app(stateless_http=True, json_response=True), service.tokens)

    def over_http(who: str, tool: str, arguments: dict[str, Any]) -> Any:
        async def call() -> Any:
            from mcp import Client

            async with (
                httpx2.AsyncClient(headers=auth(who), timeout=60) as http,
                Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,
            ):
                return await client.call_tool(tool, arguments)

        return _run(call)

    with serving(app) as url:
        found = over_http("ada", "search_prs", {"text": "search"})
        with pytest.raises(MCPError) as refused:
            over_http("ada", "list_achievements", {"subject": "octo-demo", "window": PERIOD})
        anonymous = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert {pr["pr_id"] for pr in found.structured_content["prs"]} == ADA
    assert refused.value.code == -32003
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"


# --- the console scripts ----------------------------------------------------------------------------------


def test_achievement_api_refuses_a_malformed_token_mapping_in_one_line_without_the_token(tmp_path):
    weak = '{"short-token": "octo-demo"}'
    env = {**environment_without_settings(), "ACHIEVEMENT_HOME": str(tmp_path), "ACHIEVEMENT_API_TOKENS": weak}
    done = subprocess.run([str(BIN / "achievement-api")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("achievement-api: ACHIEVEMENT_API_TOKENS")
    assert "short-token" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("script", ["achievement-api", "achievement-mcp"])
def test_an_unreachable_warehouse_stops_either_script_in_one_line_naming_the_setting(tmp_path, script):
    env = {
        **environment_without_settings(),
        "ACHIEVEMENT_HOME": str(tmp_path),
        "ACHIEVEMENT_API_TOKENS": TOKENS_JSON,
        "ACHIEVEMENT_WAREHOUSE_URL": f"postgresql+psycopg2://reader:pw-not-to-print@127.0.0.1:{free_port()}/nowhere",
    }
    done = subprocess.run([str(BIN / script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "ACHIEVEMENT_WAREHOUSE_URL" in done.stderr
    assert "pw-not-to-print" not in done.stderr and "Traceback" not in done.stderr


def test_achievement_api_listens_on_loopback_by_default_and_answers(filled):
    port = free_port()
    env = {**_stdio_environment(filled, None), "ACHIEVEMENT_API_PORT": str(port)}
    process = subprocess.Popen(
        [str(BIN / "achievement-api")], env=env, cwd=filled.home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v1/me", headers=auth("octo"), timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "achievement-api did not start"
                time.sleep(0.2)
        assert answer.json()["subject"]["login"] == "octo-demo"
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.2:{port}/healthz", timeout=2)
    finally:
        process.terminate()
        process.wait(timeout=30)
