"""A semantic query (what to compute) and its result (what came back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .first_seen_query import FirstSeen
from .over_time_query import OverTime

FilterOp = Literal[
    "eq", "ne", "in", "not_in", "between", "gt", "gte", "lt", "lte", "contains", "is_null",
    "not_null",
]  # fmt: skip


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Filter(_Base):
    """``field`` is a dimension (``table.column`` or ``table.column.grain``).

    ``value`` is a scalar for eq/ne/gt/gte/lt/lte/contains, a list for in/not_in, a two-item
    list ``[low, high]`` (inclusive) for between, and ignored for is_null/not_null. Dates and
    timestamps are given as ISO text.
    """

    field: str
    op: FilterOp = "eq"
    value: Any = None


class Sort(_Base):
    """``field`` is one of the query's measures or dimensions (or a comparison column)."""

    field: str
    descending: bool = False


CompareShift = Literal["year", "period"]
"""How far back a comparison looks: one year, or one bucket of the query's time grain."""


class Compare(_Base):
    """One of the query's measures beside its value one shift earlier, and the change.

    The result gains two columns per comparison (see :mod:`pipelines.semantic.compare`):
    ``{measure}__previous_{shift}``, the measure over the rows dated one shift earlier, and
    ``{measure}__change_{shift}``, ``(current - previous) / |previous|`` (NULL when the previous
    value is 0 or missing). The query needs one time dimension with a grain.
    """

    measure: str = Field(min_length=1, description="One of the query's measures.")
    shift: CompareShift = Field(
        default="year",
        description="year: the same bucket one year earlier (year over year); period: the "
        "previous bucket of the time dimension's grain (the previous month at month grain).",
    )
    to_date: bool = Field(
        default=False,
        description="Compare the bucket still under way with the same days one shift before "
        "(this year to date against last year to the same date), not with a whole bucket.",
    )


class SemanticQuery(_Base):
    """Measures broken down by dimensions, filtered, sorted and limited; ``compare`` adds the
    previous-year or previous-period value of measures beside them."""

    measures: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    sort: list[Sort] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1)
    compare: list[Compare] = Field(default_factory=list, max_length=20)
    over_time: OverTime | None = None
    """Rows of one table counted in each period they are active (see :mod:`.over_time_query`)."""
    first_seen: FirstSeen | None = None
    """Rows marked new or returning by their entity's first date (see :mod:`.first_seen_query`)."""


class SemanticError(ValueError):
    """A query or model problem a user can act on; ``field`` names the part at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class QueryResult:
    """Rows of a semantic query. Column names are the query's field strings, in order:
    dimensions first, then measures, then two columns per comparison (``compare``):
    ``{measure}__previous_{shift}`` and ``{measure}__change_{shift}``."""

    columns: list[str]
    rows: list[list[Any]]
    sql: str
    labels: dict[str, str] = field(default_factory=dict)
    """Display label of each column."""
    kinds: dict[str, Literal["dimension", "measure"]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    """Logical type of each column (integer, decimal, text, date, timestamp, boolean)."""

    def to_pandas(self) -> Any:
        """The rows as a DataFrame; decimal columns as ``float64``, as DuckDB's own ``.df()``
        gives them (pandas has no exact decimal type; ``rows`` keeps the exact ``Decimal``)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=self.columns)
        for index, name in enumerate(self.columns):
            if self.types.get(name) == "decimal" and frame.iloc[:, index].dtype == object:
                frame.isetitem(index, pd.to_numeric(frame.iloc[:, index]).astype("float64"))
        return frame

    def as_json(self) -> dict[str, Any]:
        """JSON-safe form: dates and timestamps as ISO text."""
        from pipelines.ingest.profile import json_safe

        return {
            "columns": self.columns,
            "rows": [[json_safe(v) for v in row] for row in self.rows],
            "sql": self.sql,
            "labels": self.labels,
            "kinds": self.kinds,
            "types": self.types,
        }
