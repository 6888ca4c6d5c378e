"""Dashboards as the service hands them out, and the checks a save makes.

A document is always checked for its structure (:class:`DashboardDocument`); its semantic
widgets and filters are also checked against the workspace's saved model, but only those that
are new or changed by the save: a widget whose field was later removed from the model still
loads and saves unchanged (it shows its error when evaluated).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.services.errors import Conflict, InvalidInput
from app.store.models import Dashboard
from pipelines.dashboards import DashboardDocument, FilterReach
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import SemanticError

MAX_NAME = 120
MAX_DESCRIPTION = 1000


class StaleDashboard(Conflict):
    """A save based on a version that is no longer the current one (nothing was changed)."""

    def __init__(self, current: int) -> None:
        super().__init__(
            f"The dashboard was changed by someone else (version {current}); reload it."
        )
        self.current = current

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.current}


@dataclass(frozen=True)
class DashboardInfo:
    """A stored dashboard: its identity, name, description, version and document."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    name: str
    description: str
    version: int
    document: DashboardDocument
    created_by: uuid.UUID | None
    updated_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Dashboard) -> DashboardInfo:
        return cls(
            id=row.id,
            workspace_id=row.workspace_id,
            name=row.name,
            description=row.description,
            version=row.version,
            document=stored_document(row.document),
            created_by=row.created_by,
            updated_by=row.updated_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def summary(self) -> dict[str, Any]:
        """Everything but the document, plus its widget and filter counts (for lists)."""
        return {
            "id": str(self.id),
            "workspace_id": str(self.workspace_id),
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "widgets": len(self.document.widgets),
            "filters": len(self.document.filters),
            "created_by": None if self.created_by is None else str(self.created_by),
            "updated_by": None if self.updated_by is None else str(self.updated_by),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    def as_json(self) -> dict[str, Any]:
        """:meth:`summary` with the ``document`` as JSON."""
        return {**self.summary(), "document": self.document.model_dump(mode="json")}


def stored_document(data: dict[str, Any]) -> DashboardDocument:
    """A document read back from the store (validated when it was saved)."""
    return DashboardDocument.model_validate(data)


def parse_document(document: DashboardDocument | dict[str, Any] | None) -> DashboardDocument:
    """``document`` as a :class:`DashboardDocument`; InvalidInput naming the field at fault.

    ``None`` is an empty dashboard.
    """
    if document is None:
        return DashboardDocument()
    if isinstance(document, DashboardDocument):
        document = document.model_dump(mode="json")
    try:
        return DashboardDocument.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("document", *error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"The dashboard is not valid: {where}: {message}.", where) from None


def check_against_model(
    document: DashboardDocument, model: SemanticModel, before: DashboardDocument | None
) -> None:
    """Check the widgets and filters that ``document`` adds or changes (compared with
    ``before``) against ``model``.

    Raises
    ------
    InvalidInput
        Naming the widget (``widgets.<id>``) or filter (``filters.<id>``) and its field.
    """
    if not model.tables:
        return
    reach = FilterReach(model)
    old_widgets = {w.id: w for w in (before.widgets if before else [])}
    for widget in document.widgets:
        kept = old_widgets.get(widget.id)
        if kept is not None and kept.query == widget.query and kept.chart == widget.chart:
            continue
        try:
            reach.check_widget(widget)
        except SemanticError as exc:
            raise InvalidInput(exc.message, f"widgets.{widget.id}") from None
    old_filters = {f.id: f for f in (before.filters if before else [])}
    for item in document.filters:
        kept_filter = old_filters.get(item.id)
        if kept_filter is not None and kept_filter.field == item.field:
            continue
        try:
            reach.filter_field(item)
        except SemanticError as exc:
            raise InvalidInput(exc.message, f"filters.{item.id}") from None


def copy_name(name: str, taken: set[str]) -> str:
    """``Copy of <name>``, then ``Copy of <name> (2)``... the first not in ``taken``
    (lowercase names), within :data:`MAX_NAME` characters."""
    base = f"Copy of {name}"[:MAX_NAME]
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate = base[: MAX_NAME - len(suffix)] + suffix
        n += 1
    return candidate
