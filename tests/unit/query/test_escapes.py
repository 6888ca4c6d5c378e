"""The escape suite: each attempt is refused by the guard, and again by the sandbox on its own.

The sandbox half runs against real folders: a workspace with one Parquet table, another
tenant's folder with a marker in Parquet, CSV, JSON, text and DuckDB files, a sibling folder
whose name extends the workspace's.
``HOME`` and the working directory point at the other tenant, so ``~`` and relative paths
would really reach the secrets. No attempt may return or mention the marker, or write a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.query import guard, native
from pipelines.query.errors import QueryCancelled, QueryFailed
from pipelines.query.guard import GuardError, check_sql
from pipelines.query.sandbox import Sandbox, SandboxLimits

from .escapes import ATTEMPTS, Attempt, render

MARKER = "TENANT-B-SECRET-4e1d9a"
FAKE_PATHS = {
    "ws": "/srv/datapilot/tenant_a/ws1",
    "other": "/srv/datapilot/tenant_b/ws9",
    "sibling": "/srv/datapilot/tenant_a/ws1-sibling",
    "tenants": "/srv/datapilot",
}
IDS = [attempt.id for attempt in ATTEMPTS]


def test_corpus_has_at_least_40_distinct_attempts() -> None:
    assert len(ATTEMPTS) >= 40
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=IDS)
def test_guard_refuses(attempt: Attempt) -> None:
    sql = render(attempt.sql, FAKE_PATHS)
    with pytest.raises(GuardError) as refused:
        check_sql(sql, {"orders"})
    assert refused.value.message


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=IDS)
def test_duckdb_parser_check_alone_refuses(attempt: Attempt) -> None:
    # The guard's second opinion (DuckDB's own parse tree) holds without sqlglot's check.
    with pytest.raises(GuardError):
        native.check(render(attempt.sql, FAKE_PATHS), {"orders": "orders"})


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=IDS)
def test_sqlglot_check_alone_refuses(attempt: Attempt, monkeypatch: pytest.MonkeyPatch) -> None:
    # ... and sqlglot's check holds without DuckDB's.
    monkeypatch.setattr(guard.native, "check", lambda sql, known: None)
    with pytest.raises(GuardError):
        check_sql(render(attempt.sql, FAKE_PATHS), {"orders"})


@dataclass(frozen=True)
class Tenants:
    base: Path
    ws: Path
    other: Path

    @property
    def paths(self) -> dict[str, str]:
        return {
            "ws": str(self.ws),
            "other": str(self.other),
            "sibling": f"{self.ws}-sibling",
            "tenants": str(self.base),
        }


@pytest.fixture
def tenants(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tenants:
    base = tmp_path / "tenants"
    ws = base / "tenant_a" / "ws1"
    sibling = base / "tenant_a" / "ws1-sibling"
    other = base / "tenant_b" / "ws9"
    for folder in (ws, sibling, other):
        folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT i AS order_id, i * 1.5 AS amount FROM range(5) t(i)) "
        f"TO '{ws / 'orders.parquet'}' (FORMAT parquet)"
    )
    secret = f"SELECT '{MARKER}' AS secret"
    con.execute(f"COPY ({secret}) TO '{other / 'secret.parquet'}' (FORMAT parquet)")
    con.execute(f"COPY ({secret}) TO '{other / 'secret.csv'}' (FORMAT csv)")
    con.execute(f"COPY ({secret}) TO '{other / 'secret.json'}' (FORMAT json)")
    con.close()
    db = duckdb.connect(str(other / "secret.duckdb"))
    db.execute(f"CREATE TABLE secret AS {secret}")
    db.close()
    (other / "secret.txt").write_text(MARKER + "\n")
    (sibling / "secret.txt").write_text(MARKER + "\n")
    monkeypatch.setenv("HOME", str(other.parent))
    monkeypatch.chdir(other)
    return Tenants(base=base, ws=ws, other=other)


@pytest.fixture
def sandbox(tenants: Tenants) -> Sandbox:
    box = Sandbox({"orders": tenants.ws / "orders.parquet"}, tenants.ws, SandboxLimits())
    yield box
    box.close()


def test_tenants_fixture_really_reaches_the_secrets(tenants: Tenants) -> None:
    # Without a sandbox the attempts work: the suite would notice a sandbox that lets them by.
    con = duckdb.connect()
    other = render("{other}/secret.txt", tenants.paths)
    assert MARKER in con.execute(f"SELECT content FROM read_text('{other}')").fetchone()[0]
    assert MARKER in con.execute("SELECT * FROM 'secret.csv'").fetchone()[0]
    home = con.execute("SELECT content FROM read_text('~/ws9/secret.txt')").fetchone()[0]
    assert MARKER in home
    con.close()


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=IDS)
def test_sandbox_alone_refuses_and_leaks_nothing(
    attempt: Attempt, tenants: Tenants, sandbox: Sandbox
) -> None:
    before = _files(tenants.base)
    sql = render(attempt.sql, tenants.paths)
    try:
        result = sandbox.execute(sql, limit=10, guard=False)
    except (QueryFailed, QueryCancelled) as exc:
        assert MARKER not in str(exc)
        outcome: object = exc
    else:
        assert MARKER not in repr(result.rows)
        assert MARKER not in repr(result.columns)
        outcome = result
    assert _files(tenants.base) == before, "the attempt wrote or removed a file"
    if not isinstance(outcome, Exception):
        pytest.fail(f"the sandbox alone ran {attempt.id!r} ({attempt.tries}): {outcome!r}")


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=IDS)
def test_the_locked_connection_alone_leaks_and_writes_nothing(
    attempt: Attempt, tenants: Tenants, sandbox: Sandbox
) -> None:
    # Both SQL checks off: only DuckDB's locked configuration stands. Settings and catalog reads
    # may run here, but no other tenant's data comes back and no file is written.
    before = _files(tenants.base)
    sql = render(attempt.sql, tenants.paths)
    try:
        result = sandbox.execute(sql, limit=10, guard=False, allow_list=False)
    except (QueryFailed, QueryCancelled) as exc:
        assert MARKER not in str(exc)
    else:
        assert MARKER not in repr(result.rows)
        assert MARKER not in repr(result.columns)
    assert _files(tenants.base) == before, "the attempt wrote or removed a file"


def _files(base: Path) -> list[tuple[str, int]]:
    found = []
    for folder, _dirs, names in os.walk(base, followlinks=False):
        for name in names:
            path = Path(folder) / name
            found.append((str(path.relative_to(base)), path.lstat().st_size))
    return sorted(found)
