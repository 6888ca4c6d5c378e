"""The tables a workspace's SQL sees: names, Parquet files, columns and column roles.

A workspace with a saved model exposes the model's tables (named by their identifiers) whose
source is ready; a workspace without one exposes one table per ready source, named as the model
would name it (``Sales Orders`` becomes ``sales_orders``). The query runner keys its sandboxes
and cached results by the model version and by the tables' files (names, sizes, modification
times), so a source added, removed or re-ingested is seen at once.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.principal import Principal
from app.services.errors import InvalidInput, NotFound
from app.services.sources.files import SourceFiles
from app.store.models import Source, Workspace
from app.store.repositories import SemanticModelRepository, SourceRepository, WorkspaceRepository
from pipelines.ingest.identifiers import make_identifier
from pipelines.query import QueryRunner, WorkspaceKey
from pipelines.query.results import SqlResult
from pipelines.semantic.model import NumberFormat, SemanticModel
from pipelines.semantic.roles import unique_name

MAX_SQL_CHARS = 100_000
QUERY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
Column = tuple[str, str]
"""A column of a SQL table: its identifier and logical type."""


@dataclass(frozen=True)
class ColumnRole:
    """What the model says of a column name: its role, label, and a measure's format and
    default aggregation."""

    role: str
    label: str = ""
    format: NumberFormat | None = None
    aggregation: str | None = None


@dataclass(frozen=True)
class WorkspaceTables:
    """What the SQL of one workspace may read."""

    workspace_id: uuid.UUID
    allowed_dir: Path
    paths: dict[str, Path]
    columns: dict[str, list[Column]]
    roles: dict[str, ColumnRole] = field(default_factory=dict)
    """Roles of column names the model gives one unambiguous role (for chart suggestions)."""
    version: int = 0
    """The saved model's version (0 without a model)."""

    def sandbox_key(self, tenant_id: uuid.UUID) -> WorkspaceKey:
        """The key of this workspace's sandbox in the query runner. The sandbox is confined to
        the workspace folder, which a workspace gets with its first upload: it is made here for
        one without sources (SQL over no tables, such as SELECT 1)."""
        self.allowed_dir.mkdir(parents=True, exist_ok=True)
        return WorkspaceKey(str(tenant_id), str(self.workspace_id), self.version)

    def run_id(self, user_id: uuid.UUID, query_id: str) -> str:
        """``query_id`` scoped by workspace and user: it only ever cancels the user's own query."""
        return f"{self.workspace_id}/{user_id}/{query_id}"

    def run(
        self, runner: QueryRunner, principal: Principal, sql: str, *, limit: int,
        max_bytes: int, query_id: str,
    ) -> SqlResult:  # fmt: skip
        """Run ``sql`` over these tables in the workspace's sandbox, as ``principal``."""
        return runner.run(
            self.sandbox_key(principal.tenant_id),
            self.paths,
            self.allowed_dir,
            sql,
            limit=limit,
            max_bytes=max_bytes,
            query_id=self.run_id(principal.user_id, query_id),
        )


def workspace_of(
    session: Session, principal: Principal, workspace_id: uuid.UUID | str
) -> Workspace:
    """The principal's workspace ``workspace_id``, or NotFound (also for another tenant's)."""
    workspace = WorkspaceRepository(session, principal).get(workspace_id)
    if workspace is None:
        raise NotFound("No such workspace.")
    return workspace


def load_tables(
    session: Session, principal: Principal, files: SourceFiles, workspace_id: uuid.UUID | str
) -> WorkspaceTables:
    """The tables of ``workspace_id`` as the principal's SQL sees them (NotFound if none)."""
    workspace = workspace_of(session, principal, workspace_id)
    row = SemanticModelRepository(session, principal).for_workspace(workspace.id)
    model = (
        SemanticModel()
        if row is None
        else SemanticModel.from_dict({**row.document, "version": row.version})
    )
    sources = SourceRepository(session, principal).list(workspace.id)
    ready = {str(s.id): s for s in sources if s.status == "ready" and s.profile}

    def parquet(source: Source) -> Path:
        return files.parquet(files.folder(principal.tenant_id, workspace.id, source.id))

    chosen: list[tuple[str, Source]] = []
    if model.tables:
        chosen = [(t.name, ready[t.source_id]) for t in model.tables if t.source_id in ready]
    else:
        taken: set[str] = set()
        for source in ready.values():
            name = unique_name(source_table_name(source.name), taken)
            taken.add(name)
            chosen.append((name, source))
    paths: dict[str, Path] = {}
    columns: dict[str, list[Column]] = {}
    for name, source in chosen:
        path = parquet(source)
        if not path.is_file():
            continue  # the data is gone; the guard then says the table does not exist
        paths[name] = path
        columns[name] = _profile_columns(source.profile or {})
    return WorkspaceTables(
        workspace_id=workspace.id,
        allowed_dir=files.workspace_folder(principal.tenant_id, workspace.id),
        paths=dict(sorted(paths.items())),
        columns=dict(sorted(columns.items())),
        roles=_roles(model, set(paths)),
        version=model.version,
    )


def source_table_name(source_name: str) -> str:
    """The identifier a source's table gets, as in
    :func:`pipelines.semantic.suggest.table_from_source` (without the ``_2`` suffixes)."""
    base = make_identifier(source_name, 1)
    if base == "column_1" and not re.search(r"[A-Za-z0-9]", source_name):
        return "table"  # nothing in the name survives as an identifier
    return base


def _profile_columns(profile: dict[str, Any]) -> list[Column]:
    return [(str(c["identifier"]), str(c["type"])) for c in profile.get("columns", ())]


def _roles(model: SemanticModel, readable: set[str]) -> dict[str, ColumnRole]:
    """Column name -> role, for names every readable model table agrees on."""
    found: dict[str, ColumnRole | None] = {}
    for table in model.tables:
        if table.name not in readable:
            continue
        for column in table.columns:
            if column.role == "ignored":
                continue
            measure = column.role == "measure"
            role = ColumnRole(
                column.role,
                column.label,
                column.format if measure else None,
                column.aggregation if measure else None,
            )
            found[column.name] = role if found.get(column.name, role) == role else None
    return {name: role for name, role in found.items() if role is not None}


# -- inputs ---------------------------------------------------------------------------------------
def check_sql_text(sql: str) -> str:
    """``sql`` if it is non-empty and not too long, else InvalidInput on the ``sql`` field."""
    if not sql or not sql.strip():
        raise InvalidInput("Write a SQL query first.", "sql")
    if len(sql) > MAX_SQL_CHARS:
        raise InvalidInput(f"The SQL is longer than {MAX_SQL_CHARS:,} characters.", "sql")
    return sql


def check_query_id(query_id: str) -> str:
    if not QUERY_ID.match(query_id):
        raise InvalidInput(
            "A query id is 1 to 64 letters, digits, '_', '-', '.' or ':'.", "query_id"
        )
    return query_id
