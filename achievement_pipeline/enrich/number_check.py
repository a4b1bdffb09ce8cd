"""Flag numbers in generated text that no evidence supports.

Peer tools ask models for "specific metrics (e.g. 40% faster)" and print whatever comes
back. Here every number in a generated summary, achievement line or STAR story must
appear in the PR's own facts or in the value ledger. A flagged number is a filter, not a
note: the generated text is withheld and the PR gets the offline narrative instead
(summariser "offline (fallback: unverified figures)", see
:mod:`achievement_pipeline.enrich.verification`). The row's ``flagged_numbers`` keeps the
numbers the withheld text contained, for audit; the published text has none (the offline
summariser writes only numbers of the facts), so a non-empty list on a row means "the
model's text was not published", never "this published text has unchecked figures".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

# 1,250 | 3.5 | 420 | 0.75 -- the digits of a number, with thousands separators and decimals.
_NUMBER = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?")


def _normal(token: str) -> str:
    """One spelling per value: "1,250" and "1250.0" are the same number."""
    try:
        value = Decimal(token.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches digits
        return token
    return format(value.normalize(), "f")


def numbers_in(text: str) -> set[str]:
    """Every number written in ``text``, normalised."""
    return {_normal(m.group()) for m in _NUMBER.finditer(text)}


def _strings(value: Any) -> Iterable[str]:
    """Every scalar inside a JSON-like value, as text (keys included: "p95" in a key is evidence too)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def evidence_numbers(*sources: Any) -> set[str]:
    """The numbers a generated text may use: everything in the given facts, PR fields and ledger entries."""
    return {n for source in sources for text in _strings(source) for n in numbers_in(text)}


def flag_numbers(texts: Iterable[str], allowed: set[str]) -> list[str]:
    """Numbers in ``texts`` that are not in ``allowed``, in order of appearance, without repeats."""
    flagged: dict[str, None] = {}
    for text in texts:
        for match in _NUMBER.finditer(text):
            number = _normal(match.group())
            if number not in allowed:
                flagged.setdefault(match.group(), None)
    return list(flagged)
