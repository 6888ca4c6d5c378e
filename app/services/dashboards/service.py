"""The dashboards of a workspace: stored, versioned, searched, duplicated and evaluated.

Everyone with access to a workspace lists, reads and evaluates its dashboards; editors and
admins create, change, duplicate and delete them. Saves are optimistic: the caller names the
version it edited, and the store bumps it with one conditional UPDATE, so a stale save is
refused (:class:`StaleDashboard`, a Conflict) and changes nothing. Names are unique in a
workspace (compared case-insensitively).

:meth:`DashboardService.data` evaluates every widget concurrently (see
:mod:`app.services.dashboards.evaluate`).
"""

from __future__ import annotations

import builtins
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.principal import Principal
from app.services.connections import ConnectionService
from app.services.dashboards.adding import WidgetAdding
from app.services.dashboards.automatic import AutomaticDashboard
from app.services.dashboards.documents import (
    MAX_DESCRIPTION,
    MAX_NAME,
    DashboardInfo,
    StaleDashboard,
    check_against_model,
    copy_name,
    parse_document,
)
from app.services.dashboards.evaluate import ROW_LIMIT, Evaluator, Workspace
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.model import ModelService
from app.services.names import clean_name
from app.services.sources.files import SourceFiles
from app.services.sql.tables import load_tables, workspace_of
from app.settings import SqlSettings
from app.store.dashboards import DashboardRepository
from app.store.db import Database
from app.store.models import Dashboard
from app.store.repositories import SourceRepository
from pipelines.dashboards import (
    CrossFilter,
    DashboardDocument,
    FilterReach,
    FilterValueError,
    WidgetData,
    active_filters,
)
from pipelines.dashboards.reach import reach_map
from pipelines.query import QueryRunner
from pipelines.semantic.engines import EngineCache
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import QueryResult, SemanticError, SemanticQuery

MB = 2**20
FILTER_VALUES = 200
MAX_FILTER_VALUES = 5000
WIDGET_THREADS = 8
_SHARED: dict[str, ThreadPoolExecutor] = {}
UNCHANGED: Any = object()
"""Default of :meth:`DashboardService.update` arguments: keep the stored value."""


def shared_widget_threads() -> ThreadPoolExecutor:
    """The process's pool for widget evaluation (bounded; made on first use)."""
    pool = _SHARED.get("widgets")
    if pool is None:
        pool = _SHARED.setdefault(
            "widgets", ThreadPoolExecutor(WIDGET_THREADS, thread_name_prefix="dashboard-widget")
        )
    return pool


@dataclass(frozen=True)
class DashboardData:
    """Every widget's data (by widget id, in document order), the dashboard's id and version
    (None for an unsaved document) and ``data_as_of``: when the newest source of the model's
    tables was last loaded."""

    dashboard_id: uuid.UUID | None
    version: int | None
    data_as_of: dt.datetime | None
    widgets: dict[str, WidgetData]

    def as_json(self) -> dict[str, Any]:
        return {
            "dashboard_id": None if self.dashboard_id is None else str(self.dashboard_id),
            "version": self.version,
            "data_as_of": None if self.data_as_of is None else self.data_as_of.isoformat(),
            "widgets": [w.as_json() for w in self.widgets.values()],
        }


