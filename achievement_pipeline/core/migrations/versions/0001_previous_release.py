"""The schema of the previous release: the tables its create_all made (core/migrations/previous_release.py).

Revision ID: 0001
Revises:
Create Date: 2026-12-07

A database that release made is stamped at this revision instead of running it (core/migrate.py).
"""

from __future__ import annotations

from alembic import op

from achievement_pipeline.core.migrations import previous_release

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    previous_release.metadata.create_all(op.get_bind())


def downgrade() -> None:
    previous_release.metadata.drop_all(op.get_bind())
