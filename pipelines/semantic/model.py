"""The semantic model as typed data: tables, joins, column roles, measures and time grains.

A model is plain data with a JSON round-trip (:meth:`SemanticModel.to_json` /
:meth:`SemanticModel.from_json`); it knows nothing of tenants or of the web app. Names:

- a table's ``name`` is its identifier in queries (unique in the model, SQL-safe);
- a column's ``name`` is the source column's identifier (from the ingest profile);
- a calculated measure's ``name`` is unique across the model's calculated measures.

Query fields are written ``table.column`` (a dimension or a measure column with its default
aggregation), ``table.column.grain`` (a time dimension truncated to a grain) or the bare name of
a calculated measure.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from .query import Compare, Filter, QueryResult, SemanticError, SemanticQuery, Sort

# The vocabulary lives in .vocabulary; the model re-exports the names other layers import from it.
from .vocabulary import AGGREGATIONS as AGGREGATIONS
from .vocabulary import GRAINS as GRAINS
from .vocabulary import NUMERIC_TYPES as NUMERIC_TYPES
from .vocabulary import TIME_TYPES as TIME_TYPES
from .vocabulary import Aggregation, Cardinality, ColumnType, Grain, JoinType, Role

CONNECTION_KEY = "connection:"
"""How the key of a connection table's schema among a model's sources starts."""
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

Synonym = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
"""Another word for a table, column or measure, as people say it in questions."""


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ValueError(
            f"{what} {value!r} must start with a lowercase letter or _ and contain only "
            "lowercase letters, digits and _ (at most 63 characters)"
        )
    return value


class NumberFormat(_Base):
    """How a measure's numbers are shown: ``1,234.50``, ``€1,234.50`` or ``12.5%``."""

    kind: Literal["number", "currency", "percent"] = "number"
    decimals: int = Field(default=2, ge=0, le=10)
    currency: str | None = Field(default=None, max_length=8)


class Position(_Base):
    """Where a table's node sits on the ERD canvas."""

    x: float = 0.0
    y: float = 0.0


class Column(_Base):
    """One column of a table with its role in the model."""

    name: str
    type: ColumnType
    label: str = ""
    description: str = ""
    role: Role = "dimension"
    aggregation: Aggregation | None = None
    """Default aggregation of a measure; ``None`` for dimensions and ignored columns."""
    format: NumberFormat | None = None
    grains: list[Grain] = Field(default_factory=list)
    """Grains offered for a time dimension (date or timestamp); empty means all of them."""
    synonyms: list[Synonym] = Field(default_factory=list, max_length=20)
    """Other words people use for this column ("revenue", "CA"); Explore matches them."""

    @property
    def display(self) -> str:
        return self.label or self.name


class ConnectionTable(_Base):
    """A table of a live database connection, read where it is (nothing is copied).

    ``connection_id`` is the saved connection (a UUID in the app), ``schema_name`` the schema
    (MySQL: the database) and ``table`` the table or view, exactly as the connection's catalog
    lists them.
    """

    connection_id: str = Field(min_length=1, max_length=64)
    schema_name: str = Field(min_length=1, max_length=255)
    table: str = Field(min_length=1, max_length=255)

    @property
    def key(self) -> str:
        """The key its schema is found under among a model's sources."""
        return f"{CONNECTION_KEY}{self.connection_id}:{self.schema_name}.{self.table}"

    @property
    def display(self) -> str:
        return f"{self.schema_name}.{self.table}"


class Table(_Base):
    """One table of the model: one source of the workspace, or one table of a connection."""

    name: str
    source_id: str = Field(default="", exclude_if=lambda v: v == "")
    """The source whose Parquet file holds the data (a UUID in the app; any key in a notebook);
    empty for a table of a connection."""
    connection: ConnectionTable | None = Field(default=None, exclude_if=lambda v: v is None)
    """The connection's table the data stays in, instead of a source (None for a file)."""
    label: str = ""
    description: str = ""
    primary_key: str | None = None
    columns: list[Column] = Field(default_factory=list)
    synonyms: list[Synonym] = Field(default_factory=list, max_length=20)
    """Other words for the table's rows ("sales", "commandes"); Explore matches them."""
    position: Position | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "Table name")

    @model_validator(mode="after")
    def _one_origin(self) -> Table:
        if bool(self.source_id) == (self.connection is not None):
            raise ValueError(
                f"Table {self.name!r} reads either a source (source_id) or a connection's "
                "table (connection), exactly one of them"
            )
        return self

    @property
    def source_key(self) -> str:
        """The key of its schema among a model's sources: the source id, or the connection
        table's :attr:`ConnectionTable.key`."""
        return self.connection.key if self.connection is not None else self.source_id

    @property
    def display(self) -> str:
        return self.label or self.name

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


class ColumnPair(_Base):
    left: str
    right: str


class Join(_Base):
    """``left_table`` joined to ``right_table`` on one or more column pairs."""

    id: str
    left_table: str
    right_table: str
    on: list[ColumnPair] = Field(min_length=1)
    type: JoinType = "left"
    cardinality: Cardinality = "many_to_one"
    alias: str | None = Field(
        default=None,
        description="A role-playing join: the name under which right_table is reached through "
        "this join (origin_airport), so one table can be joined more than once; its fields are "
        "written alias.column. None: the right table is reached under its own name.",
    )
    """A role-playing join: the name under which ``right_table`` is reached through this join
    (``origin_airport``), so one table can be joined more than once (origin and destination
    airports; an employee's manager). Fields of the aliased use are written ``alias.column``.
    ``None`` means the right table is reached under its own name."""
    label: str = Field(
        default="", description="How the aliased use is shown (Origin airport); the alias if empty."
    )
    """How the aliased use is shown (``Origin airport``); the alias itself when empty."""

    @field_validator("alias")
    @classmethod
    def _alias(cls, value: str | None) -> str | None:
        return None if value is None else _check_name(value, "Join alias")


