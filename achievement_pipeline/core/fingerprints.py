"""Fingerprints of what a stage computes a window from: the rows it reads, the code and libraries, its settings.

A stage that finds the same fingerprint recorded beside its window (``warehouse.Warehouse.last_write``)
has nothing to recompute: the rows there came from the same inputs through the same code. The code
is fingerprinted by its source, not by a version number someone must remember to bump (as the model
training fingerprint does): any edit of the stage's package or of ``core``, and any installed
library of another version, makes the next run compute again, the safe direction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata as distribution_metadata
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint(*parts: Any) -> str:
    """One digest of JSON-like ``parts`` (keys sorted; anything else by its text)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def rows_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """The digest of a window's rows, whatever order they come in (they are keyed by pr_id), row by row
    (a year of rows is not turned into one string first)."""
    ordered = sorted(rows, key=lambda row: (str(row.get("merge_date", "")), str(row.get("pr_id", ""))))
    digest = hashlib.sha256()
    for row in ordered:
        digest.update(json.dumps(row, sort_keys=True, default=str, separators=(",", ":")).encode())
        digest.update(b"\n")
    return digest.hexdigest()


@cache
def _installed() -> str:
    """Every installed distribution and its version: a library upgrade can change what a stage writes."""
    found = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in distribution_metadata.distributions())
    return fingerprint(found)


@cache
def code_fingerprint(*folders: str) -> str:
    """The source of ``core`` and of the given package folders (e.g. ``"enrich"``, ``"defs/enrich"``), every file
    in them (templates, data and the shipped model too), and the installed libraries' versions."""
    digest = hashlib.sha256(_installed().encode())
    for folder in sorted({"core", *folders}):
        root = PACKAGE / folder
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PACKAGE)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()
