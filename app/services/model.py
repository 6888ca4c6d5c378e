"""The semantic model of a workspace: stored with version history, validated, queried.

One model per workspace lives in ``semantic_models``; every save writes a new version number
and a copy in ``semantic_model_versions`` (the last ``keep_versions`` are kept, so an older one
can be restored). Saves are optimistic: the caller names the version it edited, and the store
bumps it with one conditional UPDATE, so a stale save is refused with a Conflict instead of
overwriting someone else's work.

Saves refuse only documents that are malformed (not a model, a table whose source or
connection is not in the workspace, or a connection table its database does not have);
semantic problems (duplicate names, a join to a missing table, a column gone
from its source) are reported by :meth:`ModelService.validate` so unfinished work can still be
saved.

Queries run on engines kept per workspace, model and table files
(:class:`~pipelines.semantic.engines.EngineCache`), so a repeated query only runs its SQL; a save
closes the workspace's engines, and a re-ingested or deleted source changes the files' identity,
so no answer ever comes from an older model or older data. Tables of a live connection are
queried in their database (:mod:`app.services.model_live`); a query reads one engine.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.principal import Principal
from app.services import model_live
from app.services.connections import ConnectionService
from app.services.engine_lease import TablePaths, engine_key, use_engine
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.sources.files import SourceFiles
from app.store.db import Database
from app.store.models import SemanticModelRecord, SemanticModelVersion, Workspace
from app.store.repositories import (
    SemanticModelRepository,
    SemanticModelVersionRepository,
    SourceRepository,
    SourceState,
    WorkspaceRepository,
)
from pipelines.semantic.accept import Accepted, UnknownSuggestion, accept
from pipelines.semantic.engines import EngineCache
from pipelines.semantic.model import SemanticModel
from pipelines.semantic.query import QueryResult, SemanticError, SemanticQuery
from pipelines.semantic.sources import SourceSchema
from pipelines.semantic.suggest import Suggestion
from pipelines.semantic.suggest import suggest as suggest_model
from pipelines.semantic.validate import Issue
from pipelines.semantic.validate import validate as validate_model

DEFAULT_KEEP_VERSIONS = 20
SHARED_ENGINES = EngineCache()
"""The engines of services built without a cache of their own (the app passes its own)."""


class StaleModel(Conflict):
    """A save based on a version that is no longer the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The model was changed by someone else (version {current}); reload it.")
        self.current = current

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.current}


class UnknownSuggestionId(InvalidInput):
    """An id to accept that is not among the model's current suggestions."""

    def __init__(self, error: UnknownSuggestion) -> None:
        super().__init__(error.message, error.field)
        self.suggestion_id = error.suggestion_id

    @property
    def problem_fields(self) -> dict[str, Any]:
        return {"unknown_id": self.suggestion_id}


def document_of(model: SemanticModel) -> dict[str, Any]:
    """The JSON stored for ``model``: everything but its version number (a column of its own)."""
    data = model.to_dict()
    data.pop("version", None)
    return data


def model_of(document: dict[str, Any], version: int) -> SemanticModel:
    return SemanticModel.from_dict({**document, "version": version})


def _counts(document: dict[str, Any]) -> dict[str, int]:
    """Tables, joins and measures (measure columns plus calculated measures) of a document."""
    tables = document.get("tables") or []
    measure_columns = sum(
        1 for t in tables for c in t.get("columns") or [] if c.get("role") == "measure"
    )
    return {
        "tables": len(tables),
        "joins": len(document.get("joins") or []),
        "measures": measure_columns + len(document.get("measures") or []),
    }


def check_structure(model: SemanticModel, sources: Mapping[str, str]) -> None:
    """Refuse a document that cannot be stored as a model of this workspace.

    The document's shape is already checked by :class:`SemanticModel`; what is left is that
    every table reads a source of this workspace (``sources`` maps their ids, any status, to
    their names). Duplicates, dangling joins and the like are validation issues instead, so
    unfinished work can be saved.

    Raises
    ------
    InvalidInput
        Naming the first table whose source is not in the workspace.
    """
    for table in model.tables:
        if table.connection is None and table.source_id not in sources:
            raise InvalidInput(
                f"Table “{table.name}” uses a source that is not in this workspace; pick one of "
                "the workspace's sources or remove the table.",
                f"tables.{table.name}.source_id",
            )


