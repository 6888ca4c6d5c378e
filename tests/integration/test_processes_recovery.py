"""Crash recovery with two app contexts over one store and data directory: a context recovers
only the uploads and ingests whose lease has expired, never a live one's files."""

from __future__ import annotations

import uuid
from pathlib import Path

from app.services.leases import Leases, lease_alive, owner_gone
from app.services.sources.jobs import recover_interrupted
from app.store.models import Source, utcnow
from tests.integration.sources_api import aged
from tests.integration.two_processes import close, contexts, settled, team, upload, wait_for


def test_recovery_in_one_context_leaves_another_contexts_live_upload_alone(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        sources = first.sources(ada.principal)
        started = sources.start_upload(ada.workspace_id, "live.csv", 100)
        started.path.write_bytes(b"a,b\n1,2\n")

        # the other process starting up (a full pass) and its periodic pass
        assert recover_interrupted(second.db, second.files, grace_seconds=0) == 0
        assert recover_interrupted(second.db, second.files, full=False) == 0

        assert sources.get(started.source_id).status == "uploading"
        assert started.path.read_bytes() == b"a,b\n1,2\n"
        sources.finish_upload(started.source_id)
        assert settled(first, ada, started.source_id).status == "ready"
    finally:
        close(first, second)


def test_an_upload_whose_process_stopped_renewing_is_recovered_once_its_lease_expires(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        started = first.sources(ada.principal).start_upload(ada.workspace_id, "cut.csv", 100)
        started.path.write_bytes(b"a,b\n1,")
        first.leases.close(release=False)  # as a crash: no more heartbeats, nothing released

        second.start_maintenance()  # every lease period, as a running server does

        source = wait_for(
            lambda: (
                (s := second.sources(ada.principal).get(started.source_id)).status == "failed" and s
            )
        )
        assert source.error is not None and "nothing was kept" in source.error
        # the files go right after the row is marked failed (a store and a file system: two steps)
        assert wait_for(lambda: not started.path.parent.exists())
    finally:
        close(first, second)


def test_an_interrupted_ingest_is_failed_by_one_context_only_and_keeps_its_original(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        info = upload(first, ada, "t.csv", b"a\n1\n2\n")
        settled(first, ada, info.id)
        folder = first.files.folder(ada.tenant_id, ada.workspace_id, info.id)
        with first.db.transaction() as session:  # what a dead process mid-ingest leaves
            row = session.get(Source, info.id)
            assert row is not None
            row.status, row.lease_owner = "ingesting", "elsewhere:4242:dead"
            row.lease_expires = utcnow()
        (folder / ".data.parquet.x.partial").mkdir()

        fixed = [recover_interrupted(ctx.db, ctx.files, full=False) for ctx in (first, second)]

        assert sorted(fixed) == [0, 1]  # each interrupted source is recovered once
        source = first.sources(ada.principal).get(info.id)
        assert source.status == "failed"
        assert source.error is not None and "retry it" in source.error
        assert sorted(p.name for p in folder.iterdir()) == ["original.csv"]
    finally:
        close(first, second)


def test_a_replacement_streaming_in_one_context_keeps_its_part_file_in_another_start_up(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        info = settled(first, ada, upload(first, ada, "t.csv", b"a\n1\n").id)
        sources = first.sources(ada.principal)
        replacing = sources.start_replace(info.id, "t.csv", 100)
        replacing.path.write_bytes(b"a\n1\n2\n")

        recover_interrupted(second.db, second.files, grace_seconds=0)

        assert replacing.path.exists()
        assert sources.finish_replace(info.id, replacing.path).row_count == 2
        recover_interrupted(second.db, second.files, grace_seconds=0)
        folder = first.files.folder(ada.tenant_id, ada.workspace_id, info.id)
        assert sorted(p.name for p in folder.iterdir()) == ["data.parquet", "original.csv"]
    finally:
        close(first, second)


def test_a_folder_of_no_source_is_removed_only_past_the_grace_period(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        young = first.files.folder(ada.tenant_id, ada.workspace_id, uuid.uuid4())
        young.mkdir(parents=True)
        (young / "original.csv").write_text("a\n1\n")
        old = first.files.folder(ada.tenant_id, ada.workspace_id, uuid.uuid4())
        old.mkdir()
        (old / "original.csv").write_text("a\n1\n")
        aged(old)

        recover_interrupted(second.db, second.files, grace_seconds=60)

        assert young.exists()  # its source may be being made in another process right now
        assert not old.exists()
    finally:
        close(first, second)


def test_leases_tell_a_live_owner_from_a_gone_one(database_url: str, tmp_path: Path) -> None:
    (ctx,) = contexts(tmp_path, database_url, count=1)
    try:
        leases = Leases(ctx.db, ctx.settings.processes)
        later = leases.expiry()
        assert lease_alive(leases.owner, later, utcnow())
        assert not lease_alive(leases.owner, utcnow(), utcnow())  # expired
        assert not owner_gone(leases.owner)  # this process runs
        host = leases.owner.split(":")[0]
        assert owner_gone(f"{host}:{2**22 + 12345}:abc")  # no such process on this host
        assert not owner_gone("another-host:1:abc")  # only its lease can tell
        assert owner_gone(None)
    finally:
        close(ctx)
