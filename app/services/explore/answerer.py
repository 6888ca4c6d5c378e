"""Explore's answerer: a workspace's question answered through its saved semantic model.

:func:`make_answerer` gives the :class:`~app.services.explore.answering.AnswerFunction` the server
installs. For each question it reads the saved model and its tables' files (the caller's tenant
and workspace only), builds the catalog once per model version and files, and answers with the
tenant's active provider: the offline answerer (the default; no network, no key), or a language
model through :func:`pipelines.ai.answer.answer_question`, whose SQL (when a semantic query cannot
express a question) runs through the SQL page's own service, guard and sandbox.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import DomainError
from app.services.explore.answering import AnswerFunction, Question
from pipelines.ai.answer_offline import OFFLINE, answer_offline
from pipelines.ai.answer_types import Answer, Example, Turn
from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.ai.errors import ProviderError
from pipelines.query import SqlResult
from pipelines.semantic import SemanticModel, SemanticQuery

if TYPE_CHECKING:
    from app.context import AppContext

CATALOGS_KEPT = 32


class ProviderFailed(DomainError):
    """The language model could not answer (its message never holds the key): 502."""

    status = 502
    title = "Bad gateway"

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.kind = error.kind

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"provider_error": self.kind}


class _Catalogs:
    """Catalogs by (workspace, model version, table files): built once, a few kept."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], Catalog] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, workspace: str, model: SemanticModel, paths: Mapping[str, Path]) -> Catalog:
        files = tuple(sorted((t, *_identity(p)) for t, p in paths.items()))
        key = (workspace, model.version, model.model_dump_json(), files)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        catalog = build_catalog(model, paths)
        with self._lock:
            self._kept[key] = catalog
            while len(self._kept) > CATALOGS_KEPT:
                self._kept.popitem(last=False)
        return catalog


def _identity(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_size, stat.st_mtime_ns)


def make_answerer(ctx: AppContext) -> AnswerFunction:
    """The answer function of a running server (see the module docstring)."""
    catalogs = _Catalogs()

    def answer(question: Question) -> Mapping[str, Any]:
        principal, workspace = question.principal, question.workspace_id
        models = ctx.models(principal)
        model = models.get(workspace)
        if not model.tables:
            return Answer(
                kind="decline",
                question=question.text,
                explanation="This workspace has no model yet: on the Model page, accept the "
                "suggestions (Accept all) to build one from its sources, then ask again.",
                missing=["a model"],
                provider=OFFLINE,
                model=OFFLINE,
            ).as_json()
        paths = models.paths(workspace, model)
        catalog = catalogs.get(str(workspace), model, paths)
        history = [Turn(**dict(t)) for t in question.history]

        def run_semantic(query: SemanticQuery) -> Any:
            return models.query(workspace, query)

        active = ctx.ai_settings(principal).active_provider()
        if active.kind == OFFLINE:
            return answer_offline(
                question.text,
                catalog=catalog,
                run_semantic=run_semantic,
                history=history,
                model=model,
                on_step=question.on_step,
            ).as_json()
        from pipelines.ai.answer import answer_question
        from pipelines.ai.factory import make_provider

        sql = ctx.sql(principal)

        def run_sql(text: str) -> SqlResult:
            return sql.execute(workspace, text).result

        examples = [Example(str(e["question"]), dict(e["query"])) for e in question.examples]
        try:
            with make_provider(
                active.kind, active.model, active.key, active.base_url, active.timeout
            ) as provider:
                result = answer_question(
                    question.text,
                    catalog=catalog,
                    run_semantic=run_semantic,
                    run_sql=run_sql,
                    provider=provider,
                    history=history,
                    examples=examples,
                    model=model,
                    on_step=question.on_step,
                )
        except ProviderError as exc:
            raise ProviderFailed(exc) from None
        result.provider, result.model = active.kind, active.model
        return result.as_json()

    return answer
