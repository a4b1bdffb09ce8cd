"""The words a fake history is written with: people, PR text, reviews, comments and labels.

Everything a generated PR says that is not specific to one repository comes from these
tables: subjects for kinds of change a repository has none of its own for, why a change
was made, how it was tested, review verdicts, line comments and replies, labels, and the
teammates and bots who write them. They are plain data, separate from the sampling code
in ``history`` so the text can be read and edited on its own. Repository-specific
vocabulary (scopes, subjects, file paths) lives in ``repositories``.
"""

from __future__ import annotations

# (login, name, city) of the people who review, comment on and open PRs in organisation repositories.
TEAMMATES: tuple[tuple[str, str, str], ...] = (
    ("mara-kowalski", "Mara Kowalski", "Berlin"),
    ("devon-li", "Devon Li", "Toronto"),
    ("priya-shah", "Priya Shah", "Bengaluru"),
    ("tomasz-wrobel", "Tomasz Wróbel", "Kraków"),
    ("lena-hoffmann", "Lena Hoffmann", "Hamburg"),
    ("sam-okafor", "Sam Okafor", "Lagos"),
)

# (login, name) of the apps that comment on organisation PRs.
BOTS: tuple[tuple[str, str], ...] = (("github-actions[bot]", "GitHub Actions"), ("codecov[bot]", "Codecov"))


GENERIC_SUBJECTS: dict[str, tuple[tuple[str, str], ...]] = {
    "docs": (
        ("", "document {doc}"),
        ("readme", "update {doc} in the README"),
        ("", "clarify {doc}"),
        ("", "fix broken links in {doc}"),
    ),
    "test": (
        ("", "add tests for {unit}"),
        ("", "cover error paths in {unit}"),
        ("e2e", "deflake {unit} tests"),
        ("", "replace sleeps with explicit waits in {unit} tests"),
    ),
    "ci": (
        ("", "cache dependencies between {job} runs"),
        ("", "cancel superseded {job} runs"),
        ("", "split {job} into parallel shards"),
        ("", "pin third-party actions to commit SHAs"),
        ("", "upload {job} artifacts on failure"),
    ),
    "chore": (
        ("deps", "bump {dep} from {dep_from} to {dep_to}"),
        ("deps", "bump {dep} from {dep_from} to {dep_to}"),
        ("", "remove unused feature flags"),
        ("", "update CODEOWNERS"),
        ("release", "prepare release notes"),
        ("", "tidy up editor config"),
    ),
    "security": (
        ("deps", "bump {dep} to {dep_to} to patch {cve}"),
        ("auth", "rotate the session id after login"),
        ("security", "stop logging access tokens in debug output"),
        ("security", "validate redirect URLs against an allow-list"),
        ("security", "compare signatures in constant time"),
    ),
}

# Used once a repository's own subjects for a kind are all taken, before "(part 2)" titles.
FALLBACK_SUBJECTS: dict[str, tuple[str, ...]] = {
    "feat": ("add metrics for {unit}", "make {unit} configurable per environment", "add structured logging to {unit}"),
    "fix": (
        "handle empty input in {unit}",
        "fix an off-by-one error in {unit}",
        "fix a flaky timeout in {unit}",
        "stop {unit} swallowing errors",
    ),
    "perf": ("cache results of {unit}", "avoid repeated work in {unit}"),
    "refactor": ("simplify {unit}", "remove dead code around {unit}", "add type hints to {unit}"),
    "build": ("speed up the build of {unit}",),
}

CVES = ("CVE-2024-24790", "CVE-2024-29041", "CVE-2024-28849", "CVE-2023-45857", "CVE-2024-4068")

MOTIVATIONS: dict[str, tuple[str, ...]] = {
    "feat": (
        "Customers have been asking for this since the January survey.",
        "Product wants this in place before the spring campaign.",
        "This was the most requested item in the last support review.",
        "Next step of the roadmap item we scoped in planning.",
        "Unblocks the mobile team, who need the same behaviour.",
    ),
    "fix": (
        "Users reported this through support over the last week.",
        "Sentry has been flagging this since the last release.",
        "We hit this in production during the Monday traffic peak.",
        "Found while investigating an on-call page.",
        "QA caught this on staging.",
    ),
    "perf": (
        "Profiling showed this on the hot path.",
        "This was the slowest step on the performance dashboard.",
        "Load testing ahead of the sale exposed this bottleneck.",
    ),
    "refactor": (
        "This module had grown hard to change safely.",
        "Prep work for the next round of changes in this area.",
        "Removes duplication that has already caused two bugs.",
    ),
    "docs": (
        "New joiners kept tripping over this.",
        "The old instructions no longer matched reality.",
        "Requested in the last retro.",
    ),
    "test": (
        "This code path had no coverage.",
        "The existing test was flaky on CI (failed 4 of the last 50 runs).",
        "Locks in the behaviour before the upcoming refactor.",
    ),
    "ci": (
        "CI was the slowest part of the feedback loop.",
        "Runs were piling up on busy days.",
        "Hardening the pipeline after the last supply-chain advisory.",
    ),
    "build": ("Keeps the toolchain current.", "Needed for the upcoming framework upgrade."),
    "chore": (
        "Routine maintenance.",
        "Keeps dependencies current; the changelog has nothing breaking for us.",
        "Housekeeping before the release.",
    ),
    "security": (
        "Reported through the internal security review.",
        "Flagged by the dependency scanner.",
        "Found during the quarterly threat-model review.",
    ),
}

