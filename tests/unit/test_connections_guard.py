"""The guard of SQL sent to a live connection, in PostgreSQL and MySQL dialects, and the
reading of MySQL grants for "this user can write"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.connections import ConnectionSpec, check_remote_sql
from pipelines.connections.check import writes_in_grants
from pipelines.query import GuardError

ROOT = Path(__file__).resolve().parents[2]

DIALECTS = ["postgres", "mysql"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT carrier, count(*) FROM flights GROUP BY carrier",
        "WITH d AS (SELECT * FROM flights WHERE dep_delay > 10) SELECT count(*) FROM d",
        "SELECT 1 UNION ALL SELECT 2",
        "(SELECT 1)",
        "SELECT * FROM flights; -- a trailing comment",
    ],
)
def test_read_only_queries_pass(dialect: str, sql: str) -> None:
    assert check_remote_sql(sql, dialect).startswith(("SELECT", "WITH", "("))


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("INSERT INTO flights VALUES (1)", "INSERT is not allowed"),
        ("UPDATE flights SET distance = 0", "UPDATE is not allowed"),
        ("DELETE FROM flights", "DELETE is not allowed"),
        ("DROP TABLE flights", "DROP TABLE is not allowed"),
        ("SELECT 1; DROP TABLE flights", "Only one statement"),
        ("SELECT 1; SELECT 2", "Only one statement"),
        ("SELECT * FROM flights FOR UPDATE", "Locking rows"),
        ("SET autocommit = 1", "SET is not allowed"),
        ("", "empty"),
        ("COMMIT", "COMMIT is not allowed"),
    ],
)
def test_anything_but_one_query_is_refused(dialect: str, sql: str, says: str) -> None:
    with pytest.raises(GuardError, match=says):
        check_remote_sql(sql, dialect)


@pytest.mark.parametrize(
    "sql",
    [
        "WITH gone AS (DELETE FROM flights RETURNING *) SELECT * FROM gone",
        "SELECT * INTO copy_of_flights FROM flights",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT nextval('flights_id_seq')",
        "SELECT set_config('statement_timeout', '0', false)",
        "SELECT lo_import('/etc/passwd')",
        "SELECT pg_advisory_lock(1)",
        "SELECT pg_terminate_backend(1)",
        "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)",
    ],
)
def test_postgres_writes_files_and_side_effects_inside_a_query_are_refused(sql: str) -> None:
    with pytest.raises(GuardError):
        check_remote_sql(sql, "postgres")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT LOAD_FILE('/etc/passwd')",
        "SELECT GET_LOCK('x', 10)",
        "SELECT * FROM flights INTO OUTFILE '/tmp/out'",
    ],
)
def test_mysql_files_and_locks_are_refused(sql: str) -> None:
    with pytest.raises(GuardError):
        check_remote_sql(sql, "mysql")


def test_the_second_statement_is_pointed_at() -> None:
    with pytest.raises(GuardError) as caught:
        check_remote_sql("SELECT 1;\nDELETE FROM flights", "postgres")
    assert (caught.value.line, caught.value.column) == (2, 1)


def test_grants_with_write_privileges_on_the_database_are_found() -> None:
    grants = [
        "GRANT USAGE ON *.* TO `reader`@`%`",
        "GRANT SELECT ON `flightsdb`.* TO `reader`@`%`",
        "GRANT SELECT, INSERT ON `flightsdb`.`flights` TO `reader`@`%`",
        "GRANT ALL PRIVILEGES ON `otherdb`.* TO `reader`@`%`",
        "GRANT SELECT (carrier, name), UPDATE (name) ON `flightsdb`.`airlines` TO `reader`@`%`",
    ]
    assert writes_in_grants(grants, "flightsdb") == [
        "table flightsdb.flights",
        "table flightsdb.airlines",
    ]
    assert writes_in_grants(grants[:2], "flightsdb") == []
    assert writes_in_grants(["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`"], "x") == [
        "every database (global privileges)"
    ]


def test_a_spec_never_shows_its_password() -> None:
    spec = ConnectionSpec("postgres", "db", 5432, "dw", "me", password="hunter2-secret")
    assert "hunter2-secret" not in repr(spec)
    assert "hunter2-secret" not in str(spec.url())


def test_a_server_without_the_mysql_driver_says_how_to_install_it() -> None:
    # The driver is an optional extra (it builds against libmariadb-dev); without it a MySQL
    # connection is refused with what to install, not an ImportError.
    script = (
        "import sys; sys.modules['MySQLdb'] = None\n"
        "from pipelines.connections.errors import ConnectionFailed\n"
        "from pipelines.connections.spec import ConnectionSpec, open_engine\n"
        "try:\n"
        "    open_engine(ConnectionSpec(kind='mysql', host='127.0.0.1', port=3306,\n"
        "                               database='d', user='u', password='p'))\n"
        "except ConnectionFailed as exc:\n"
        "    print(exc.kind, exc.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.startswith("other ") and "datapilot[mysql]" in done.stdout
