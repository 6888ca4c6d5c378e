"""A ready-made semantic model for each demo workspace, built from the model suggestions.

A newcomer who opens the Model page of the demo finds the tables joined and the measures
tagged, exactly what accepting every suggestion would give, so Explore and dashboards have
something to work with at once. Built once the sample sources are ingested (in a background
thread started by ``datapilot serve``), and only for a workspace whose model was never saved:
a user's model is never overwritten.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING

from app.demo import DEMO_WORKSPACES
from app.services.errors import DomainError
from pipelines.semantic import SemanticError, SemanticModel
from pipelines.semantic.suggest import apply_suggestion, suggest, table_from_source

if TYPE_CHECKING:
    from app.context import AppContext
    from app.principal import Principal

log = logging.getLogger("datapilot.demo")
MAX_SUGGESTIONS = 200


def build_model(ctx: AppContext, principal: Principal, workspace_id: uuid.UUID) -> SemanticModel:
    """Every ready source as a table, then every suggestion accepted, best first."""
    service = ctx.models(principal)
    sources = service.sources(workspace_id)
    model = SemanticModel()
    taken: set[str] = set()
    for schema in sorted(sources.values(), key=lambda s: s.name):
        table = table_from_source(schema, taken)
        taken.add(table.name)
        model.tables.append(table)
    for _ in range(MAX_SUGGESTIONS):
        pending = suggest(model, sources)
        if not pending:
            break
        try:
            model = apply_suggestion(model, pending[0])
        except SemanticError:  # pragma: no cover - suggest() offers only applicable ones
            break
    return model


def ensure_demo_models(ctx: AppContext, principal: Principal) -> list[str]:
    """Save a suggested model in each demo workspace that has ready sources and no model.

    Returns the names of the workspaces that got one.
    """
    service = ctx.models(principal)
    names = {w.name for w in DEMO_WORKSPACES}
    done: list[str] = []
    for workspace in ctx.workspaces(principal).list():
        if workspace.name not in names or service.get(workspace.id).version != 0:
            continue
        model = build_model(ctx, principal, workspace.id)
        if not model.tables:
            continue
        try:
            service.save(workspace.id, model, expected_version=0)
        except DomainError as exc:  # a user saved one meanwhile: theirs wins
            log.info("demo model of %s not saved: %s", workspace.name, exc)
            continue
        done.append(workspace.name)
    return done


def build_when_ingested(
    ctx: AppContext, principal: Principal, source_ids: list[uuid.UUID], timeout: float = 600
) -> threading.Thread:
    """Wait (in a daemon thread) for the queued sample sources, then build the demo models."""

    def settled() -> bool:
        sources = ctx.sources(principal)
        for source_id in source_ids:
            try:
                if sources.get(source_id).status in ("uploading", "ingesting"):
                    return False
            except DomainError:  # deleted meanwhile
                continue
        return True

    def run() -> None:
        deadline = time.monotonic() + timeout
        while not settled():
            if time.monotonic() > deadline:
                log.warning("demo models not built: the sample data is still being ingested")
                return
            time.sleep(0.5)
        try:
            built = ensure_demo_models(ctx, principal)
        except Exception:  # a background nicety must never take the server down
            log.exception("demo models could not be built")
            return
        if built:
            log.info("demo models built for %s", ", ".join(built))

    thread = threading.Thread(target=run, name="demo-models", daemon=True)
    thread.start()
    return thread
