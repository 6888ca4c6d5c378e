"""What the semantic layer knows of a source: its columns as profiled at ingest, and its file.

Validation compares a model's tables with these (a deleted source, a vanished column, a changed
type); suggestions read names, types, null and distinct counts from them, and check exact
uniqueness and value overlap on the Parquet file when its path is known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.ingest.models import Profile


@dataclass(frozen=True)
class SourceColumn:
    """One profiled column: identifier, label the user saw, logical type and counts.

    ``min`` and ``max`` are the profile's JSON-safe bounds (ISO text for dates), or None;
    ``currency`` the ISO code of an amount column read from a currency (``$74.69``), with the
    decimals the file wrote.
    """

    name: str
    label: str
    type: str
    null_count: int = 0
    distinct_approx: int = 0
    min: Any = None
    max: Any = None
    currency: str | None = None
    currency_decimals: int = 2


@dataclass(frozen=True)
class SourceSchema:
    """A ready source of the workspace: id, display name, row count, columns and Parquet path."""

    source_id: str
    name: str
    row_count: int
    columns: tuple[SourceColumn, ...]
    path: Path | None = None
    """Its Parquet file, when known (for exact uniqueness and value-overlap checks)."""

    def column(self, name: str) -> SourceColumn | None:
        """The column called ``name`` (identifier), or None."""
        return next((c for c in self.columns if c.name == name), None)

    @classmethod
    def from_profile(
        cls,
        source_id: str,
        name: str,
        profile: Mapping[str, Any] | Profile,
        path: Path | str | None = None,
    ) -> SourceSchema:
        """Build a schema from an ingest profile.

        Parameters
        ----------
        source_id
            The source's key (a UUID in the app, any text in a notebook).
        name
            The source's display name, such as ``"orders"``.
        profile
            :class:`pipelines.ingest.Profile` or its JSON form: ``{"row_count": ...,
            "columns": [{"label", "identifier", "type", "null_count", "distinct_approx",
            "min", "max"}, ...]}``.
        path
            The source's Parquet file, if known.
        """
        data = profile if isinstance(profile, Mapping) else dataclasses.asdict(profile)
        columns = tuple(
            SourceColumn(
                name=str(c["identifier"]),
                label=str(c.get("label") or c["identifier"]),
                type=str(c["type"]),
                null_count=int(c.get("null_count") or 0),
                distinct_approx=int(c.get("distinct_approx") or 0),
                min=c.get("min"),
                max=c.get("max"),
                currency=(c.get("currency") or {}).get("code"),
                currency_decimals=int((c.get("currency") or {}).get("decimals", 2)),
            )
            for c in data.get("columns", ())
        )
        return cls(
            source_id=str(source_id),
            name=name,
            row_count=int(data.get("row_count") or 0),
            columns=columns,
            path=Path(path) if path is not None else None,
        )
