"""A second corpus of human-categorised change titles, from repositories other than vitejs/vite.

Why: the PR category model is trained and scored on vitejs/vite only (``bench/eval_category.py``).
To see whether it carries over to other repositories it needs titles whose category was chosen by
someone other than the vite maintainers, in other domains than a JS build tool. Conventional-changelog
style CHANGELOG.md files are such a source: each entry is a merged change (mostly a squash-merged
PR), filed by its author or maintainer under a typed section ("Features", "Bug Fixes", "Chores",
"Documentation", ...). The files ship inside the packages on the npm registry, so they are fetched
with ``npm pack`` by exact version and checked against the registry's sha512 integrity pinned below.

Packages (each the newest version whose tarball still ships CHANGELOG.md):

* ``video.js@8.24.1`` — videojs/video.js, Apache-2.0, a web video player. conventional-changelog
  with the videojs preset, which keeps every type: Features, Bug Fixes, Chores, Documentation, Tests,
  Code Refactoring, Performance Improvements, Reverts (5.12.3, 2016-10 onwards; the older free-form
  part of the file has no sections and is skipped).
* ``karma@6.4.4`` — karma-runner/karma, MIT, a browser test runner. conventional-changelog since
  0.11 (2013), semantic-release later; mostly Features and Bug Fixes, old entries nest several
  changes under one ``**scope:**`` bullet.
* ``@google-cloud/pubsub@5.0.0`` — googleapis/nodejs-pubsub, Apache-2.0, a cloud messaging client.
  release-please since 0.29 (2019): Features, Bug Fixes, Build System, Miscellaneous Chores,
  Reverts; before that hand-written sections (New Features, Dependencies, Documentation,
  Internal / Testing Changes, Implementation Changes, Samples) whose entries still carry their own
  ``type(scope):`` prefix.

Section → ``conventional_type`` (:data:`SECTION_TYPES`): Features / New Features → feat; Bug Fixes →
fix; Performance Improvements → perf; Documentation → docs; Code Refactoring → refactor; Tests →
test; Build System → build; Continuous Integration → ci; Chores / Miscellaneous Chores /
Dependencies → chore; Reverts → revert. Sections that name no single type (BREAKING CHANGES,
Internal / Testing Changes, Implementation Changes, Road to TypeScript, Samples, Updates) are kept
with ``conventional_type`` null. A heading the table does not know stops the script, so a new pinned
version has to be looked at before it lands.

Each output line: ``repo`` (owner/name from the entry's own GitHub links, else the package's),
``package``, ``version`` and ``date`` (YYYY-MM-DD, null where the heading has none) of the release
heading, ``number`` (the last ``#N`` reference of the entry's subject — conventional-changelog links
PRs under /issues/, so /issues/N and /pull/N are both taken; "closes #N" issues are not), ``title``
(links reduced to their text, commit hashes, PR reference, closes-clause, bold scope and any
``type(scope):`` prefix removed), ``scope``, ``section`` (raw heading), ``conventional_type``,
``commit_type`` (the type word of a ``type(scope):`` prefix in the entry text itself, e.g. pubsub's
hand-filed entries; null when there is none), ``commit`` (the short hash when linked) and
``licence``. Entries that repeat — the same (repo, scope, title, number) in several releases, or a
BREAKING CHANGES note repeating a typed entry — are kept once: the typed one, in its oldest release.
Lines are in changelog order (newest first) per package.

Run from the repository root (needs ``npm`` and the npm registry)::

    python3 bench/corpora/fetch_changelogs.py                 # writes bench/corpora/changelog-prs.jsonl
    python3 bench/corpora/fetch_changelogs.py --tarballs DIR  # reuse tarballs already in DIR
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "changelog-prs.jsonl"


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    integrity: str  # the registry's dist.integrity for that exact version
    repo: str  # fallback when an entry links no repository
    tarball: str  # file name npm pack gives it


SOURCES: tuple[Source, ...] = (
    Source(
        "video.js",
        "8.24.1",
        "sha512-Qh2WxVyiw6BEvpS95KCoZM8wt10r2iDvembOjHPftVcxY4QR53WVTDQlJEuI1J46Yo9Zw+6rRDIe62C+J+edfQ==",
        "videojs/video.js",
        "video.js-8.24.1.tgz",
    ),
    Source(
        "karma",
        "6.4.4",
        "sha512-LrtUxbdvt1gOpo3gxG+VAJlJAEMhbWlM4YrFQgql98FwF7+K8K12LYO4hnDdUkNjeztYrOXEMqgTajSWgmtI/w==",
        "karma-runner/karma",
        "karma-6.4.4.tgz",
    ),
    Source(
        "@google-cloud/pubsub",
        "5.0.0",
        "sha512-C5D5+P2fJlBiORym65ZyNxpKZkTd6R/WGoUoL8w3zUx4jCFlMn7rm6OBfTA8M26XiXCYGiOWBKTky+nIg7n5iQ==",
        "googleapis/nodejs-pubsub",
        "google-cloud-pubsub-5.0.0.tgz",
    ),
)

# Raw section heading (case-folded, "⚠" dropped) → conventional type, None for a section that names none.
SECTION_TYPES: dict[str, str | None] = {
    "features": "feat",
    "new features": "feat",
    "bug fixes": "fix",
    "performance improvements": "perf",
    "documentation": "docs",
    "code refactoring": "refactor",
    "tests": "test",
    "build system": "build",
    "continuous integration": "ci",
    "chores": "chore",
    "miscellaneous chores": "chore",
    "dependencies": "chore",
    "reverts": "revert",
    "styles": "style",
    "breaking changes": None,
    "internal / testing changes": None,
    "implementation changes": None,
    "road to typescript": None,
    "samples": None,
    "updates": None,
}
# Headings whose bullets are not change entries: the file's title, video.js 3.x's "Patches" lists
# ("3.2.1 (2012-04-06) Fixed ..."), and pubsub 0.2x's prose "BREAKING: ..." headings, whose bullets
# explain the break rather than list changes.
IGNORED_SECTION = re.compile(r"^(changelog|patches|breaking: .*)$")

COMMIT_TYPES = {
    "feat": "feat",
    "feature": "feat",
    "fix": "fix",
    "perf": "perf",
    "docs": "docs",
    "doc": "docs",
    "refactor": "refactor",
    "test": "test",
    "tests": "test",
    "build": "build",
    "ci": "ci",
    "chore": "chore",
    "chores": "chore",
    "revert": "revert",
    "style": "style",
    "deps": "deps",
}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "[8.24.0](compare-url) (2026-08-03)", "v0.11.12 (2013-12-25)", "<small>0.10.3 (2020-03-18)</small>"
_VERSION_HEADING = re.compile(
    r"^(?:<small>)?\[?v?(?P<version>\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)\]?(?:\([^)]*\))?"
    r"(?:\s*\((?P<date>\d{4}-\d{2}-\d{2})\))?"
)
_US_DATE_LINE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})\b")  # pubsub 0.2x: "03-11-2019 09:11 PDT"
# "n* " is a bullet whose newline was written as a literal "\n" (karma 2.0.0's "n* drop core-js ...").
_BULLET = re.compile(r"^(?P<indent>\s*)n?[*-]\s+(?P<text>.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ANCHOR = re.compile(r"^\s*<a name=")
_GITHUB = re.compile(r"https?://(?:www\.)?github\.com/([\w.-]+/[\w.-]+)/(?:issues|pull|commit|compare)/")
_LINK = r"\[[^\]]*\]\([^)\s]*\)"
_LINKS = _LINK + r"(?:[,\s]+" + _LINK + r")*"
_SHA_LINK = r"\[[0-9a-f]{7,40}\]\([^)\s]*\)"
# "([abc1234](url))", "([abc1234](url), [def5678](url))", karma 0.x "([abc1234](url), closes [#1](url), [#2](url))";
# the closing parenthesis may be missing at the very end (karma 0.5.9's "reporter.dots" entry).
_COMMIT_REF = re.compile(
    r"\s*\(\[(?P<sha>[0-9a-f]{7,40})\]\((?P<url>[^)\s]*)\)"
    rf"(?:,\s*{_SHA_LINK})*(?:,\s*closes\s+{_LINKS})?(?:\)|\s*$)"
)
# ", closes [#1](url) [videojs/font#41](url) [1000#0](url)": whatever conventional-changelog took for a reference
_CLOSES_TAIL = re.compile(r",?\s*closes\s+" + _LINKS + r"\s*$", re.I)
_PR_REF_TAIL = re.compile(r"\s*\(\s*(?:\[#(?P<n1>\d+)\]\((?P<url>[^)\s]*)\)|#(?P<n2>\d+))\s*\)\s*$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_BOLD_SCOPE = re.compile(r"^\*\*(?P<scope>[^*]+?):\*\*\s*")
_PREFIX = re.compile(r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?!?:\s+")


@dataclass
class Entry:
    repo: str
    package: str
    version: str
    date: str | None
    number: int | None
    title: str
    scope: str | None
    section: str
    conventional_type: str | None
    commit_type: str | None
    commit: str | None
    licence: str


def download(source: Source, directory: Path) -> Path:
    """``npm pack`` the pinned version into ``directory`` (unless already there) and check its integrity."""
    path = directory / source.tarball
    if not path.exists():
        subprocess.run(
            ["npm", "pack", f"{source.package}@{source.version}", "--pack-destination", str(directory), "--silent"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    digest = "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if digest != source.integrity:
        raise SystemExit(f"{path}: integrity {digest} is not the pinned {source.integrity}")
    return path


def read_package(tarball: Path) -> tuple[dict[str, object], str]:
    """The tarball's package.json and its top-level CHANGELOG.md."""
    with tarfile.open(tarball, "r:gz") as archive:

        def text(name: str) -> str:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{tarball}: no package/{name}")
            return io.TextIOWrapper(member, encoding="utf-8").read()

        return json.loads(text("package.json")), text("CHANGELOG.md")


