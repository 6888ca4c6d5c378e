"""The SQL guard: one read-only statement over the workspace's tables and allowed functions.

Every SQL that DataPilot runs (typed in the editor, sent to the REST API, written by the AI)
passes :func:`check_sql` before it reaches the sandbox. The guard parses with sqlglot (DuckDB
dialect) for clear messages that point at the offending part, then asks DuckDB's own parser
for a second opinion (:mod:`pipelines.query.native`), so a difference between the two parsers
(comments, string escapes, function aliases, method calls like ``'x'.getenv()``) cannot let
anything through. The sandbox enforces the same limits structurally; each holds alone.

Example::

    from pipelines.query.guard import check_sql, GuardError
    checked = check_sql("SELECT region, sum(amount) FROM orders GROUP BY ALL", {"orders"})
    checked.tables  # frozenset({'orders'})
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import Token, TokenType, exp
from sqlglot.errors import ParseError, SqlglotError, TokenError

from . import native
from .functions import (
    ALLOWED_FUNCTIONS,
    function_refusal,
    normalize_name,
    qualifier_refusal,
    table_function_refusal,
)
from .refusals import (
    GuardError,
    file_table,
    qualified_table,
    statement_refused,
    unknown_table,
)
from .statements import FORBIDDEN_NODES, READ_STARTS, keyword_of, statement_keyword
from .verdicts import MAX_CACHED_SQL, VerdictCache

__all__ = [
    "ALLOWED_FUNCTIONS",
    "MAX_NESTING",
    "MAX_SQL_LENGTH",
    "CheckedSql",
    "GuardError",
    "check_sql",
]

MAX_SQL_LENGTH = 100_000
MAX_NESTING = 20
"""Deepest nesting of parentheses and brackets the guard reads."""
_TOO_DEEP = (
    f"The SQL is nested too deeply to check (at most {MAX_NESTING} levels of parentheses or "
    "nested expressions); split it into CTEs (WITH ...)"
)
_DIALECT = sqlglot.Dialect.get_or_raise("duckdb")
_READ_ROOTS = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
_TOKEN_IN_MESSAGE = re.compile(r"<Token token_type: [^,]+, text: ([^,]*),[^>]*>")


@dataclass(frozen=True)
class CheckedSql:
    """A query the guard accepted.

    Attributes
    ----------
    sql
        The single statement as given, without a trailing ``;`` or trailing comments.
        Leading comments and whitespace are kept, so offsets match the original SQL.
    tables
        The workspace tables it reads (lower-case names; CTE names are not included).
    """

    sql: str
    tables: frozenset[str]


VERDICTS: VerdictCache[CheckedSql] = VerdictCache()
"""Texts the guard accepted (see :mod:`pipelines.query.verdicts`)."""


def check_sql(sql: str, tables: Collection[str], *, scope: Hashable = None) -> CheckedSql:
    """Check that ``sql`` is one read-only query over ``tables`` using allowed functions.

    An accepted text is remembered: the same text over the same table names, in the same
    ``scope`` and under the same rules, is accepted again without parsing it.

    Parameters
    ----------
    sql
        The SQL as the user wrote it (one statement; comments and a trailing ``;`` are fine).
    tables
        Names of the workspace's tables (compared case-insensitively).
    scope
        What else a remembered verdict must match, such as the workspace's table fingerprint
        (:func:`pipelines.query.verdicts.table_fingerprint`); None shares verdicts between
        callers with the same table names.

    Returns
    -------
    CheckedSql
        The statement to run and the tables it reads.

    Raises
    ------
    GuardError
        When the SQL cannot be parsed, is not exactly one read-only query, calls a function
        that is not allowed or reads anything but the workspace's tables. ``start``/``end``
        point at the offending part of ``sql``.
    """
    if isinstance(tables, str):
        raise TypeError("tables must be a collection of table names, not one string")
    key = (sql, frozenset(tables), scope, _rules())
    checked = VERDICTS.get(key)
    if checked is None:
        checked = _check(sql, tables)
        if len(sql) <= MAX_CACHED_SQL:
            VERDICTS.put(key, checked)
    return checked


def _rules() -> tuple[object, ...]:
    """What the verdict depends on besides the SQL and the tables: the limits and the checks
    in force (read at each call, so a changed rule never reuses an older verdict)."""
    return (MAX_SQL_LENGTH, MAX_NESTING, ALLOWED_FUNCTIONS, _TreeCheck.run, native.check)


def _check(sql: str, tables: Collection[str]) -> CheckedSql:
    known = {name.lower(): name for name in tables}
    if len(sql) > MAX_SQL_LENGTH:
        raise GuardError(f"The SQL is longer than {MAX_SQL_LENGTH:,} characters")
    tokens = _tokenize(sql, known)
    statement = single_statement(sql, tokens)
    _check_start(sql, statement)
    _check_nesting(sql, statement)
    body = sql[: statement[-1].end + 1]
    try:
        tree = _parse(sql, statement)
        read = _TreeCheck(sql, statement, known).run(tree)
    except RecursionError:
        raise GuardError(_TOO_DEEP) from None
    native.check(body, known)
    return CheckedSql(sql=body.rstrip(), tables=frozenset(read))


def _tokenize(sql: str, known: dict[str, str]) -> list[Token]:
    try:
        tokens = _DIALECT.tokenize(sql)
    except TokenError as exc:
        # sqlglot's tokenizer does not say where; DuckDB's parser does (e.g. an open quote).
        native.check(sql, known)
        raise GuardError(f"Cannot read the SQL: {_first_line(exc)}") from exc
    if not tokens:
        raise GuardError("The SQL is empty: write one SELECT query")
    return tokens


def single_statement(sql: str, tokens: list[Token]) -> list[Token]:
    """The tokens of the one statement in ``tokens``; GuardError for none, or for a second one
    (pointing at it in ``sql``)."""
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    found = [s for s in statements if s]
    if not found:
        raise GuardError("The SQL is empty: write one SELECT query")
    if len(found) > 1:
        second = found[1][0]
        raise GuardError(
            "Only one statement can run at a time; remove the second statement "
            f"(starting with {second.text!r}) or the ';' before it",
            sql=sql,
            start=second.start,
            end=second.end + 1,
        )
    return found[0]


def _check_start(sql: str, statement: list[Token]) -> None:
    first = next((t for t in statement if t.token_type != TokenType.L_PAREN), statement[0])
    if first.token_type in READ_STARTS:
        return
    keyword = statement_keyword(statement, first)
    if keyword is None:
        message = f"The SQL must start with SELECT, WITH, FROM or VALUES; found {first.text!r}"
    else:
        message = statement_refused(keyword)
    raise GuardError(message, sql=sql, start=first.start, end=first.end + 1)


def _check_nesting(sql: str, statement: list[Token]) -> None:
    # sqlglot parses recursively: very deep nesting would exhaust Python's recursion limit (or
    # not, with its compiled build: counted on the tokens, the limit is the same either way).
    depth = 0
    for token in statement:
        if token.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET, TokenType.CASE):
            depth += 1
            if depth > MAX_NESTING:
                raise GuardError(_TOO_DEEP, sql=sql, start=token.start, end=token.end + 1)
        elif token.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET, TokenType.END):
            depth -= 1


def _parse(sql: str, statement: list[Token]) -> exp.Expr:
    try:
        trees = _DIALECT.parser().parse(statement, sql)
    except ParseError as exc:
        raise _parse_error(sql, statement, exc) from exc
    except SqlglotError as exc:
        raise GuardError(f"Cannot read the SQL: {_first_line(exc)}") from exc
    found = [tree for tree in trees if tree is not None]
    if len(found) != 1:
        raise GuardError("Only one statement can run at a time")
    tree = found[0]
    if not isinstance(tree, _READ_ROOTS):
        first = statement[0]
        keyword = statement_keyword(statement, first) or first.text.upper()
        raise GuardError(statement_refused(keyword), sql=sql, start=first.start, end=first.end + 1)
    return tree


def _parse_error(sql: str, statement: list[Token], exc: ParseError) -> GuardError:
    errors = exc.errors or [{}]
    first = errors[0]
    description = _TOKEN_IN_MESSAGE.sub(r"\1", str(first.get("description") or "")).strip()
    if not description or "<class" in description or "Required keyword" in description:
        description = "the query is incomplete or has a syntax error here"
    line, col = first.get("line"), first.get("col")
    token = next((t for t in statement if (t.line, t.col) == (line, col)), None)
    if token is None:
        return GuardError(f"Cannot read the SQL: {description}")
    return GuardError(
        f"Cannot read the SQL: {description}", sql=sql, start=token.start, end=token.end + 1
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _TreeCheck:
    """One pass over sqlglot's tree: statements, functions and tables."""

    def __init__(self, sql: str, tokens: list[Token], known: dict[str, str]) -> None:
        self.sql = sql
        self.tokens = tokens
        self.known = known
        self.read: set[str] = set()

    def run(self, tree: exp.Expr) -> set[str]:
        for node in tree.walk(bfs=False):
            if isinstance(node, FORBIDDEN_NODES):
                keyword = keyword_of(node)
                raise self.error(statement_refused(keyword), self.locate(keyword.split()[0]))
            if isinstance(node, (exp.From, exp.Join, exp.Lateral)):
                self.check_source(node.this)
            elif isinstance(node, exp.Table):
                self.check_table(node)
            elif isinstance(node, exp.Func):
                self.check_function(node)
        return self.read

    def error(self, message: str, span: tuple[int, int] | None) -> GuardError:
        if span is None:
            return GuardError(message)
        return GuardError(message, sql=self.sql, start=span[0], end=span[1])

    # -- functions -------------------------------------------------------------------------

    def check_function(self, node: exp.Func) -> None:
        written, span = self.written_name(node)
        if written is None:
            return  # syntax such as [1, 2], a::int or CASE, not a call by name
        refusal = function_refusal(written)
        parent = node.parent
        if refusal is None and isinstance(parent, exp.Dot) and parent.expression is node:
            qualifiers = [part.name for part in parent.this.find_all(exp.Identifier)]
            refusal = qualifier_refusal(qualifiers, written)
        if refusal is not None:
            raise self.error(refusal, span or self.locate(written))

    def written_name(self, node: exp.Func) -> tuple[str | None, tuple[int, int] | None]:
        """The function name as written (quotes removed) and where, when it is a call."""
        meta = node.meta
        if "start" in meta and "end" in meta:
            start, end = int(meta["start"]), int(meta["end"]) + 1
            return _unquote(self.sql[start:end]), (start, end)
        if isinstance(node, exp.Anonymous):
            return node.name, None
        if isinstance(node, (exp.And, exp.Or)):
            # Pure syntax, though sqlglot types them as functions: "NOT (a) AND b" spells like
            # a call of "NOT" (the semantic engine writes NOT (x IN (...)) AND y IS NULL).
            return None, None
        # sqlglot keeps no position for some calls (max, trim, ...) and for syntax; the
        # DuckDB-dialect spelling tells which: "MAX(x)" is a call, "[1, 2]" is not.
        try:
            spelled = node.sql(dialect="duckdb")
        except SqlglotError:
            return node.key, None  # unknown spelling: checked (and refused) by its node name
        match = re.match(r"\s*([A-Za-z_][\w$]*)\s*\(", spelled)
        return (match.group(1), None) if match else (None, None)

    # -- tables ----------------------------------------------------------------------------

    def check_source(self, source: exp.Expr | None) -> None:
        if isinstance(source, exp.Func):
            name, span = self.written_name(source)
            label = name or source.key
            message = table_function_refusal(label, self.known.values())
            raise self.error(message, span or self.locate(label))

    def check_table(self, table: exp.Table) -> None:
        target = table.this
        if isinstance(target, exp.Func):
            self.check_source(target)
        if not isinstance(target, exp.Identifier):
            dotted = table.sql(dialect="duckdb")[:80]
            raise self.error(qualified_table(dotted, self.known.values()), self.locate(dotted))
        parts = [p for p in table.parts if isinstance(p, exp.Identifier)]
        span = _span(parts)
        if len(table.parts) > 1:
            dotted = ".".join(p.name for p in table.parts)
            raise self.error(qualified_table(dotted, self.known.values()), span)
        name = target.name
        if span is not None and self.sql[span[0]] == "'":
            raise self.error(file_table(name, self.known.values()), span)
        key = name.lower()
        if key in _visible_ctes(table):
            return
        if key not in self.known:
            raise self.error(unknown_table(name, self.known.values()), span)
        self.read.add(key)

    # -- positions -------------------------------------------------------------------------

    def locate(self, name: str) -> tuple[int, int] | None:
        """Where ``name`` first appears as a token, or as text when no token matches."""
        wanted = normalize_name(name)
        for token in self.tokens:
            if normalize_name(token.text) == wanted:
                return token.start, token.end + 1
        match = re.search(re.escape(name), self.sql, flags=re.IGNORECASE)
        return (match.start(), match.end()) if match else None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return text


