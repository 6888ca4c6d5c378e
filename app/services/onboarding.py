"""The guided setup of a new tenant or an empty workspace ("onboarding"), in five steps:

1. name the workspace, 2. add data (files, or a sample), 3. accept the suggested model,
4. ask a first question, 5. get a first dashboard.

Each step is done with the services that already exist (workspaces, sources, model suggestions,
Explore, templates and the automatic dashboard); this module only says where a user stands and
does the two steps that are more than one call. The step is read from the workspace itself
(:func:`step_of`: no sources → 2, sources but no model → 3, …), so the setup resumes where the
workspace is, whoever did the work. Only what cannot be read from it is stored, per user and
workspace: ``active`` (started; shown until finished), ``skipped`` or ``done``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.demo import DEMO_WORKSPACES
from app.demo.loader import upload_sample
from app.services.errors import InvalidInput, NotFound
from app.services.templates import TemplateService
from app.store.dashboards import DashboardRepository
from app.store.explore import AiConversationRepository
from app.store.models import OnboardingProgress, utcnow
from app.store.onboarding import OnboardingRepository
from app.store.repositories import SemanticModelRepository, SourceRepository, WorkspaceRepository
from pipelines.ai.catalog import build_catalog
from pipelines.ai.starters import starter_questions
from pipelines.semantic.accept import accept

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.context import AppContext
    from app.principal import Principal
    from app.services.dashboards.documents import DashboardInfo
    from app.services.sources.service import SourceInfo
    from pipelines.semantic import SemanticModel

STEPS = ("workspace", "data", "model", "question", "dashboard")
"""The steps' names, in order; a step's number is its place here plus one."""
STEP_TITLES = (
    "Name the workspace",
    "Add data",
    "Review the model",
    "Ask a question",
    "Get a dashboard",
)
FINISHED = len(STEPS) + 1
"""The "step" of a workspace that has been through every step."""
STATUSES = ("active", "skipped", "done")
SAMPLES = tuple(w.name for w in DEMO_WORKSPACES)
"""The sample datasets a workspace can start from (those of the demo)."""


@dataclass(frozen=True)
class WorkspaceFacts:
    """What the steps are read from: the workspace's sources, model, dashboards, and whether
    this user has asked a question there."""

    workspace: bool
    ready: int = 0
    busy: int = 0
    failed: int = 0
    tables: int = 0
    asked: bool = False
    dashboards: int = 0

    @property
    def sources(self) -> int:
        return self.ready + self.busy + self.failed


def step_of(facts: WorkspaceFacts) -> int:
    """The first step not done yet (1-5), or :data:`FINISHED`.

    A workspace with a file still being read stays at step 2: the model is suggested from every
    file once they are all in.
    """
    if not facts.workspace:
        return 1
    if facts.ready == 0 or facts.busy:
        return 2
    if facts.tables == 0:
        return 3
    if not facts.asked:
        return 4
    if facts.dashboards == 0:
        return 5
    return FINISHED


@dataclass(frozen=True)
class OnboardingState:
    """Where one user stands in the setup of one workspace (or of a tenant without one)."""

    workspace_id: uuid.UUID | None
    step: int
    status: str | None
    """As stored: ``active``, ``skipped``, ``done``, or None when never started."""
    facts: WorkspaceFacts
    can_edit: bool

    @property
    def finished(self) -> bool:
        return self.step == FINISHED or self.status == "done"

    @property
    def shown(self) -> bool:
        """Whether the app invites the user to the setup: editors of a workspace with no
        sources (or none at all), or one whose setup they started, until finished or skipped."""
        if not self.can_edit or self.finished or self.status == "skipped":
            return False
        return self.status == "active" or self.facts.sources == 0

    def as_json(self) -> dict[str, Any]:
        facts = self.facts
        return {
            "workspace_id": None if self.workspace_id is None else str(self.workspace_id),
            "step": self.step,
            "step_name": STEPS[self.step - 1] if self.step < FINISHED else "finished",
            "status": self.status,
            "shown": self.shown,
            "finished": self.finished,
            "steps": [
                {"number": n, "name": name, "title": title, "done": n < self.step}
                for n, (name, title) in enumerate(zip(STEPS, STEP_TITLES, strict=True), start=1)
            ],
            "sources": {"ready": facts.ready, "busy": facts.busy, "failed": facts.failed},
            "tables": facts.tables,
            "asked": facts.asked,
            "dashboards": facts.dashboards,
        }


@dataclass(frozen=True)
class ModelProposal:
    """What accepting every suggestion would make of the current model (nothing saved)."""

    model: SemanticModel
    version: int
    """The current version, to accept with (a save in between makes accepting fail: 409)."""
    suggestions: int


@dataclass(frozen=True)
class FirstDashboard:
    """The dashboard step 5 made, and the template it came from (None: the automatic one)."""

    dashboard: DashboardInfo
    template: str | None


class OnboardingService:
    """The setup's use cases for one Principal. Reading and skipping are for every member (it
    is their own progress); the steps that write are for editors and admins, as elsewhere."""

    def __init__(self, ctx: AppContext, principal: Principal) -> None:
        self.ctx = ctx
        self.principal = principal

    # -- where the user stands ---------------------------------------------------------------
    def state(self, workspace_id: uuid.UUID | str | None) -> OnboardingState:
        """The user's state in ``workspace_id`` (None: a tenant without a workspace yet).

        Raises
        ------
        NotFound
            For a workspace the principal cannot see.
        """
        with self.ctx.db.transaction() as session:
            key, facts = self._facts(session, workspace_id)
            row = OnboardingRepository(session, self.principal).for_user(
                self.principal.user_id, key
            )
            status = None if row is None else row.status
        return OnboardingState(key, step_of(facts), status, facts, self.principal.can_edit)

    def set_status(self, workspace_id: uuid.UUID | str | None, status: str) -> OnboardingState:
        """Store ``active`` (start or resume), ``skipped`` or ``done`` for this user."""
        if status not in STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(STATUSES)}.", "status")
        with self.ctx.db.transaction() as session:
            key, _facts = self._facts(session, workspace_id)
            repo = OnboardingRepository(session, self.principal)
            row = repo.for_user(self.principal.user_id, key)
            if row is None:
                repo.add(
                    OnboardingProgress(
                        user_id=self.principal.user_id, workspace_id=key, status=status
                    )
                )
            else:
                row.status = status
                row.updated_at = utcnow()
        return self.state(workspace_id)

    def start(self, workspace_id: uuid.UUID | str | None) -> OnboardingState:
        """Mark the setup as started (or resumed after a skip), unless it was finished."""
        current = self.state(workspace_id)
        if current.status == "active" or current.finished:
            return current
        return self.set_status(workspace_id, "active")

    def _facts(
        self, session: Session, workspace_id: uuid.UUID | str | None
    ) -> tuple[uuid.UUID | None, WorkspaceFacts]:
        if workspace_id is None:
            return None, WorkspaceFacts(workspace=False)
        workspace = WorkspaceRepository(session, self.principal).get(workspace_id)
        if workspace is None:
            raise NotFound("No such workspace.")
        states = [s.status for s in SourceRepository(session, self.principal).states(workspace.id)]
        model = SemanticModelRepository(session, self.principal).for_workspace(workspace.id)
        asked = AiConversationRepository(session, self.principal).list_owned(
            workspace.id, self.principal.user_id, 1
        )
        dashboards = DashboardRepository(session, self.principal).count(workspace.id)
        facts = WorkspaceFacts(
            workspace=True,
            ready=states.count("ready"),
            busy=sum(s in ("uploading", "ingesting") for s in states),
            failed=states.count("failed"),
            tables=0 if model is None else len(model.document.get("tables") or []),
            asked=bool(asked),
            dashboards=dashboards,
        )
        return workspace.id, facts

    # -- step 2: the sample data ---------------------------------------------------------------
    def add_sample(self, workspace_id: uuid.UUID | str, sample: str) -> list[SourceInfo]:
        """Upload the files of the sample ``sample`` (see :data:`SAMPLES`) into the workspace,
        like a user's files; they are returned still being ingested.

        Raises
        ------
        NotFound
            For an unknown sample, or a workspace the principal cannot see.
        Forbidden
            For viewers.
        """
        found = next((w for w in DEMO_WORKSPACES if w.name.lower() == sample.lower()), None)
        if found is None:
            raise NotFound(f"There is no sample “{sample}”; choose {' or '.join(SAMPLES)}.")
        sources = self.ctx.sources(self.principal)
        sources.check_upload(workspace_id, sum(i.path.stat().st_size for i in found.sources))
        return [upload_sample(sources, workspace_id, item) for item in found.sources]

    # -- step 3: the suggested model -------------------------------------------------------------
    def proposal(self, workspace_id: uuid.UUID | str) -> ModelProposal:
        """The model accepting every current suggestion would give, to review before saving."""
        models = self.ctx.models(self.principal)
        current = models.get(workspace_id)
        suggestions = models.suggest(workspace_id, current)
        accepted = accept(current, suggestions, None)
        return ModelProposal(accepted.model, current.version, len(suggestions))

    def accept_model(self, workspace_id: uuid.UUID | str, version: int) -> SemanticModel:
        """Accept every suggestion and save (as ``POST …/model/suggestions/apply`` with
        ``{"ids": "all", "version": version}``)."""
        model, _accepted = self.ctx.models(self.principal).accept_suggestions(
            workspace_id, None, version
        )
        return model

    # -- step 4: a first question ----------------------------------------------------------------
    def starters(self, workspace_id: uuid.UUID | str, language: str = "en") -> list[str]:
        """Questions the saved model answers (as Explore offers on an empty conversation)."""
        models = self.ctx.models(self.principal)
        model = models.get(workspace_id)
        if not model.tables:
            return []
        return starter_questions(build_catalog(model, models.paths(workspace_id, model)), language)

    def ask(self, workspace_id: uuid.UUID | str, question: str) -> dict[str, Any]:
        """Ask as in Explore (the conversation is kept there) with the server's answerer."""
        return self.ctx.explore(self.principal).ask(workspace_id, question, self.ctx.answer)

    # -- step 5: a first dashboard -------------------------------------------------------------
    def first_dashboard(self, workspace_id: uuid.UUID | str) -> FirstDashboard:
        """A template's dashboard when every required role of one maps onto the model (the
        surest one), otherwise the automatic dashboard; then the setup is done.

        Raises
        ------
        Forbidden
            For viewers.
        InvalidInput
            (field ``model``) When the model has no table or no measure to chart.
        """
        self.principal.require("editor", "create dashboards")
        templates = TemplateService(self.ctx, self.principal)
        best: tuple[float, str] | None = None
        for template in templates.list():
            plan = templates.plan(workspace_id, template.name)
            left_out = {s.widget_id for s in plan.skipped}
            if plan.missing or all(w.id in left_out for w in template.widgets):
                continue
            required = [r.confidence for r in plan.mapping.roles if r.required]
            score = sum(required) / len(required) if required else 0.0
            if best is None or score > best[0]:
                best = (score, template.name)
        made: FirstDashboard | None = None
        if best is not None:
            try:
                made = FirstDashboard(templates.create(workspace_id, best[1]).dashboard, best[1])
            except InvalidInput:  # nothing of it could be built after all
                made = None
        if made is None:
            dashboards = self.ctx.dashboards(self.principal)
            made = FirstDashboard(dashboards.create_automatic(workspace_id), None)
        self.set_status(workspace_id, "done")
        return made
