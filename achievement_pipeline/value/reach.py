"""Who the work serves, from what GitHub says about the repository, as a factor on its value.

Merged work in an organisation's repository serves that organisation's product and users; work
in a person's own repository (dotfiles, experiments, a personal fork) serves mostly that person;
an organisation's fork serves it until the change goes upstream. Stars add a little for a public repository: they are
a weak signal of how many people it reaches. Every factor is a ledger entry, and the reason is
written next to the value so a reader sees why personal work does not outrank production work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from achievement_pipeline.core.ledger import Ledger


@dataclass(frozen=True)
class Reach:
    factor: float
    kind: str  # a key of the ledger's reach_factors
    reason: str
    assumptions: list[dict[str, object]]


def _kind_and_reason(row: Mapping[str, Any]) -> tuple[str, str]:
    repo = str(row.get("repo") or "")
    owner_type = str(row.get("repo_owner_type") or "")
    owner = repo.split("/", 1)[0]
    fork = " (a fork)" if row.get("repo_is_fork") else ""
    if owner_type == "User":
        if owner.lower() == str(row.get("author") or "").lower():
            return "personal", f"{repo}{fork} is the author's own repository: it serves mostly its owner"
        return "personal_of_others", f"{repo}{fork} is {owner}'s own repository"
    if fork:
        return "fork", f"{repo} is a fork: the change reaches its owner until it goes upstream"
    if owner_type == "Organization":
        visibility = "private" if row.get("repo_is_private") else "public"
        return "organization", f"{repo} is a {visibility} repository of the organisation {owner}"
    return "unknown", f"what {repo} serves was not collected: counted as an organisation's"


def estimate_reach(row: Mapping[str, Any], ledger: Ledger) -> Reach:
    kind, reason = _kind_and_reason(row)
    factor = ledger.number("reach_factors", kind)
    assumptions = [ledger.cite("reach_factors", kind)]
    stars = int(row.get("repo_stars") or 0)
    if stars and not row.get("repo_is_private") and kind != "unknown":
        bonus = min(
            ledger.number("popularity_bonus", "max"),
            ledger.number("popularity_bonus", "per_tenfold_stars") * math.log10(1 + stars),
        )
        if bonus >= 0.005:
            factor += bonus
            reason += f"; {stars:,} stars add {bonus:.2f}"
            assumptions.append(ledger.cite("popularity_bonus"))
    return Reach(round(factor, 3), kind, reason, assumptions)
