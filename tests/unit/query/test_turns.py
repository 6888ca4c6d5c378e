"""A tenant's turns shared through a slot gate: two runners' turns (two processes' in-process
state) together never exceed the gate's slots; waiting for the gate stops on cancel and on the
time limit."""

from __future__ import annotations

import threading
import time

import pytest

from pipelines.query.errors import QueryCancelled
from pipelines.query.turns import TenantTurns


class SharedSlots:
    """A slot gate two runners share, as the store-backed tenant slots are shared."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: set[int] = set()
        self.lock = threading.Lock()
        self.counter = 0

    def try_acquire(self, tenant_id: str) -> object | None:
        with self.lock:
            if len(self.held) >= self.limit:
                return None
            self.counter += 1
            self.held.add(self.counter)
            return self.counter

    def release(self, token: object) -> None:
        with self.lock:
            self.held.discard(int(str(token)))


def test_two_runners_sharing_a_gate_hold_at_most_its_slots_together() -> None:
    gate = SharedSlots(2)
    runners = [TenantTurns(2, gate), TenantTurns(2, gate)]
    peak = 0
    peak_lock = threading.Lock()

    def query(turns: TenantTurns) -> None:
        nonlocal peak
        with turns.turn("t", threading.Event(), 30):
            with peak_lock:
                peak = max(peak, sum(r.holding("t") for r in runners))
            time.sleep(0.01)

    threads = [threading.Thread(target=query, args=(runners[i % 2],)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert peak == 2
    assert gate.held == set()
    assert [r.holding("t") for r in runners] == [0, 0]


def test_waiting_for_a_full_gate_stops_on_cancel_and_on_the_time_limit() -> None:
    gate = SharedSlots(1)
    assert gate.try_acquire("t") is not None  # held by another process
    turns = TenantTurns(2, gate)
    cancelled = threading.Event()
    cancelled.set()

    with pytest.raises(QueryCancelled) as stopped, turns.turn("t", cancelled, 30):
        pass
    assert stopped.value.reason == "user"
    with pytest.raises(QueryCancelled) as late, turns.turn("t", threading.Event(), 0.2):
        pass
    assert late.value.reason == "timeout"
    assert turns.holding("t") == 0
