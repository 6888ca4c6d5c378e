"""The per-workspace DuckDB sandbox on real Parquet folders: set-up, refusals, limits, cancel."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.query import (
    GuardError,
    QueryCancelled,
    QueryFailed,
    QueryRefused,
    Sandbox,
    SandboxLimits,
)
from tests.unit.query.workspace_data import LONG_SQL, MARKER, ORDERS, Workspaces, make_workspaces

LIMITS = SandboxLimits(memory_limit_mb=512, threads=2, timeout_seconds=20)


@pytest.fixture
def spaces(tmp_path: Path) -> Workspaces:
    return make_workspaces(tmp_path)


@pytest.fixture
def sandbox(spaces: Workspaces) -> Iterator[Sandbox]:
    box = Sandbox(spaces.tables, spaces.ws, LIMITS)
    yield box
    box.close()


def wait_until_running(box: Sandbox, query_id: str) -> None:
    deadline = time.monotonic() + 10
    while query_id not in box.running():
        assert time.monotonic() < deadline, f"query {query_id} never started"
        time.sleep(0.01)


# -- set-up ------------------------------------------------------------------------------------
def test_views_show_the_workspace_tables_by_name(sandbox: Sandbox) -> None:
    result = sandbox.execute(
        "SELECT c.name, count(*) AS n FROM orders o JOIN customers c USING (customer_id) "
        "GROUP BY ALL ORDER BY 1",
        limit=100,
    )
    assert result.columns == ["name", "n"]
    assert [row[0] for row in result.rows] == [f"Customer {i}" for i in range(1, 5)]
    assert sum(row[1] for row in result.rows) == ORDERS - ORDERS // 5  # NULL customers excluded


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("enable_external_access", False),
        ("autoinstall_known_extensions", False),
        ("autoload_known_extensions", False),
        ("lock_configuration", True),
        ("threads", 2),
        ("memory_limit", "512.0 MiB"),
        ("temp_directory", ""),
        ("python_enable_replacements", False),
    ],
)
def test_each_setting_holds_after_set_up(sandbox: Sandbox, setting: str, expected: object) -> None:
    assert sandbox.setting(setting) == expected


def test_allowed_directories_is_exactly_the_workspace(sandbox: Sandbox, spaces: Workspaces) -> None:
    assert sandbox.setting("allowed_directories") == [str(spaces.ws.resolve()) + "/"]


@pytest.mark.parametrize(
    "statement",
    [
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "SET allowed_directories = ['/']",
        "SET memory_limit = '100GB'",
        "SET threads = 64",
        "SET autoload_known_extensions = true",
        "SET temp_directory = '/tmp'",
    ],
)
def test_set_after_lock_fails_in_duckdb_itself(sandbox: Sandbox, statement: str) -> None:
    cursor = sandbox._con.cursor()  # below the sandbox's own SELECT-only check, on purpose
    with pytest.raises(duckdb.Error, match=r"locked|disabled"):
        cursor.execute(statement)
    assert sandbox.setting("enable_external_access") is False
    assert sandbox.setting("lock_configuration") is True


def test_table_outside_the_workspace_folder_is_refused(spaces: Workspaces) -> None:
    with pytest.raises(ValueError, match=r"Table 'secret'.*outside the workspace"):
        Sandbox({"secret": spaces.other / "secret.parquet"}, spaces.ws, LIMITS)


def test_unreadable_table_names_the_table_without_paths(spaces: Workspaces) -> None:
    broken = spaces.ws / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(QueryFailed) as caught:
        Sandbox({"broken": broken}, spaces.ws, LIMITS)
    assert "Table 'broken'" in caught.value.message
    assert str(spaces.base) not in caught.value.message


# -- the sandbox's own statement check (guard off) ---------------------------------------------
@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("COPY orders TO 'out.csv'", "COPY"),
        ("ATTACH ':memory:' AS other", "ATTACH"),
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("SET threads = 1", "SET"),
        ("PRAGMA version", "PRAGMA"),
        ("CALL pragma_version()", "CALL"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("EXPLAIN SELECT 1", "EXPLAIN"),
        ("EXPORT DATABASE 'out'", "EXPORT"),
        ("CHECKPOINT", "CALL"),
        ("BEGIN TRANSACTION", "TRANSACTION"),
        ("PIVOT orders ON region", "MULTI"),
    ],
)
def test_only_a_select_statement_runs(sandbox: Sandbox, sql: str, kind: str) -> None:
    with pytest.raises(QueryRefused, match=f"Only SELECT queries can run here; this is a {kind}"):
        sandbox.execute(sql, limit=10, guard=False, allow_list=False)


def test_copy_writes_nothing_into_the_workspace(sandbox: Sandbox, spaces: Workspaces) -> None:
    target = spaces.ws / "copied.csv"
    with pytest.raises(QueryRefused):
        sandbox.execute(f"COPY orders TO '{target}'", limit=10, guard=False, allow_list=False)
    assert not target.exists()


def test_several_statements_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(QueryRefused, match=r"Only one statement .* has 2"):
        sandbox.execute("SELECT 1; SELECT 2", limit=10, guard=False, allow_list=False)


def test_a_trailing_semicolon_and_comments_are_fine(sandbox: Sandbox) -> None:
    result = sandbox.execute("-- count\nSELECT count(*) FROM orders /* all */;", limit=10)
    assert result.rows == [[ORDERS]]


def test_guard_runs_first_when_on(sandbox: Sandbox, spaces: Workspaces) -> None:
    with pytest.raises(GuardError, match="read_parquet"):
        sandbox.execute(f"SELECT * FROM read_parquet('{spaces.tables['orders']}')", limit=10)


# -- path tricks with the guard off: DuckDB's allowed_directories must hold ---------------------
def path_tricks(spaces: Workspaces) -> dict[str, str]:
    ws, other = spaces.ws, spaces.other
    rel = Path("..") / ".." / "tenant_b" / "ws1"
    return {
        "dotdot": f"read_parquet('{ws}/../../tenant_b/ws1/secret.parquet')",
        "dot_slash_dotdot": f"read_text('{ws}/./../../tenant_b/ws1/secret.txt')",
        "absolute": f"read_text('{other}/secret.txt')",
        "relative_dotdot": f"read_text('{rel}/secret.txt')",
        "sibling_prefix": f"read_parquet('{spaces.sibling}/orders.parquet')",
        "file_url": f"read_text('file://{other}/secret.txt')",
        "home": "read_text('~/.bashrc')",
        "etc": "read_text('/etc/passwd')",
        "proc_environ": "read_blob('/proc/self/environ')",
        "glob_parent": f"glob('{ws}/../../*/*/*')",
        "list_of_files": f"read_parquet(['{spaces.tables['orders']}', '{other}/secret.parquet'])",
        "csv_other": f"read_csv('{other}/secret.csv')",
        "replacement_scan": f"'{other}/secret.parquet'",
    }


TRICKS = list(path_tricks(Workspaces(Path(), Path(), {"orders": Path()}, Path(), Path())))


@pytest.mark.parametrize("trick", TRICKS)
def test_path_tricks_are_refused_by_duckdb_without_the_guard(
    sandbox: Sandbox, spaces: Workspaces, trick: str
) -> None:
    source = path_tricks(spaces)[trick]
    with pytest.raises(QueryFailed) as caught:
        result = sandbox.execute(
            f"SELECT * FROM {source}", limit=100, guard=False, allow_list=False
        )
        assert MARKER not in repr(result.rows)
    assert MARKER not in caught.value.message
    assert str(spaces.base) not in caught.value.message, "server paths leak in the message"


def test_dotdot_that_stays_inside_the_workspace_is_normalised(
    sandbox: Sandbox, spaces: Workspaces
) -> None:
    # DuckDB resolves '..' before checking allowed_directories: a path that ends up inside
    # the workspace is readable, one that ends up outside is not (previous test).
    (spaces.ws / "sub").mkdir()
    path = spaces.ws / "sub" / ".." / "orders.parquet"
    result = sandbox.execute(
        f"SELECT count(*) FROM read_parquet('{path}')", limit=1, guard=False, allow_list=False
    )
    assert result.rows == [[ORDERS]]


@pytest.mark.parametrize("where", [".", "deeper/still"])
def test_workspace_holding_a_symbolic_link_is_refused(spaces: Workspaces, where: str) -> None:
    # '<ws>/escape/../ws1/secret.txt' passes DuckDB's check as '<ws>/ws1/secret.txt' but the
    # operating system follows the link to the other tenant: so no sandbox over a folder with
    # links.
    folder = spaces.ws / where
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "escape").symlink_to(spaces.other, target_is_directory=True)
    with pytest.raises(QueryFailed) as caught:
        Sandbox(spaces.tables, spaces.ws, LIMITS)
    assert "symbolic link" in caught.value.message
    assert str(Path(where) / "escape") in caught.value.message
    assert str(spaces.base) not in caught.value.message


def test_python_variables_are_not_replacement_scans(sandbox: Sandbox) -> None:
    secret_frame = pd.DataFrame({"secret": [MARKER]})
    assert len(secret_frame) == 1
    with pytest.raises(QueryFailed, match="secret_frame"):
        sandbox.execute("SELECT * FROM secret_frame", limit=10, guard=False, allow_list=False)


def test_error_messages_carry_no_server_paths(sandbox: Sandbox, spaces: Workspaces) -> None:
    spaces.tables["orders"].rename(spaces.ws / "moved.parquet")
    with pytest.raises(QueryFailed) as caught:
        sandbox.execute("SELECT * FROM orders", limit=10)
    assert str(spaces.base) not in caught.value.message
    assert "<table orders>" in caught.value.message


def test_error_reports_line_and_column(sandbox: Sandbox) -> None:
    with pytest.raises(QueryFailed) as caught:
        sandbox.execute("SELECT order_id,\n       nope\nFROM orders", limit=10)
    assert "nope" in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 8)


# -- results -----------------------------------------------------------------------------------
def test_limit_truncates_exactly(sandbox: Sandbox) -> None:
    cut = sandbox.execute("SELECT * FROM orders ORDER BY order_id", limit=10)
    whole = sandbox.execute("SELECT * FROM orders ORDER BY order_id", limit=ORDERS)
    assert (len(cut.rows), cut.truncated) == (10, True)
    assert (len(whole.rows), whole.truncated) == (ORDERS, False)
    assert cut.rows == whole.rows[:10]
    assert sandbox.execute("SELECT * FROM orders", limit=0).truncated is True


def test_limit_does_not_fetch_the_whole_result(sandbox: Sandbox) -> None:
    # 10**12 rows: only a fetch of limit+1 rows can return before the time limit.
    result = sandbox.execute(
        "SELECT * FROM range(1000000000000)", limit=5, guard=False, allow_list=False
    )
    assert result.rows == [[0], [1], [2], [3], [4]]
    assert result.truncated


def test_types_are_logical_and_values_python(sandbox: Sandbox) -> None:
    result = sandbox.execute(
        "SELECT order_id, amount, amount::DOUBLE AS ratio, region, order_date, created_at, "
        "paid, [order_id] AS ids FROM orders WHERE order_id = 1",
        limit=1,
    )
    assert result.types == [
        "integer",
        "decimal",
        "decimal",
        "text",
        "date",
        "timestamp",
        "boolean",
        "other",
    ]
    row = result.rows[0]
    assert row[1] == decimal.Decimal("10.25")
    assert row[4] == dt.date(2024, 1, 2)
    assert result.as_json()["rows"][0][4] == "2024-01-02"
    assert result.elapsed_ms > 0


# -- time limit and cancel ---------------------------------------------------------------------
def test_time_limit_stops_a_long_query(spaces: Workspaces) -> None:
    box = Sandbox(spaces.tables, spaces.ws, SandboxLimits(timeout_seconds=0.5))
    try:
        with pytest.raises(QueryCancelled) as caught:
            box.execute(LONG_SQL, limit=10)
    finally:
        box.close()
    assert caught.value.reason == "timeout"
    assert str(caught.value) == "The query was stopped after 0.5 s (the time limit)."


def test_cancel_stops_a_long_query_and_its_thread_returns(sandbox: Sandbox) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = sandbox.execute(LONG_SQL, limit=10, query_id="long")
        except Exception as exc:
            outcome["error"] = exc
        outcome["ended"] = time.perf_counter()

    thread = threading.Thread(target=run)
    thread.start()
    wait_until_running(sandbox, "long")
    time.sleep(0.3)  # let DuckDB get deep into the join
    asked = time.perf_counter()
    assert sandbox.cancel("long") is True
    thread.join(timeout=30)
    assert not thread.is_alive()
    error = outcome.get("error")
    assert isinstance(error, QueryCancelled), outcome
    assert error.reason == "user"
    assert str(error) == "The query was cancelled."
    print(f"\ncancel landed after {(outcome['ended'] - asked) * 1000:.1f} ms")  # type: ignore[operator]
    assert sandbox.running() == []
    assert sandbox.execute("SELECT count(*) FROM orders", limit=1).rows == [[ORDERS]]


def test_cancel_of_an_unknown_query_is_false(sandbox: Sandbox) -> None:
    assert sandbox.cancel("nothing-running") is False


def test_queries_run_side_by_side(sandbox: Sandbox) -> None:
    results: list[object] = []

    def run(i: int) -> None:
        results.append(sandbox.execute(f"SELECT count(*) + {i} FROM orders", limit=1).rows)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [[[ORDERS + i]] for i in range(6)]  # type: ignore[type-var]


def test_closed_sandbox_refuses_queries(spaces: Workspaces) -> None:
    box = Sandbox(spaces.tables, spaces.ws, LIMITS)
    box.close()
    with pytest.raises(QueryFailed, match="closed"):
        box.execute("SELECT 1", limit=1)


# -- streaming (downloads) ---------------------------------------------------------------------
def test_stream_yields_batches_up_to_max_rows(sandbox: Sandbox) -> None:
    batches = list(sandbox.stream("SELECT * FROM orders", max_rows=12, batch_rows=5))
    assert [batch.num_rows for batch in batches] == [5, 5, 2]
    assert batches[0].schema.names[:2] == ["order_id", "customer_id"]
    assert sandbox.running() == []


def test_stream_of_no_rows_still_gives_the_schema(sandbox: Sandbox) -> None:
    batches = list(sandbox.stream("SELECT * FROM orders WHERE false", max_rows=10))
    assert [batch.num_rows for batch in batches] == [0]
    assert "amount" in batches[0].schema.names


def test_stream_is_guarded_and_checked_before_returning(sandbox: Sandbox) -> None:
    with pytest.raises(GuardError):
        sandbox.stream("SELECT * FROM glob('*')", max_rows=10)
    with pytest.raises(QueryRefused):
        sandbox.stream("COPY orders TO 'x.csv'", max_rows=10, guard=False, allow_list=False)
    assert sandbox.running() == []


def test_stream_closed_early_ends_its_query(sandbox: Sandbox) -> None:
    batches = sandbox.stream(
        "SELECT * FROM range(1000000000000)", max_rows=10**12, guard=False, allow_list=False
    )
    assert next(iter(batches)).num_rows > 0
    assert len(sandbox.running()) == 1
    batches.close()  # type: ignore[attr-defined]
    assert sandbox.running() == []


def test_stream_can_be_cancelled(sandbox: Sandbox) -> None:
    outcome: dict[str, object] = {}

    def download() -> None:
        try:
            outcome["rows"] = sum(
                batch.num_rows
                for batch in sandbox.stream(
                    "SELECT * FROM range(1000000000000) WHERE hash(range) = 0",
                    max_rows=10,
                    query_id="download",
                    guard=False,
                    allow_list=False,
                )
            )
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=download)
    thread.start()
    wait_until_running(sandbox, "download")
    assert sandbox.cancel("download") is True
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), QueryCancelled), outcome
    assert sandbox.running() == []
