"""The Sources page's "Import a snapshot" box of an opened connection table, over the real
services and a real PostgreSQL / MariaDB (no browser): the name defaults to the table's, the
import starts off the event loop, the box says it is importing with a link to the new source,
then that the source is ready; a name already taken is refused with the reason."""

from __future__ import annotations

from app.pages.sources.connection_snapshot import SnapshotImport
from pipelines.connections import RemoteTable
from tests.integration import test_model_connections as shared
from tests.integration.live_databases import AIRLINES
from tests.integration.test_model_connections import Bench
from tests.integration.test_model_page import wait_until

bench = shared.bench  # the fixture: one workspace with the connection “Warehouse”


def snapshot_box(bench: Bench) -> SnapshotImport:
    return SnapshotImport(
        bench.sources(),
        bench.connections.service(bench.admin),
        bench.workspace_id,
        str(bench.connection.id),
    )


def airlines(bench: Bench) -> RemoteTable:
    return RemoteTable(bench.schema, "airlines", "table", None)


def test_a_snapshot_is_imported_and_the_box_points_to_the_ready_source(bench: Bench) -> None:
    box = snapshot_box(bench)
    assert not box.__panel__().visible  # no table opened yet
    box.table = airlines(bench)
    assert box._name.value == "airlines" and box.__panel__().visible

    box.start()

    wait_until(lambda: box.source is not None and box.source.status == "ready", timeout=60)
    source = box.source
    assert source is not None and source.name == "airlines" and source.row_count == len(AIRLINES)
    assert f"href='/sources?source={source.id}'" in box._state.object
    assert f"is ready with {len(AIRLINES)} rows" in box._state.object
    listed = [s.name for s in bench.sources().list(bench.workspace_id)]
    assert listed == ["airlines"]


def test_a_name_already_taken_is_refused_with_the_reason(bench: Bench) -> None:
    box = snapshot_box(bench)
    box.table = airlines(bench)
    box.start()
    wait_until(lambda: box.source is not None and box.source.status == "ready", timeout=60)

    box._name.value = "airlines"
    box.start()

    wait_until(lambda: not box.importing)
    assert box.source is None and "airlines" in box.error
    assert "The snapshot was not imported." in box._state.object
    assert [s.name for s in bench.sources().list(bench.workspace_id)] == ["airlines"]


def test_the_name_given_is_the_sources(bench: Bench) -> None:
    box = snapshot_box(bench)
    box.table = airlines(bench)
    box._name.value = name = "Carriers"
    box.start()
    wait_until(lambda: box.source is not None and box.source.status == "ready", timeout=60)
    assert [s.name for s in bench.sources().list(bench.workspace_id)] == [name]
