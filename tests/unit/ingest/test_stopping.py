"""An ingest stops on request (cancel event) or at its time limit, leaving nothing behind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import IngestError, IngestOptions, ingest_file
from pipelines.ingest.limits import Guard


def _large_csv(path: Path, rows: int = 600_000) -> Path:
    # Mixed columns so that detection and conversion both take a while (about 30 MB).
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,name,amount,day,flag,note\n")
        for i in range(rows):
            handle.write(
                f"{i},name {i % 977},{i * 1.25:.2f},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},"
                f"{'true' if i % 3 else 'false'},some longer text for row {i}\n"
            )
    return path


@pytest.fixture(scope="module")
def large_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _large_csv(tmp_path_factory.mktemp("large") / "large.csv")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_cancel_stops_a_running_ingest_quickly_and_leaves_nothing(
    large_csv: Path, tmp_path: Path
) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        ingest_file(large_csv, tmp_path / "out.parquet", IngestOptions(cancel=cancel))
    timer.cancel()
    assert caught.value.code == "cancelled"
    assert str(caught.value) == "The ingest was cancelled."
    assert time.monotonic() - started < 3.0
    assert _leftovers(tmp_path) == []


def test_cancel_during_each_stage(large_csv: Path, tmp_path: Path) -> None:
    # Cancel at the first report of each stage: every step stops as soon as it can.
    for wanted in ("detecting", "converting", "profiling"):
        cancel = threading.Event()

        def progress(
            stage: str,
            fraction: float | None,
            wanted: str = wanted,
            cancel: threading.Event = cancel,
        ) -> None:
            if stage == wanted:
                cancel.set()

        with pytest.raises(IngestError) as caught:
            ingest_file(large_csv, tmp_path / "out.parquet", IngestOptions(cancel=cancel), progress)
        assert caught.value.code == "cancelled", wanted
        assert _leftovers(tmp_path) == []


def test_cancel_while_transcoding(tmp_path: Path) -> None:
    source = tmp_path / "in" / "latin.csv"
    source.parent.mkdir()
    source.write_bytes(b"id,name\n" + b"".join(b"%d,caf\xe9\n" % i for i in range(200_000)))
    cancel = threading.Event()

    def progress(stage: str, fraction: float | None) -> None:
        if stage == "reading":
            cancel.set()

    out = tmp_path / "out"
    with pytest.raises(IngestError) as caught:
        ingest_file(source, out / "latin.parquet", IngestOptions(cancel=cancel), progress)
    assert caught.value.code == "cancelled"
    assert _leftovers(out) == []


def test_time_limit_stops_the_ingest(large_csv: Path, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        ingest_file(large_csv, tmp_path / "out.parquet", IngestOptions(timeout_seconds=0.3))
    assert caught.value.code == "timeout"
    assert "longer than the limit of 0.3 seconds" in str(caught.value)
    assert time.monotonic() - started < 3.0
    assert _leftovers(tmp_path) == []


def test_guard_interrupts_a_running_duckdb_statement() -> None:
    cancel = threading.Event()
    guard = Guard(cancel, None)
    con = duckdb.connect()
    guard.start(con)
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(duckdb.InterruptException):
            con.execute("SELECT count(*) FROM range(10000000000) t(i) WHERE i % 7 = 3").fetchall()
    finally:
        guard.stop()
        timer.cancel()
        con.close()
    assert time.monotonic() - started < 2.0
    assert guard.reason == "cancelled"