def section_type(heading: str) -> tuple[bool, str | None]:
    """(is an entry section, its conventional type) for a non-version heading; unknown headings stop the run."""
    key = re.sub(r"\s+", " ", heading.replace("⚠", "").replace("*", "")).strip().casefold()
    if IGNORED_SECTION.match(key):
        return False, None
    if key not in SECTION_TYPES:
        raise SystemExit(f"unknown changelog section {heading!r}: add it to SECTION_TYPES or IGNORED_SECTION")
    return True, SECTION_TYPES[key]


def clean(text: str, default_repo: str) -> dict[str, object]:
    """Split one entry's first paragraph into title, scope, PR number, commit, repo and prefix type."""
    repos: list[str] = []  # from the commit link first, then the PR link
    commit: str | None = None
    match = _COMMIT_REF.search(text)
    if match:
        commit = match["sha"]
        if linked := _GITHUB.match(match["url"]):
            repos.append(linked[1])
        text = text[: match.start()] + text[match.end() :]
    text = _CLOSES_TAIL.sub("", text.rstrip())
    number: int | None = None
    match = _PR_REF_TAIL.search(text)
    if match:
        number = int(match["n1"] or match["n2"])
        if match["url"] and (linked := _GITHUB.match(match["url"])):
            repos.append(linked[1])
        text = text[: match.start()]
    text = _MD_LINK.sub(lambda m: m[1], text)
    scope: str | None = None
    match = _BOLD_SCOPE.match(text)
    if match:
        scope = match["scope"].strip()
        text = text[match.end() :]
    kind: str | None = None
    match = _PREFIX.match(text)
    if match and match["type"].lower() in COMMIT_TYPES:
        kind = COMMIT_TYPES[match["type"].lower()]
        scope = scope or (match["scope"] or "").strip() or None
        text = text[match.end() :]
    title = re.sub(r"\s+", " ", text).strip()
    repo = repos[0].removesuffix(".git") if repos else default_repo
    return {"title": title, "scope": scope, "number": number, "commit": commit, "repo": repo, "commit_type": kind}


