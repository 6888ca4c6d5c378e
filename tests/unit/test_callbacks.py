"""Panel's callback pool keeps one session's callbacks in order, and sessions in parallel."""

from __future__ import annotations

import threading
import time

import pytest
from bokeh.document import Document

from app.callbacks import SessionOrderedExecutor


@pytest.fixture
def pool():
    executor = SessionOrderedExecutor(4)
    yield executor
    executor.shutdown(wait=True)


def test_callbacks_of_one_session_run_in_submission_order(pool: SessionOrderedExecutor) -> None:
    doc = Document()
    seen: list[str] = []

    def slow_change(_doc: Document) -> None:  # a debounced value change, handled first
        time.sleep(0.2)
        seen.append("value")

    def click(_doc: Document, _event: object) -> None:
        seen.append("click")

    first = pool.submit(slow_change, doc)
    second = pool.submit(click, doc, object())
    second.result(timeout=5)
    assert first.done()
    assert seen == ["value", "click"]


def test_sessions_do_not_wait_for_each_other(pool: SessionOrderedExecutor) -> None:
    busy, free = Document(), Document()
    release = threading.Event()
    blocked = pool.submit(lambda _doc: release.wait(5), busy)
    other = pool.submit(lambda _doc: "done", free)
    assert other.result(timeout=5) == "done"  # would time out if sessions shared one queue
    assert not blocked.done()
    release.set()
    assert blocked.result(timeout=5) is True


def test_errors_reach_the_future_and_the_queue_goes_on(pool: SessionOrderedExecutor) -> None:
    doc = Document()

    def fail(_doc: Document) -> None:
        raise ValueError("boom")

    failed = pool.submit(fail, doc)
    after = pool.submit(lambda _doc: 42, doc)
    with pytest.raises(ValueError, match="boom"):
        failed.result(timeout=5)
    assert after.result(timeout=5) == 42


def test_tasks_without_a_document_use_the_plain_pool(pool: SessionOrderedExecutor) -> None:
    assert pool.submit(lambda x: x * 2, 21).result(timeout=5) == 42
