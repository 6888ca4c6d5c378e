"""What the SQL page says about refused, failed and cancelled runs, and about history entries."""

from __future__ import annotations

import datetime as dt

from app.pages.sql.feedback import describe_failure, history_detail, history_state
from app.services.errors import Conflict
from pipelines.query import GuardError, QueryCancelled, QueryFailed, ResultTooLarge, check_sql


def test_a_guard_refusal_carries_its_position_and_offsets() -> None:
    sql = "SELECT *\nFROM read_csv('/etc/passwd')"
    try:
        check_sql(sql, {"orders"})
    except GuardError as exc:
        outcome = describe_failure(sql, exc)
    else:  # pragma: no cover - the guard must refuse this
        raise AssertionError("read_csv was not refused")
    assert outcome.kind == "error"
    assert (outcome.line, outcome.column) == (2, 6)
    assert sql[outcome.start : outcome.end].lower().startswith("read_csv")
    assert "Line 2, column 6" in outcome.html
    assert "read_csv" in outcome.text
    assert "(line 2" not in outcome.text  # the position is shown once, as a badge


def test_a_duckdb_failure_keeps_its_excerpt_monospaced_and_escaped() -> None:
    message = 'Binder Error: column "nope" not found\n\nLINE 1: SELECT nope FROM <t>\n       ^'
    outcome = describe_failure("SELECT nope FROM t", QueryFailed(message, line=1, column=8))
    assert outcome.kind == "error"
    assert outcome.text == 'Binder Error: column "nope" not found'
    assert (outcome.line, outcome.column) == (1, 8)
    assert "<pre class='dp-sql-detail'>LINE 1: SELECT nope FROM &lt;t&gt;" in outcome.html
    assert "Line 1, column 8" in outcome.html


def test_a_result_over_a_byte_limit_says_which_limit() -> None:
    outcome = describe_failure("SELECT *", ResultTooLarge("display", 50 * 2**20))
    assert outcome.kind == "error"
    assert outcome.text.startswith("The result is larger than the 50 MB display limit")
    assert "The result is too large." in outcome.html


def test_cancelled_and_timed_out_runs_are_not_errors() -> None:
    by_user = describe_failure("SELECT 1", QueryCancelled("user"))
    assert by_user.kind == "cancelled"
    assert "cancelled" in by_user.text
    assert by_user.line is None
    timed_out = describe_failure("SELECT 1", QueryCancelled("timeout", 30))
    assert timed_out.kind == "cancelled"
    assert "30 s" in timed_out.text


def test_domain_errors_say_what_the_service_said_and_bugs_say_nothing_inside() -> None:
    taken = describe_failure("SELECT 1", Conflict("A saved query named “x” already exists."))
    assert taken.kind == "error"
    assert "already exists" in taken.html
    bug = describe_failure("SELECT 1", KeyError("internal detail"))
    assert bug.kind == "unexpected"
    assert "internal detail" not in bug.html


def test_history_lines_say_rows_and_time_or_what_went_wrong() -> None:
    now = dt.datetime.now(dt.UTC)
    ran = {"created_at": now, "row_count": 1234, "elapsed_ms": 15.2, "error": None}
    assert history_detail(ran) == "just now · 1,234 rows · 15 ms"
    assert history_state(ran) == "ran"
    failed = {"created_at": now - dt.timedelta(minutes=5), "error": "Unknown column x"}
    assert history_detail(failed) == "5 min ago · failed: Unknown column x"
    assert history_state(failed) == "failed"
    stopped = {"created_at": now - dt.timedelta(hours=3), "error": "The query was cancelled."}
    assert history_detail(stopped) == "3 h ago · The query was cancelled."
    assert history_state(stopped) == "stopped"
    old = {"created_at": dt.datetime(2024, 5, 1, 12, 0), "row_count": 1, "elapsed_ms": None}
    assert history_detail(old) == "2024-05-01 · 1 row"
