"""What redacting a PR costs, and what it changes on real PRs that hold no secrets.

Every merged PR of vitejs/vite (../shared/data/vite-prs.jsonl, MIT: title, body, file names) goes
through ``core.redaction.redact_pull_request``, the call the enrich stage makes per PR before
the prompt is built. Measured in the same run: the regex-only redaction it replaced (the
baseline), a 4,000-character body (the prompt's cut) made of real vite PR text, and what
detect-secrets' high-entropy plugins, left off, would have flagged on the same corpus.

    .venv/bin/python bench/redaction.py        # writes bench/results/redaction.{md,json}
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from achievement_pipeline.core.redaction import redact, redact_pull_request, secret_spans  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "vite-prs.jsonl"
RESULTS = ROOT / "bench" / "results"
PROMPT_BODY_CHARS = 4000
PASSES = 3

# The redaction this module replaced (enrich/redaction.py before detect-secrets and phonenumbers), for the baseline.
_BASELINE = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S),
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}\b"),
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}\b"),
    re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/\-]{16,}=*"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
    re.compile(r"(?i)(\b(?:password|passwd|secret|token|api_key|apikey)\s*[=:]\s*)\S+"),
    re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
)


def baseline_redact(text: str) -> str:
    for pattern in _BASELINE:
        text = pattern.sub("[REDACTED]", text)
    return text


def baseline_redact_pull_request(pr: dict[str, Any]) -> dict[str, Any]:
    return {
        **pr,
        "title": baseline_redact(pr["title"]),
        "body": baseline_redact(pr["body"]),
        "files": [{**f, "filename": baseline_redact(f["filename"])} for f in pr["files"]],
    }


def load(path: Path) -> list[dict[str, Any]]:
    """The corpus as the fields redaction reads of a PullRequestRecord (the corpus has no reviews or comments)."""
    prs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            prs.append(
                {
                    "pr_id": f"{row['repo']}#{row['number']}",
                    "title": row["title"],
                    "body": row.get("body") or "",
                    "labels": [],
                    "files": [{"filename": f["filename"], "status": "modified"} for f in row["files"]],
                    "reviews": [],
                    "review_comments": [],
                    "issue_comments": [],
                }
            )
    return prs


def per_call_us(function: Any, items: list[Any]) -> dict[str, float]:
    """Microseconds per call over ``items``, each item's fastest of PASSES calls (the machine is shared: a slow
    call is another process's time), then their mean, p50, p95 and max."""
    fastest = [float("inf")] * len(items)
    for _ in range(PASSES):
        for i, item in enumerate(items):
            started = time.perf_counter()
            function(item)
            fastest[i] = min(fastest[i], (time.perf_counter() - started) * 1e6)
    ordered = sorted(fastest)
    return {
        "mean": round(statistics.fmean(fastest), 1),
        "p50": round(ordered[len(ordered) // 2], 1),
        "p95": round(ordered[int(len(ordered) * 0.95)], 1),
        "max": round(ordered[-1], 1),
    }


def long_body(prs: list[dict[str, Any]]) -> str:
    """PROMPT_BODY_CHARS of real PR text: the longest bodies of the corpus, joined."""
    text = ""
    for pr in sorted(prs, key=lambda p: -len(p["body"])):
        text += pr["body"] + "\n\n"
        if len(text) >= PROMPT_BODY_CHARS:
            break
    return text[:PROMPT_BODY_CHARS]


def changed(prs: list[dict[str, Any]]) -> tuple[Counter[str], dict[str, list[str]]]:
    """What redaction finds in the corpus: spans by kind, and a few of each in context, shown redacted
    (the corpus is public, but its e-mail addresses have no place in a results file)."""
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for pr in prs:
        for text in [pr["title"], pr["body"], *(f["filename"] for f in pr["files"])]:
            for start, end, kind in secret_spans(text):
                kinds[kind] += 1
                shown = examples.setdefault(kind, [])
                if len(shown) < 5:
                    context = " ".join(redact(text[max(0, start - 30) : end + 30]).split())
                    shown.append(f"{pr['pr_id']}: {context}")
    return kinds, examples


def entropy_findings(prs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What detect-secrets' high-entropy plugins (their default limits) would flag on the corpus.

    In their file-scanning mode they look only at quoted strings; PR prose quotes little, so a
    redactor would have to run them on unquoted words too (the plugins' ``non_quoted_string_regex``).
    Both modes, PRs flagged and the first values.
    """
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
    from detect_secrets.settings import default_settings

    plugins = (Base64HighEntropyString(limit=4.5), HexHighEntropyString(limit=3.0))
    found: dict[str, dict[str, Any]] = {}
    with default_settings():
        for mode in ("quoted", "unquoted"):
            flagged, values = set(), []
            for pr in prs:
                text = "\n".join([pr["title"], pr["body"]])
                for plugin in plugins:
                    if mode == "quoted":
                        hits = [str(s.secret_value) for s in plugin.analyze_line(filename="pr.txt", line=text)]
                    else:
                        with plugin.non_quoted_string_regex(is_exact_match=False):
                            hits = list(plugin.analyze_string(text))
                        hits = [h for h in hits if plugin.calculate_shannon_entropy(h) > plugin.entropy_limit]
                    if hits:
                        flagged.add(pr["pr_id"])
                        values += [f"{type(plugin).__name__}: {h[:60]}" for h in hits]
            found[mode] = {"prs": len(flagged), "values": values[:12]}
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"JSONL corpus (default {CORPUS})")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for redaction.{md,json}")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        parser.error(f"no corpus at {args.corpus}: pass --corpus PATH to vite-prs.jsonl")
    prs = load(args.corpus)
    # The detectors are built on first use: warm them up on AWS's documented example key (assembled here, so
    # nothing key-shaped is committed) and a fictional phone number.
    redact(f"warm up: {'AKIA' + 'IOSFODNN7' + 'EXAMPLE'} (415) 555-0132")
    with_body = [pr for pr in prs if pr["body"]]
    body = long_body(prs)
    kinds, examples = changed(prs)
    entropy = entropy_findings(prs)
    result = {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "prs": len(prs),
        "prs_with_body": len(with_body),
        "mean_chars_per_pr": round(
            statistics.fmean(
                len(p["title"]) + len(p["body"]) + sum(len(f["filename"]) for f in p["files"]) for p in prs
            )
        ),
        "per_pr_us": per_call_us(redact_pull_request, prs),
        "per_pr_with_body_us": per_call_us(redact_pull_request, with_body),
        "body_4000_chars_us": per_call_us(redact, [body] * 50),
        "baseline_per_pr_us": per_call_us(baseline_redact_pull_request, prs),
        "baseline_body_4000_chars_us": per_call_us(baseline_redact, [body] * 50),
        "redacted_spans_by_kind": dict(kinds),
        "redacted_examples": examples,
        "entropy_plugins": entropy,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "redaction.json").write_text(json.dumps(result, indent=2) + "\n")

    def row(name: str, ours: dict[str, float], base: dict[str, float]) -> str:
        return (
            f"| {name} | {ours['mean']} | {ours['p50']} | {ours['p95']} | {ours['max']} "
            f"| {base['mean']} | {base['p95']} |"
        )

    lines = [
        "# What redacting a PR costs, and what it changes on vite's PRs",
        "",
        f"Measured {result['measured_at']} with `python bench/redaction.py` "
        f"(2 cores, shared; each input's fastest of {PASSES} calls).",
        f"{len(prs):,} merged vitejs/vite PRs ({len(with_body):,} with a body; title, body and file names, "
        f"{result['mean_chars_per_pr']} characters a PR on average) through `redact_pull_request`, the call enrich "
        "makes per PR; the baseline is the regex-only redaction it replaced, measured in the same run.",
        "",
        "| input | mean µs | p50 µs | p95 µs | max µs | baseline mean µs | baseline p95 µs |",
        "|---|---|---|---|---|---|---|",
        row("a vite PR", result["per_pr_us"], result["baseline_per_pr_us"]),
        row(
            "a vite PR with a body",
            result["per_pr_with_body_us"],
            per_call_us(baseline_redact_pull_request, with_body),
        ),
        row(
            f"a {PROMPT_BODY_CHARS:,}-character body of vite PR text",
            result["body_4000_chars_us"],
            result["baseline_body_4000_chars_us"],
        ),
        "",
        "What it redacted in this corpus (title, body, file names), with a few examples in context, redacted:",
        "",
    ]
    lines += [f"- **{kind}**: {count:,} spans, e.g." for kind, count in kinds.most_common()] or ["- nothing"]
    for kind, shown in examples.items():
        lines += [f"  - {kind}: `{example}`" for example in shown]
    for mode, what in (("quoted", "on quoted strings (their file mode)"), ("unquoted", "on every word")):
        lines += [
            "",
            f"detect-secrets' high-entropy plugins (left off), {what}, would flag {entropy[mode]['prs']:,} of these "
            "PRs; the first values:",
            "",
        ]
        lines += [f"- `{value}`" for value in entropy[mode]["values"]] or ["- nothing"]
    (args.out / "redaction.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
