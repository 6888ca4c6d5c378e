"""A workspace's semantic engine, leased from the process's cache: the key it is kept under
(its model and its table files) and one way to use it, shared by the model service and the
dashboard evaluator."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from pipelines.semantic.engine import SemanticEngine
from pipelines.semantic.engines import EngineCache, EngineKey, files_identity, model_digest
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import SemanticError

T = TypeVar("T")


class TablePaths(dict[str, Path]):
    """Parquet file of each model table whose source is ready.

    Looking up any other table raises :class:`SemanticError` saying why it cannot be read
    (source deleted, still ingesting, failed), so a query fails only when it needs that table.
    """

    def __init__(self, paths: Mapping[str, Path], problems: Mapping[str, str]) -> None:
        super().__init__(paths)
        self.problems = dict(problems)

    def __missing__(self, table: str) -> Path:
        message = self.problems.get(table, f"Table “{table}” is not in the model.")
        raise SemanticError(message, table)


def engine_key(
    tenant_id: uuid.UUID, workspace_id: uuid.UUID | str, model: SemanticModel, paths: TablePaths
) -> EngineKey:
    """What a workspace's cached semantic engine is kept under: its model and its files."""
    return EngineKey(
        tenant_id=str(tenant_id),
        workspace_id=str(workspace_id),
        model_version=model.version,
        model=model_digest(model),
        files=files_identity(paths),
    )


def use_engine(
    engines: EngineCache,
    key: EngineKey,
    model: SemanticModel,
    paths: TablePaths,
    work: Callable[[SemanticEngine], T],
    open_engine: Callable[[], SemanticEngine] | None = None,
) -> T:
    """``work(engine)`` with the workspace's semantic engine (built on first use, then kept).

    A :class:`SemanticError` about a table the engine has no data for says why instead
    (its source deleted, failed or still ingesting). ``open_engine`` opens it on another
    backend (a live connection's tables) instead of DuckDB over ``paths``."""
    opener = open_engine or (lambda: SemanticEngine(model, paths))
    try:
        with engines.lease(key, opener) as engine:
            return work(engine)
    except SemanticError as exc:
        problem = paths.problems.get(exc.field or "")
        if problem is not None:
            raise SemanticError(problem, exc.field) from None
        raise
