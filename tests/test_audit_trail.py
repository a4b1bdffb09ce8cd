"""The audit trail: one append-only row per export, with who started it, the window, the subject and the inputs."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from achievement_pipeline.core.launched_by import BACKFILL_TAG, LAUNCHED_BY_TAG, SCHEDULE_TAG, SENSOR_TAG
from achievement_pipeline.core.ledger import load_ledger
from achievement_pipeline.core.warehouse import Warehouse, connect
from achievement_pipeline.export.audit import AuditEntry, AuditTrail, export_entry, preview, trail_table, window_records
from achievement_pipeline.export.curation import Choice
from achievement_pipeline.export.provenance import provenance
from achievement_pipeline.export.subjects import Subject
from tests.factories import make_pr
from tests.github_support import memory_engine

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "achievement_pipeline"
TEAM = Subject(login="Platform", kind="team", members=("octo-demo", "ada-dev"))
JANUARY = (date(2025, 1, 1), date(2025, 2, 1))
TABLES = ("pull_requests",)
CHOICES = [Choice("pin", "acme/web-app#1", set_by="octo-demo", set_at="2025-02-01T09:00:00Z")]


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """A warehouse at the head revision with one PR on 3 January and an empty 9 January, each written alone."""
    warehouse = connect(f"sqlite:///{tmp_path / 'warehouse.db'}")
    warehouse.replace_window("pull_requests", date(2025, 1, 3), date(2025, 1, 4), [make_pr(1)])
    warehouse.replace_window("pull_requests", date(2025, 1, 9), date(2025, 1, 10), [])
    return warehouse


def _document(rows: list[dict]) -> dict:
    made = provenance(
        rows=rows,
        tables=TABLES,
        ledger=load_ledger(),
        choices=CHOICES,
        github_base_url="https://ci:hunter2@github.example.com/api/v3?token=abc",
        privacy={"statement": "No private repository included."},
    )
    return {"window": {"start": "2025-01-01", "end": "2025-01-31"}, "provenance": made, "generated_at": "x"}


def _entry(tags: dict[str, str], warehouse: Warehouse) -> AuditEntry:
    rows = warehouse.read_window("pull_requests", *JANUARY)
    return export_entry(
        run_id="0f9e2c1a-run",
        tags=tags,
        subject=TEAM,
        document=_document(rows),
        window_records=window_records(warehouse, TABLES, *JANUARY),
        choices=CHOICES,
        rendered=True,
        location="/exports/Platform/2025-01-01_2025-01-31",
    )


def test_an_export_launched_from_the_ui_is_recorded_as_the_signed_in_person(warehouse: Warehouse):
    trail = AuditTrail(memory_engine())
    stored = trail.append(_entry({LAUNCHED_BY_TAG: "ada-dev", SENSOR_TAG: "follow_ingest"}, warehouse))
    assert (stored.launched_by_kind, stored.launched_by, str(stored.launcher)) == ("user", "ada-dev", "ada-dev")
    assert trail.latest() == [stored]


def test_a_scheduled_export_is_recorded_as_its_schedule(warehouse: Warehouse):
    stored = AuditTrail(memory_engine()).append(_entry({SCHEDULE_TAG: "nightly_collect"}, warehouse))
    assert (stored.launched_by_kind, stored.launched_by) == ("schedule", "nightly_collect")
    assert str(stored.launcher) == "schedule nightly_collect"


@pytest.mark.parametrize(
    ("tags", "kind", "name"),
    [
        ({SENSOR_TAG: "follow_ingest"}, "sensor", "follow_ingest"),
        ({BACKFILL_TAG: "qwerty12"}, "backfill", "qwerty12"),
        ({}, "unknown", "a run launched without sign-in"),
    ],
)
def test_a_sensor_a_backfill_or_a_launch_without_login_is_recorded_as_such(warehouse: Warehouse, tags, kind, name):
    stored = AuditTrail(memory_engine()).append(_entry(tags, warehouse))
    assert (stored.launched_by_kind, stored.launched_by) == (kind, name)


def test_the_export_row_holds_its_window_subject_and_inputs(warehouse: Warehouse):
    stored = AuditTrail(memory_engine()).append(_entry({LAUNCHED_BY_TAG: "ada-dev"}, warehouse))
    assert (stored.window_start, stored.window_end) == ("2025-01-01", "2025-01-31")
    assert (stored.subject_kind, stored.subject, stored.members) == ("team", "Platform", ["octo-demo", "ada-dev"])
    inputs = stored.inputs
    assert inputs["warehouse"]["tables"] == [{"table": "pull_requests", "rows": 1}]
    assert inputs["window_writes"] == [
        {"table": "pull_requests", "writes": 2, "rows": 1, "days": 2, "digest": inputs["window_writes"][0]["digest"]}
    ]
    assert inputs["models"] == ["impact-scorecard-v1"]
    assert inputs["assumptions"]["sha256"] == load_ledger().digest
    assert inputs["curation"] == {"choices": 1, "by_kind": {"pin": 1}}
    assert len(inputs["curation_digest"]) == 64
    assert (stored.run_id, stored.rendered, stored.location) == (
        "0f9e2c1a-run",
        True,
        "/exports/Platform/2025-01-01_2025-01-31",
    )


def test_the_window_digest_changes_with_the_rows_written_and_only_with_them(warehouse: Warehouse):
    first = window_records(warehouse, TABLES, *JANUARY)
    assert window_records(warehouse, TABLES, *JANUARY) == first
    warehouse.replace_window("pull_requests", date(2025, 1, 3), date(2025, 1, 4), [make_pr(1, title="changed")])
    assert window_records(warehouse, TABLES, *JANUARY)[0]["digest"] != first[0]["digest"]


def test_no_secret_reaches_the_trail(warehouse: Warehouse):
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    stored = AuditTrail(memory_engine()).append(_entry({LAUNCHED_BY_TAG: f"GITHUB_TOKEN={token}"}, warehouse))
    text = str(stored)
    assert token not in text and "hunter2" not in text and "token=abc" not in text
    assert stored.inputs["github"]["base_url"] == "https://github.example.com/api/v3"


_RAW_CHANGE = re.compile(r"\b(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+audit_trail\b", re.IGNORECASE)


def _update_or_delete_calls(tree: ast.AST) -> list[str]:
    """``update(...)`` and ``delete(...)`` calls: how SQLAlchemy (or a session) changes rows."""
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return [
        ast.unparse(call)
        for call in calls
        if (call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", ""))
        in ("update", "delete")
    ]


def _sql_changing_the_trail(tree: ast.AST) -> list[str]:
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return [text for text in strings if _RAW_CHANGE.search(text)]


def test_no_code_path_updates_or_deletes_a_trail_row():
    """Only export/audit.py touches the table and it builds no UPDATE or DELETE; no SQL text anywhere changes it."""
    users, changes = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        changes += _sql_changing_the_trail(tree)
        if "trail_table" in text:
            users.append(str(path.relative_to(ROOT)))
            changes += _update_or_delete_calls(tree)
    assert users == ["achievement_pipeline/export/audit.py"]
    assert changes == []
    assert {name for name in dir(AuditTrail) if not name.startswith("_")} == {"append", "latest", "count"}


def test_sqlite_refuses_to_update_or_delete_a_trail_row(tmp_path: Path, warehouse: Warehouse):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'trail.db'}")
    trail = AuditTrail(engine)
    trail.append(_entry({LAUNCHED_BY_TAG: "ada-dev"}, warehouse))
    for statement in (sa.update(trail_table).values(launched_by="mallory"), sa.delete(trail_table)):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    assert [entry.launched_by for entry in trail.latest()] == ["ada-dev"]


def test_postgresql_refuses_to_update_delete_or_truncate_the_trail(postgres_database: str, warehouse: Warehouse):
    engine = sa.create_engine(f"postgresql+psycopg2://{postgres_database}")
    try:
        trail = AuditTrail(engine)
        AuditTrail(engine)  # a second process finds the table (and its guards) there
        trail.append(_entry({SCHEDULE_TAG: "nightly_collect"}, warehouse))
        for statement in (
            sa.update(trail_table).values(launched_by="mallory"),
            sa.delete(trail_table),
            sa.text("TRUNCATE audit_trail"),
        ):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
                conn.execute(statement)
        assert [entry.launched_by for entry in trail.latest()] == ["nightly_collect"]
    finally:
        engine.dispose()


def test_the_preview_shows_the_newest_entries_first_as_markdown_that_renders_as_text(warehouse: Warehouse):
    trail = AuditTrail(memory_engine())
    trail.append(_entry({SCHEDULE_TAG: "nightly_collect"}, warehouse))
    trail.append(_entry({LAUNCHED_BY_TAG: "![x](http://evil.example/p.png)"}, warehouse))
    lines = preview(trail.latest()).splitlines()
    assert lines[0] == "| # | when (UTC) | who | subject | window | PRs | inputs | files |"
    assert lines[2].startswith("| 2 | ") and lines[3].startswith("| 1 | ")
    assert "schedule nightly\\_collect" in lines[3]
    assert "team Platform \\(octo\\-demo\\, ada\\-dev\\)" in lines[3]
    assert "1 choice |" in lines[3]
    assert "2025\\-01\\-01\\.\\.2025\\-01\\-31" in lines[3] and "| rendered |" in lines[3]
    assert "![" not in lines[2] and "\\!\\[x\\]" in lines[2]
    assert preview([]) == "_no export recorded yet_"
