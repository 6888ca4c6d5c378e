"""Comparison phrases of a question: "year over year", "compared to last year", "vs the
previous month", "par rapport à l'année dernière", "sur un an", "N-1".

:func:`find_compare` takes the phrase out of the folded question (see
:func:`~pipelines.ai.offline.normalise.fold`) and returns a :class:`CompareAsk`: the shift of the
engine's comparison (:mod:`pipelines.semantic.compare`): ``year``, the same period a year
earlier, or ``period``, the previous bucket of the time grain; and the grain a phrase such as
"vs the previous month" names. Words that only say a change is wanted ("growth", "évolution")
go with the phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.semantic.query import CompareShift

__all__ = ["CompareAsk", "find_compare"]

UNITS = {
    "day": "day", "jour": "day", "week": "week", "semaine": "week", "month": "month",
    "mois": "month", "quarter": "quarter", "trimestre": "quarter", "period": None,
    "periode": None,
}  # fmt: skip
"""Unit words of "the previous month" and the grain each names (a period: the query's own)."""
CHANGE_WORDS = frozenset(
    {
        "change", "changes", "growth", "evolution", "evolutions", "variation", "variations",
        "progression", "difference", "increase", "decrease", "croissance", "hausse", "baisse",
        "ecart", "trend", "tendance",
    }
)  # fmt: skip
"""Words asking for a change; said beside a comparison phrase, they are part of it."""

_VS = (
    r"(?:vs|versus|against|compared (?:to|with)|relative to|than|par rapport (?:a|au|aux)|"
    r"compare (?:a|au|avec)|comparee? (?:a|au|avec)|contre|face (?:a|au)|vis a vis (?:de|du))"
)
_THE = r"(?:(?:the|la|le|l|a|au) )?"
_LAST_YEAR = (
    r"(?:(?:last|previous|prior|preceding) year|(?:the )?year before|"
    r"(?:annee|an) (?:derniere?|precedente?|passee?|d avant)|n 1)"
)
_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_PREVIOUS_UNIT = (
    rf"(?:(?:previous|prior|last|preceding) ({_UNIT})|({_UNIT}) (?:precedente?|derniere?|"
    r"passee?|d avant))"
)
_SAME_LAST_YEAR = (
    rf"(?:the )?same (?:{_UNIT}) (?:of |in )?(?:the )?(?:last|previous|prior) year|"
    rf"(?:le |la |l )?meme (?:{_UNIT}) (?:de |que )?(?:l )?(?:annee|an) (?:derniere?|precedente?)"
)
PATTERNS: list[tuple[CompareShift, str | None, re.Pattern[str]]] = [
    ("year", None, re.compile(rf"\b{_VS} {_THE}(?:{_SAME_LAST_YEAR}|{_LAST_YEAR})\b")),
    ("year", None, re.compile(
        r"\b(?:year over year|year on year|yoy|y o y|annee sur annee|sur (?:un|1) an|"
        r"d une annee (?:sur|a) l autre|(?:en )?glissement annuel|a un an d intervalle)\b")),
    ("period", None, re.compile(rf"\b{_VS} {_THE}{_PREVIOUS_UNIT}\b")),
    ("period", "month", re.compile(r"\b(?:month over month|month on month|mois sur mois|"
                                   r"d un mois (?:sur|a) l autre)\b")),
    ("period", "quarter", re.compile(r"\b(?:quarter over quarter|quarter on quarter|qoq|"
                                     r"trimestre sur trimestre)\b")),
    ("period", "week", re.compile(r"\b(?:week over week|week on week|semaine sur semaine)\b")),
]  # fmt: skip


@dataclass(frozen=True)
class CompareAsk:
    """A comparison asked for: its shift, the grain the phrase names (or None) and its text."""

    shift: CompareShift
    grain: str | None
    text: str


def find_compare(folded: str) -> tuple[CompareAsk | None, str]:
    """The comparison asked in a folded question, and the question without its phrase."""
    for shift, grain, pattern in PATTERNS:
        match = pattern.search(folded)
        if match is None:
            continue
        named = next((g for g in match.groups() if g), None)
        if named is not None:
            grain = UNITS[named]
        rest = f"{folded[: match.start()]} {folded[match.end() :]}"
        rest = " ".join(w for w in rest.split() if w not in CHANGE_WORDS)
        return CompareAsk(shift, grain, match.group(0).strip()), rest
    return None, folded
