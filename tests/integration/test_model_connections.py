"""Model tables read from a live connection (PostgreSQL, MariaDB), through the model service:
queried where they are (known answers computed from the generated rows), mixed queries refused,
tenant isolation, and snapshots imported as ready sources."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq
import pytest

from app.principal import Principal
from app.services.connections import ConnectionInfo
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.model import ModelService
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from app.services.sources.service import SourceInfo, SourceService
from app.services.sources.snapshot import import_snapshot
from app.services.workspaces import WorkspaceService
from app.store.models import Source
from pipelines.semantic import SemanticError, SemanticModel, SemanticQuery
from tests.integration.conftest import Store
from tests.integration.connections_helpers import Connections, add_connection
from tests.integration.live_databases import FLIGHT_ROWS, LiveDatabase, flights
from tests.integration.model_connections_data import (
    TARGETS_CSV,
    airlines_by_origin,
    delay_by_airline,
    distance_by_airline,
    flights_document,
    total_distance,
)


@dataclass
class Bench:
    store: Store
    files: SourceFiles
    jobs: IngestJobs
    connections: Connections
    admin: Principal
    workspace_id: uuid.UUID
    connection: ConnectionInfo
    schema: str

    def models(self, principal: Principal | None = None) -> ModelService:
        who = principal or self.admin
        return ModelService(
            self.store.db, self.files, who, connections=self.connections.service(who)
        )

    def sources(self, principal: Principal | None = None) -> SourceService:
        return SourceService(
            self.store.db, self.store.settings, self.files, self.jobs, principal or self.admin
        )

    def snapshot(self, table: str = "flights", name: str | None = None) -> SourceInfo:
        return import_snapshot(
            self.sources(), self.connections.service(self.admin), self.workspace_id,
            self.connection.id, None, table, name,
        )  # fmt: skip

    def model(self, targets: str | None = None) -> SemanticModel:
        return SemanticModel.from_dict(
            flights_document(str(self.connection.id), self.schema, targets)
        )


def settled(service: SourceService, source_id: uuid.UUID) -> SourceInfo:
    deadline = time.monotonic() + 60
    while (info := service.get(source_id)).status in ("uploading", "ingesting"):
        assert time.monotonic() < deadline, "ingest did not finish"
        time.sleep(0.05)
    return info


def upload(bench: Bench, filename: str, data: str) -> SourceInfo:
    service = bench.sources()
    started = service.start_upload(bench.workspace_id, filename, len(data))
    started.path.write_bytes(data.encode())
    info = settled(service, service.finish_upload(started.source_id).id)
    assert info.status == "ready", info.error
    return info


@pytest.fixture
def bench(store: Store, live_db: LiveDatabase) -> Iterator[Bench]:
    admin = store.register("Ada")
    files = SourceFiles(store.settings.storage.data_dir)
    workspace = WorkspaceService(store.db, admin, files).create("Flights")
    jobs = IngestJobs(workers=1)
    connections = Connections(store)
    info = add_connection(connections.service(admin), workspace.id, live_db, name="Warehouse")
    schema = live_db.spec().default_schema
    yield Bench(store, files, jobs, connections, admin, workspace.id, info, schema)
    jobs.shutdown()
    connections.close()


def rows(result: Any) -> dict[Any, Any]:
    return {r[0]: r[1] for r in result.rows}


# -- querying where the data is ----------------------------------------------------------------------
def test_two_connection_tables_joined_answer_in_the_database(bench: Bench) -> None:
    service = bench.models()
    service.save(bench.workspace_id, bench.model(), 0)

    result = service.query(
        bench.workspace_id,
        SemanticQuery(
            measures=["flights.distance", "flights.dep_delay"], dimensions=["airlines.name"]
        ),
    )

    assert rows(result) == distance_by_airline()
    delays = {r[0]: Decimal(str(r[2])).quantize(Decimal("0.01")) for r in result.rows}
    assert delays == delay_by_airline()
    dialect = "postgres" if bench.connection.kind == "postgres" else "mysql"
    assert ("`" in result.sql) == (dialect == "mysql")  # the database's own dialect ran it


def test_a_measure_of_the_one_side_is_not_multiplied_by_the_fan_out(bench: Bench) -> None:
    service = bench.models()
    service.save(bench.workspace_id, bench.model(), 0)

    result = service.query(
        bench.workspace_id,
        SemanticQuery(
            measures=["airlines.carrier", "flights.distance"], dimensions=["flights.origin"]
        ),
    )

    assert rows(result) == airlines_by_origin()
    assert sum(r[2] for r in result.rows) == total_distance()


def test_an_unsaved_model_is_queried_and_the_password_is_never_logged(
    bench: Bench, live_db: LiveDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = bench.models().query_model(
        bench.workspace_id, bench.model(), SemanticQuery(measures=["flights.count"])
    )
    assert result.rows == [[FLIGHT_ROWS]] and live_db.password not in caplog.text


def test_a_query_mixing_a_connection_table_and_a_file_is_refused(bench: Bench) -> None:
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    service = bench.models()
    service.save(bench.workspace_id, bench.model(str(targets.id)), 0)

    with pytest.raises(SemanticError) as refused:
        service.query(
            bench.workspace_id,
            SemanticQuery(
                measures=["flights.distance", "targets.target"], dimensions=["airlines.name"]
            ),
        )

    assert str(refused.value) == (
        "flights is in the database “Warehouse” and targets is an uploaded file: a query reads "
        "one engine; import a snapshot of flights as a source of the workspace to join them, "
        "or query them separately."
    )
    # each side alone still answers, the file on DuckDB and the database's tables there
    alone = service.query(bench.workspace_id, SemanticQuery(measures=["targets.target"]))
    assert alone.rows == [[600]]
    assert (
        rows(
            service.query(
                bench.workspace_id,
                SemanticQuery(measures=["flights.distance"], dimensions=["airlines.name"]),
            )
        )
        == distance_by_airline()
    )


def test_a_file_reached_through_the_join_path_is_refused_by_name(bench: Bench) -> None:
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    service = bench.models()
    service.save(bench.workspace_id, bench.model(str(targets.id)), 0)

    with pytest.raises(SemanticError) as refused:
        service.query(
            bench.workspace_id,
            SemanticQuery(measures=["targets.target"], dimensions=["flights.origin"]),
        )

    assert "targets is an uploaded file" in str(refused.value)
    assert "flights is in the database “Warehouse”" in str(refused.value)


def test_validation_warns_about_a_join_across_engines(bench: Bench) -> None:
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    issues = bench.models().validate(bench.workspace_id, bench.model(str(targets.id)))
    found = [i for i in issues if i.code == "join_across_engines"]
    assert [(i.level, i.join_id) for i in found] == [("warning", "airlines_targets")]
    assert not [i for i in issues if i.level == "error"], issues


# -- checks when saving ----------------------------------------------------------------------------
def test_a_table_missing_in_the_database_is_refused_when_saved(bench: Bench) -> None:
    document = flights_document(str(bench.connection.id), bench.schema)
    document["tables"][1]["connection"]["table"] = "no_such_table"
    with pytest.raises(InvalidInput) as refused:
        bench.models().save(bench.workspace_id, SemanticModel.from_dict(document), 0)
    assert "the database “Warehouse” has no table" in str(refused.value)
    assert refused.value.field == "tables.airlines.connection"


def test_another_tenants_connection_cannot_be_referenced(bench: Bench) -> None:
    bob = bench.store.register("Bob")
    bobs = WorkspaceService(bench.store.db, bob, bench.files).create("Mine")
    service = bench.models(bob)

    with pytest.raises(InvalidInput) as refused:
        service.save(bobs.id, bench.model(), 0)

    assert "not in this workspace" in str(refused.value)
    assert "Warehouse" not in str(refused.value)
    with pytest.raises(SemanticError) as unbound:
        service.query_model(bobs.id, bench.model(), SemanticQuery(measures=["flights.count"]))
    assert "Warehouse" not in str(unbound.value)
    assert bench.models(bob).get(bobs.id).tables == []


def test_a_model_document_without_connections_is_stored_as_before(bench: Bench) -> None:
    document = {
        "tables": [{"name": "t", "source_id": "abc", "columns": []}],
        "joins": [],
        "measures": [],
    }
    model = SemanticModel.from_dict(document)
    assert "connection" not in model.to_dict()["tables"][0]
    live = bench.model().to_dict()["tables"][0]
    assert "source_id" not in live and live["connection"]["table"] == "flights"
    with pytest.raises(ValueError, match="exactly one of them"):
        SemanticModel.from_dict({"tables": [{"name": "t", "columns": []}]})


# -- snapshots ---------------------------------------------------------------------------------------
def test_a_snapshot_becomes_a_ready_source_with_the_databases_rows(bench: Bench) -> None:
    started = bench.snapshot()
    assert started.status == "ingesting" and started.name == "flights"

    info = settled(bench.sources(), started.id)

    assert info.status == "ready", info.error
    assert info.row_count == FLIGHT_ROWS
    folder = bench.files.folder(bench.admin.tenant_id, bench.workspace_id, info.id)
    data = pq.read_table(bench.files.parquet(folder))
    assert data.num_rows == FLIGHT_ROWS
    assert sum(data.column("distance").to_pylist()) == total_distance()
    delays = sum(Decimal(str(v)) for v in data.column("dep_delay").to_pylist() if v is not None)
    expected = sum(Decimal(str(r["dep_delay"])) for r in flights() if r["dep_delay"] is not None)
    assert delays == expected
    assert not (folder / ".snapshot.part").exists()


def test_a_snapshot_joins_with_files_in_one_query(bench: Bench) -> None:
    airlines = settled(bench.sources(), bench.snapshot("airlines").id)
    snapped = settled(bench.sources(), bench.snapshot("flights").id)
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    document = flights_document(str(bench.connection.id), bench.schema, str(targets.id))
    for table, source in zip(document["tables"], (snapped, airlines), strict=False):
        del table["connection"]
        table["source_id"] = str(source.id)
    service = bench.models()
    service.save(bench.workspace_id, SemanticModel.from_dict(document), 0)

    result = service.query(
        bench.workspace_id,
        SemanticQuery(
            measures=["flights.distance", "targets.target"], dimensions=["airlines.name"]
        ),
    )

    assert {r[0]: r[1] for r in result.rows} == distance_by_airline()
    assert sorted(r[2] for r in result.rows) == [100, 200, 300]


def test_snapshot_names_never_clash(bench: Bench) -> None:
    first = settled(bench.sources(), bench.snapshot("airlines").id)
    second = settled(bench.sources(), bench.snapshot("airlines").id)
    assert (first.name, second.name) == ("airlines", "airlines (2)")
    with pytest.raises(Conflict, match="already has a source “airlines”"):
        bench.snapshot("airlines", name="airlines")


def test_snapshots_are_for_editors_and_known_tables(bench: Bench) -> None:
    viewer, _ = bench.store.add_member(bench.admin, "viewer")
    with pytest.raises(Forbidden):
        import_snapshot(
            bench.sources(viewer), bench.connections.service(viewer), bench.workspace_id,
            bench.connection.id, None, "flights",
        )  # fmt: skip
    with pytest.raises(NotFound):
        bench.snapshot("no_such_table")
    assert bench.sources().list(bench.workspace_id) == []


def test_a_snapshot_streams_in_batches_and_reports_its_progress(bench: Bench) -> None:
    service = bench.connections.service(bench.admin)
    found, columns, export = service.snapshot_reader(
        bench.workspace_id, bench.connection.id, None, "flights"
    )
    seen: list[int] = []
    dest = bench.files.root / "flights-batches.parquet"

    written = export(dest, batch_rows=100, progress=seen.append)

    assert written == FLIGHT_ROWS and seen == list(range(100, FLIGHT_ROWS + 1, 100))
    assert pq.ParquetFile(dest).metadata.num_row_groups == FLIGHT_ROWS // 100
    assert [c.name for c in columns] == pq.read_schema(dest).names and found.name == "flights"


def test_a_model_service_without_connections_names_the_table_it_cannot_query(bench: Bench) -> None:
    bench.models().save(bench.workspace_id, bench.model(), 0)
    plain = ModelService(bench.store.db, bench.files, bench.admin)
    with pytest.raises(SemanticError, match="Table “flights” is in a database connection"):
        plain.query(bench.workspace_id, SemanticQuery(measures=["flights.count"]))


def test_the_file_and_database_engines_of_one_model_are_both_kept(bench: Bench) -> None:
    targets = upload(bench, "targets.csv", TARGETS_CSV)
    service = bench.models()
    service.save(bench.workspace_id, bench.model(str(targets.id)), 0)
    live = SemanticQuery(measures=["flights.distance"])
    files = SemanticQuery(measures=["targets.target"])

    for query in (live, files, live, files):
        service.query(bench.workspace_id, query)

    kept = [k for k in service.engines.open_engines() if k.workspace_id == str(bench.workspace_id)]
    assert len(kept) == 2
    assert sorted(k.model.endswith(f"@{bench.connection.id}") for k in kept) == [False, True]


def test_the_model_page_opens_a_model_of_connection_tables(bench: Bench) -> None:
    from app.pages.model import ModelView
    from tests.integration.test_model_page import wait_until, widgets

    service = bench.models()
    service.save(bench.workspace_id, bench.model(), 0)
    info = WorkspaceService(bench.store.db, bench.admin, bench.files).get(bench.workspace_id)

    view = ModelView(service=service, workspace=info, can_edit=True)

    assert view.phase == "ready"
    assert [t.name for t in view.editor.model.tables] == ["flights", "airlines"]
    view.editor.apply(bench.model())
    wait_until(lambda: not view.checking)
    assert not [i for i in view.issues if i.level == "error"], view.issues
    assert widgets(view)["status"] is not None


def test_a_snapshot_larger_than_the_storage_left_fails_saying_so(bench: Bench) -> None:
    first = settled(bench.sources(), bench.snapshot("airlines").id)
    with bench.store.db.transaction() as session:  # the tenant's storage is now all used
        session.get(Source, first.id).size_bytes = 1024 * 1024
    uploads = bench.store.settings.uploads.model_copy(update={"tenant_quota_mb": 1})
    settings = bench.store.settings.model_copy(update={"uploads": uploads})
    sources = SourceService(bench.store.db, settings, bench.files, bench.jobs, bench.admin)
    service = bench.connections.service(bench.admin)

    started = import_snapshot(
        sources, service, bench.workspace_id, bench.connection.id, None, "flights"
    )
    info = settled(sources, started.id)

    assert info.status == "failed"
    assert info.error == (
        f"The snapshot of {bench.schema}.flights failed: The table is larger than the storage "
        "your team has left (0.0 MB); delete sources you no longer need, or import a smaller "
        "table or a view of it."
    )
    folder = bench.files.folder(bench.admin.tenant_id, bench.workspace_id, info.id)
    assert not any(folder.iterdir())
