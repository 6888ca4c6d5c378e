"""The "active over time" shape of a semantic query: rows counted in each period they span.

A table whose rows have a start and an optional end date (employees hired and leaving,
subscriptions, contracts, tickets opened and closed) is asked how many rows were active in each
month, quarter or year. :class:`OverTime` is the optional ``over_time`` part of a
:class:`~pipelines.semantic.query.SemanticQuery`; :mod:`pipelines.semantic.over_time` compiles
it. Plain data with a JSON round-trip, like the rest of the query::

    {"measures": ["employees.count"], "dimensions": ["departments.department_name"],
     "over_time": {"start": "employees.hire_date", "end": "employees.exit_date",
                   "grain": "month"}}

The rules, all inclusive and by calendar day:

- A row is **active on day d** when ``start <= d`` and (``end`` is empty or ``end >= d``): the
  end date is the last day the row counts (an employee's last working day). A row without a
  start, or ending before it starts, is never active. Timestamps are read as their day.
- **Periods** are calendar months, quarters or years; the result's ``period`` column holds the
  first day of each. The query's measures are aggregated, in each period, over the rows active
  on the period's **last day** (``at="end"``, the HR convention: headcount at the end of the
  month) or on **any day** of it (``at="any"``: ``start <= last day`` and ``end >= first
  day``).
- **Which periods**: every period from the one holding the earliest start to the one holding
  the latest start or end of the rows left by the filters, all of them even when nothing is
  active then. A filter on the ``start`` or ``end`` column with ``between``, ``gte``, ``gt``,
  ``lte`` or ``lt`` (a dashboard's date range) does not filter rows: it sets the window, and
  the periods are those touching it (the side it leaves open comes from the data). Other
  filters on those columns (``is_null``, ``eq``, ``in``...) filter rows as usual.
- **Breakdowns**: each period is repeated for every combination of the query's dimensions met
  in the result, with the measures of an empty combination as they are over no rows (a count
  is 0, a sum empty).
- **Flows** (``flows``) add columns computed over the rows active at any time in the period:
  ``starts`` (rows whose start falls in it: hires), ``ends`` (rows whose end falls in it:
  exits), ``average`` (the average daily count of active rows over the period's days: days
  active in the period summed over the rows, divided by the period's length), ``turnover``
  (``ends / average``; empty when the average is 0) and ``tenure`` (the average time since
  start, in years of 365.25 days, of the rows the measures count, taken on the period's last
  day or on the row's end when it ends earlier).
- **Tenure bands** (``tenure_bands``, band edges in years of 365.25 days, positive and
  ascending: ``[1, 2, 5, 10]``) split the rows the measures count by their tenure, measured as
  for the ``tenure`` flow: the result gains a ``tenure_band`` column (after the query's
  dimensions) whose labels read "< 1 year", "1-2 years", "2-5 years", "5-10 years", "10+
  years" (with an en dash between the edges). A band holds the tenures from its lower edge (included) to its upper edge (excluded):
  366 days is in "1-2 years", 365 days in "< 1 year". Every band appears in every period and
  breakdown, with a count of 0 when empty; rows come in band order (a sort on ``tenure_band``
  follows the bands, not the alphabet). Only the ``tenure`` flow goes with bands (the others
  count rows moving during the period, which have no single tenure).
- **Latest** (``latest: true``) keeps only the newest period of the window (the one holding the
  latest start or end, or the last one a date filter touches): "the distribution as of the
  latest month", however many rows each period has.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OverTimeGrain = Literal["month", "quarter", "year"]
Flow = Literal["starts", "ends", "average", "turnover", "tenure"]

PERIOD = "period"
"""The name of the result column holding each period's first day."""
FLOWS: tuple[Flow, ...] = ("starts", "ends", "average", "turnover", "tenure")
TENURE_BAND = "tenure_band"
"""The name of the result column holding each row's tenure band (with ``tenure_bands``)."""
BANDED_FLOWS = frozenset({"tenure"})
"""Flows that go with tenure bands: those computed over the rows the measures count."""
MAX_BANDS = 20


class OverTime(BaseModel):
    """Count (or aggregate) the rows of one table active in each period (see the module)."""

    model_config = ConfigDict(extra="forbid")

    start: str = Field(description="The date the row starts counting: table.column")
    end: str | None = Field(
        default=None,
        description="The last date the row counts (inclusive), on the same table; empty for "
        "rows still active. None: rows never end.",
    )
    grain: OverTimeGrain = "month"
    at: Literal["end", "any"] = Field(
        default="end",
        description="end: rows active on the period's last day; any: active on any of its days",
    )
    flows: list[Flow] = Field(
        default_factory=list,
        description="Extra columns: starts, ends, average, turnover (ends / average), tenure",
    )
    tenure_bands: list[float] = Field(
        default_factory=list,
        max_length=MAX_BANDS,
        description="Band edges in years, ascending (such as [1, 2, 5, 10]): the rows counted "
        "are split by tenure into a tenure_band column",
    )
    latest: bool = Field(
        default=False, description="Only the newest period of the window (the latest month)"
    )

    @field_validator("tenure_bands")
    @classmethod
    def _check_bands(cls, edges: list[float]) -> list[float]:
        for edge in edges:
            if not math.isfinite(edge) or edge <= 0:
                raise ValueError(
                    f"tenure_bands: {edge:g} is not a positive number of years; give band "
                    "edges such as [1, 2, 5, 10]"
                )
        for low, high in itertools.pairwise(edges):
            if high <= low:
                raise ValueError(
                    f"tenure_bands must be in ascending order, each edge once ({high:g} comes "
                    f"after {low:g}); give band edges such as [1, 2, 5, 10]"
                )
        return edges

    @model_validator(mode="after")
    def _check_flows(self) -> Self:
        others = [f for f in self.flows if f not in BANDED_FLOWS]
        if self.tenure_bands and others:
            raise ValueError(
                f"tenure_bands cannot go with the {', '.join(others)} flow"
                f"{'s' if len(others) > 1 else ''} (rows starting or ending during a period "
                "have no single tenure); keep only measures and the tenure flow"
            )
        return self

    def band_labels(self) -> list[str]:
        """The label of each tenure band, in band order ("< 1 year" ... "10+ years")."""
        edges = [f"{edge:g}" for edge in self.tenure_bands]
        if not edges:
            return []
        first = f"< {edges[0]} year{'' if edges[0] == '1' else 's'}"
        middle = [f"{low}\u2013{high} years" for low, high in itertools.pairwise(edges)]
        return [first, *middle, f"{edges[-1]}+ years"]

    def added_columns(self) -> list[str]:
        """The result columns this part adds to the query's dimensions and measures (period
        first, the tenure band after the dimensions, flows last): names a sort may use besides
        the query's fields."""
        return [PERIOD, *([TENURE_BAND] if self.tenure_bands else []), *self.flows]