def parse(changelog: str, source: Source, licence: str) -> tuple[list[Entry], Counter[str]]:
    """Every entry of a conventional-changelog file, in file order, with what was skipped counted."""
    entries: list[Entry] = []
    skipped: Counter[str] = Counter()
    version: str | None = None
    date: str | None = None
    section: str | None = None  # None: not inside an entry section
    ctype: str | None = None
    in_fence = False
    # The entry being read: its first-paragraph lines, the scope of a "* **scope:**" parent bullet.
    block: list[str] | None = None
    block_open = False  # still inside the first paragraph
    parent_scope: str | None = None

    def flush() -> None:
        nonlocal block
        if block is None or version is None or section is None:
            block = None
            return
        fields = clean(" ".join(line.strip() for line in block), source.repo)
        block = None
        if not fields["title"]:
            skipped["empty entry"] += 1
            return
        if parent_scope and not fields["scope"]:
            fields["scope"] = parent_scope
        entries.append(
            Entry(
                package=source.package,
                version=version,
                date=date,
                section=section,
                conventional_type=ctype,
                licence=licence,
                **fields,  # type: ignore[arg-type]
            )
        )

    for raw in changelog.splitlines():
        line = raw.rstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
            block_open = False
            continue
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            parent_scope = None
            text = heading[2]
            match = _VERSION_HEADING.match(text)
            if match:
                version, date, section, ctype = match["version"], match["date"], None, None
                continue
            is_section, kind = section_type(_MD_LINK.sub(lambda m: m[1], text))
            section, ctype = (text, kind) if is_section else (None, None)
            continue
        if _ANCHOR.match(line):
            flush()
            continue
        if version and date is None and section is None and _US_DATE_LINE.match(line):
            month, day, year = _US_DATE_LINE.match(line).groups()  # type: ignore[union-attr]
            date = f"{year}-{month}-{day}"
            continue
        bullet = _BULLET.match(line)
        if bullet and section is None:
            if version is None:
                continue
            skipped["bullet outside a typed section"] += 1
            continue
        if bullet:
            text = bullet["text"].strip()
            top_level = len(bullet["indent"].expandtabs(4)) < 2
            if top_level:
                flush()
                parent_scope = None
                scope_only = re.fullmatch(r"\*\*([^*]+?):\*\*", text)
                if scope_only:  # karma 0.x: "* **client:**" then one indented bullet per change
                    parent_scope = scope_only[1].strip()
                    continue
                block, block_open = [text], True
            elif parent_scope is not None:
                flush()
                block, block_open = [text], True
            else:
                block_open = False  # detail bullet under an entry: not part of its title
            continue
        if not line.strip():
            block_open = False
            continue
        if block is not None and block_open:
            block.append(line)
    flush()
    return entries, skipped


