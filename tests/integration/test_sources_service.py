"""SourceService over a real metadata store (SQLite and PostgreSQL), real files and real ingests."""

from __future__ import annotations

import gzip
import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.principal import Principal
from app.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.services.sources.errors import SchemaMismatch, TooLarge, UnsupportedFileType
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs, recover_interrupted
from app.services.sources.service import SourceInfo, SourceService
from app.services.workspaces import WorkspaceService
from app.settings import Settings
from app.store.models import Source
from tests.integration.conftest import Store
from tests.integration.sources_api import aged

ORDERS = "order_id;customer;amount;shipped\n" + "".join(
    f"{i};Customer {i % 7};{i * 3 % 101},{i % 10}0;D{i % 28 + 1:02d}012024\n" for i in range(1, 121)
)
"""120 orders in French format: ``;`` separator, decimal comma, a date the detector leaves as
text (``D05012024`` = 5 January 2024)."""


@dataclass
class Sources:
    """A tenant admin's SourceService over the store, with its workspace."""

    store: Store
    files: SourceFiles
    jobs: IngestJobs
    admin: Principal
    workspace_id: uuid.UUID

    def service(self, principal: Principal | None = None, **uploads: int) -> SourceService:
        settings: Settings = self.store.settings
        if uploads:
            settings = settings.model_copy(
                update={"uploads": settings.uploads.model_copy(update=uploads)}
            )
        return SourceService(
            self.store.db, settings, self.files, self.jobs, principal or self.admin
        )

    def workspaces(self, principal: Principal | None = None) -> WorkspaceService:
        return WorkspaceService(self.store.db, principal or self.admin, self.files)

    def folder(self, info: SourceInfo) -> Path:
        return self.files.folder(self.admin.tenant_id, info.workspace_id, info.id)


@pytest.fixture
def sources(store: Store) -> Iterator[Sources]:
    admin = store.register("Ada")
    workspace = store.workspaces(admin).create("Sales")
    jobs = IngestJobs(workers=2)
    yield Sources(store, SourceFiles(store.settings.storage.data_dir), jobs, admin, workspace.id)
    jobs.shutdown()


def upload(
    service: SourceService,
    workspace_id: uuid.UUID,
    filename: str,
    data: bytes,
    name: str | None = None,
) -> SourceInfo:
    """What the upload route does: start, stream the bytes to the given path, finish."""
    started = service.start_upload(workspace_id, filename, len(data), name=name)
    started.path.write_bytes(data)
    return service.finish_upload(started.source_id)


def wait_until_settled(service: SourceService, source_id: uuid.UUID) -> SourceInfo:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        info = service.get(source_id)
        if info.status not in ("uploading", "ingesting"):
            return info
        time.sleep(0.05)
    raise AssertionError(f"source {source_id} is still {info.status}")


def ready(sources: Sources, filename: str = "orders.csv", data: str = ORDERS) -> SourceInfo:
    service = sources.service()
    info = wait_until_settled(
        service, upload(service, sources.workspace_id, filename, data.encode()).id
    )
    assert info.status == "ready", info.error
    return info


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def column_types(info: SourceInfo) -> dict[str, str]:
    assert info.profile is not None
    return {c["identifier"]: c["type"] for c in info.profile["columns"]}


# -- life cycle ----------------------------------------------------------------------------------------
def test_upload_goes_from_uploading_to_ingesting_to_ready(sources: Sources) -> None:
    service = sources.service()
    started = service.start_upload(sources.workspace_id, "orders.csv", len(ORDERS))
    assert service.get(started.source_id).status == "uploading"
    started.path.write_bytes(ORDERS.encode())
    assert service.finish_upload(started.source_id).status == "ingesting"

    info = wait_until_settled(service, started.source_id)

    assert (info.status, info.error) == ("ready", None)
    assert (info.name, info.row_count, info.column_count) == ("orders", 120, 4)
    assert column_types(info) == {
        "order_id": "integer",
        "customer": "text",
        "amount": "decimal",
        "shipped": "text",
    }
    assert sorted(p.name for p in sources.folder(info).iterdir()) == [
        "data.parquet",
        "original.csv",
    ]
    assert info.size_bytes == sum(p.stat().st_size for p in sources.folder(info).iterdir())


