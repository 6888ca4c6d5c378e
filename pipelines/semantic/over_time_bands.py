"""Tenure bands of an over-time query (``tenure_bands``, see :mod:`.over_time_query`).

A row's tenure is a number of days (from its start to the period's last day, or to its end when
it ends earlier); its band is the index of the first edge it falls below, the last band for a
tenure at or above every edge. The edges are compared in days (``edge * 365.25``), so a tenure
of exactly an edge (1,461 days for 4 years) is in the band above. The bands are carried as
indexes while the query is built and turned into their labels at the end; :func:`band_rank`
turns a label back into its index, so the result sorts in band order, not alphabetically.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["BAND", "DAYS_PER_YEAR", "band_label", "band_of", "band_rank", "every_band"]

BAND = "#b"
"""The internal column of a row's band index."""
DAYS_PER_YEAR = 365.25


def band_of(days: ir.IntegerValue, edges: list[float]) -> ir.IntegerValue:
    """The index of the band of a tenure of ``days``: 0 below the first edge, ``len(edges)``
    at or above the last."""
    branches = [(days < edge * DAYS_PER_YEAR, index) for index, edge in enumerate(edges)]
    value = ibis.cases(*branches, else_=len(edges))
    assert isinstance(value, ir.IntegerValue)
    return value


def every_band(table: ir.Table, count: int) -> ir.Table:
    """``table`` with each row repeated for the ``count`` band indexes (in :data:`BAND`)."""
    indexes = ibis.literal(list(range(count)), type="array<int64>")
    return table.select(*table.columns, **{BAND: indexes.unnest()})


def band_label(index: ir.IntegerValue, labels: list[str]) -> ir.StringValue:
    """The label of band ``index``."""
    value = ibis.cases(*((index == number, label) for number, label in enumerate(labels)))
    assert isinstance(value, ir.StringValue)
    return value


def band_rank(label: ir.Value, labels: list[str]) -> ir.IntegerValue:
    """The index of the band labelled ``label``: the band order of a label column."""
    value = ibis.cases(*((label == text, number) for number, text in enumerate(labels)))
    assert isinstance(value, ir.IntegerValue)
    return value
