"""Adding one widget to a dashboard: from a saved SQL query, or from an Explore answer.

The widget goes below every tile of an existing dashboard, saved as its next version; adding
is commutative, so when someone saved in between (:class:`StaleDashboard`) the dashboard is read
again and the widget added once more, a second conflict is reported. Or the widget is the
first of a new dashboard. Editors and admins only.

A saved query becomes an SQL widget titled by its name, drawn as its saved chart. An answer
from a semantic query becomes a semantic widget (so the dashboard's filters reach it), an SQL
answer an SQL widget; either is titled by the question and drawn as the suggested chart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from pydantic import ValidationError

from app.principal import Principal
from app.services.dashboards.documents import DashboardInfo, StaleDashboard
from app.services.errors import InvalidInput, NotFound
from app.services.explore.service import owned_answer
from app.services.sql.tables import workspace_of
from app.store.db import Database
from app.store.repositories import SavedQueryRepository
from pipelines.dashboards import (
    DashboardDocument,
    TooManyWidgets,
    WidgetDraft,
    WidgetQuery,
    append_widget,
    draft_from_chart,
)


@dataclass(frozen=True)
class AddedWidget:
    """Where a widget went: the dashboard (its name and the version saved) and the widget id."""

    dashboard_id: uuid.UUID
    dashboard_name: str
    widget_id: str
    version: int
    created: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "dashboard_id": str(self.dashboard_id),
            "dashboard_name": self.dashboard_name,
            "widget_id": self.widget_id,
            "version": self.version,
            "created": self.created,
        }


class _Dashboards(Protocol):
    """What adding uses of :class:`~app.services.dashboards.DashboardService`."""

    def get(
        self, workspace_id: uuid.UUID | str, dashboard_id: uuid.UUID | str
    ) -> DashboardInfo: ...

    def create(
        self, workspace_id: uuid.UUID | str, name: str, description: str = "", document: Any = None
    ) -> DashboardInfo: ...

    def update(
        self,
        workspace_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str,
        expected_version: int,
        *,
        document: Any = ...,
    ) -> DashboardInfo: ...


class WidgetAdding:
    """The "add to dashboard" half of :class:`app.services.dashboards.DashboardService`."""

    db: Database
    principal: Principal

    @property
    def _dashboards(self) -> _Dashboards:
        return cast(_Dashboards, self)

    # -- use cases -----------------------------------------------------------------------------
    def add_widget(
        self,
        workspace_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str | None,
        draft: WidgetDraft,
        new_dashboard_name: str | None = None,
    ) -> AddedWidget:
        """Add ``draft`` to the dashboard ``dashboard_id``, or to a new dashboard named
        ``new_dashboard_name`` (give exactly one).

        Raises
        ------
        Forbidden
            For viewers.
        NotFound
            For a dashboard not in this workspace of the caller's tenant.
        StaleDashboard
            (409) When the dashboard changed twice while adding.
        Conflict
            When a new dashboard's name is taken.
        InvalidInput
            When both or neither target is given, the dashboard is full, or a semantic widget
            uses a field the model lacks.
        """
        self.principal.require("editor", "add widgets to dashboards")
        name = (new_dashboard_name or "").strip()
        if (dashboard_id is None) == (not name):
            raise InvalidInput(
                "Choose a dashboard, or name a new one (not both).",
                "dashboard_id" if dashboard_id is not None else "new_dashboard_name",
            )
        if dashboard_id is None:
            document, widget = append_widget(DashboardDocument(), draft)
            made = self._dashboards.create(workspace_id, name, "", document)
            return AddedWidget(made.id, made.name, widget.id, made.version, True)
        current = self._dashboards.get(workspace_id, dashboard_id)
        try:
            return self._append(workspace_id, current, draft)
        except StaleDashboard:
            # Someone saved in between: the widget goes onto their version instead.
            return self._append(
                workspace_id, self._dashboards.get(workspace_id, dashboard_id), draft
            )

    def add_saved_query(
        self,
        workspace_id: uuid.UUID | str,
        saved_query_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str | None = None,
        new_dashboard_name: str | None = None,
    ) -> AddedWidget:
        """Add a saved SQL query of the workspace as an SQL widget (see :meth:`add_widget`)."""
        self.principal.require("editor", "add widgets to dashboards")
        draft = self.saved_query_draft(workspace_id, saved_query_id)
        return self.add_widget(workspace_id, dashboard_id, draft, new_dashboard_name)

    def add_answer(
        self,
        workspace_id: uuid.UUID | str,
        message_id: uuid.UUID | str,
        dashboard_id: uuid.UUID | str | None = None,
        new_dashboard_name: str | None = None,
    ) -> AddedWidget:
        """Add one of the caller's Explore answers as a widget (see :meth:`add_widget`)."""
        self.principal.require("editor", "add widgets to dashboards")
        draft = self.answer_draft(workspace_id, message_id)
        return self.add_widget(workspace_id, dashboard_id, draft, new_dashboard_name)

    # -- drafts --------------------------------------------------------------------------------
    def saved_query_draft(
        self, workspace_id: uuid.UUID | str, saved_query_id: uuid.UUID | str
    ) -> WidgetDraft:
        """The widget a saved query makes (NotFound when it is not in this workspace)."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            row = SavedQueryRepository(session, self.principal).in_workspace(
                workspace.id, saved_query_id
            )
            if row is None:
                raise NotFound("No such saved query in this workspace.")
            query = WidgetQuery(source="sql", sql=row.sql, saved_query_id=str(row.id))
            return draft_from_chart(row.name, query, row.chart)

    def answer_draft(
        self, workspace_id: uuid.UUID | str, message_id: uuid.UUID | str
    ) -> WidgetDraft:
        """The widget an answer makes (NotFound for an answer that is not the caller's)."""
        with self.db.transaction() as session:
            workspace = workspace_of(session, self.principal, workspace_id)
            message = owned_answer(session, self.principal, workspace.id, message_id)
            answer = dict(message.answer or {})
            question = message.question or ""
            key = str(message.id)
        return answer_draft(answer, question, key)

    # -- helpers -------------------------------------------------------------------------------
    def _append(
        self,
        workspace_id: uuid.UUID | str,
        current: DashboardInfo,
        draft: WidgetDraft,
    ) -> AddedWidget:
        try:
            document, widget = append_widget(current.document, draft)
        except TooManyWidgets as exc:
            raise InvalidInput(str(exc), "dashboard_id") from None
        saved = self._dashboards.update(
            workspace_id, current.id, current.version, document=document
        )
        return AddedWidget(saved.id, saved.name, widget.id, saved.version, False)


def answer_draft(answer: dict[str, Any], question: str, message_id: str) -> WidgetDraft:
    """The widget of a stored answer: semantic or SQL, titled by ``question``.

    Raises
    ------
    InvalidInput
        For an answer without a query (a clarifying question, a refusal, a failure).
    """
    kind: Literal["semantic", "sql"]
    kind = "semantic" if answer.get("kind") == "semantic" else "sql"
    semantic, sql = answer.get("semantic_query"), str(answer.get("sql") or "")
    if answer.get("kind") not in ("semantic", "sql") or (
        kind == "semantic" and not isinstance(semantic, dict)
    ):
        raise InvalidInput(
            "Only an answer with a query (semantic or SQL) can go on a dashboard.",
            "answer_message_id",
        )
    try:
        if kind == "semantic":
            query = WidgetQuery(source="semantic", semantic=semantic, answer_id=message_id)
        else:
            query = WidgetQuery(source="sql", sql=sql, answer_id=message_id)
    except ValidationError:
        raise InvalidInput(
            "This answer's query cannot be read back; ask the question again.",
            "answer_message_id",
        ) from None
    chart = answer.get("chart_suggestion")
    return draft_from_chart(question, query, chart if isinstance(chart, dict) else None)
