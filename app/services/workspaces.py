"""Workspaces: a tenant's folders of sources, models and dashboards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.principal import Principal
from app.services.errors import Conflict, NotFound
from app.services.names import clean_name
from app.services.sources.files import SourceFiles
from app.store.db import Database
from app.store.models import Workspace
from app.store.repositories import MembershipRepository, WorkspaceRepository


@dataclass(frozen=True)
class WorkspaceInfo:
    id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, str]:
        return {
            "id": str(self.id),
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _info(row: Workspace) -> WorkspaceInfo:
    return WorkspaceInfo(row.id, row.name, row.description, row.created_at, row.updated_at)


class WorkspaceService:
    """Workspace use cases for one Principal; editors and admins write, viewers read."""

    def __init__(
        self, db: Database, principal: Principal, files: SourceFiles | None = None
    ) -> None:
        self.db = db
        self.principal = principal
        self.files = files

    def list(self) -> Sequence[WorkspaceInfo]:
        with self.db.transaction() as session:
            return [_info(w) for w in WorkspaceRepository(session, self.principal).list()]

    def get(self, workspace_id: uuid.UUID | str) -> WorkspaceInfo:
        with self.db.transaction() as session:
            return _info(self._get(WorkspaceRepository(session, self.principal), workspace_id))

    def create(self, name: str, description: str = "") -> WorkspaceInfo:
        self.principal.require("editor", "create workspaces")
        name = clean_name(name, "name", 120)
        with self.db.transaction() as session:
            repo = WorkspaceRepository(session, self.principal)
            self._unique(repo, name)
            row = repo.add(
                Workspace(
                    name=name,
                    description=description.strip()[:1000],
                    created_by=self.principal.user_id,
                )
            )
            return _info(row)

    def update(
        self, workspace_id: uuid.UUID | str, name: str | None = None, description: str | None = None
    ) -> WorkspaceInfo:
        self.principal.require("editor", "rename workspaces")
        with self.db.transaction() as session:
            repo = WorkspaceRepository(session, self.principal)
            row = self._get(repo, workspace_id)
            if name is not None:
                name = clean_name(name, "name", 120)
                self._unique(repo, name, except_id=row.id)
                row.name = name
            if description is not None:
                row.description = description.strip()[:1000]
            session.flush()
            return _info(row)

    def delete(self, workspace_id: uuid.UUID | str) -> None:
        self.principal.require("editor", "delete workspaces")
        with self.db.transaction() as session:
            repo = WorkspaceRepository(session, self.principal)
            row = self._get(repo, workspace_id)
            repo.delete(row)
        if self.files is not None:  # its sources' rows went with it (cascade); now their files
            self.files.remove(self.files.workspace_folder(self.principal.tenant_id, row.id))

    # -- the workspace each user last worked in ----------------------------------------------
    def current(self) -> WorkspaceInfo | None:
        """The user's remembered workspace, else the first one, else None."""
        with self.db.transaction() as session:
            membership = MembershipRepository(session, self.principal).for_user(
                self.principal.user_id
            )
            repo = WorkspaceRepository(session, self.principal)
            if membership and membership.current_workspace_id:
                row = repo.get(membership.current_workspace_id)
                if row is not None:
                    return _info(row)
            rows = repo.list()
            return _info(rows[0]) if rows else None

    def set_current(self, workspace_id: uuid.UUID | str) -> WorkspaceInfo:
        with self.db.transaction() as session:
            row = self._get(WorkspaceRepository(session, self.principal), workspace_id)
            membership = MembershipRepository(session, self.principal).for_user(
                self.principal.user_id
            )
            if membership is not None:
                membership.current_workspace_id = row.id
            return _info(row)

    @staticmethod
    def _get(repo: WorkspaceRepository, workspace_id: uuid.UUID | str) -> Workspace:
        row = repo.get(workspace_id)
        if row is None:
            raise NotFound("No such workspace.")
        return row

    @staticmethod
    def _unique(repo: WorkspaceRepository, name: str, except_id: uuid.UUID | None = None) -> None:
        clash = repo.by_name(name)
        if clash is not None and clash.id != except_id:
            raise Conflict(f"A workspace named “{name}” already exists; choose another name.")
