"""Review texts and their weak sentiment labels: the reviewer's verdict first, then lexicon cues.

The sentiment model classifies one review body or review comment at a time. Its training labels
come from rules a reader can check on the PR page:

1. Empty text (a bare approval, an emoji-less "COMMENTED" review) and bot authors are not review
   text at all: left out of training and of the per-PR aggregate.
2. A review with state ``APPROVED`` is ``positive``, ``CHANGES_REQUESTED`` is ``negative``: the
   reviewer said so explicitly, whatever the words.
3. Everything else (``COMMENTED``/``DISMISSED`` reviews, line comments, replies) is scored with
   the lexicon below: more positive cues than negative → ``positive``, more negative →
   ``negative``, otherwise ``neutral`` (a question, a nit, a neutral remark). Positive cues:
   LGTM, looks good/great, great, nice, thanks, awesome, perfect, ship it, good catch/call/point,
   approve, verified, +1 and 👍 🎉 ✅ 🚀 🚢 ❤️ 💯 🙌. Negative cues: worried, concern, wrong,
   broken, breaks, regression, incorrect, unsafe, risky, blocking, "doesn't work", "not safe/
   correct/reversible", "hard to review/follow", confusing, "please don't/split/revert/fix",
   hack, ugly, swallowing, doubles, fails and 👎 ❌ 😕 — unless negated ("nothing blocking",
   "no concerns").

The model then learns the vocabulary of explicit verdicts and carries it over to line comments
that have no verdict of their own. Plain Python, no ML import.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from achievement_pipeline.ml.coerce import as_list

# Bumped whenever the rules below change, so runs trained on different rules are told apart.
SENTIMENT_RULES_VERSION = "sentiment-v1"

_STATE_LABEL: Mapping[str, str] = {"APPROVED": "positive", "CHANGES_REQUESTED": "negative"}

_POSITIVE = re.compile(
    r"\b(lgtm|looks (?:good|great|fine|nice)|great|nice|thanks?|thank you|awesome|excellent|perfect|"
    r"love|well done|ship it|good (?:call|catch|point|idea|work)|neat|cleaner|approv\w*|"
    r"works (?:for me|great)|verified)\b|\+1|👍|🎉|✅|🚀|🚢|❤️|💯|🙌",
    re.I,
)
_NEGATIVE = re.compile(
    r"\b(worried|concern\w*|wrong|broken|breaks|regression|incorrect|unsafe|risky|blocking|blocker|"
    r"does(?:n't| not) work|not (?:safe|correct|right|reversible)|isn't (?:safe|correct|right|reversible)|"
    r"hard to (?:review|follow|read)|confus\w*|please (?:don't|do not|split|revert|fix)|must not|"
    r"hack\w*|ugly|swallow\w*|doubles|fails?|failing)\b|👎|❌|😕",
    re.I,
)
# A negative cue that is negated says the opposite: "nothing blocking", "not a blocker", "no concerns".
_NEGATED_NEGATIVE = re.compile(
    r"\b(?:nothing|not(?: a)?|non-?|no)\s*(?:blocking|blocker|wrong|broken|risky|unsafe|concerns?)\b", re.I
)


def _is_bot(author: Any) -> bool:
    name = str(author or "").lower()
    return name.endswith("[bot]") or name.endswith("-bot")


def lexicon_label(text: str) -> str:
    """``positive``/``negative`` by the majority of lexicon cues, ``neutral`` on a tie (or none)."""
    balance = len(_POSITIVE.findall(text)) - len(_NEGATIVE.findall(_NEGATED_NEGATIVE.sub(" ", text)))
    return "positive" if balance > 0 else "negative" if balance < 0 else "neutral"


def sentiment_label(text: str, state: str | None) -> str | None:
    """The weak label of one review text (see the module rules), ``None`` for empty text."""
    if not text or not text.strip():
        return None
    return _STATE_LABEL.get((state or "").upper()) or lexicon_label(text)


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


def sentiment_examples(rows: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Unique review texts of ``rows`` and their weak labels, in first-seen order.

    Each distinct text counts once, with the label most of its occurrences got (ties: first
    seen): repositories repeat stock phrases ("LGTM", "Done."), and a holdout that shares them
    with training would measure recall of the phrase book, not the model.
    """
    votes: dict[str, Counter[str]] = {}
    for row in rows:
        for text, state in review_texts(row.get("reviews"), row.get("review_comments")):
            label = sentiment_label(text, state)
            if label is not None:
                votes.setdefault(text, Counter())[label] += 1
    texts = list(votes)
    return texts, [votes[t].most_common(1)[0][0] for t in texts]