class ModelService:
    """Model use cases for one Principal: editors and admins change the model; everyone with
    access to the workspace reads, validates and queries it."""

    def __init__(
        self,
        db: Database,
        files: SourceFiles,
        principal: Principal,
        keep_versions: int = DEFAULT_KEEP_VERSIONS,
        engines: EngineCache | None = None,
        connections: ConnectionService | None = None,
    ) -> None:
        if keep_versions < 1:
            raise ValueError("keep_versions must be at least 1")
        self.db = db
        self.files = files
        self.principal = principal
        self.keep_versions = keep_versions
        self.engines = engines if engines is not None else SHARED_ENGINES
        self.connections = connections
        """Reaches the model's connection tables; without it, such tables cannot be queried."""

    # -- the stored model ----------------------------------------------------------------------
    def get(self, workspace_id: uuid.UUID | str) -> SemanticModel:
        """The workspace's current model; an empty model with version 0 if never saved."""
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            row = SemanticModelRepository(session, self.principal).for_workspace(workspace.id)
            return SemanticModel() if row is None else model_of(row.document, row.version)

    def save(
        self, workspace_id: uuid.UUID | str, model: SemanticModel, expected_version: int
    ) -> SemanticModel:
        """Store ``model`` as the next version if the current one is ``expected_version``.

        Raises
        ------
        Forbidden
            For viewers.
        StaleModel
            (a Conflict) when someone saved since ``expected_version``.
        InvalidInput
            When the document is structurally broken (see :func:`check_structure`).
        """
        self.principal.require("editor", "change the model")
        if expected_version < 0:
            raise InvalidInput("version must be 0 or more.", "version")
        if any(t.connection is not None for t in model.tables):  # before: it reads the catalog
            saved = self.get(workspace_id)
            model_live.check_references(model, saved, self.connections, workspace_id)
        document = document_of(model)
        new_version = expected_version + 1
        try:
            with self.db.transaction() as session:
                workspace = self._workspace(session, workspace_id)
                saved_in = workspace.id
                check_structure(model, self._source_names(session, workspace.id))
                self._write(session, workspace.id, expected_version, document)
        except IntegrityError:
            # Two first saves raced: the other one inserted the model row first.
            raise StaleModel(self.get(workspace_id).version) from None
        self.engines.invalidate(str(self.principal.tenant_id), str(saved_in))
        return model_of(document, new_version)

    def _write(
        self, session: Session, workspace_id: uuid.UUID, expected: int, document: dict[str, Any]
    ) -> None:
        models = SemanticModelRepository(session, self.principal)
        user = self.principal.user_id
        if expected == 0:
            current = models.for_workspace(workspace_id)
            if current is not None:
                raise StaleModel(current.version)
            models.add(
                SemanticModelRecord(
                    workspace_id=workspace_id, version=1, document=document, updated_by=user
                )
            )
        elif not models.bump(workspace_id, expected, document, user):
            current = models.for_workspace(workspace_id)
            raise StaleModel(0 if current is None else current.version)
        versions = SemanticModelVersionRepository(session, self.principal)
        versions.add(
            SemanticModelVersion(
                workspace_id=workspace_id,
                version=expected + 1,
                document=document,
                created_by=user,
            )
        )
        versions.trim(workspace_id, keep_from=expected + 2 - self.keep_versions)

    def versions(self, workspace_id: uuid.UUID | str) -> list[dict[str, Any]]:
        """The kept versions, newest first: ``version``, ``created_at`` (datetime),
        ``created_by`` (``{"name", "email"}`` or None once the user is deleted) and the
        ``tables``, ``joins`` and ``measures`` counts."""
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            rows = SemanticModelVersionRepository(session, self.principal).list_with_authors(
                workspace.id
            )
            return [
                {
                    "version": row.version,
                    "created_at": row.created_at,
                    "created_by": None
                    if user is None
                    else {"name": user.display_name, "email": user.email},
                    **_counts(row.document),
                }
                for row, user in rows
            ]

    def version(self, workspace_id: uuid.UUID | str, number: int) -> SemanticModel:
        """The model as saved in version ``number`` (if it is still kept)."""
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            row = SemanticModelVersionRepository(session, self.principal).by_number(
                workspace.id, number
            )
            if row is None:
                raise NotFound(
                    f"No such version: version {number} of the model does not exist or is no "
                    f"longer kept (the last {self.keep_versions} versions are)."
                )
            return model_of(row.document, row.version)

    def restore(
        self, workspace_id: uuid.UUID | str, number: int, expected_version: int
    ) -> SemanticModel:
        """Save the document of version ``number`` as a new version (history is not rewritten)."""
        self.principal.require("editor", "change the model")
        return self.save(workspace_id, self.version(workspace_id, number), expected_version)

    # -- the workspace's data ------------------------------------------------------------------
    def sources(self, workspace_id: uuid.UUID | str) -> dict[str, SourceSchema]:
        """The workspace's ready sources as schemas the model can use, keyed by source id."""
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            rows = SourceRepository(session, self.principal).list(workspace.id)
            ready = [(r.id, r.name, r.profile) for r in rows if r.status == "ready" and r.profile]
        return {
            str(source_id): SourceSchema.from_profile(
                str(source_id), name, profile, self._parquet(workspace.id, source_id)
            )
            for source_id, name, profile in ready
        }

    def paths(self, workspace_id: uuid.UUID | str, model: SemanticModel) -> TablePaths:
        """The Parquet file of each table whose source is ready (see :class:`TablePaths`)."""
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            return self._table_paths(session, workspace.id, model)

    def _table_paths(
        self, session: Session, workspace_id: uuid.UUID, model: SemanticModel
    ) -> TablePaths:
        states = SourceRepository(session, self.principal).states(workspace_id)
        by_id = {str(r.id): r for r in states}
        paths: dict[str, Path] = {}
        problems: dict[str, str] = {}
        for table in model.tables:
            if table.connection is not None:
                continue  # read where it is (see _run)
            row = by_id.get(table.source_id)
            problem = _unreadable(table.name, row)
            if problem is None:
                assert row is not None
                path = self._parquet(workspace_id, row.id)
                if path.is_file():
                    paths[table.name] = path
                    continue
                problem = (
                    f"Table “{table.name}”: the data of source “{row.name}” is missing; "
                    "upload the file again."
                )
            problems[table.name] = problem
        return TablePaths(paths, problems)

    def validate(
        self, workspace_id: uuid.UUID | str, model: SemanticModel | None = None
    ) -> list[Issue]:
        """Problems of ``model`` (default: the saved one) against the workspace's sources."""
        if model is None:
            model = self.get(workspace_id)
        if all(t.connection is None for t in model.tables):
            return validate_model(model, self.sources(workspace_id))
        return model_live.issues(model, self.sources(workspace_id), self.connections, workspace_id)

    def suggest(
        self, workspace_id: uuid.UUID | str, model: SemanticModel | None = None
    ) -> list[Suggestion]:
        """Tables, joins and measures the model (default: the saved one) could add."""
        if model is None:
            model = self.get(workspace_id)
        live, _ = model_live.schemas(model, self.connections, workspace_id)
        return suggest_model(model, {**self.sources(workspace_id), **live})

    def accept_suggestions(
        self, workspace_id: uuid.UUID | str, ids: list[str] | None, expected_version: int
    ) -> tuple[SemanticModel, Accepted]:
        """Accept the saved model's suggestions named by ``ids`` (None: all of them), in order,
        and save the result as the next version if the current one is ``expected_version``.

        A join to a table only suggested brings that table along; a suggestion made unfit by an
        earlier one is skipped (see :func:`pipelines.semantic.accept.accept`). When nothing is
        applied, nothing is saved and the current model is returned.

        Raises
        ------
        Forbidden
            For viewers.
        StaleModel
            When the current version is not ``expected_version`` (nothing changes).
        UnknownSuggestionId
            (an InvalidInput) naming an id that is not a current suggestion (nothing changes).
        """
        self.principal.require("editor", "change the model")
        current = self.get(workspace_id)
        if current.version != expected_version:
            raise StaleModel(current.version)
        try:
            accepted = accept(current, self.suggest(workspace_id, current), ids)
        except UnknownSuggestion as exc:
            raise UnknownSuggestionId(exc) from None
        if not accepted.applied:
            return current, accepted
        return self.save(workspace_id, accepted.model, expected_version), accepted

    def query(self, workspace_id: uuid.UUID | str, query: SemanticQuery) -> QueryResult:
        """Run ``query`` on the saved model (viewers may).

        Raises
        ------
        SemanticError
            Naming the measure, dimension, filter or table at fault.
        """
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            row = SemanticModelRepository(session, self.principal).for_workspace(workspace.id)
            if row is None or not row.document.get("tables"):
                raise SemanticError(
                    "This workspace has no model yet; add tables on the Model page first."
                )
            model = model_of(row.document, row.version)
            paths = self._table_paths(session, workspace.id, model)
            workspace_uuid = workspace.id
        return self._run(workspace_uuid, model, paths, query)

    def query_model(
        self, workspace_id: uuid.UUID | str, model: SemanticModel, query: SemanticQuery
    ) -> QueryResult:
        """Run ``query`` on ``model`` as edited (it need not be saved) over the workspace's
        data; raises as :meth:`query`."""
        model = model.model_copy(deep=True)  # a kept engine must not see later edits
        with self.db.transaction() as session:
            workspace = self._workspace(session, workspace_id)
            paths = self._table_paths(session, workspace.id, model)
            workspace_uuid = workspace.id
        return self._run(workspace_uuid, model, paths, query)

    def _run(
        self, workspace_id: uuid.UUID, model: SemanticModel, paths: TablePaths, query: SemanticQuery
    ) -> QueryResult:
        if all(t.connection is None for t in model.tables):
            key = engine_key(self.principal.tenant_id, workspace_id, model, paths)
            return use_engine(self.engines, key, model, paths, lambda e: e.execute(query))
        home, problems = model_live.plan(model, query, self.connections, workspace_id)
        if home.is_files:
            paths = TablePaths(paths, {**paths.problems, **problems})
            key = engine_key(self.principal.tenant_id, workspace_id, model, paths)
            return use_engine(self.engines, key, model, paths, lambda e: e.execute(query))
        return model_live.run_live(
            self.engines, self.connections, self.principal.tenant_id, workspace_id, model, home,
            problems, lambda e: e.execute(query),
        )  # fmt: skip

    # -- helpers -------------------------------------------------------------------------------
    def _workspace(self, session: Session, workspace_id: uuid.UUID | str) -> Workspace:
        workspace = WorkspaceRepository(session, self.principal).get(workspace_id)
        if workspace is None:
            raise NotFound("No such workspace.")
        return workspace

    def _source_names(self, session: Session, workspace_id: uuid.UUID) -> dict[str, str]:
        rows = SourceRepository(session, self.principal).list(workspace_id)
        return {str(r.id): r.name for r in rows}

    def _parquet(self, workspace_id: uuid.UUID, source_id: uuid.UUID) -> Path:
        folder = self.files.folder(self.principal.tenant_id, workspace_id, source_id)
        return self.files.parquet(folder)


def _unreadable(table: str, source: SourceState | None) -> str | None:
    """Why ``table`` cannot be read from ``source`` (None when it can)."""
    if source is None:
        return (
            f"Table “{table}”: its source was deleted; pick another source for it or remove it "
            "from the model."
        )
    if source.status in ("uploading", "ingesting"):
        return f"Table “{table}”: its source “{source.name}” is still being read; try again soon."
    if source.status != "ready":
        return (
            f"Table “{table}”: its source “{source.name}” failed to load; fix it on the Sources "
            "page."
        )
    return None
