"""Review texts and their labels: the reviewer's own verdict, never a word list over the same text.

The sentiment model classifies one review body or review comment at a time. Its training labels
are what the reviewer declared, which a reader can check on the PR page:

* A review with state ``APPROVED`` and words in its body is ``positive``; one with state
  ``CHANGES_REQUESTED`` is ``negative``.
* Nothing else is labelled: ``COMMENTED``/``DISMISSED`` reviews and line comments carry no
  verdict, so they are scored by the model but never trained on. Empty bodies (a bare approval)
  and bot authors are not review text at all.

The model reads only the words, so it learns how approving and change-requesting reviews are
worded and carries that to comments with no verdict of their own. Plain Python, no ML import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from achievement_pipeline.ml.coerce import as_list

# Bumped whenever the rules below change, so runs trained on different rules are told apart.
SENTIMENT_RULES_VERSION = "review-state-v2"

STATE_LABEL: Mapping[str, str] = {"APPROVED": "positive", "CHANGES_REQUESTED": "negative"}
CHANGES_REQUESTED = "CHANGES_REQUESTED"


def _is_bot(author: Any) -> bool:
    name = str(author or "").lower()
    return name.endswith("[bot]") or name.endswith("-bot")


def sentiment_label(text: str, state: str | None) -> str | None:
    """The label of one review text: its review's verdict, or ``None`` (no verdict, or no text)."""
    if not text or not text.strip():
        return None
    return STATE_LABEL.get((state or "").upper())


def review_texts(reviews: Any, review_comments: Any) -> list[tuple[str, str | None]]:
    """(text, review state or None) for every non-empty human review body and review comment of a PR.

    Reviews and comments arrive as lists of dicts (warehouse JSON), numpy arrays (parquet) or
    ``None``; text is whitespace-normalised so the same words are the same text.
    """
    out: list[tuple[str, str | None]] = []
    for items, has_state in ((as_list(reviews), True), (as_list(review_comments), False)):
        for item in items:
            if not isinstance(item, Mapping) or _is_bot(item.get("author")):
                continue
            text = " ".join(str(item.get("body") or "").split())
            if text:
                out.append((text, str(item.get("state") or "") if has_state else None))
    return out


def review_states(reviews: Any) -> Counter[str]:
    """How many human reviews of a PR ended in each state (``APPROVED``, ``CHANGES_REQUESTED``, ...)."""
    return Counter(
        str(item.get("state") or "").upper()
        for item in as_list(reviews)
        if isinstance(item, Mapping) and not _is_bot(item.get("author")) and item.get("state")
    )


def sentiment_examples(rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[str], list[int]]:
    """Unique verdict texts of ``rows``, their labels, and the position of the row each was first seen in.

    Each distinct text counts once, with the label most of its occurrences got (ties: first seen):
    reviewers repeat stock phrases ("LGTM", "Done."), and a holdout that shares them with training
    would measure recall of the phrase book, not the model. Rows should come in time order; the
    positions let the caller split by time.
    """
    votes: dict[str, Counter[str]] = {}
    first_row: dict[str, int] = {}
    for position, row in enumerate(rows):
        for text, state in review_texts(row.get("reviews"), row.get("review_comments")):
            label = sentiment_label(text, state)
            if label is not None:
                votes.setdefault(text, Counter())[label] += 1
                first_row.setdefault(text, position)
    texts = list(votes)
    return texts, [votes[t].most_common(1)[0][0] for t in texts], [first_row[t] for t in texts]
