"""DataPilot from Jupyter: open the metadata store as one user and load a workspace's model.

A data scientist works with the same store, files and permissions as the web app::

    from app.notebook import connect
    dp = connect("config/datapilot.yaml", email="ana@example.com")
    model = dp.model("Sales")                      # the saved model, bound to its Parquet files
    model.query(measures=["orders.total_amount"], dimensions=["orders.order_date.year"])
    board = dp.save_dashboard("Sales", "Weekly", document)   # appears in the web app
    dp.show_dashboard("Sales", "Weekly")           # the web app's tiles, in the notebook

The session acts as that user: it sees their tenant's workspaces only, and saving needs the
editor role, exactly as in the browser. Without a config file the embedded defaults are used
(``database_url`` and ``data_dir`` can be given directly).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.principal import Principal
from app.services.dashboards import DashboardService
from app.services.dashboards.documents import DashboardInfo
from app.services.dashboards.service import DashboardData
from app.services.errors import NotFound
from app.services.model import ModelService
from app.services.workspaces import WorkspaceInfo
from app.settings import Settings, load_settings
from pipelines.dashboards import DashboardDocument
from pipelines.semantic import QueryResult, SemanticModel


@dataclass
class NotebookSession:
    """One user's view of the store: their workspaces, models and queries."""

    ctx: AppContext
    principal: Principal

    @property
    def models(self) -> ModelService:
        return self.ctx.models(self.principal)

    def workspaces(self) -> list[WorkspaceInfo]:
        """The workspaces this user can open."""
        return list(self.ctx.workspaces(self.principal).list())

    def workspace(self, name_or_id: str | uuid.UUID) -> WorkspaceInfo:
        """A workspace by its name (case-insensitive) or id."""
        wanted = str(name_or_id).casefold()
        for info in self.workspaces():
            if wanted in (str(info.id), info.name.casefold()):
                return info
        names = ", ".join(repr(w.name) for w in self.workspaces()) or "none"
        raise NotFound(f"No workspace {str(name_or_id)!r} for {self.principal.email} ({names}).")

    def model(self, workspace: str | uuid.UUID) -> SemanticModel:
        """The workspace's saved model, bound to the Parquet files of its ready sources."""
        info = self.workspace(workspace)
        model = self.models.get(info.id)
        model.bind(dict(self.models.paths(info.id, model)))
        return model

    def save(self, workspace: str | uuid.UUID, model: SemanticModel) -> SemanticModel:
        """Save ``model`` as the workspace's next version (needs the editor role)."""
        info = self.workspace(workspace)
        saved = self.models.save(info.id, model, expected_version=model.version)
        saved.bind(dict(self.models.paths(info.id, saved)))
        return saved

    def query(self, workspace: str | uuid.UUID, **query: Any) -> QueryResult:
        """Run a semantic query on the workspace's saved model."""
        return self.model(workspace).query(**query)

    # -- dashboards ------------------------------------------------------------------------------
    @property
    def boards(self) -> DashboardService:
        return self.ctx.dashboards(self.principal)

    def dashboards(self, workspace: str | uuid.UUID) -> list[DashboardInfo]:
        """The workspace's dashboards, as the Dashboards page lists them."""
        return self.boards.list(self.workspace(workspace).id)

    def dashboard(self, workspace: str | uuid.UUID, name_or_id: str | uuid.UUID) -> DashboardInfo:
        """One dashboard of the workspace by its name (case-insensitive) or id."""
        wanted = str(name_or_id).casefold()
        boards = self.dashboards(workspace)
        for info in boards:
            if wanted in (str(info.id), info.name.casefold()):
                return info
        names = ", ".join(repr(b.name) for b in boards) or "none"
        raise NotFound(f"No dashboard {str(name_or_id)!r} in this workspace ({names}).")

    def save_dashboard(
        self,
        workspace: str | uuid.UUID,
        name: str,
        document: DashboardDocument | dict[str, Any],
        description: str = "",
    ) -> DashboardInfo:
        """Save ``document`` as the dashboard ``name``: a new one, or the next version of the
        one of that name (needs the editor role; checked against the model like the web app)."""
        info = self.workspace(workspace)
        existing = {b.name.casefold(): b for b in self.boards.list(info.id)}.get(name.casefold())
        if existing is None:
            return self.boards.create(info.id, name, description, document)
        return self.boards.update(
            info.id, existing.id, existing.version, description=description, document=document
        )

    def dashboard_data(
        self,
        workspace: str | uuid.UUID,
        dashboard: str | uuid.UUID | DashboardDocument,
        filters: dict[str, Any] | None = None,
    ) -> DashboardData:
        """Every widget's data, evaluated as the web app does (a saved dashboard by name or id,
        or an unsaved document); ``filters`` override the dashboard's filter values by id."""
        info = self.workspace(workspace)
        if isinstance(dashboard, DashboardDocument):
            return self.boards.evaluate(info.id, dashboard, filters)
        return self.boards.data(info.id, self.dashboard(workspace, dashboard).id, filters)

    def show_dashboard(
        self,
        workspace: str | uuid.UUID,
        dashboard: str | uuid.UUID | DashboardDocument,
        filters: dict[str, Any] | None = None,
    ) -> Any:
        """The dashboard drawn with the web app's own tiles and grid (a Panel object)."""
        from components.dashboards.notebook import dashboard_view

        document = (
            dashboard
            if isinstance(dashboard, DashboardDocument)
            else self.dashboard(workspace, dashboard).document
        )
        data = self.dashboard_data(workspace, document, filters)
        return dashboard_view(document, data.widgets, self.model(workspace))


def connect(
    config: str | os.PathLike[str] | None = None,
    *,
    email: str,
    tenant: str | None = None,
    database_url: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> NotebookSession:
    """Open the store as the user ``email`` (in ``tenant``, a slug, when they have several).

    Parameters
    ----------
    config
        A DataPilot YAML config (as for ``datapilot serve --config``); embedded defaults if None.
    email, tenant
        Who acts. The user must be active and a member of the tenant.
    database_url, data_dir
        Override the config's store URL and data folder.
    """
    settings: Settings = load_settings(Path(config) if config is not None else None)
    updates: dict[str, Any] = {}
    if database_url is not None:
        updates["database"] = settings.database.model_copy(update={"url": database_url})
    if data_dir is not None:
        updates["storage"] = settings.storage.model_copy(update={"data_dir": Path(data_dir)})
    if updates:
        settings = settings.model_copy(update=updates)
    ctx = AppContext(settings)
    rows = [r for r in ctx.accounts.memberships_of(email) if tenant is None or r[2] == tenant]
    if not rows:
        where = f" in tenant {tenant!r}" if tenant else ""
        raise NotFound(f"No member {email!r}{where} in the store {settings.database_url}.")
    if len(rows) > 1:
        slugs = ", ".join(sorted(r[2] for r in rows))
        raise NotFound(f"{email} belongs to several tenants ({slugs}); pass tenant=.")
    user_id, tenant_id, _ = rows[0]
    principal = ctx.accounts.principal_for(user_id, tenant_id)
    if principal is None:
        raise NotFound(f"{email} cannot sign in (deactivated).")
    return NotebookSession(ctx, principal)
