"""Kept semantic engines behind ModelService.query: reused, and never stale after a save, a
restore, a re-ingest or a deleted source (SQLite and PostgreSQL, real sources and Parquet)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from app.principal import Principal
from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceService
from pipelines.semantic import SemanticError, SemanticModel, SemanticQuery, run_query
from pipelines.semantic.engines import EngineCache
from tests.integration.conftest import Store
from tests.integration.model_api import ORDERS_TOTAL, orders_model
from tests.integration.sources_api import ORDERS
from tests.integration.test_model_service import upload_settled

TOTAL = SemanticQuery(measures=["orders.amount", "order_count"])
BY_CUSTOMER = SemanticQuery(
    measures=["orders.amount"], dimensions=["orders.customer"], sort=[{"field": "orders.customer"}]
)
FEW_ORDERS = "order_id;customer;amount;shipped\n" + "".join(
    f"{i};Customer {i % 2};{i},00;D0101202{i % 5}\n" for i in range(1, 11)
)
"""Ten orders with the columns of ORDERS: amounts 1 to 10 (total 55)."""


@dataclass
class Workspace:
    id: uuid.UUID
    orders: SourceInfo


@dataclass
class Setup:
    store: Store
    files: SourceFiles
    jobs: IngestJobs
    admin: Principal
    engines: EngineCache

    def service(self, principal: Principal | None = None) -> ModelService:
        return ModelService(
            self.store.db, self.files, principal or self.admin, engines=self.engines
        )

    def sources(self) -> SourceService:
        return SourceService(self.store.db, self.store.settings, self.files, self.jobs, self.admin)

    def workspace(self, name: str, data: str = ORDERS) -> Workspace:
        created = WorkspaceService(self.store.db, self.admin, self.files).create(name)
        orders = upload_settled(self.sources(), created.id, data.encode())
        assert orders.status == "ready", orders.error
        return Workspace(created.id, orders)

    def save(self, space: Workspace, label: str = "Orders", expected: int = 0) -> SemanticModel:
        return self.service().save(
            space.id, orders_model(str(space.orders.id), label=label), expected
        )


@pytest.fixture
def setup(store: Store) -> Iterator[Setup]:
    admin = store.register("Ada")
    jobs = IngestJobs(workers=1)
    engines = EngineCache()
    yield Setup(store, SourceFiles(store.settings.storage.data_dir), jobs, admin, engines)
    engines.close()
    jobs.shutdown()


def total(setup: Setup, space: Workspace) -> float:
    return float(setup.service().query(space.id, TOTAL).rows[0][0])


def test_a_repeated_query_reuses_the_workspace_engine_and_answers_as_a_fresh_one(
    setup: Setup,
) -> None:
    space = setup.workspace("Sales")
    saved = setup.save(space)
    service = setup.service()

    first = service.query(space.id, BY_CUSTOMER)
    again = service.query(space.id, BY_CUSTOMER)

    fresh = run_query(saved, BY_CUSTOMER, service.paths(space.id, saved))
    assert (first.columns, first.rows, first.sql) == (fresh.columns, fresh.rows, fresh.sql)
    assert (again.rows, again.labels) == (fresh.rows, fresh.labels)
    assert len(setup.engines.open_engines()) == 1


def test_a_save_closes_the_engines_and_the_next_query_uses_the_new_model(setup: Setup) -> None:
    space = setup.workspace("Sales")
    setup.save(space, label="Before")
    assert setup.service().query(space.id, TOTAL).labels["orders.amount"].startswith("Before")

    setup.save(space, label="After", expected=1)

    assert setup.engines.open_engines() == []
    assert setup.service().query(space.id, TOTAL).labels["orders.amount"].startswith("After")


def test_a_restore_answers_from_the_restored_version(setup: Setup) -> None:
    space = setup.workspace("Sales")
    setup.save(space, label="First")
    setup.save(space, label="Second", expected=1)
    assert setup.service().query(space.id, TOTAL).labels["orders.amount"].startswith("Second")

    setup.service().restore(space.id, 1, expected_version=2)

    assert setup.service().query(space.id, TOTAL).labels["orders.amount"].startswith("First")


def test_a_reingested_source_is_answered_from_its_new_data(setup: Setup) -> None:
    space = setup.workspace("Sales")
    setup.save(space)
    assert total(setup, space) == pytest.approx(ORDERS_TOTAL)
    before = setup.engines.open_engines()

    sources = setup.sources()
    upload = sources.start_replace(space.orders.id, "orders.csv", len(FEW_ORDERS))
    upload.path.write_bytes(FEW_ORDERS.encode())
    sources.finish_replace(upload.source_id, upload.path)

    assert total(setup, space) == pytest.approx(55.0)
    after = setup.engines.open_engines()
    assert len(after) == 1 and after != before  # the engine over the old file was closed


def test_a_deleted_source_is_reported_not_answered_by_the_kept_engine(setup: Setup) -> None:
    space = setup.workspace("Sales")
    setup.save(space)
    assert total(setup, space) == pytest.approx(ORDERS_TOTAL)

    setup.sources().delete(space.orders.id)

    with pytest.raises(SemanticError, match="Table “orders”: its source was deleted"):
        setup.service().query(space.id, TOTAL)


def test_each_workspace_is_answered_from_its_own_data(setup: Setup) -> None:
    sales, small = setup.workspace("Sales"), setup.workspace("Small", FEW_ORDERS)
    setup.save(sales)
    setup.save(small)

    for _ in range(2):
        assert total(setup, sales) == pytest.approx(ORDERS_TOTAL)
        assert total(setup, small) == pytest.approx(55.0)
    assert len(setup.engines.open_engines()) == 2

    setup.save(small, label="Changed", expected=1)  # closes only that workspace's engine
    assert [k.workspace_id for k in setup.engines.open_engines()] == [str(sales.id)]


def test_an_edited_model_is_answered_apart_from_the_saved_one(setup: Setup) -> None:
    space = setup.workspace("Sales")
    setup.save(space, label="Saved")
    service = setup.service()

    def edited(label: str) -> SemanticModel:
        model = orders_model(str(space.orders.id), label=label)
        model.version = 1  # edits of the saved version 1, not saved
        return model

    model = edited("Edited")
    assert service.query_model(space.id, model, TOTAL).labels["orders.amount"].startswith("Ed")
    model.tables[0].label = "Edited again"  # the engine kept for "Edited" has its own copy
    relabelled = service.query_model(space.id, model, TOTAL)
    assert relabelled.labels["orders.amount"].startswith("Edited again")

    by_customer = service.query_model(space.id, edited("Edited"), BY_CUSTOMER)
    assert by_customer.labels["orders.amount"].startswith("Edited ·")
    assert service.query(space.id, TOTAL).labels["orders.amount"].startswith("Saved")