class CalculatedMeasure(_Base):
    """A measure computed from an expression over one table's columns.

    ``expression`` is SQL-like, such as ``sum(quantity * unit_price)`` or
    ``count_distinct(customer_id)``; it is parsed (never evaluated) and may use only the
    aggregations, arithmetic and the few scalar functions the compiler allows.
    """

    name: str
    table: str
    expression: str
    label: str = ""
    description: str = ""
    format: NumberFormat | None = None
    synonyms: list[Synonym] = Field(default_factory=list, max_length=20)
    """Other words people use for this measure; Explore matches them."""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "Measure name")

    @property
    def display(self) -> str:
        return self.label or self.name


class SemanticModel(_Base):
    """A workspace's semantic model. ``version`` is the store's version number (0 = unsaved)."""

    version: int = 0
    tables: list[Table] = Field(default_factory=list)
    joins: list[Join] = Field(default_factory=list)
    measures: list[CalculatedMeasure] = Field(default_factory=list)

    _data: dict[str, Path] = PrivateAttr(default_factory=dict)

    # -- lookups -----------------------------------------------------------------------------
    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def measure(self, name: str) -> CalculatedMeasure | None:
        return next((m for m in self.measures if m.name == name), None)

    def join(self, join_id: str) -> Join | None:
        return next((j for j in self.joins if j.id == join_id), None)

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)

    def to_json(self, path: str | os.PathLike[str] | None = None, indent: int = 2) -> str:
        text = self.model_dump_json(indent=indent)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SemanticModel:
        return cls.model_validate(data)

    @classmethod
    def from_json(
        cls,
        source: str | os.PathLike[str],
        data: str | os.PathLike[str] | dict[str, str | os.PathLike[str]] | None = None,
    ) -> SemanticModel:
        """Load a model from a JSON file (or a JSON string) and bind its data.

        ``data`` is a folder holding ``{table name}.parquet`` for every table, or a mapping of
        table name to Parquet path. Without it the model can be edited and validated but not
        queried.
        """
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        model = cls.model_validate(json.loads(text))
        if data is not None:
            model.bind(data)
        return model

    # -- data binding ------------------------------------------------------------------------
    def bind(self, data: str | os.PathLike[str] | dict[str, str | os.PathLike[str]]) -> None:
        """Tell the model where each table's Parquet file is (see :meth:`from_json`)."""
        if isinstance(data, dict):
            self._data = {name: Path(path) for name, path in data.items()}
        else:
            folder = Path(data)
            self._data = {t.name: folder / f"{t.name}.parquet" for t in self.tables}

    @property
    def data(self) -> dict[str, Path]:
        return dict(self._data)

    # -- querying ----------------------------------------------------------------------------
    def query(
        self,
        measures: Iterable[str] = (),
        dimensions: Iterable[str] = (),
        filters: Iterable[Filter | Mapping[str, Any] | tuple[Any, ...]] = (),
        sort: Iterable[Sort | Mapping[str, Any] | str] = (),
        limit: int | None = None,
        compare: Iterable[Compare | Mapping[str, Any]] = (),
        over_time: Any = None,
        first_seen: Any = None,
    ) -> QueryResult:
        """Run a semantic query against the bound data (see :meth:`bind`).

        Parameters
        ----------
        measures, dimensions
            Field strings: ``table.column``, ``table.column.grain`` or a calculated measure.
        filters
            :class:`Filter` objects, dicts, or ``(field, op, value)`` tuples.
        sort
            :class:`Sort` objects, dicts, or field strings (``"-field"`` sorts descending).
        limit
            At most this many rows.
        compare
            :class:`Compare` objects or dicts such as ``{"measure": "orders.amount", "shift":
            "year"}``: each adds the measure's previous value and its change (see
            :mod:`pipelines.semantic.compare`).
        over_time
            An :class:`~pipelines.semantic.over_time_query.OverTime` or its dict: rows counted in
            each period they are active (so ``SemanticQuery.model_dump()`` passes back whole).
        first_seen
            A :class:`~pipelines.semantic.first_seen_query.FirstSeen` or its dict: each row
            marked new or returning by its entity's first date.

        Raises
        ------
        SemanticError
            When no data is bound, or naming the measure, dimension or filter at fault.
        """
        # Lazy on purpose: the engine imports the model; this is the one import back.
        from .engine import SemanticEngine

        if not self._data:
            raise SemanticError(
                "This model has no data bound; call bind() with a folder of Parquet files or "
                "a mapping of table name to file first"
            )
        filter_items = [
            f if isinstance(f, Filter)
            else Filter(**f) if isinstance(f, Mapping)
            else Filter(**dict(zip(("field", "op", "value"), f, strict=False)))
            for f in filters
        ]  # fmt: skip
        sort_items = [
            s if isinstance(s, Sort)
            else Sort(**s) if isinstance(s, Mapping)
            else Sort(field=s.removeprefix("-"), descending=s.startswith("-"))
            for s in sort
        ]  # fmt: skip
        query = SemanticQuery(
            measures=list(measures),
            dimensions=list(dimensions),
            filters=filter_items,
            sort=sort_items,
            limit=limit,
            compare=[c if isinstance(c, Compare) else Compare(**c) for c in compare],
            over_time=over_time,
            first_seen=first_seen,
        )
        return SemanticEngine(self, self._data).execute(query)
