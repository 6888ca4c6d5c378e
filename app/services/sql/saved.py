"""Saved queries of a workspace: a named SQL (checked by the guard) and the chart to show it as.

Names are unique in a workspace, compared case-insensitively. Everyone with access to the
workspace lists and reads them; editors and admins save, change and delete them.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.principal import Principal
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.names import clean_name
from app.services.sources.files import SourceFiles
from app.services.sql.tables import check_sql_text, load_tables, workspace_of
from app.store.db import Database
from app.store.models import SavedQuery, utcnow
from app.store.repositories import SavedQueryRepository
from pipelines.charts import CHART_KINDS
from pipelines.query import check_sql

MAX_NAME = 120
MAX_DESCRIPTION = 1000
UNCHANGED: Any = object()
"""Default of :meth:`SavedQueries.update_saved` arguments: keep the stored value."""


class SavedChart(BaseModel):
    """The chart a saved query is shown as: its kind, x column and y columns."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description=f"One of {', '.join(CHART_KINDS)}")
    x: str | None = None
    y: list[str] = Field(default_factory=list)

    @field_validator("kind")
    @classmethod
    def _known(cls, kind: str) -> str:
        if kind not in CHART_KINDS:
            raise ValueError(f"unknown chart kind “{kind}”; use one of {', '.join(CHART_KINDS)}")
        return kind


def check_chart(chart: Any) -> dict[str, Any] | None:
    """``chart`` as stored (``{"kind", "x", "y"}``), or InvalidInput on the ``chart`` field."""
    if chart is None:
        return None
    try:
        value = chart if isinstance(chart, SavedChart) else SavedChart.model_validate(chart)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in ("chart", *error["loc"]))
        message = error["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"The chart is not valid: {where}: {message}.", where) from None
    return value.model_dump()


class SavedQueries:
    """The saved-query half of :class:`app.services.sql.service.SqlService`."""

    db: Database
    files: SourceFiles
    principal: Principal

    def saved(self, workspace_id: uuid.UUID | str) -> list[dict[str, Any]]:
        """The workspace's saved queries, by name."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            rows = SavedQueryRepository(session, self.principal).list(workspace.id)
            return [_saved_entry(row) for row in rows]

    def get_saved(self, workspace_id: uuid.UUID | str, query_id: uuid.UUID | str) -> dict[str, Any]:
        """One saved query (NotFound when not in this workspace)."""
        with self.db.transaction() as session:
            return _saved_entry(self._saved(session, workspace_id, query_id))

    def save_query(
        self,
        workspace_id: uuid.UUID | str,
        name: str,
        sql: str,
        description: str = "",
        chart: Any = None,
    ) -> dict[str, Any]:
        """Save ``sql`` under ``name`` (editor or admin).

        Raises
        ------
        Forbidden
            For viewers.
        Conflict
            When the workspace has a saved query of that name already.
        GuardError
            When ``sql`` is not one read-only query over the workspace's tables.
        """
        self.principal.require("editor", "save queries")
        name, description, chart = _clean(name, description, chart)
        with self.db.transaction() as session:
            self._check_sql(session, workspace_id, sql)
            workspace = workspace_of(session, self.principal, workspace_id)
            queries = SavedQueryRepository(session, self.principal)
            _unique(queries, workspace.id, name)
            try:
                with session.begin_nested():
                    row = queries.add(
                        SavedQuery(
                            workspace_id=workspace.id,
                            name=name,
                            sql=sql,
                            description=description,
                            chart=chart,
                            created_by=self.principal.user_id,
                        )
                    )
            except IntegrityError:
                raise _duplicate(name) from None  # saved by someone else a moment ago
            return _saved_entry(row)

    def update_saved(
        self,
        workspace_id: uuid.UUID | str,
        query_id: uuid.UUID | str,
        *,
        name: str = UNCHANGED,
        sql: str = UNCHANGED,
        description: str = UNCHANGED,
        chart: Any = UNCHANGED,
    ) -> dict[str, Any]:
        """Change a saved query's name, SQL, description or chart (editor or admin); the
        arguments not given keep their value (``chart=None`` clears the chart)."""
        self.principal.require("editor", "change saved queries")
        with self.db.transaction() as session:
            row = self._saved(session, workspace_id, query_id)
            queries = SavedQueryRepository(session, self.principal)
            if name is not UNCHANGED:
                name = clean_name(name, "name", MAX_NAME)
                if name.lower() != row.name.lower():
                    _unique(queries, row.workspace_id, name)
                row.name = name
            if sql is not UNCHANGED:
                self._check_sql(session, row.workspace_id, sql)
                row.sql = sql
            if description is not UNCHANGED:
                row.description = _description(description)
            if chart is not UNCHANGED:
                row.chart = check_chart(chart)
            row.updated_at = utcnow()
            try:
                with session.begin_nested():
                    session.flush()
            except IntegrityError:
                raise _duplicate(row.name) from None
            return _saved_entry(row)

    def delete_saved(self, workspace_id: uuid.UUID | str, query_id: uuid.UUID | str) -> None:
        """Delete a saved query (editor or admin)."""
        self.principal.require("editor", "delete saved queries")
        with self.db.transaction() as session:
            row = self._saved(session, workspace_id, query_id)
            SavedQueryRepository(session, self.principal).delete(row)

    # -- helpers ----------------------------------------------------------------------------------
    def _saved(
        self, session: Session, workspace_id: uuid.UUID | str, query_id: uuid.UUID | str
    ) -> SavedQuery:
        workspace = workspace_of(session, self.principal, workspace_id)
        row = SavedQueryRepository(session, self.principal).in_workspace(workspace.id, query_id)
        if row is None:
            raise NotFound("No such saved query in this workspace.")
        return row

    def _check_sql(self, session: Session, workspace_id: uuid.UUID | str, sql: str) -> None:
        check_sql_text(sql)
        tables = load_tables(session, self.principal, self.files, workspace_id)
        check_sql(sql, tables.paths)


def _clean(name: str, description: str, chart: Any) -> tuple[str, str, dict[str, Any] | None]:
    return clean_name(name, "name", MAX_NAME), _description(description), check_chart(chart)


def _description(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description must be at most {MAX_DESCRIPTION} characters.", "description"
        )
    return text


def _unique(queries: SavedQueryRepository, workspace_id: uuid.UUID, name: str) -> None:
    if queries.by_name(workspace_id, name) is not None:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A saved query named “{name}” already exists in this workspace.")


def _saved_entry(row: SavedQuery) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "sql": row.sql,
        "description": row.description,
        "chart": row.chart,
        "created_by": None if row.created_by is None else str(row.created_by),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
