"""Dashboard templates: list them, map one onto a workspace's model, create its dashboard.

The templates are the shipped ``config/templates/*.yaml`` plus the admin's folder
(``templates.folder`` in the settings), read once per process: ``datapilot serve`` loads them
before it listens, so an invalid file stops start-up with ``<file>, line <n>: <problem>``.
Mapping reads the workspace's model and a catalog of its fields (labels, synonyms, types and
sampled values); creating adds the calculated measures the template needs to the model (a new
model version) and then creates the dashboard through :class:`DashboardService`.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import Conflict, InvalidInput, NotFound
from app.settings import ConfigError, Settings
from pipelines.ai.catalog import build_catalog
from pipelines.templates import (
    BuiltDashboard,
    SkippedWidget,
    Template,
    TemplateError,
    TemplateMapping,
    build_dashboard,
    load_folders,
    map_template,
)

if TYPE_CHECKING:
    from app.context import AppContext
    from app.principal import Principal
    from app.services.dashboards.documents import DashboardInfo
    from pipelines.semantic import SemanticModel

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "templates"
"""The templates DataPilot ships, in a source checkout."""

INSTALLED = Path("config") / "templates"
"""Where an installed DataPilot finds them: beside ``config/datapilot.yaml`` in the working
directory (the image copies ``config/templates`` to ``/app/config/templates``)."""

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_LIBRARIES: dict[tuple[str, ...], dict[str, Template]] = {}


def template_folders(settings: Settings) -> list[Path]:
    """The shipped folder, then the admin's (whose templates replace same-named ones)."""
    shipped = SHIPPED if SHIPPED.is_dir() else INSTALLED
    folders = [shipped] if shipped.is_dir() else []
    if not folders:
        log.warning("no shipped dashboard templates: %s does not exist", shipped.resolve())
    if settings.templates.folder is not None:
        folders.append(Path(settings.templates.folder))
    return folders


def load_library(settings: Settings) -> dict[str, Template]:
    """Every template by name, read once per process (ConfigError naming file and line)."""
    folders = template_folders(settings)
    key = tuple(str(f) for f in folders)
    with _LOCK:
        if key not in _LIBRARIES:
            try:
                _LIBRARIES[key] = load_folders(folders)
            except TemplateError as exc:
                raise ConfigError(f"dashboard template {exc}") from None
        return _LIBRARIES[key]


@dataclass(frozen=True)
class TemplatePlan:
    """A template mapped onto a workspace: the mapping, and the widgets it would leave out."""

    template: Template
    mapping: TemplateMapping
    skipped: tuple[SkippedWidget, ...]
    new_measures: tuple[str, ...]
    """Calculated measures creating the dashboard adds to the model."""

    @property
    def missing(self) -> list[str]:
        return self.mapping.missing


@dataclass(frozen=True)
class TemplateDashboard:
    """What :meth:`TemplateService.create` made."""

    dashboard: DashboardInfo
    plan: TemplatePlan
    model_version: int


class TemplateService:
    """Template use cases of one Principal: everyone in the workspace lists and maps; editors
    and admins create."""

    def __init__(self, ctx: AppContext, principal: Principal) -> None:
        self.ctx = ctx
        self.principal = principal
        self.templates = load_library(ctx.settings)

    def list(self) -> list[Template]:
        """Every template, by title."""
        return sorted(self.templates.values(), key=lambda t: (t.title.lower(), t.name))

    def get(self, name: str) -> Template:
        found = self.templates.get(name)
        if found is None:
            raise NotFound(f"There is no template {name!r}.")
        return found

    def plan(
        self,
        workspace_id: uuid.UUID | str,
        template: str,
        overrides: dict[str, str | None] | None = None,
    ) -> TemplatePlan:
        """The template's roles mapped onto the workspace's model (with the user's
        ``overrides``: role -> field), each with its confidence and alternatives."""
        return self._plan(workspace_id, template, overrides)[0]

    def _plan(
        self,
        workspace_id: uuid.UUID | str,
        name: str,
        overrides: dict[str, str | None] | None,
    ) -> tuple[TemplatePlan, SemanticModel, BuiltDashboard | None]:
        template = self.get(name)
        models = self.ctx.models(self.principal)
        model = models.get(workspace_id)
        catalog = build_catalog(model, models.paths(workspace_id, model))
        mapping = map_template(template, catalog, model)
        if overrides:
            try:
                mapping = mapping.with_overrides(overrides)
            except ValueError as exc:
                role = next((r for r in overrides if f"({r})" in str(exc)), None)
                raise InvalidInput(str(exc), f"overrides.{role}" if role else "overrides") from None
        built = None if mapping.missing else build_dashboard(template, mapping, model)
        plan = TemplatePlan(
            template,
            mapping,
            () if built is None else built.skipped,
            () if built is None else tuple(m.name for m in built.measures),
        )
        return plan, model, built

    def create(
        self,
        workspace_id: uuid.UUID | str,
        template: str,
        overrides: dict[str, str | None] | None = None,
        name: str | None = None,
    ) -> TemplateDashboard:
        """Create the template's dashboard (editor or admin), named ``name`` or the template's
        title (``Sales (2)`` when taken).

        Raises
        ------
        InvalidInput
            When a required role has no field, or an override is not a field of its kind.
        StaleModel
            When someone saved the model meanwhile (try again).
        """
        self.principal.require("editor", "create dashboards")
        plan, model, built = self._plan(workspace_id, template, overrides)
        if built is None:
            labels = ", ".join(plan.template.role(r).display for r in plan.missing)
            raise InvalidInput(
                f"Template {plan.template.title!r} needs a field for: {labels}. Choose one "
                "for each, or add the data to the model first.",
                "overrides",
            )
        if not built.document.widgets:
            raise InvalidInput(
                f"No widget of template {plan.template.title!r} can be made with this mapping.",
                "overrides",
            )
        dashboards = self.ctx.dashboards(self.principal)
        existing = dashboards.list(workspace_id)
        title = (name or "").strip() or self._free_name(existing, plan)
        if any(d.name.lower() == title.lower() for d in existing):
            # Checked before the model changes, so a refused name leaves the model alone.
            raise Conflict(f"This workspace already has a dashboard named “{title}”.")
        version = model.version
        if built.measures:
            updated = model.model_copy(update={"measures": [*model.measures, *built.measures]})
            models = self.ctx.models(self.principal)
            version = models.save(workspace_id, updated, model.version).version
        info = dashboards.create(
            workspace_id, title, plan.template.description, built.document.model_dump(mode="json")
        )
        return TemplateDashboard(info, plan, version)

    @staticmethod
    def _free_name(existing: Sequence[DashboardInfo], plan: TemplatePlan) -> str:
        taken = {d.name.lower() for d in existing}
        base = plan.template.title
        if base.lower() not in taken:
            return base
        n = 2
        while f"{base} ({n})".lower() in taken:
            n += 1
        return f"{base} ({n})"
