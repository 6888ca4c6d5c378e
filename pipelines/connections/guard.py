"""The guard of SQL sent to a connection: one read-only query in the server's own dialect.

Like :mod:`pipelines.query.guard` (which guards DuckDB SQL), it parses with sqlglot, here in
the connection's dialect (``postgres`` or ``mysql``): exactly one statement, starting with
SELECT, WITH, VALUES or TABLE; no node that writes, locks or creates (data-modifying CTEs,
``SELECT ... INTO``, ``FOR UPDATE``); no function that reaches outside the query (files,
other servers, locks, sequences, settings, other sessions). The read-only transaction the
query then runs in holds without it; the guard gives the earlier, clearer message.
"""

from __future__ import annotations

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.errors import ParseError, SqlglotError, TokenError

from pipelines.query.guard import single_statement
from pipelines.query.refusals import GuardError, statement_refused
from pipelines.query.statements import FORBIDDEN_NODES, READ_STARTS, statement_keyword

MAX_SQL_LENGTH = 100_000

DENIED_FUNCTIONS = frozenset(
    {
        # PostgreSQL: files, large objects, other servers, sessions, settings, sequences
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
        "set_config",
        "nextval",
        "setval",
        "txid_current",
        "query_to_xml",
        "dblink",
        "dblink_exec",
        "dblink_connect",
        # MySQL / MariaDB: files, locks, user-defined system calls
        "load_file",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "sys_exec",
        "sys_eval",
    }
)
DENIED_PREFIXES = ("lo_", "pg_advisory", "pg_try_advisory", "pg_ls_", "pg_read_", "dblink")

_DIALECTS = {"postgres", "mysql"}


def check_remote_sql(sql: str, dialect: str) -> str:
    """Check that ``sql`` is one read-only query in ``dialect``; return it without a final ``;``.

    Raises
    ------
    GuardError
        The SQL cannot be read, holds more than one statement, is not a query, writes, locks,
        or calls a function that is refused; ``start``/``end`` point at the part at fault.
    """
    if dialect not in _DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    if len(sql) > MAX_SQL_LENGTH:
        raise GuardError(f"The SQL is longer than {MAX_SQL_LENGTH:,} characters")
    reader = sqlglot.Dialect.get_or_raise(dialect)
    try:
        tokens = reader.tokenize(sql)
    except TokenError as exc:
        raise GuardError(f"Cannot read the SQL: {_first_line(exc)}") from None
    statement = single_statement(sql, tokens)
    first = next((t for t in statement if t.token_type != TokenType.L_PAREN), statement[0])
    if first.token_type not in READ_STARTS or first.token_type == TokenType.FROM:
        keyword = statement_keyword(statement, first)
        message = (
            statement_refused(keyword)
            if keyword is not None
            else f"The SQL must start with SELECT, WITH or VALUES; found {first.text!r}"
        )
        raise GuardError(message, sql=sql, start=first.start, end=first.end + 1)
    body = sql[: statement[-1].end + 1]
    try:
        tree = sqlglot.parse_one(body, read=dialect)
    except (ParseError, SqlglotError) as exc:
        raise GuardError(f"Cannot read the SQL: {_first_line(exc)}") from None
    except RecursionError:
        raise GuardError("The SQL is nested too deeply to check; use WITH ...") from None
    _check_tree(sql, tree)  # type: ignore[arg-type]
    return body.rstrip()


def _check_tree(sql: str, tree: exp.Expression) -> None:
    if not isinstance(tree, exp.Query | exp.Values | exp.Subquery):
        raise GuardError(statement_refused(type(tree).__name__.upper()))
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            what = _what(node)
            raise GuardError(
                f"{what} is not allowed: only a read-only query can run on a connection"
            )
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES):
                raise GuardError(
                    f"The function {name}() is not allowed on a connection: it reaches outside "
                    "the query (files, locks, sessions, settings or sequences)"
                )


def _what(node: exp.Expression) -> str:
    if isinstance(node, exp.Into):
        return "SELECT ... INTO"
    if isinstance(node, exp.Lock):
        return "Locking rows (FOR UPDATE / FOR SHARE)"
    return type(node).__name__.upper()


def _function_name(node: exp.Func) -> str:
    name = str(node.this) if isinstance(node, exp.Anonymous) else node.sql_name()
    return name.lower().split(".")[-1].strip('"`')


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