def dedupe(entries: list[Entry]) -> tuple[list[Entry], int]:
    """One entry per (repo, scope, title, number): a typed one before an untyped one, then the oldest release.

    "Oldest" is by the heading's date, not by position: karma's file lists 2.0.1 (2018-04-19), which
    repeats 2.0.0's entries, above 1.7.1 and 2.0.0 (2017-12-21).
    """

    def rank(index: int) -> tuple[bool, bool, str, int]:
        entry = entries[index]
        # Larger is better: typed, dated, earlier date (inverted below), lower in the file.
        return (entry.conventional_type is not None, entry.date is not None, _invert(entry.date or ""), index)

    best: dict[tuple[str, str, str, int | None], int] = {}
    for index, entry in enumerate(entries):
        key = (entry.repo, (entry.scope or "").casefold(), entry.title.casefold(), entry.number)
        if key not in best or rank(index) > rank(best[key]):
            best[key] = index
    chosen = sorted(best.values())
    return [entries[i] for i in chosen], len(entries) - len(chosen)


def _invert(date: str) -> str:
    """A string that sorts in the reverse order of the YYYY-MM-DD ``date``."""
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in date)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tarballs", type=Path, help="directory for the npm tarballs (default: a temporary one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        directory = args.tarballs or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        rows: list[Entry] = []
        for source in SOURCES:
            manifest, changelog = read_package(download(source, directory))
            if manifest.get("name") != source.package or manifest.get("version") != source.version:
                raise SystemExit(f"{source.tarball} holds {manifest.get('name')}@{manifest.get('version')}")
            licence = str(manifest["license"])
            parsed, skipped = parse(changelog, source, licence)
            kept, dropped = dedupe(parsed)
            rows.extend(kept)
            counts = Counter(entry.conventional_type or "-" for entry in kept)
            dates = sorted(entry.date for entry in kept if entry.date)
            by_type = ", ".join(f"{kind} {count}" for kind, count in counts.most_common())
            print(
                f"{source.package}@{source.version} ({licence}): {len(kept)} entries ({by_type}), "
                f"{dates[0]}..{dates[-1]}; {dropped} repeats dropped; skipped {dict(skipped)}",
                file=sys.stderr,
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for entry in rows:
            handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} entries to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
