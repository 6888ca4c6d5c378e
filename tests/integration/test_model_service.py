"""ModelService over a real metadata store (SQLite and PostgreSQL), real sources and Parquet."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from app.principal import Principal
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.model import ModelService, StaleModel
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceService
from pipelines.semantic import Join, SemanticError, SemanticModel, SemanticQuery
from tests.integration.conftest import Store
from tests.integration.model_api import CUSTOMER_0_TOTAL, ORDERS_TOTAL, orders_model
from tests.integration.sources_api import ORDERS


@dataclass
class Models:
    """A tenant admin with a workspace holding one ready source (ORDERS)."""

    store: Store
    files: SourceFiles
    jobs: IngestJobs
    admin: Principal
    workspace_id: uuid.UUID
    orders: SourceInfo

    def service(self, principal: Principal | None = None, keep_versions: int = 20) -> ModelService:
        return ModelService(self.store.db, self.files, principal or self.admin, keep_versions)

    def sources(self, principal: Principal | None = None) -> SourceService:
        return SourceService(
            self.store.db, self.store.settings, self.files, self.jobs, principal or self.admin
        )

    def model(self, label: str = "Orders") -> SemanticModel:
        return orders_model(str(self.orders.id), label=label)


def upload_settled(service: SourceService, workspace_id: uuid.UUID, data: bytes) -> SourceInfo:
    started = service.start_upload(workspace_id, "orders.csv", len(data))
    started.path.write_bytes(data)
    source_id = service.finish_upload(started.source_id).id
    deadline = time.monotonic() + 60
    while (info := service.get(source_id)).status in ("uploading", "ingesting"):
        assert time.monotonic() < deadline, "ingest did not finish"
        time.sleep(0.05)
    return info


@pytest.fixture
def models(store: Store) -> Iterator[Models]:
    admin = store.register("Ada")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Sales")
    jobs = IngestJobs(workers=1)
    service = SourceService(store.db, store.settings, files, jobs, admin)
    orders = upload_settled(service, workspace.id, ORDERS.encode())
    assert orders.status == "ready", orders.error
    yield Models(store, files, jobs, admin, workspace.id, orders)
    jobs.shutdown()


# -- storing and versions --------------------------------------------------------------------------
def test_a_model_never_saved_is_empty_at_version_0(models: Models) -> None:
    model = models.service().get(models.workspace_id)
    assert (model.version, model.tables, model.joins, model.measures) == (0, [], [], [])


def test_save_then_get_round_trips_the_document(models: Models) -> None:
    service = models.service()
    saved = service.save(models.workspace_id, models.model(), expected_version=0)

    loaded = service.get(models.workspace_id)

    assert saved.version == loaded.version == 1
    assert loaded.to_dict() == {**models.model().to_dict(), "version": 1}


def test_each_save_increments_the_version(models: Models) -> None:
    service = models.service()
    for expected in range(3):
        saved = service.save(models.workspace_id, models.model(f"v{expected + 1}"), expected)
        assert saved.version == expected + 1
    current = service.get(models.workspace_id)
    assert (current.version, current.tables[0].label) == (3, "v3")


def test_a_stale_save_is_a_conflict_and_changes_nothing(models: Models) -> None:
    service = models.service()
    service.save(models.workspace_id, models.model("first"), 0)
    service.save(models.workspace_id, models.model("second"), 1)

    with pytest.raises(StaleModel) as refused:
        service.save(models.workspace_id, models.model("stale"), 1)

    assert isinstance(refused.value, Conflict)
    assert str(refused.value) == ("The model was changed by someone else (version 2); reload it.")
    current = service.get(models.workspace_id)
    assert (current.version, current.tables[0].label) == (2, "second")
    assert [v["version"] for v in service.versions(models.workspace_id)] == [2, 1]


def test_a_first_save_after_someone_else_saved_is_a_conflict(models: Models) -> None:
    service = models.service()
    service.save(models.workspace_id, models.model("theirs"), 0)
    with pytest.raises(StaleModel, match=r"\(version 1\)"):
        service.save(models.workspace_id, models.model("mine"), 0)


def test_saving_ahead_of_the_current_version_is_a_conflict(models: Models) -> None:
    with pytest.raises(StaleModel, match=r"\(version 0\)"):
        models.service().save(models.workspace_id, models.model(), 4)


def race(attempts: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same moment in threads; each outcome is a result or an exception."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Any] = [None] * len(attempts)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = attempts[index]()
        except Exception as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.parametrize("start", [0, 1], ids=["first save", "later save"])
def test_concurrent_saves_from_the_same_version_have_exactly_one_winner(
    models: Models, start: int
) -> None:
    ws = models.workspace_id
    if start:
        models.service().save(ws, models.model("base"), 0)
    for round_ in range(4):
        expected = start + round_
        outcomes = race(
            [
                lambda name=name, expected=expected: models.service().save(
                    ws, models.model(name), expected
                )
                for name in ("alice", "bob")
            ]
        )
        won = [o for o in outcomes if isinstance(o, SemanticModel)]
        lost = [o for o in outcomes if isinstance(o, StaleModel)]
        assert (len(won), len(lost)) == (1, 1), outcomes
        assert won[0].version == expected + 1
        current = models.service().get(ws)
        assert (current.version, current.tables[0].label) == (expected + 1, won[0].tables[0].label)
    kept = [v["version"] for v in models.service().versions(ws)]
    assert kept == list(range(start + 4, 0, -1))


def test_only_the_last_keep_versions_are_kept(models: Models) -> None:
    service = models.service(keep_versions=3)
    for expected in range(5):
        service.save(models.workspace_id, models.model(f"v{expected + 1}"), expected)

    assert [v["version"] for v in service.versions(models.workspace_id)] == [5, 4, 3]
    assert service.version(models.workspace_id, 3).tables[0].label == "v3"
    with pytest.raises(NotFound, match=r"version 2 .* no longer kept"):
        service.version(models.workspace_id, 2)


def test_versions_list_author_and_counts_newest_first(models: Models) -> None:
    service = models.service()
    service.save(models.workspace_id, SemanticModel(), 0)
    service.save(models.workspace_id, models.model(), 1)

    newest, oldest = service.versions(models.workspace_id)

    assert newest["version"] == 2
    assert newest["created_by"] == {"name": "Ada", "email": models.admin.email}
    # amount is a measure column, order_count a calculated measure
    assert (newest["tables"], newest["joins"], newest["measures"]) == (1, 0, 2)
    assert (oldest["version"], oldest["tables"], oldest["measures"]) == (1, 0, 0)
    assert newest["created_at"] >= oldest["created_at"]


def test_restore_saves_an_old_version_as_a_new_one(models: Models) -> None:
    service = models.service()
    service.save(models.workspace_id, models.model("good"), 0)
    service.save(models.workspace_id, models.model("broken"), 1)

    restored = service.restore(models.workspace_id, 1, expected_version=2)

    assert (restored.version, restored.tables[0].label) == (3, "good")
    current = service.get(models.workspace_id)
    assert (current.version, current.tables[0].label) == (3, "good")
    assert [v["version"] for v in service.versions(models.workspace_id)] == [3, 2, 1]


def test_restore_from_a_stale_version_is_a_conflict(models: Models) -> None:
    service = models.service()
    service.save(models.workspace_id, models.model("good"), 0)
    service.save(models.workspace_id, models.model("broken"), 1)
    with pytest.raises(StaleModel, match=r"\(version 2\)"):
        service.restore(models.workspace_id, 1, expected_version=1)


# -- roles and tenants -------------------------------------------------------------------------------
def test_a_viewer_reads_but_cannot_save_or_restore(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    viewer, _password = models.store.add_member(models.admin, "viewer")
    service = models.service(viewer)

    assert service.get(models.workspace_id).version == 1
    assert [v["version"] for v in service.versions(models.workspace_id)] == [1]
    with pytest.raises(Forbidden, match=r"viewer"):
        service.save(models.workspace_id, models.model("viewer's"), 1)
    with pytest.raises(Forbidden):
        service.restore(models.workspace_id, 1, 1)
    assert models.service().get(models.workspace_id).version == 1


def test_an_editor_can_save(models: Models) -> None:
    editor, _password = models.store.add_member(models.admin, "editor")
    assert models.service(editor).save(models.workspace_id, models.model(), 0).version == 1


def test_another_tenant_finds_no_workspace_on_any_call(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    other = models.service(models.store.register("Eve"))
    ws = models.workspace_id
    calls: list[Callable[[], object]] = [
        lambda: other.get(ws),
        lambda: other.save(ws, SemanticModel(), 1),
        lambda: other.versions(ws),
        lambda: other.version(ws, 1),
        lambda: other.restore(ws, 1, 1),
        lambda: other.sources(ws),
        lambda: other.paths(ws, models.model()),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="No such workspace"):
            call()
    assert models.service().get(ws).version == 1


# -- structural refusals -----------------------------------------------------------------------------
def test_a_table_on_a_source_of_another_workspace_is_refused_naming_the_table(
    models: Models,
) -> None:
    other_ws = WorkspaceService(models.store.db, models.admin, models.files).create("HR")
    elsewhere = upload_settled(models.sources(), other_ws.id, b"a,b\n1,2\n")
    model = models.model()
    model.tables[0].source_id = str(elsewhere.id)

    with pytest.raises(InvalidInput, match="Table “orders” uses a source that is not in") as bad:
        models.service().save(models.workspace_id, model, 0)

    assert bad.value.field == "tables.orders.source_id"
    assert models.service().get(models.workspace_id).version == 0


def test_a_table_on_an_unknown_source_id_is_refused(models: Models) -> None:
    model = models.model()
    model.tables[0].source_id = "not-a-uuid"
    with pytest.raises(InvalidInput, match="Table “orders”"):
        models.service().save(models.workspace_id, model, 0)


def test_unfinished_work_is_saved_and_its_problems_reported_by_validation(
    models: Models,
) -> None:
    model = models.model()
    model.tables.append(model.tables[0].model_copy())  # the same table twice
    model.joins.append(
        Join.model_validate(
            {
                "id": "orders_customers",
                "left_table": "orders",
                "right_table": "customers",
                "on": [{"left": "customer", "right": "name"}],
            }
        )
    )
    model.measures[0].table = "sales"

    saved = models.service().save(models.workspace_id, model, 0)
    issues = models.service().validate(models.workspace_id)

    assert saved.version == 1
    codes = {i.code for i in issues if i.level == "error"}
    assert {"duplicate_table", "join_unknown_table", "measure_unknown_table"} <= codes


def test_a_column_the_source_lacks_is_saved_and_reported_by_validation(models: Models) -> None:
    model = models.model()
    model.tables[0].columns[0].name = "order_number"  # not a column of the source

    saved = models.service().save(models.workspace_id, model, 0)
    issues = models.service().validate(models.workspace_id)

    assert saved.version == 1
    errors = [i for i in issues if i.level == "error"]
    assert errors, issues
    assert any("order_number" in str(i.as_json()) for i in errors)


def test_deleting_the_workspace_deletes_its_model_and_versions(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    WorkspaceService(models.store.db, models.admin, models.files).delete(models.workspace_id)
    from sqlalchemy import func, select

    from app.store.models import SemanticModelRecord, SemanticModelVersion

    with models.store.db.transaction() as session:
        for table in (SemanticModelRecord, SemanticModelVersion):
            assert session.scalar(select(func.count()).select_from(table)) == 0


# -- data: sources, paths, queries ---------------------------------------------------------------------
def test_sources_are_the_ready_sources_with_their_parquet(models: Models) -> None:
    started = models.sources().start_upload(models.workspace_id, "later.csv", 10)  # uploading

    schemas = models.service().sources(models.workspace_id)

    assert set(schemas) == {str(models.orders.id)}
    schema = schemas[str(models.orders.id)]
    assert (schema.name, schema.row_count) == ("orders", 120)
    assert [c.name for c in schema.columns] == ["order_id", "customer", "amount", "shipped"]
    assert schema.path is not None and schema.path.is_file()
    assert str(started.source_id) not in schemas


def test_paths_name_the_table_whose_source_is_not_ready(models: Models) -> None:
    started = models.sources().start_upload(models.workspace_id, "later.csv", 10)
    model = models.model()
    late = model.tables[0].model_copy(update={"name": "late", "source_id": str(started.source_id)})
    model.tables.append(late)

    paths = models.service().paths(models.workspace_id, model)

    assert set(paths) == {"orders"}
    assert paths["orders"].is_file()
    with pytest.raises(SemanticError, match="Table “late”: its source “later” is still") as err:
        paths["late"]
    assert err.value.field == "late"


def test_query_runs_on_the_saved_model(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    viewer, _password = models.store.add_member(models.admin, "viewer")
    query = SemanticQuery(
        measures=["orders.amount", "order_count"],
        dimensions=["orders.customer"],
        sort=[{"field": "orders.customer"}],
    )

    result = models.service(viewer).query(models.workspace_id, query)

    assert result.columns == ["orders.customer", "orders.amount", "order_count"]
    assert len(result.rows) == 7
    assert result.rows[0][0] == "Customer 0"
    # The amounts are stored exactly (DECIMAL): the sums are exact to the cent.
    assert result.rows[0][1] == Decimal(f"{CUSTOMER_0_TOTAL:.2f}")
    assert sum(r[2] for r in result.rows) == 120
    assert sum(r[1] for r in result.rows) == Decimal(f"{ORDERS_TOTAL:.2f}")
    assert "orders" in result.sql.lower() or "read_parquet" in result.sql.lower()


def test_query_naming_an_unknown_measure_raises_a_semantic_error(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    with pytest.raises(SemanticError) as err:
        models.service().query(models.workspace_id, SemanticQuery(measures=["orders.revenue"]))
    assert "revenue" in err.value.message


def test_query_without_a_model_says_so(models: Models) -> None:
    with pytest.raises(SemanticError, match="no model yet"):
        models.service().query(models.workspace_id, SemanticQuery(measures=["orders.amount"]))


def test_query_on_a_table_whose_source_was_deleted_names_the_table(models: Models) -> None:
    models.service().save(models.workspace_id, models.model(), 0)
    models.sources().delete(models.orders.id)

    with pytest.raises(SemanticError, match="Table “orders”: its source was deleted") as err:
        models.service().query(models.workspace_id, SemanticQuery(measures=["orders.amount"]))

    assert err.value.field == "orders"
