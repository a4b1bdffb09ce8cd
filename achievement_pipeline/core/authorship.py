"""Who wrote a PR's narrative, as the ``summariser`` column and the portfolio's ``written_by`` say it.

The enrich stage writes these values and the export reads them, so their wording has one home:
"offline" (no model configured), a model's name, or "offline (fallback: <reason>)" when a model's
text was not used (the budget ran out, its answer was invalid, or it held what the evidence lacks).
"""

from __future__ import annotations

OFFLINE = "offline"
UNVERIFIED_FIGURES = "unverified figures"  # a number found in neither the PR nor the ledger
IMPLAUSIBLE_CLAIM = "implausible claim"  # a measured claim the plausibility rules refuse
_FALLBACK = f"{OFFLINE} (fallback:"


def fallback_summariser(reason: str) -> str:
    """The ``summariser`` of a row whose model text was replaced by the offline narrative."""
    return f"{_FALLBACK} {reason})"


def written_offline(summariser: str) -> bool:
    """True when the offline summariser wrote the text: by configuration, or as any fallback."""
    return summariser == OFFLINE or summariser.startswith(_FALLBACK)


def withheld_unverified(summariser: str) -> bool:
    """True when a model's text was withheld because the evidence does not support it."""
    return summariser in (fallback_summariser(UNVERIFIED_FIGURES), fallback_summariser(IMPLAUSIBLE_CLAIM))
