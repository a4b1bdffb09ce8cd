"""Refresh docs/read-api.openapi.json: the OpenAPI description the read API serves at /openapi.json.

    .venv/bin/python docs/read_api_openapi.py

The description is FastAPI's, built from the routes of ``achievement_pipeline/serve/http_api.py``; the
committed copy is for readers and client generators without a running service. A test keeps the two equal.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from achievement_pipeline.core.warehouse import create_engine  # noqa: E402
from achievement_pipeline.serve.http_api import create_app  # noqa: E402
from achievement_pipeline.serve.queries import ReadService  # noqa: E402
from achievement_pipeline.serve.reader import Reader  # noqa: E402
from achievement_pipeline.serve.tokens import Tokens  # noqa: E402

OUTPUT = ROOT / "docs" / "read-api.openapi.json"


def described() -> dict:
    """The description of an app over no warehouse and no token: the routes are all it reads."""
    reader = Reader(create_engine("sqlite://"), github_base_url="", curation_path=ROOT / "curation.yaml")
    return create_app(ReadService(reader, Tokens(grants=()))).openapi()


def main() -> int:
    OUTPUT.write_text(json.dumps(described(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
