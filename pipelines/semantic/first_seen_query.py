"""The "new vs returning" shape of a semantic query: each row marked by its entity's first date.

:class:`FirstSeen` is the optional ``first_seen`` part of a
:class:`~pipelines.semantic.query.SemanticQuery`; :mod:`pipelines.semantic.first_seen` compiles
it. It names an **entity** (a customer, a patient, a user: ``table.column``) and the query's
time dimension does the rest::

    {"measures": ["orders.amount"], "dimensions": ["orders.order_date.month"],
     "first_seen": {"entity": "orders.customer_id", "count": true}}

The result gains one dimension column, ``new_or_returning`` (:data:`STATUS`), after the query's
own dimensions, and with ``count`` one measure column, ``entities`` (:data:`COUNT`), after the
query's measures: the number of distinct entities of the rows (new customers, returning
customers). The rules:

- The query has exactly one time dimension with a grain (``orders.order_date.month``); its
  table is the one whose rows are marked (the **dated rows**), its column the date. ``date``
  may repeat that column (``orders.order_date``) and must then be that very column.
- The entity is a column of the dated rows' table or of a table it reaches through
  many-to-one joins (``customers.customer_id`` from ``order_items`` through ``orders``), so
  each dated row has at most one entity; a one-to-many path is refused.
- An entity's **first date** is the earliest date of all the dated rows with that entity,
  over the whole table: the query's filters (a dashboard's date range, a country, a channel)
  choose which rows are aggregated, never the first date. A customer who first bought in 2022
  is ``returning`` in January 2024 even when the dashboard shows only 2024.
- A dated row is ``new`` (:data:`NEW`) when its date falls in the same bucket of the time
  dimension's grain as its entity's first date (the same month at month grain), else
  ``returning`` (:data:`RETURNING`). So, per month, each customer is either new or returning,
  and a count of distinct customers by month and status splits the month's customers in two.
- Rows **without an entity** (an order without a customer) are neither and are left out of the
  query: revenue split by status sums to the revenue of the rows that have one. A row without
  a date has no bucket and no status (both NULL).
- ``entities`` counts the entities as the dated rows see them, so it is always aggregated over
  the dated rows, filtered like them. Prefer it to a count of the entity's own table (such as
  ``customers.count``) when the entity is on another table: a date filter on the dated rows
  reaches such a measure only as "customers with an order in the range" (a semi-join), and
  their other months would still show.
- Any measure can be split this way, whatever its table: the status is a dimension of the
  dated rows, reached like any of their columns (a measure across a one-to-many join follows
  the engine's fan-out rules). ``compare`` works too: the previous side reads the status each
  row had in its own bucket. It cannot be combined with ``over_time``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["COUNT", "NEW", "RETURNING", "STATUS", "STATUS_LABEL", "FirstSeen"]

STATUS = "new_or_returning"
"""The name of the result column holding each row's status."""
STATUS_LABEL = "New or returning"
COUNT = "entities"
"""The name of the result column counting distinct entities (with ``count``)."""
NEW = "new"
RETURNING = "returning"


class FirstSeen(BaseModel):
    """Mark each row ``new`` or ``returning`` by its entity's first date (see the module)."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(
        min_length=1,
        description="Whose first date counts, as table.column (a customer id): a column of "
        "the time dimension's table or of a table it joins many-to-one",
    )
    date: str | None = Field(
        default=None,
        description="The date column, as table.column; empty: the column of the query's time "
        "dimension (it must be that column anyway)",
    )
    count: bool = Field(
        default=False,
        description="Also add the measure column entities: the number of distinct entities "
        "(customers) of the rows, new and returning apart",
    )

    def added_columns(self) -> list[str]:
        """The result columns this part adds: names a sort may use besides the query's
        fields."""
        return [STATUS, COUNT] if self.count else [STATUS]
