"""The audit trail of exports and what the GitHub token could see of each source.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

- ``audit_trail``: one row per export, append-only (``export/audit.py``). Triggers refuse an UPDATE or
  DELETE of a row (and on PostgreSQL a TRUNCATE), so history cannot be rewritten by a mistaken script.
- ``github_token_visibility``: per GitHub and source, what the token could see at its last check
  (``core/token_visibility.py``).

A database of this release's development versions may have them already (their stores create what is
missing on first use): it keeps them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_REFUSED = "audit_trail is append-only: rows are never updated or deleted"
# Frozen here as they are at this revision (export/audit.py makes the same on a table it creates).
GUARDS = {
    "sqlite": [
        f"CREATE TRIGGER audit_trail_no_{change} BEFORE {change.upper()} ON audit_trail "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END"
        for change in ("update", "delete")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{_REFUSED}'; END $$",
        "CREATE TRIGGER audit_trail_no_change BEFORE UPDATE OR DELETE ON audit_trail "
        "FOR EACH ROW EXECUTE FUNCTION audit_trail_refuse()",
        "CREATE TRIGGER audit_trail_no_truncate BEFORE TRUNCATE ON audit_trail "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_refuse()",
    ],
}


def upgrade() -> None:
    conn = op.get_bind()
    inspector = sa.inspect(conn)
    if not inspector.has_table("audit_trail"):
        op.create_table(
            "audit_trail",
            sa.Column(
                "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
            ),
            sa.Column("recorded_at", sa.String(32), nullable=False),
            sa.Column("event", sa.String(20), nullable=False),
            sa.Column("run_id", sa.String(64), nullable=False),
            sa.Column("launched_by_kind", sa.String(20), nullable=False),
            sa.Column("launched_by", sa.String(200), nullable=False),
            sa.Column("subject_kind", sa.String(20), nullable=False),
            sa.Column("subject", sa.String(100), nullable=False),
            sa.Column("members", sa.JSON, nullable=False),
            sa.Column("window_start", sa.String(10), nullable=False),
            sa.Column("window_end", sa.String(10), nullable=False),
            sa.Column("inputs", sa.JSON, nullable=False),
            sa.Column("document_digest", sa.String(64), nullable=False),
            sa.Column("rendered", sa.Boolean, nullable=False),
            sa.Column("location", sa.Text, nullable=False),
            sqlite_autoincrement=True,
        )
        for statement in GUARDS.get(conn.dialect.name, []):
            conn.execute(sa.text(statement))
    if not inspector.has_table("github_token_visibility"):
        op.create_table(
            "github_token_visibility",
            sa.Column("server", sa.String(300), primary_key=True),
            sa.Column("source", sa.String(300), primary_key=True),
            sa.Column("visible", sa.Boolean, nullable=False),
            sa.Column("listed", sa.Boolean, nullable=False),
            sa.Column("private_repositories", sa.JSON, nullable=False),
            sa.Column("checked_at", sa.String(32), nullable=False),
        )


def downgrade() -> None:
    conn = op.get_bind()
    op.drop_table("github_token_visibility")
    op.drop_table("audit_trail")  # its triggers go with it
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP FUNCTION IF EXISTS audit_trail_refuse()"))
