"""Review sentiment: which texts count, their labels (the review's verdict), and how a PR's texts add up.

Plain rules and arithmetic: no MLflow, no fitted model (a stub with fixed probabilities stands in
for the classifier where the aggregation is under test).
"""

from __future__ import annotations

import numpy as np
import pytest

from achievement_pipeline.ml import review_texts, sentiment_label, summarise_sentiment
from achievement_pipeline.ml.sentiment_labels import sentiment_examples


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        # The reviewer's verdict is the label, whatever the words say.
        ("Looks wrong to me but fine for now", "APPROVED", "positive"),
        ("Thanks! One more thing before we merge", "CHANGES_REQUESTED", "negative"),
        ("lgtm", "approved", "positive"),
        # No verdict, no label: a lexicon's guess would make the model copy the lexicon.
        ("LGTM 👍", "COMMENTED", None),
        ("Good catch, thanks", None, None),
        ("I'm worried this breaks the public API", None, None),
        ("Left a couple of nits, nothing blocking.", "DISMISSED", None),
        # No words, no label.
        ("", "APPROVED", None),
        ("   ", "CHANGES_REQUESTED", None),
    ],
)
def test_sentiment_label_follows_the_documented_rules(text: str, state: str | None, expected: str | None) -> None:
    assert sentiment_label(text, state) == expected


def test_review_texts_keep_human_words_only() -> None:
    reviews = [
        {"author": "ana", "state": "APPROVED", "body": ""},
        {"author": "ana", "state": "COMMENTED", "body": "  Mostly   fine,\nsee comments. "},
        {"author": "renovate[bot]", "state": "COMMENTED", "body": "Automerge enabled"},
    ]
    comments = [{"author": "bo", "body": "nit: rename"}, {"author": "codecov-bot", "body": "Coverage 91%"}]
    assert review_texts(reviews, comments) == [("Mostly fine, see comments.", "COMMENTED"), ("nit: rename", None)]
    assert review_texts(None, np.array([], dtype=object)) == []


def test_training_examples_are_distinct_texts_with_their_majority_label() -> None:
    rows = [
        {"reviews": [{"author": "a", "state": "APPROVED", "body": "Great work"}], "review_comments": []},
        {"reviews": [{"author": "b", "state": "COMMENTED", "body": "Great work"}], "review_comments": []},
        {"reviews": [{"author": "c", "state": "APPROVED", "body": "Great  work"}], "review_comments": []},
        {"reviews": [{"author": "e", "state": "CHANGES_REQUESTED", "body": "Great work"}], "review_comments": []},
        {"reviews": [], "review_comments": [{"author": "d", "body": "Why here?"}]},
        {"reviews": [{"author": "f", "state": "CHANGES_REQUESTED", "body": "Split this"}], "review_comments": []},
    ]
    # "Great work" counts once, with the verdict most of its reviews gave; the comment has no verdict.
    assert sentiment_examples(rows) == (["Great work", "Split this"], ["positive", "negative"], [0, 5])


class _FixedModel:
    """Answers the given probabilities, one row per text, in class order negative/neutral/positive."""

    classes_ = np.array(["negative", "neutral", "positive"])

    def __init__(self, rows: list[list[float]]) -> None:
        self.rows = np.array(rows)

    def predict_proba(self, frame):
        assert list(frame.columns) == ["text"]
        return self.rows[: len(frame)]


def test_a_prs_sentiment_is_the_mean_of_its_texts() -> None:
    model = _FixedModel([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.1, 0.4]])
    summary = summarise_sentiment(model, ["a", "b", "c"])
    # Mean probabilities: negative 0.433, neutral 0.2, positive 0.367.
    assert summary.label == "negative" and summary.confidence == pytest.approx(1.3 / 3)
    assert summary.score == pytest.approx(((0.1 - 0.7) + (0.6 - 0.1) + (0.4 - 0.5)) / 3)
    assert summary.negative_share == pytest.approx(2 / 3)
    assert summary.n_texts == 3


def test_a_pr_without_review_text_has_no_sentiment() -> None:
    summary = summarise_sentiment(_FixedModel([]), [])
    assert (summary.label, summary.confidence, summary.score, summary.negative_share, summary.n_texts) == (
        "none",
        0.0,
        0.0,
        0.0,
        0,
    )