def test_unreadable_file_ends_failed_with_a_reason_and_no_parquet(sources: Sources) -> None:
    service = sources.service()
    binary = bytes(range(256)) * 64
    info = wait_until_settled(
        service, upload(service, sources.workspace_id, "photo.csv", binary).id
    )
    assert info.status == "failed"
    assert info.error and "binary" in info.error.lower()
    assert not (sources.folder(info) / "data.parquet").exists()
    assert info.row_count is None and info.profile is None


def test_cancelled_upload_leaves_no_row_and_no_folder(sources: Sources) -> None:
    service = sources.service()
    started = service.start_upload(sources.workspace_id, "orders.csv", len(ORDERS))
    started.path.write_bytes(ORDERS.encode()[:100])

    service.abort_upload(started.source_id)

    assert service.list(sources.workspace_id) == []
    assert not started.path.parent.exists()


def test_unsupported_extension_is_refused_before_anything_is_created(sources: Sources) -> None:
    service = sources.service()
    with pytest.raises(UnsupportedFileType, match=r"\.csv, \.tsv"):
        service.start_upload(sources.workspace_id, "setup.exe", 10)
    assert service.list(sources.workspace_id) == []
    assert not sources.files.workspace_folder(
        sources.admin.tenant_id, sources.workspace_id
    ).exists()


# -- reading ---------------------------------------------------------------------------------------------
def test_preview_pages_and_sorts_rows_from_parquet(sources: Sources) -> None:
    info = ready(sources)
    page = sources.service().preview(info.id, page=2, size=10, sort=[("amount", "desc")])

    amounts = sorted(((i * 3 % 101) + (i % 10) / 10 for i in range(1, 121)), reverse=True)
    assert [row[2] for row in page["rows"]] == pytest.approx(amounts[10:20])
    assert (page["page"], page["size"], page["total_rows"], page["total_pages"]) == (2, 10, 120, 12)
    assert [c["identifier"] for c in page["columns"]] == [
        "order_id",
        "customer",
        "amount",
        "shipped",
    ]


def test_preview_sorts_by_several_columns(sources: Sources) -> None:
    info = ready(sources)
    page = sources.service().preview(
        info.id, size=5, sort=[("customer", "asc"), ("order_id", "desc")]
    )
    assert [(r[1], r[0]) for r in page["rows"]] == [
        ("Customer 0", 119),
        ("Customer 0", 112),
        ("Customer 0", 105),
        ("Customer 0", 98),
        ("Customer 0", 91),
    ]


def test_preview_past_the_last_page_is_empty(sources: Sources) -> None:
    info = ready(sources)
    assert sources.service().preview(info.id, page=13, size=10)["rows"] == []


def test_preview_refuses_an_unknown_sort_column(sources: Sources) -> None:
    info = ready(sources)
    with pytest.raises(InvalidInput, match="unknown column “secret”"):
        sources.service().preview(info.id, sort=[("secret", "asc")])


def test_preview_refuses_a_sort_that_is_not_a_column_name(sources: Sources) -> None:
    info = ready(sources)
    with pytest.raises(InvalidInput):
        sources.service().preview(info.id, sort=[('amount" DESC; DROP TABLE x; --', "asc")])


def test_preview_of_a_failed_source_is_a_conflict(sources: Sources) -> None:
    service = sources.service()
    info = wait_until_settled(service, upload(service, sources.workspace_id, "e.csv", b" ").id)
    assert info.status == "failed"
    with pytest.raises(Conflict, match="failed"):
        service.preview(info.id)


def test_list_searches_names_and_sorts(sources: Sources) -> None:
    service = sources.service()
    small = ready(sources, "small.csv", "a,b\n1,2\n")
    big = ready(sources, "orders.csv")
    service.rename(big.id, "Orders 2024")

    assert [i.name for i in service.list(sources.workspace_id, q="ORDERS")] == ["Orders 2024"]
    assert [i.name for i in service.list(sources.workspace_id, q="small.csv")] == ["small"]
    assert [i.id for i in service.list(sources.workspace_id, sort="rows")] == [big.id, small.id]
    assert [i.id for i in service.list(sources.workspace_id, sort="size")] == [big.id, small.id]
    assert [i.id for i in service.list(sources.workspace_id, sort="created")] == [big.id, small.id]
    assert [i.id for i in service.list(sources.workspace_id, sort="name")] == [big.id, small.id]
    with pytest.raises(InvalidInput, match="sort must be one of"):
        service.list(sources.workspace_id, sort="secret")