TESTING_NOTES = (
    "Added unit tests for the new behaviour.",
    "Tested locally and on staging.",
    "Covered by the existing e2e suite; added one case for the regression.",
    "Manually verified with a production-like dataset.",
    "No behaviour change expected; the test suite passes unchanged.",
)

REVERT_REASONS = (
    "This caused a spike in errors after the deploy; reverting while we investigate.",
    "Breaks the build on the release branch.",
    "Rolling back until the follow-up fix is ready.",
)

REVIEW_BODIES: dict[str, tuple[str, ...]] = {
    "APPROVED": (
        "",
        "",
        "LGTM 👍",
        "Looks great, thanks for adding the tests.",
        "Nice cleanup, much easier to follow now.",
        "Great catch, thanks!",
        "Solid change. Ship it 🚢",
        "Approving; the new naming reads well.",
    ),
    "COMMENTED": (
        "",
        "Left a couple of nits, nothing blocking.",
        "A few questions inline.",
        "Mostly fine, see comments.",
        "Can you say more in the description about how this was tested?",
    ),
    "CHANGES_REQUESTED": (
        "This needs a test for the failure path before we merge.",
        "I'm worried this changes the public API; can we keep the old signature and deprecate it?",
        "The migration isn't reversible, please add a down step.",
        "This doubles the number of queries per request; can we batch them?",
        "Please split the refactor from the behaviour change, it's hard to review together.",
    ),
}

LINE_COMMENTS = (
    "nit: could we give this a more specific name?",
    "Should this handle the empty case?",
    "Can we add a test for this branch?",
    "This runs on every request; worth caching?",
    "Why not reuse the existing helper here?",
    "Is this safe to run concurrently?",
    "Could you add a comment explaining this constant?",
    "Consider logging the error instead of swallowing it.",
    "Good call moving this out.",
)

REPLIES = (
    "Good point, fixed in the latest commit.",
    "Done.",
    "Added a test 👍",
    "I'd rather keep it as is; it mirrors the API naming.",
)

HUMAN_COMMENTS = (
    "Thanks! Does this need a changelog entry?",
    "Deployed to staging, looks good.",
    "Can you rebase on {base}? There's a conflict in `{file}`.",
    "🎉 thanks for picking this up!",
    "Heads-up: this touches the same code as #{other}.",
    "Verified the fix on staging ✅",
)

# (colour, description) of every label the generator uses, GitHub's defaults where they exist.
LABELS: dict[str, tuple[str, str]] = {
    "bug": ("d73a4a", "Something isn't working"),
    "enhancement": ("a2eeef", "New feature or request"),
    "documentation": ("0075ca", "Improvements or additions to documentation"),
    "dependencies": ("0366d6", "Pull requests that update a dependency file"),
    "performance": ("fbca04", "Performance improvements"),
    "security": ("b60205", "Security fix or hardening"),
    "tests": ("c5def5", "Test coverage"),
    "ci": ("1d76db", "Continuous integration"),
    "build": ("c2e0c6", "Build system and tooling"),
    "refactor": ("d4c5f9", "Restructuring without behaviour change"),
    "tech-debt": ("fef2c0", "Paying down technical debt"),
    "revert": ("e99695", "Reverts an earlier change"),
    "breaking-change": ("b60205", "Changes a public interface"),
    "needs-qa": ("ededed", "Needs a manual check before release"),
    "frontend": ("bfdadc", "User-facing code"),
    "backend": ("c5def5", "Server-side code"),
}

KIND_LABELS: dict[str, tuple[str, ...]] = {
    "feat": ("enhancement",),
    "fix": ("bug",),
    "perf": ("performance",),
    "refactor": ("refactor",),
    "docs": ("documentation",),
    "test": ("tests",),
    "ci": ("ci",),
    "build": ("build",),
    "chore": (),
    "security": ("security", "bug"),
    "revert": ("revert",),
}


# Words that end the object of a subject ("batch lookups *on* the grid"), for naming files.
PREPOSITIONS = frozenset(
    (
        "to",
        "for",
        "in",
        "on",
        "with",
        "from",
        "by",
        "as",
        "at",
        "into",
        "instead",
        "after",
        "before",
        "when",
        "than",
        "behind",
        "across",
        "without",
        "of",
        "below",
        "above",
        "until",
        "and",
        "so",
    )
)


# Words too common to name a branch or a file after.
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "to",
        "of",
        "for",
        "in",
        "on",
        "and",
        "or",
        "with",
        "from",
        "by",
        "as",
        "at",
        "into",
        "out",
        "be",
        "is",
        "are",
        "it",
        "its",
        "this",
        "that",
        "when",
        "after",
        "before",
        "instead",
        "than",
        "our",
        "we",
    )
)
