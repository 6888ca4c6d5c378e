"""Instructions in a question besides fields and values: the chart asked for ("as a bar chart",
"en courbe") and a ranking ("top 5", "les 3 meilleurs", "which … the most", "bottom 3")."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Ranking", "find_chart", "find_ranking"]

CHARTS: list[tuple[str, re.Pattern[str]]] = [
    ("bar", re.compile(r"\b(?:as |in |en |sous forme (?:de |d )?)?(?:an? |un |une )?"
                       r"(?:(?:bar|column|histogram) (?:chart|graph|plot)|bar chart|histogramme|"
                       r"diagramme en (?:barres|batons|colonnes)|en (?:barres|batons|colonnes)|"
                       r"barres|bars)\b")),
    ("line", re.compile(r"\b(?:as |in |en |sous forme (?:de |d )?)?(?:an? |un |une )?"
                        r"(?:line (?:chart|graph|plot)|courbe|en ligne brisee|graphique en ligne)"
                        r"\b")),
    ("pie", re.compile(r"\b(?:as |in |en |sous forme (?:de |d )?)?(?:an? |un |une )?"
                       r"(?:pie (?:chart|graph)|pie|camembert|en secteurs)\b")),
    ("area", re.compile(r"\b(?:as |in |en )?(?:an? |un |une )?(?:area (?:chart|graph)|en aires)"
                        r"\b")),
    ("scatter", re.compile(r"\b(?:as |in |en )?(?:an? |un |une )?(?:scatter (?:chart|plot)|"
                           r"nuage de points)\b")),
    ("table", re.compile(r"\b(?:as |in |en |sous forme (?:de |d )?)(?:an? |un |une )?"
                         r"(?:table|tableau)\b")),
]  # fmt: skip

_N = r"(\d{1,4})"
_TOP_WORDS = (r"top|first|best|highest|largest|biggest|greatest|premiers|premieres|meilleurs|"
              r"meilleures|meilleur|meilleure")  # fmt: skip
_BOTTOM_WORDS = r"bottom|worst|lowest|smallest|pires|moins bons|moins bonnes"
_MORE = r"plus (?:gros|grosses|grands|grandes|importants|importantes|eleves|elevees|vendus)"
RANKINGS: list[tuple[bool, re.Pattern[str]]] = [
    (True, re.compile(rf"\b(?:the |les |le |la )?(?:{_TOP_WORDS}) {_N}\b")),
    (True, re.compile(rf"\b(?:the |les |le |la )?{_N} (?:{_TOP_WORDS}|{_MORE})\b")),
    (False, re.compile(rf"\b(?:the |les |le |la )?(?:{_BOTTOM_WORDS}) {_N}\b")),
    (False, re.compile(rf"\b(?:the |les |le |la )?{_N} (?:{_BOTTOM_WORDS}|plus petits|"
                       r"plus petites|derniers|dernieres|moins)\b")),
    (True, re.compile(r"\b(?:the most|most|le plus|la plus|les plus|the highest|the largest|"
                      r"the biggest|the best|highest|largest|biggest|best)\b")),
    (False, re.compile(r"\b(?:the least|least|le moins|la moins|les moins|the lowest|"
                       r"the smallest|the fewest|fewest|lowest|smallest|worst)\b")),
    (True, re.compile(r"\btop\b")),
]  # fmt: skip
DEFAULT_TOP = 10


@dataclass(frozen=True)
class Ranking:
    """Keep the ``limit`` highest (``descending``) or lowest rows."""

    descending: bool
    limit: int
    said: bool
    """The number was in the question (``top 5``); else 1 for "the most", 10 for "top"."""


def find_chart(folded: str) -> tuple[str | None, str]:
    """The chart kind asked for, and the question without the phrase."""
    for kind, pattern in CHARTS:
        match = pattern.search(folded)
        if match:
            return kind, " ".join((folded[: match.start()] + " " + folded[match.end() :]).split())
    return None, folded


def find_ranking(folded: str) -> tuple[Ranking | None, str]:
    """The ranking asked for, and the question without the phrase."""
    for descending, pattern in RANKINGS:
        match = pattern.search(folded)
        if match is None:
            continue
        groups = [g for g in match.groups() if g]
        if groups:
            limit, said = int(groups[0]), True
        else:
            limit, said = (DEFAULT_TOP if match.group(0).strip() == "top" else 1), False
        rest = " ".join((folded[: match.start()] + " " + folded[match.end() :]).split())
        return Ranking(descending, max(limit, 1), said), rest
    return None, folded
