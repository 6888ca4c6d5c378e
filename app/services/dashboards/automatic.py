"""A first dashboard made from the workspace's model in one action (editors and admins).

The model's catalog (values of text dimensions, time ranges of dates) and its sources' ingest
profiles feed :func:`pipelines.dashboards.first_dashboard`, which plans the widgets; the
dashboard is then created like any other, named "First dashboard" (or "First dashboard 2"...
when that name is taken).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, cast

from app.principal import Principal
from app.services.dashboards.documents import DashboardInfo
from app.services.errors import InvalidInput
from app.services.model import ModelService
from pipelines.ai.catalog import build_catalog
from pipelines.dashboards import CATALOG_VALUES, NoMeasure, first_dashboard

FIRST_NAME = "First dashboard"
DESCRIPTION = "Made from the model's main measures; change it as you like."


class _Dashboards(Protocol):
    """What this uses of :class:`~app.services.dashboards.DashboardService`."""

    def list(self, workspace_id: uuid.UUID | str, search: str | None = None) -> Any: ...

    def create(
        self, workspace_id: uuid.UUID | str, name: str, description: str = "", document: Any = None
    ) -> DashboardInfo: ...

    def _models(self) -> ModelService: ...


class AutomaticDashboard:
    """The "make a first dashboard" half of :class:`app.services.dashboards.DashboardService`."""

    principal: Principal

    def create_automatic(
        self, workspace_id: uuid.UUID | str, name: str | None = None
    ) -> DashboardInfo:
        """A new dashboard of the model's KPIs, its main measure over time and its breakdowns.

        Raises
        ------
        Forbidden
            For viewers.
        NotFound
            For a workspace not of the caller's tenant.
        InvalidInput
            (field ``model``) When the model has no table or no measure, saying which.
        Conflict
            When ``name`` is given and taken.
        """
        self.principal.require("editor", "create dashboards")
        dashboards = cast(_Dashboards, self)
        models = dashboards._models()
        model = models.get(workspace_id)
        catalog = build_catalog(model, models.paths(workspace_id, model), max_values=CATALOG_VALUES)
        try:
            document = first_dashboard(model, catalog, models.sources(workspace_id))
        except NoMeasure as exc:
            raise InvalidInput(str(exc), "model") from None
        if name is None:
            taken = {d.name.lower() for d in dashboards.list(workspace_id, FIRST_NAME)}
            name = next(
                n
                for n in (FIRST_NAME, *(f"{FIRST_NAME} {i}" for i in range(2, len(taken) + 3)))
                if n.lower() not in taken
            )
        return dashboards.create(workspace_id, name, DESCRIPTION, document)
