"""The warehouse's Alembic environment: ``env.py``, the revisions in ``versions/``, the frozen schemas they use.

Run by :func:`achievement_pipeline.core.migrate.upgrade` at start; see that module for how to add a revision.
"""
