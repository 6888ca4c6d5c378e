"""ModelService.accept_suggestions over a real store (SQLite and PostgreSQL): an empty model
becomes the workspace's sources as tables in one saved version, with the save's concurrency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.principal import Principal
from app.services.errors import Forbidden
from app.services.model import ModelService, StaleModel, UnknownSuggestionId
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceService
from tests.integration.conftest import Store
from tests.integration.sources_api import ORDERS
from tests.integration.test_model_service import upload_settled


@dataclass
class Shop:
    store: Store
    files: SourceFiles
    admin: Principal
    workspace_id: uuid.UUID
    orders: SourceInfo

    def service(self, principal: Principal | None = None) -> ModelService:
        return ModelService(self.store.db, self.files, principal or self.admin)


@pytest.fixture
def shop(store: Store) -> Iterator[Shop]:
    admin = store.register("Ada")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Shop")
    jobs = IngestJobs(workers=1)
    sources = SourceService(store.db, store.settings, files, jobs, admin)
    orders = upload_settled(sources, workspace.id, ORDERS.encode())
    assert orders.status == "ready", orders.error
    yield Shop(store, files, admin, workspace.id, orders)
    jobs.shutdown()


def test_accepting_all_on_an_empty_model_saves_its_sources_as_tables(shop: Shop) -> None:
    service = shop.service()

    saved, accepted = service.accept_suggestions(shop.workspace_id, None, 0)

    assert accepted.applied == (f"table:{shop.orders.id}",)
    assert saved.version == 1
    current = service.get(shop.workspace_id)
    assert current == saved
    (table,) = current.tables
    assert (table.name, table.source_id, table.primary_key) == (
        "orders",
        str(shop.orders.id),
        "order_id",
    )
    assert [v["version"] for v in service.versions(shop.workspace_id)] == [1]


def test_a_stale_version_or_an_unknown_id_changes_nothing(shop: Shop) -> None:
    service = shop.service()
    service.accept_suggestions(shop.workspace_id, None, 0)

    with pytest.raises(StaleModel):
        service.accept_suggestions(shop.workspace_id, None, 0)
    with pytest.raises(UnknownSuggestionId, match="'table:gone'"):
        service.accept_suggestions(shop.workspace_id, ["table:gone"], 1)

    assert service.get(shop.workspace_id).version == 1


def test_a_viewer_may_not_accept(shop: Shop) -> None:
    viewer, _password = shop.store.add_member(shop.admin, "viewer")

    with pytest.raises(Forbidden, match="viewer"):
        shop.service(viewer).accept_suggestions(shop.workspace_id, None, 0)

    assert shop.service().get(shop.workspace_id).version == 0
