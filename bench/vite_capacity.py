"""Does a real, prolific engineer's busiest quarter stay within what the calendar allows?

The most prolific human author of vitejs/vite's merged PRs (../shared/data/vite-prs.jsonl, MIT),
their busiest quarter, served by the fake GitHub exactly as GitHub would serve it, through the
whole pipeline (`achievement-demo` against that GitHub): the portfolio's hours must fit the
ledger's capacity for one person, and the portfolio must say how the estimate was scaled.

    .venv/bin/python bench/vite_capacity.py        # writes bench/results/vite_capacity.{md,json}
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from github_corpus import VITE, vite_history  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Quarter:
    author: str
    first: date
    last: date
    prs: int


def busiest_quarter(path: Path = VITE) -> tuple[Quarter, object]:
    """The most prolific human author (bots left out) and the quarter they merged the most PRs in."""
    history = vite_history(path, prs=sum(1 for line in path.read_text().splitlines() if line.strip()), repos=4)
    authors = Counter(pull.author for pull in history.pulls if "bot" not in pull.author.lower())
    author = authors.most_common(1)[0][0]
    quarters = Counter(
        (pull.merged_at.year, (pull.merged_at.month - 1) // 3) for pull in history.pulls if pull.author == author
    )
    (year, index), count = quarters.most_common(1)[0]
    first = date(year, 3 * index + 1, 1)
    following = date(year + 1, 1, 1) if index == 3 else date(year, 3 * index + 4, 1)
    return Quarter(author, first, following - timedelta(days=1), count), history


def run_quarter(quarter: Quarter, history: object, home: Path) -> dict:
    """The pipeline over the quarter against a fake GitHub serving ``history``; the portfolio document."""
    from achievement_pipeline.fakes.github.server import FakeGitHub

    with FakeGitHub(history, tokens=("bench",)) as fake:  # type: ignore[arg-type]
        env = {
            **os.environ,
            "ACHIEVEMENT_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "ACHIEVEMENT_START_DATE": quarter.first.isoformat(),
            "GITHUB_API_URL": fake.base_url,
            "GITHUB_TOKEN": "bench",
            "ACHIEVEMENT_GITHUB_USER": quarter.author,
            "ACHIEVEMENT_GITHUB_REQUEST_SPACING": "0",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        (home / "dagster").mkdir(parents=True, exist_ok=True)
        (home / "dagster" / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
        demo = Path(sys.executable).with_name("achievement-demo")
        command = [str(demo), "--start", quarter.first.isoformat(), "--end", quarter.last.isoformat()]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if done.returncode:
            raise RuntimeError(done.stdout[-2000:] + done.stderr[-4000:])
    (found,) = (home / "exports").rglob("portfolio.json")
    return json.loads(found.read_text())


def main() -> int:
    quarter, history = busiest_quarter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vite-capacity-") as tmp:
        document = run_quarter(quarter, history, Path(tmp))
    seconds = time.perf_counter() - started
    totals, capacity = document["totals"], document["totals"]["capacity"]
    result = {
        "author": quarter.author,
        "quarter": f"{quarter.first}..{quarter.last}",
        "merged_prs": quarter.prs,
        "published_prs": totals["prs"],
        "estimated_hours": capacity["estimated_hours"],
        "available_hours": capacity["available_hours"],
        "hours": totals["hours"],
        "scale": capacity["authors"][0]["scale"] if capacity["authors"] else 1.0,
        "statement": capacity["statement"],
        "within_capacity": totals["hours"]["high"] <= capacity["available_hours"] + 0.01,
        "pipeline_seconds": round(seconds, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "vite_capacity.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Hours within the calendar on a real engineer's busiest quarter",
        "",
        f"vitejs/vite's most prolific human author, `{result['author']}`, in their busiest quarter "
        f"({result['quarter']}, {result['merged_prs']} merged PRs), through the whole pipeline against the fake "
        f"GitHub (`python bench/vite_capacity.py`, {result['pipeline_seconds']} s).",
        "",
        "| estimated from the PRs' evidence | available for PR work | in the portfolio (low–expected–high) | scale |",
        "|---|---|---|---|",
        f"| {result['estimated_hours']:,.0f} h | {result['available_hours']:,.0f} h | "
        f"{result['hours']['low']:,.0f}–{result['hours']['expected']:,.0f}–{result['hours']['high']:,.0f} h | "
        f"×{result['scale']:.2f} |",
        "",
        f'The portfolio says: "{result["statement"]}". '
        f"Within capacity: {'yes' if result['within_capacity'] else 'NO'}.",
        "",
    ]
    (RESULTS / "vite_capacity.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0 if result["within_capacity"] else 1


if __name__ == "__main__":
    sys.exit(main())
