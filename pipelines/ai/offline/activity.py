"""Rows active over time: the tables whose rows have a start and an end date, and the phrases
asking how many were active, started or ended in each period.

A table is a *span* when its rows can be counted (it has a row count) and it has exactly one
date column named like a start (hire, start, entry, signup, embauche…) and exactly one named
like an end (exit, end, termination, leaving, sortie, départ…), by the column's name, label and
synonyms (:func:`find_spans`). Employees with a hire and an exit date are one; so are
subscriptions, contracts or tickets opened and closed. Such a table answers "headcount by
month" with the engine's over-time query (:mod:`pipelines.semantic.over_time_query`).

:func:`find_activity` reads the phrases of a question about it: flows ("hires vs exits",
"turnover", "tenure", "entrées et sorties", "ancienneté") and a trend ("over time", "au fil du
temps", "évolution"), which also asks any other measure for a time series.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.ai.catalog import Catalog, CatalogField
from pipelines.semantic.over_time_query import Flow

from .normalise import words

__all__ = ["Activity", "Span", "find_activity", "find_spans"]

START_WORDS = frozenset(
    {
        "start", "started", "starting", "begin", "beginning", "hire", "entry", "entree",
        "join", "joined", "joining", "signup", "subscribed", "subscription", "open", "opened",
        "opening", "arrival", "arrivee", "debut", "onboarding",
        "enrolled", "enrollment", "inscription", "souscription", "ouverture", "activation",
        "activated",
    }
)  # fmt: skip
"""Words of a column holding the day a row starts counting (folded, one spelling). Not
"created": an order created and cancelled is an event, not something active for a while."""
END_WORDS = frozenset(
    {
        "end", "ended", "ending", "exit", "leave", "leaving", "termination", "terminated",
        "close", "closed", "closing", "closure", "cloture", "cancellation", "cancelled",
        "churn", "churned", "expiry", "expiration", "expired", "stop", "stopped", "finish",
        "finished", "fin", "resiliation", "quit", "deactivation", "deactivated",
    }
)  # fmt: skip
"""Words of a column holding the last day a row counts."""

_FLOWS: list[tuple[tuple[Flow, ...], re.Pattern[str]]] = [
    (("starts", "ends"), re.compile(
        r"\b(?:new )?(?:hires?|hirings?|starts?|starters?|joiners?|arrivals?|entries|entry|"
        r"entrees?|embauches?|recrutements?|arrivees?|debuts?)\s+(?:vs|versus|and|against|et|"
        r"contre|compared (?:to|with)|face aux?|par rapport aux?)\s+(?:the |les )?(?:exits?|"
        r"leavers?|departures?|ends?|terminations?|sorties?|departs?|fins?)\b")),
    (("turnover",), re.compile(
        r"\b(?:(?:staff|employee|personnel) )?(?:turnover|turn over|attrition)(?: rate)?\b|"
        r"\btaux (?:de )?(?:rotation|turnover|turn over|attrition|depart|departs)"
        r"(?: (?:du|des) (?:personnel|salaries|employes|collaborateurs))?\b|"
        r"\brotation (?:du|des) (?:personnel|salaries|employes|collaborateurs)\b")),
    (("tenure",), re.compile(
        r"\b(?:(?:average|mean) )?(?:tenure|length of service|seniority)\b|"
        r"\banciennete(?: moyenne)?\b")),
]  # fmt: skip
_TREND = re.compile(
    r"\b(?:over time|through time|au fil du temps|dans le temps|au cours du temps|"
    r"(?:the )?(?:evolution|trend|tendance)(?: (?:of|in|du|de la|de l|des|de|d))?)\b"
)


@dataclass(frozen=True)
class Span:
    """A table whose rows are active from a start date to an end date."""

    node: str
    count: CatalogField
    """The table's row count."""
    start: CatalogField
    end: CatalogField


@dataclass(frozen=True)
class Activity:
    """What a question asks about rows over time."""

    flows: tuple[Flow, ...] = ()
    trend: bool = False
    """"Over time", "évolution": a series over time."""
    text: str = ""


def _column_words(item: CatalogField) -> set[str]:
    texts = [item.field.split(".")[-1], item.name_label, *item.synonyms]
    return {w for text in texts for w in words(text)}


def find_spans(catalog: Catalog) -> list[Span]:
    """The span tables of ``catalog`` (see the module): a start and an end date column each."""
    spans: list[Span] = []
    for node, _, _ in catalog.tables:
        count = next(
            (f for f in catalog.measures
             if f.node == node and f.aggregation == "count" and f.field == f"{node}.count"),
            None,
        )  # fmt: skip
        if count is None:
            continue
        dates = [f for f in catalog.time_dimensions if f.node == node]
        starts = [d for d in dates if _column_words(d) & START_WORDS]
        ends = [d for d in dates if _column_words(d) & END_WORDS]
        if len(starts) == 1 and len(ends) == 1 and starts[0] != ends[0]:
            spans.append(Span(node, count, starts[0], ends[0]))
    return spans


def find_activity(folded: str, spans: bool) -> tuple[Activity, str]:
    """The flows and trend a folded question asks for, and the question without them.

    Flows are read only when the catalog has a span table (``spans``): elsewhere "turnover"
    means revenue.
    """
    flows: list[Flow] = []
    said: list[str] = []
    rest = f" {folded} "
    for names, pattern in _FLOWS if spans else []:
        match = pattern.search(rest)
        if match is not None:
            flows += [f for f in names if f not in flows]
            said.append(match.group(0).strip())
            rest = rest[: match.start()] + " " + rest[match.end() :]
    trend = _TREND.search(rest)
    if trend is not None:
        said.append(trend.group(0).strip())
        rest = rest[: trend.start()] + " " + rest[trend.end() :]
    activity = Activity(tuple(flows), trend is not None, ", ".join(said))
    return activity, " ".join(rest.split())