def test_a_source_is_missing_when_asked_through_another_workspace(sources: Sources) -> None:
    info = ready(sources)
    other = sources.workspaces().create("Other")
    service = sources.service()
    with pytest.raises(NotFound):
        service.get(info.id, workspace_id=other.id)
    with pytest.raises(NotFound):
        service.delete(info.id, workspace_id=other.id)
    assert service.get(info.id, workspace_id=sources.workspace_id).status == "ready"


def test_another_tenant_cannot_see_or_change_a_source(sources: Sources) -> None:
    info = ready(sources)
    stranger = sources.store.register("Eve")
    theirs = sources.service(stranger)
    for attempt in (
        lambda: theirs.get(info.id),
        lambda: theirs.list(sources.workspace_id),
        lambda: theirs.preview(info.id),
        lambda: theirs.rename(info.id, "mine"),
        lambda: theirs.retry(info.id),
        lambda: theirs.delete(info.id),
        lambda: theirs.start_replace(info.id, "x.csv", 10),
        lambda: theirs.start_upload(sources.workspace_id, "x.csv", 10),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert sources.service().get(info.id).name == "orders"


# -- changes ---------------------------------------------------------------------------------------------
def test_rename_changes_only_the_name(sources: Sources) -> None:
    info = ready(sources)
    renamed = sources.service().rename(info.id, "  Orders 2024  ")
    assert renamed.name == "Orders 2024"
    again = sources.service().get(info.id)
    assert (again.name, again.filename, again.row_count) == ("Orders 2024", "orders.csv", 120)


def test_rename_to_an_empty_name_is_refused(sources: Sources) -> None:
    info = ready(sources)
    with pytest.raises(InvalidInput):
        sources.service().rename(info.id, "   ")


def test_delete_removes_the_source_and_its_files(sources: Sources) -> None:
    info = ready(sources)
    folder = sources.folder(info)
    assert folder.exists()

    sources.service().delete(info.id)

    assert not folder.exists()
    with pytest.raises(NotFound):
        sources.service().get(info.id)


def test_viewer_reads_but_cannot_change_sources(sources: Sources) -> None:
    info = ready(sources)
    viewer, _ = sources.store.add_member(sources.admin, "viewer")
    theirs = sources.service(viewer)
    assert [i.id for i in theirs.list(sources.workspace_id)] == [info.id]
    assert theirs.preview(info.id, size=2)["total_rows"] == 120
    for attempt in (
        lambda: theirs.rename(info.id, "mine"),
        lambda: theirs.delete(info.id),
        lambda: theirs.retry(info.id),
        lambda: theirs.start_replace(info.id, "x.csv", 10),
        lambda: theirs.start_upload(sources.workspace_id, "x.csv", 10),
        lambda: theirs.check_upload(sources.workspace_id, 10),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert sources.service().get(info.id).name == "orders"


def test_retry_with_a_date_override_reads_a_text_column_as_dates(sources: Sources) -> None:
    info = ready(sources)
    assert column_types(info)["shipped"] == "text"
    service = sources.service()

    queued = service.retry(info.id, {"shipped": {"type": "date", "format": "D%d%m%Y"}})
    assert queued.status == "ingesting"
    again = wait_until_settled(service, info.id)

    assert again.status == "ready", again.error
    assert column_types(again)["shipped"] == "date"
    shipped = next(c for c in again.profile["columns"] if c["identifier"] == "shipped")  # type: ignore[index]
    assert (shipped["min"], shipped["max"]) == ("2024-01-01", "2024-01-28")
    assert again.overrides == {
        "shipped": {
            "type": "date",
            "format": "D%d%m%Y",
            "decimal_separator": None,
            "thousands_separator": None,
        }
    }
    first = service.preview(info.id, size=1, sort=[("order_id", "asc")])["rows"][0]
    assert first[3] == "2024-01-02"


def test_a_wrong_override_on_a_ready_source_keeps_its_data_and_says_why(
    sources: Sources,
) -> None:
    info = ready(sources)
    service = sources.service()
    before = service.preview(info.id, size=3, sort=[("order_id", "asc")])["rows"]
    service.retry(info.id, {"customer": {"type": "integer"}})
    kept = wait_until_settled(service, info.id)
    assert kept.status == "ready"
    assert kept.error and "customer" in kept.error.lower() and "kept" in kept.error
    assert kept.overrides == {}
    assert kept.profile == info.profile
    assert service.preview(info.id, size=3, sort=[("order_id", "asc")])["rows"] == before
    service.retry(info.id, {})
    again = wait_until_settled(service, info.id)
    assert (again.status, again.error) == ("ready", None)


def test_a_wrong_override_on_a_failed_source_fails_with_the_reason(sources: Sources) -> None:
    info = ready(sources)
    service = sources.service()
    (sources.folder(info) / "data.parquet").unlink()
    with sources.store.db.transaction() as session:  # a source whose last ingest failed
        row = session.get(Source, info.id)
        assert row is not None
        row.status, row.error = "failed", "earlier failure"
    service.retry(info.id, {"customer": {"type": "integer"}})
    failed = wait_until_settled(service, info.id)
    assert failed.status == "failed"
    assert failed.error and "customer" in failed.error.lower()
    assert not (sources.folder(info) / "data.parquet").exists()
    service.retry(info.id, {})
    assert wait_until_settled(service, info.id).status == "ready"


def test_retry_refuses_an_unknown_type(sources: Sources) -> None:
    info = ready(sources)
    with pytest.raises(InvalidInput, match="type must be one of"):
        sources.service().retry(info.id, {"shipped": {"type": "money"}})
    assert sources.service().get(info.id).status == "ready"


def test_replace_with_the_same_columns_keeps_the_id_and_swaps_the_data(sources: Sources) -> None:
    info = ready(sources)
    service = sources.service()
    more = ORDERS + "121;Customer 9;7,50;D01022024\n"

    staged = service.start_replace(info.id, "orders-v2.csv", len(more))
    staged.path.write_bytes(more.encode())
    replaced = service.finish_replace(info.id, staged.path, filename="orders-v2.csv")

    assert (replaced.id, replaced.status, replaced.row_count) == (info.id, "ready", 121)
    assert replaced.filename == "orders-v2.csv"
    assert service.preview(info.id, page=121, size=1)["rows"][0][0] == 121
    folder = sources.folder(info)
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet", "original.csv"]
    assert (folder / "original.csv").read_text() == more


def test_replace_with_different_columns_changes_nothing(sources: Sources) -> None:
    info = ready(sources)
    service = sources.service()
    folder = sources.folder(info)
    before = {p.name: digest(p) for p in folder.iterdir()}
    other = "order_id;client;amount\n1;A;x\n"

    staged = service.start_replace(info.id, "orders.csv", len(other))
    staged.path.write_bytes(other.encode())
    with pytest.raises(SchemaMismatch) as raised:
        service.finish_replace(info.id, staged.path)

    assert raised.value.differences == [
        "column “customer” is missing",
        "column “shipped” is missing",
        "column “client” is new",
        "column “amount” was decimal, now text",
    ]
    assert {p.name: digest(p) for p in folder.iterdir()} == before
    after = service.get(info.id)
    assert (after.row_count, after.profile, after.updated_at) == (
        info.row_count,
        info.profile,
        info.updated_at,
    )


def test_replace_of_another_kind_of_file_is_refused(sources: Sources) -> None:
    info = ready(sources)
    with pytest.raises(InvalidInput, match="same kind"):
        sources.service().start_replace(info.id, "orders.xlsx", 10)


# -- limits ----------------------------------------------------------------------------------------------
def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(sources: Sources) -> None:
    service = sources.service(max_file_mb=1)
    with pytest.raises(TooLarge, match="the limit is 1 MB per file"):
        service.start_upload(sources.workspace_id, "big.csv", 2 * 1024 * 1024)
    assert service.list(sources.workspace_id) == []


def test_an_upload_of_unknown_size_may_bring_at_most_the_limit(sources: Sources) -> None:
    started = sources.service(max_file_mb=1).start_upload(sources.workspace_id, "x.csv", None)
    assert started.limit_bytes == 1024 * 1024
    assert "1 MB per file" in started.too_large


def test_an_upload_over_the_tenant_quota_is_refused(sources: Sources) -> None:
    first = ready(sources)
    service = sources.service(tenant_quota_mb=1)
    room = 1024 * 1024 - first.size_bytes
    with pytest.raises(TooLarge, match=r"storage is .* of 1 MB"):
        service.start_upload(sources.workspace_id, "more.csv", room + 1)
    started = service.start_upload(sources.workspace_id, "more.csv", None)
    assert started.limit_bytes == room
    assert "does not fit" in started.too_large


def test_the_quota_counts_every_workspace_of_the_tenant(sources: Sources) -> None:
    first = ready(sources)
    other = sources.workspaces().create("Other")
    service = sources.service(tenant_quota_mb=1)
    with pytest.raises(TooLarge):
        service.start_upload(other.id, "more.csv", 1024 * 1024 - first.size_bytes + 1)


def test_unpacked_data_counts_against_the_storage_the_tenant_has_left(sources: Sources) -> None:
    # 3 MB of text that gzips to a few KB: the upload fits in a 2 MB quota, its contents do not.
    text = "id,note\n" + "".join(f"{i},{'x' * 60}\n" for i in range(48_000))
    packed = gzip.compress(text.encode())
    service = sources.service(tenant_quota_mb=2)
    info = wait_until_settled(
        service, upload(service, sources.workspace_id, "big.csv.gz", packed).id
    )
    assert info.status == "failed"
    assert "storage your team has left" in (info.error or "")
    roomy = sources.service(tenant_quota_mb=64)
    info = wait_until_settled(roomy, upload(roomy, sources.workspace_id, "big.csv.gz", packed).id)
    assert (info.status, info.row_count) == ("ready", 48_000)


# -- workspaces and recovery -----------------------------------------------------------------------------
def test_deleting_a_workspace_removes_its_sources_folders(sources: Sources) -> None:
    info = ready(sources)
    kept_workspace = sources.workspaces().create("Kept")
    service = sources.service()
    kept = wait_until_settled(service, upload(service, kept_workspace.id, "k.csv", b"a\n1\n").id)

    sources.workspaces().delete(sources.workspace_id)

    assert not sources.files.workspace_folder(sources.admin.tenant_id, info.workspace_id).exists()
    with pytest.raises(NotFound):
        service.get(info.id)
    assert sources.folder(kept).exists()
    assert service.get(kept.id).status == "ready"


def test_start_up_recovery_fails_stuck_sources_and_removes_partial_files(
    sources: Sources,
) -> None:
    done = ready(sources)
    service = sources.service()
    uploading = service.start_upload(sources.workspace_id, "half.csv", 5000)
    uploading.path.write_bytes(b"a,b\n1,2\n")
    stuck = ready(sources, "stuck.csv")
    with sources.store.db.transaction() as session:  # what a crash mid-ingest leaves behind
        row = session.get(Source, stuck.id)
        assert row is not None
        row.status = "ingesting"
    work = sources.folder(stuck) / ".data.parquet.abc123.partial"
    (work / "spill").mkdir(parents=True)
    (work / "output.parquet").write_bytes(b"PAR1 half")
    orphan = sources.files.folder(sources.admin.tenant_id, sources.workspace_id, uuid.uuid4())
    orphan.mkdir()
    (orphan / "original.csv").write_text("a\n1\n")
    aged(orphan)  # a folder of no source, older than the grace period
    foreign = sources.files.root / "not-a-tenant" / "cache" / "keep"
    foreign.mkdir(parents=True)

    assert recover_interrupted(sources.store.db, sources.files) == 2

    half = service.get(uploading.source_id)
    assert half.status == "failed"
    assert half.error and "stopped while this file was being uploaded" in half.error
    assert "nothing was kept" in half.error
    assert half.size_bytes == 0
    assert not uploading.path.parent.exists()  # its folder held only the partial upload
    again = service.get(stuck.id)
    assert again.status == "failed"
    assert again.error and "stopped while this file was being ingested" in again.error
    assert "nothing was kept" not in again.error and "retry it" in again.error
    assert sorted(p.name for p in sources.folder(stuck).iterdir()) == ["original.csv"]
    assert not orphan.exists()
    assert foreign.exists()
    assert service.get(done.id).status == "ready"
    assert (sources.folder(done) / "data.parquet").exists()

    service.retry(stuck.id)
    assert wait_until_settled(service, stuck.id).status == "ready"