def _span(parts: list[exp.Identifier]) -> tuple[int, int] | None:
    metas = [p.meta for p in parts if "start" in p.meta and "end" in p.meta]
    if not metas:
        return None
    return int(metas[0]["start"]), int(metas[-1]["end"]) + 1


def _visible_ctes(table: exp.Table) -> set[str]:
    """CTE names a table reference can mean, following DuckDB's scoping.

    A CTE sees the CTEs before it in its own WITH (and itself only under WITH RECURSIVE);
    a query body sees every CTE of its WITH; outer WITHs are visible from inside.
    A non-recursive ``WITH t AS (SELECT * FROM t)`` reads the catalog's ``t``, so the inner
    ``t`` must then be a workspace table.
    """
    names: set[str] = set()
    child: exp.Expr = table
    for parent in _ancestors(table):
        if isinstance(parent, exp.With):
            ctes = list(parent.expressions)
            index = next((i for i, c in enumerate(ctes) if c is child), len(ctes))
            upto = index + 1 if parent.args.get("recursive") else index
            names.update(c.alias_or_name.lower() for c in ctes[:upto])
        else:
            with_ = parent.args.get("with_")
            if isinstance(with_, exp.With) and with_ is not child:
                names.update(c.alias_or_name.lower() for c in with_.expressions)
        child = parent
    return names


def _ancestors(node: exp.Expr) -> Iterator[exp.Expr]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent
