"""Whether a model's narrative may be published: only when every figure and every measured claim in it holds.

A provider can be wrong, or obey a prompt injection and invent a figure ("it saved $50,000,000",
55 times), and whatever enrich stores is printed in the portfolio, its PDF and the executive summary.
So generated text is published only when it passes two checks, else the PR gets the
deterministic offline narrative (built from the PR's facts alone) and the row says why:

- **unverified figures**: a number in the text appears in neither the PR's facts nor the
  value ledger (:func:`~achievement_pipeline.enrich.number_check.flag_numbers`);
- **implausible claim**: a sentence of the text that states a measured change (found the way
  enrich finds them in PR bodies, :func:`~achievement_pipeline.enrich.features.measurable_claims`)
  is refused by the plausibility rules the value stage applies (:mod:`achievement_pipeline.core.claims`):
  150% fewer errors, latency "cut" from 180 ms to 420 ms, 200 hours saved a week. Repeating one
  of the PR's own claims is no excuse: the value stage refuses that claim too.

The withheld text's unverified numbers stay on the row (``flagged_numbers``) for audit; the
text itself is not kept. Text the offline summariser wrote is not second-guessed: it has
no figure the facts do not have (it quotes a PR's claims as "The PR reports ..."), and there
is nothing more conservative to fall back to. What the PR itself says is evidence: a figure
written in its title or body passes the number check wherever the model repeats it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from achievement_pipeline.core.authorship import (
    IMPLAUSIBLE_CLAIM,
    UNVERIFIED_FIGURES,
    fallback_summariser,
    written_offline,
)
from achievement_pipeline.core.claims import RefusedClaim, refused_claims
from achievement_pipeline.core.ledger import Ledger
from achievement_pipeline.enrich.features import measurable_claims
from achievement_pipeline.enrich.narrative import Narrative
from achievement_pipeline.enrich.number_check import flag_numbers
from achievement_pipeline.enrich.summariser import offline_narrative


@dataclass(frozen=True)
class Published:
    """What is stored and published for one PR, and what was withheld."""

    narrative: Narrative
    summariser: str  # the model; "offline"; or "offline (fallback: <reason>)"
    flagged_numbers: list[str]  # numbers of the *written* text no evidence supports (the withheld text's, if any)
    refused: list[RefusedClaim] = field(default_factory=list)  # measured claims of the written text that cannot be true
    withheld: str | None = None  # why the written text was not published (UNVERIFIED_FIGURES, ...), else None

    def audit(self) -> str:
        """One line for the run's log on what was withheld and why ("" when nothing was)."""
        if not self.withheld:
            return ""
        refused = "; ".join(r.reason for r in self.refused) or "none"
        return f"withheld ({self.withheld}): unverified numbers {self.flagged_numbers or 'none'}, refused: {refused}"


def generated_claims(narrative: Narrative) -> list[str]:
    """Every sentence of a narrative that states a measured change, without repeats (none left out)."""
    found: dict[str, None] = {}
    for text in narrative.texts():
        for claim in measurable_claims(text, limit=sys.maxsize):
            found.setdefault(claim, None)
    return list(found)


def verify(
    narrative: Narrative, summariser: str, facts: dict[str, Any], evidence: set[str], ledger: Ledger
) -> Published:
    """The narrative to publish for one PR: the written one if it holds, else the offline one, with why.

    ``evidence`` is the numbers the text may use (``number_check.evidence_numbers`` of the PR's
    facts and the ledger); ``ledger`` gives the plausibility limits.
    """
    flagged = flag_numbers(narrative.texts(), evidence)
    if written_offline(summariser):
        return Published(narrative, summariser, flagged)
    refused = refused_claims(generated_claims(narrative), ledger)
    if flagged:
        reason = UNVERIFIED_FIGURES
    elif refused:
        reason = IMPLAUSIBLE_CLAIM
    else:
        return Published(narrative, summariser, flagged)
    return Published(offline_narrative(facts), fallback_summariser(reason), flagged, refused, reason)