class DashboardService(WidgetAdding, AutomaticDashboard):
    """Dashboard use cases of one Principal (adding one widget: :mod:`.adding`; a first
    dashboard made from the model: :mod:`.automatic`)."""

    def __init__(
        self,
        db: Database,
        files: SourceFiles,
        runner: QueryRunner,
        engines: EngineCache,
        settings: SqlSettings,
        principal: Principal,
        executor: Executor | None = None,
        row_limit: int = ROW_LIMIT,
        connections: ConnectionService | None = None,
    ) -> None:
        self.connections = connections
        """Reaches model tables that live in a database (without it they are refused)."""
        self.db = db
        self.files = files
        self.runner = runner
        self.engines = engines
        self.settings = settings
        self.principal = principal
        self.executor = executor if executor is not None else shared_widget_threads()
        self.row_limit = row_limit

    # -- reading -------------------------------------------------------------------------------
    def list(self, workspace_id: uuid.UUID | str, search: str | None = None) -> list[DashboardInfo]:
        """The workspace's dashboards by name; ``search`` keeps those whose name or description
        contains it (case-insensitively)."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            rows = DashboardRepository(session, self.principal).list(
                workspace.id, (search or "").strip() or None
            )
            return [DashboardInfo.of(row) for row in rows]

    def get(self, workspace_id: uuid.UUID | str, dashboard_id: uuid.UUID | str) -> DashboardInfo:
        """One dashboard (NotFound when it is not in this workspace of the caller's tenant)."""
        with self.db.transaction() as session:
            return DashboardInfo.of(self._row(session, workspace_id, dashboard_id))

    # -- writing -------------------------------------------------------------------------------
    def create(
        self,
        workspace_id: uuid.UUID | str,
        name: str,
        description: str = "",
        document: DashboardDocument | dict[str, Any] | None = None,
    ) -> DashboardInfo:
        """A new dashboard at version 1 (editor or admin).

        Raises
        ------
        Forbidden
            For viewers.
        Conflict
            When the workspace has a dashboard of that name.
        InvalidInput
            Naming the field at fault (the name, or the document's widget or filter).
        """
        self.principal.require("editor", "create dashboards")
        name, description = _clean(name, description)
        parsed = parse_document(document)
        model = self._model(workspace_id)
        check_against_model(parsed, model, None)
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            repo = DashboardRepository(session, self.principal)
            _unique(repo, workspace.id, name)
            row = repo.add(
                Dashboard(
                    workspace_id=workspace.id,
                    name=name,
                    description=description,
                    version=1,
                    document=parsed.model_dump(mode="json"),
                    created_by=self.principal.user_id,
                    updated_by=self.principal.user_id,
                )
            )
            return DashboardInfo.of(row)

    def update(
        self,
        workspace_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str,
        expected_version: int,
        *,
        name: str = UNCHANGED,
        description: str = UNCHANGED,
        document: DashboardDocument | dict[str, Any] = UNCHANGED,
    ) -> DashboardInfo:
        """Save the given parts as the next version if the current one is ``expected_version``.

        Raises
        ------
        Forbidden
            For viewers.
        StaleDashboard
            (a Conflict, 409) when someone saved since ``expected_version``; nothing changes.
        Conflict
            When renaming onto another dashboard's name.
        InvalidInput
            Naming the field at fault; a widget or filter the save adds or changes must use
            fields of the workspace's model.
        """
        self.principal.require("editor", "change dashboards")
        current = self.get(workspace_id, dashboard_id)
        if current.version != expected_version:
            raise StaleDashboard(current.version)
        values: dict[str, Any] = {}
        if name is not UNCHANGED or description is not UNCHANGED:
            new_name, new_description = _clean(
                current.name if name is UNCHANGED else name,
                current.description if description is UNCHANGED else description,
            )
            values.update(name=new_name, description=new_description)
        if document is not UNCHANGED:
            parsed = parse_document(document)
            check_against_model(parsed, self._model(workspace_id), current.document)
            values["document"] = parsed.model_dump(mode="json")
        with self.db.transaction() as session:
            row = self._row(session, workspace_id, dashboard_id)
            repo = DashboardRepository(session, self.principal)
            if "name" in values and values["name"].lower() != row.name.lower():
                _unique(repo, row.workspace_id, values["name"])
            if repo.bump(row.id, expected_version, values, self.principal.user_id):
                session.refresh(row)
                return DashboardInfo.of(row)
        # Someone saved between the version check and the UPDATE: nothing was written.
        raise StaleDashboard(self.get(workspace_id, dashboard_id).version)

    def delete(self, workspace_id: uuid.UUID | str, dashboard_id: uuid.UUID | str) -> None:
        """Delete a dashboard (editor or admin)."""
        self.principal.require("editor", "delete dashboards")
        with self.db.transaction() as session:
            row = self._row(session, workspace_id, dashboard_id)
            DashboardRepository(session, self.principal).delete(row)

    def duplicate(
        self,
        workspace_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str,
        name: str | None = None,
    ) -> DashboardInfo:
        """A copy at version 1 named ``name`` or ``Copy of <name>`` (editor or admin)."""
        self.principal.require("editor", "duplicate dashboards")
        with self.db.transaction() as session:
            source = self._row(session, workspace_id, dashboard_id)
            repo = DashboardRepository(session, self.principal)
            if name is None:
                taken = {r.name.lower() for r in repo.list(source.workspace_id)}
                new_name = copy_name(source.name, taken)
            else:
                new_name = _clean(name, "")[0]
                _unique(repo, source.workspace_id, new_name)
            row = repo.add(
                Dashboard(
                    workspace_id=source.workspace_id,
                    name=new_name,
                    description=source.description,
                    version=1,
                    document=dict(source.document),
                    created_by=self.principal.user_id,
                    updated_by=self.principal.user_id,
                )
            )
            return DashboardInfo.of(row)

    # -- evaluating ----------------------------------------------------------------------------
    def data(
        self,
        workspace_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str,
        filters: Mapping[str, Any] | None = None,
        cross_filters: Sequence[CrossFilter | Mapping[str, Any]] | None = None,
        today: dt.date | None = None,
        widget_ids: Sequence[str] | None = None,
    ) -> DashboardData:
        """Evaluate the stored dashboard (every role may); see :meth:`evaluate`."""
        info = self.get(workspace_id, dashboard_id)
        result = self.evaluate(
            workspace_id, info.document, filters, cross_filters, today, widget_ids
        )
        return DashboardData(info.id, info.version, result.data_as_of, result.widgets)

    def evaluate(
        self,
        workspace_id: uuid.UUID | str,
        document: DashboardDocument,
        filters: Mapping[str, Any] | None = None,
        cross_filters: Sequence[CrossFilter | Mapping[str, Any]] | None = None,
        today: dt.date | None = None,
        widget_ids: Sequence[str] | None = None,
    ) -> DashboardData:
        """Every widget's data (or those of ``widget_ids``), evaluated concurrently.

        Parameters
        ----------
        filters
            Override the value of the dashboard's filters by id (see
            :func:`pipelines.dashboards.active_filters`).
        cross_filters
            Chart clicks: :class:`CrossFilter` or ``{"widget_id", "field", "values"}``.
        today
            The day date presets resolve against (default: today in UTC).

        Raises
        ------
        InvalidInput
            For an unknown filter id, a value that cannot be read, or an unknown widget id.
            A widget that fails only gets ``status="error"``.
        """
        today = today or dt.datetime.now(dt.UTC).date()
        try:
            clicks = [
                c if isinstance(c, CrossFilter) else CrossFilter.from_json(c)
                for c in cross_filters or ()
            ]
            active = active_filters(document, today, filters, clicks)
        except FilterValueError as exc:
            where = "cross" if exc.filter_id is None else f"filters.{exc.filter_id}"
            raise InvalidInput(exc.message, where) from None
        widgets = list(document.widgets)
        if widget_ids is not None:
            known = {w.id for w in widgets}
            unknown = [w for w in widget_ids if w not in known]
            if unknown:
                raise InvalidInput(f"No widget “{unknown[0]}” on this dashboard.", "widget_ids")
            widgets = [w for w in widgets if w.id in set(widget_ids)]
        workspace, as_of = self._workspace(workspace_id)
        evaluator = Evaluator(
            workspace,
            self.runner,
            self.engines,
            self.settings.display_max_mb * MB,
            self.row_limit,
        )
        return DashboardData(None, None, as_of, evaluator.all(widgets, active, self.executor))

    def reach(
        self, workspace_id: uuid.UUID | str, document: DashboardDocument
    ) -> dict[str, dict[str, str]]:
        """For each filter of ``document``, by widget: ``"applies"``, ``"off"`` or why it cannot
        reach the widget (see :func:`pipelines.dashboards.reach.reach_map`); runs no query."""
        return reach_map(FilterReach(self._model(workspace_id)), document)

    def filter_values(
        self,
        workspace_id: uuid.UUID | str,
        field: str,
        search: str | None = None,
        limit: int = FILTER_VALUES,
    ) -> builtins.list[Any]:
        """The distinct values of dimension ``field`` (``table.column``), sorted, those
        containing ``search`` (text fields), at most ``limit``: a values filter's choices.

        Raises
        ------
        InvalidInput
            Naming the field when the model has no such dimension.
        """
        if not 1 <= limit <= MAX_FILTER_VALUES:
            raise InvalidInput(f"The limit must be 1 to {MAX_FILTER_VALUES}.", "limit")
        workspace, _ = self._workspace(workspace_id)
        evaluator = Evaluator(
            workspace, self.runner, self.engines, self.settings.display_max_mb * MB, limit
        )
        try:
            return evaluator.values(field, (search or "").strip() or None, limit)
        except SemanticError as exc:
            raise InvalidInput(exc.message, "field") from None

    # -- helpers -------------------------------------------------------------------------------
    def _row(
        self, session: Session, workspace_id: uuid.UUID | str, dashboard_id: uuid.UUID | str
    ) -> Dashboard:
        workspace = workspace_of(session, self.principal, workspace_id)
        row = DashboardRepository(session, self.principal).in_workspace(workspace.id, dashboard_id)
        if row is None:
            raise NotFound("No such dashboard.")
        return row

    def _models(self) -> ModelService:
        return ModelService(
            self.db, self.files, self.principal, engines=self.engines, connections=self.connections
        )

    def _model(self, workspace_id: uuid.UUID | str) -> SemanticModel:
        return self._models().get(workspace_id)

    def _workspace(self, workspace_id: uuid.UUID | str) -> tuple[Workspace, dt.datetime | None]:
        models = self._models()
        model = models.get(workspace_id)
        paths = models.paths(workspace_id, model)
        with self.db.transaction() as session:
            tables = load_tables(session, self.principal, self.files, workspace_id)
            used = {t.source_id for t in model.tables}
            times = [
                s.updated_at
                for s in SourceRepository(session, self.principal).list(tables.workspace_id)
                if s.status == "ready" and (not used or str(s.id) in used)
            ]
        live = None
        if any(t.connection is not None for t in model.tables):
            workspace_uuid = tables.workspace_id

            def live(query: SemanticQuery) -> QueryResult:
                return models.query_model(workspace_uuid, model, query)

        workspace = Workspace(self.principal, tables.workspace_id, model, paths, tables, live)
        return workspace, max(times, default=None)


def _clean(name: str, description: str) -> tuple[str, str]:
    name = clean_name(name, "name", MAX_NAME)
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description must be at most {MAX_DESCRIPTION} characters.", "description"
        )
    return name, description


def _unique(repo: DashboardRepository, workspace_id: uuid.UUID, name: str) -> None:
    if repo.by_name(workspace_id, name) is not None:
        raise Conflict(f"This workspace already has a dashboard named “{name}”.")
