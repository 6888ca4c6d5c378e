"""The SQL guard: what it accepts, what it refuses, and where its messages point."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.query import ALLOWED_FUNCTIONS, CheckedSql, GuardError, check_sql, guard, native
from pipelines.query.functions import SYNTAX_FUNCTIONS
from pipelines.query.guard import MAX_NESTING

TABLES = {"orders", "customers"}
TPCH = Path(__file__).parents[2] / "benchmarks" / "tpch"

ACCEPTED = {
    "select": "SELECT order_id, amount FROM orders",
    "not_then_and": "SELECT * FROM orders WHERE NOT (amount IN (1, 2)) AND region IS NULL",
    "not_then_or": "SELECT * FROM orders WHERE NOT (amount = 1) OR NOT (region = 'x')",
    "no_table": "SELECT 1 + 1 AS two",
    "cte": "WITH big AS (SELECT * FROM orders WHERE amount > 10) SELECT count(*) FROM big",
    "two_ctes": (
        "WITH a AS (SELECT customer_id FROM orders), b AS (SELECT * FROM a) "
        "SELECT * FROM b JOIN customers USING (customer_id)"
    ),
    "cte_named_like_its_table": (
        "WITH orders AS (SELECT * FROM orders WHERE amount > 0) SELECT * FROM orders"
    ),
    "recursive_cte": (
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) "
        "SELECT sum(n) FROM r"
    ),
    "window": (
        "SELECT order_id, row_number() OVER (PARTITION BY region ORDER BY amount DESC) AS rn, "
        "sum(amount) OVER (ORDER BY order_date ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), "
        "lag(amount) OVER w, rank() OVER w FROM orders WINDOW w AS (ORDER BY order_id)"
    ),
    "joins": (
        "SELECT c.name, sum(o.amount) FROM orders o LEFT JOIN customers c "
        "ON o.customer_id = c.customer_id GROUP BY c.name ORDER BY 2 DESC NULLS LAST"
    ),
    "subqueries": (
        "SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM orders) "
        "AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.customer_id) "
        "AND (SELECT max(amount) FROM orders) > 0"
    ),
    "derived_table": "SELECT t.r, t.n FROM (SELECT region AS r, count(*) AS n FROM orders "
    "GROUP BY region) AS t(r, n)",
    "values": "VALUES (1, 'a'), (2, 'b')",
    "values_in_from": "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, name)",
    "union": "SELECT customer_id FROM orders UNION SELECT customer_id FROM customers",
    "intersect_except": (
        "(SELECT customer_id FROM orders INTERSECT SELECT customer_id FROM customers) "
        "EXCEPT SELECT 3"
    ),
    "list_functions": (
        "SELECT list_transform(tags, lambda x: upper(x)), list_filter(tags, lambda x: x <> 'b'), "
        "len(tags), tags[1], list_sort(tags), array_to_string(tags, ','), "
        "[t || '!' FOR t IN tags], list_reduce([1, 2, 3], lambda a, b: a + b) FROM orders"
    ),
    "unnest": "SELECT order_id, unnest(tags) AS tag FROM orders",
    "dates": (
        "SELECT date_trunc('month', order_date) AS m, strftime(order_date, '%Y-%m'), "
        "extract(year FROM order_date), date_part('dow', order_date), "
        "order_date + INTERVAL 1 DAY, current_date - order_date, "
        "date_diff('day', order_date, DATE '2025-01-01'), year(order_date) FROM orders"
    ),
    "regexp": (
        "SELECT regexp_matches(region, '^n'), regexp_replace(region, 'o', '0', 'g'), "
        "regexp_extract(region, '(.)', 1), region SIMILAR TO 'n.*', region LIKE 'n%' FROM orders"
    ),
    "case_and_casts": (
        "SELECT CASE WHEN amount > 10 THEN 'big' ELSE 'small' END, CAST(amount AS INTEGER), "
        "amount::VARCHAR, TRY_CAST(region AS INTEGER), coalesce(customer_id, 0), "
        "ifnull(customer_id, 0), nullif(region, ''), if(amount > 1, 1, 0) FROM orders"
    ),
    "qualify": (
        "SELECT region, order_id FROM orders "
        "QUALIFY row_number() OVER (PARTITION BY region ORDER BY amount DESC) = 1"
    ),
    "group_by_all": "SELECT region, sum(amount), count(DISTINCT customer_id) FROM orders "
    "GROUP BY ALL ORDER BY ALL",
    "aggregates": (
        "SELECT avg(amount), median(amount), quantile_cont(amount, 0.9), stddev(amount), "
        "string_agg(region, ','), arg_max(order_id, amount), max_by(region, amount), "
        "count(*) FILTER (WHERE amount > 5), approx_count_distinct(region), "
        "list(region ORDER BY region), bool_or(amount > 1) FROM orders"
    ),
    "strings": (
        "SELECT upper(name), lower(name), trim(name), substring(name, 1, 3), "
        "position('a' IN name), concat(name, '!'), name || '?', length(name), "
        "lpad(name, 10, ' '), split_part(name, ' ', 1), md5(name), hash(name) FROM customers"
    ),
    "struct_and_map": (
        "SELECT {'id': order_id, 'region': region} AS s, struct_pack(a := 1).a, "
        "map([1], ['x']), COLUMNS('amount|region') FROM orders"
    ),
    "grouping_sets": (
        "SELECT region, customer_id, sum(amount), grouping(region) FROM orders "
        "GROUP BY GROUPING SETS ((region), (customer_id), ())"
    ),
    "rollup": "SELECT region, sum(amount) FROM orders GROUP BY ROLLUP (region)",
    "pivot_in_from": "SELECT * FROM orders PIVOT (sum(amount) FOR region IN ('north', 'south'))",
    "from_first": "FROM orders SELECT region, amount WHERE amount > 1",
    "select_star_exclude": "SELECT * EXCLUDE (tags) FROM orders",
    "distinct_on": "SELECT DISTINCT ON (region) region, amount FROM orders ORDER BY region",
    "limit_offset": "SELECT * FROM orders ORDER BY order_id LIMIT 5 OFFSET 2",
    "sample": "SELECT * FROM orders USING SAMPLE 50 PERCENT (bernoulli)",
    "quoted_table": 'SELECT * FROM "Orders"',
    "upper_case_table": "SELECT * FROM ORDERS",
    "comments": "-- top orders\nSELECT /* all */ * FROM orders -- done\n",
    "trailing_semicolon": "SELECT * FROM orders;",
    "semicolon_and_comment": "SELECT * FROM orders; -- that's all",
    "math": "SELECT round(amount, 1), abs(-amount), sqrt(amount), ln(amount + 1), "
    "greatest(amount, 1), floor(amount), ceil(amount), amount % 3, amount // 2 FROM orders",
    "parenthesised": "((SELECT order_id FROM orders))",
    "lateral": "SELECT * FROM customers c, LATERAL (SELECT count(*) AS n FROM orders o "
    "WHERE o.customer_id = c.customer_id)",
    "asof_join": "SELECT * FROM orders a ASOF JOIN orders b ON a.order_date >= b.order_date",
    "json": "SELECT json_extract('{\"a\": 1}', '$.a'), to_json(region) FROM orders",
}


@pytest.fixture(scope="module")
def workspace_db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE orders AS SELECT i AS order_id, 1 + i % 3 AS customer_id, "
        "i * 2.5 AS amount, DATE '2024-01-01' + CAST(i AS INTEGER) AS order_date, "
        "['north', 'south', 'east'][1 + i % 3] AS region, ['a', 'b'] AS tags FROM range(1, 9) t(i)"
    )
    con.execute(
        "CREATE TABLE customers AS SELECT i AS customer_id, 'Customer ' || i AS name "
        "FROM range(1, 4) t(i)"
    )
    yield con
    con.close()


@pytest.mark.parametrize("sql", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepts_read_only_query(sql: str, workspace_db: duckdb.DuckDBPyConnection) -> None:
    checked = check_sql(sql, TABLES)
    assert isinstance(checked, CheckedSql)
    workspace_db.execute(checked.sql).fetchall()  # and it is a real query DuckDB runs


@pytest.mark.parametrize(
    "path", sorted(TPCH.glob("q*.sql")) if TPCH.is_dir() else [], ids=lambda p: p.stem
)
def test_accepts_tpch_query(path: Path) -> None:
    tables = {"lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation"}
    checked = check_sql(path.read_text(), tables | {"region"})
    assert checked.tables <= tables | {"region"}


def test_checked_sql_drops_trailing_semicolon_and_comment() -> None:
    checked = check_sql("  SELECT * FROM orders ;  -- all of them\n", TABLES)
    assert checked.sql == "  SELECT * FROM orders"


def test_checked_tables_are_lower_case_workspace_tables_without_ctes() -> None:
    checked = check_sql(
        'WITH big AS (SELECT * FROM "ORDERS") SELECT * FROM big JOIN Customers USING (x)',
        {"Orders", "customers", "unused"},
    )
    assert checked.tables == frozenset({"orders", "customers"})


# -- statements ---------------------------------------------------------------------------------


def test_second_statement_is_refused_pointing_at_it() -> None:
    sql = "SELECT 1;\n  SELECT 2"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    error = refused.value
    assert error.message.startswith("Only one statement can run at a time")
    assert sql[error.start : error.end] == "SELECT"
    assert (error.line, error.column) == (2, 3)


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("CREATE TABLE x AS SELECT 1", "CREATE TABLE"),
        ("DROP VIEW orders", "DROP VIEW"),
        ("INSERT INTO orders VALUES (1)", "INSERT"),
        ("COPY orders TO 'x.csv'", "COPY"),
        ("ATTACH 'x.db' AS x", "ATTACH"),
        ("PRAGMA version", "PRAGMA"),
        ("SET threads = 8", "SET"),
        ("RESET threads", "RESET"),
        ("INSTALL httpfs", "INSTALL"),
        ("LOAD httpfs", "LOAD"),
        ("CALL pragma_version()", "CALL"),
        ("EXPORT DATABASE 'out'", "EXPORT DATABASE"),
        ("CHECKPOINT", "CHECKPOINT"),
        ("USE memory", "USE"),
        ("BEGIN", "BEGIN"),
        ("VACUUM", "VACUUM"),
        ("DESCRIBE orders", "DESCRIBE"),
        ("(DELETE FROM orders)", "DELETE"),
        ("SELECT * FROM (PIVOT orders ON region)", "PIVOT"),
    ],
)
def test_statement_is_refused_naming_its_keyword(sql: str, keyword: str) -> None:
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    assert refused.value.message.startswith(f"{keyword} is not allowed")
    assert refused.value.start is not None
    assert sql[refused.value.start :].upper().startswith(keyword.split()[0])


def test_dml_inside_a_cte_is_refused_pointing_at_it() -> None:
    sql = "WITH gone AS (\n  DELETE FROM orders RETURNING *\n) SELECT * FROM gone"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    error = refused.value
    assert error.message.startswith("DELETE is not allowed")
    assert (error.line, error.column) == (2, 3)


def test_unknown_statement_word_says_what_a_query_starts_with() -> None:
    with pytest.raises(GuardError, match="must start with SELECT, WITH, FROM or VALUES"):
        check_sql("SELEC * FROM orders", TABLES)


@pytest.mark.parametrize("sql", ["", "   \n", "-- nothing here", "/* nor here */ ;"])
def test_empty_sql_is_refused(sql: str) -> None:
    with pytest.raises(GuardError, match="The SQL is empty"):
        check_sql(sql, TABLES)


def test_very_long_sql_is_refused() -> None:
    with pytest.raises(GuardError, match="longer than"):
        check_sql("SELECT " + "1 + " * 30_000 + "1", TABLES)


# -- parse errors -------------------------------------------------------------------------------


def test_parse_error_points_at_the_token() -> None:
    sql = "SELECT amount\nFROM WHERE amount > 1"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    error = refused.value
    assert error.message.startswith("Cannot read the SQL")
    assert sql[error.start : error.end] == "WHERE"
    assert (error.line, error.column) == (2, 6)
    assert "line 2, column 6" in str(error)


def test_unterminated_string_points_at_its_quote() -> None:
    sql = "SELECT 'abc FROM orders"
    with pytest.raises(GuardError, match="unterminated") as refused:
        check_sql(sql, TABLES)
    assert refused.value.start == 7


# -- functions ----------------------------------------------------------------------------------


def test_refused_function_is_named_and_located() -> None:
    sql = "SELECT amount,\n       getenv('HOME') AS home\nFROM orders"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    error = refused.value
    assert error.message.startswith("Function getenv is not allowed: ")
    assert sql[error.start : error.end] == "getenv"
    assert (error.line, error.column) == (2, 8)
    assert error.as_json() == {
        "message": error.message,
        "start": error.start,
        "end": error.end,
        "line": 2,
        "column": 8,
    }


def test_file_reader_is_refused_by_name() -> None:
    with pytest.raises(GuardError) as refused:
        check_sql("SELECT * FROM read_csv('orders.csv')", TABLES)
    assert refused.value.message.startswith("Function read_csv is not allowed: it reads files")


def test_case_trick_is_refused_with_the_real_name() -> None:
    sql = "SELECT * FROM ReAd_CsV('x.csv')"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    assert refused.value.message.startswith("Function read_csv is not allowed")
    assert sql[refused.value.start : refused.value.end] == "ReAd_CsV"


def test_quoted_function_name_is_refused() -> None:
    with pytest.raises(GuardError, match="Function read_text is not allowed"):
        check_sql("SELECT * FROM \"read_text\"('x')", TABLES)


def test_cyrillic_lookalike_is_refused_naming_the_character() -> None:
    sql = "SELECT * FROM re\u0430d_csv('x.csv')"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    assert "U+0430 CYRILLIC SMALL LETTER A" in refused.value.message
    assert sql[refused.value.start : refused.value.end] == "re\u0430d_csv"


def test_fullwidth_lookalike_is_refused_saying_what_it_reads_as() -> None:
    with pytest.raises(GuardError, match="it reads as getenv"):
        check_sql("SELECT \uff47\uff45\uff54\uff45\uff4e\uff56('HOME')", TABLES)


def test_lookalike_of_an_allowed_function_is_refused_too() -> None:
    # A Cyrillic o (U+043E) in "lower": DuckDB would not know it; the guard must not allow it.
    with pytest.raises(GuardError, match="non-ASCII"):
        check_sql("SELECT l\u043ewer(region) FROM orders", TABLES)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT sleep_ms(1000)",
        "SELECT nextval('s')",
        "SELECT setseed(0.5)",
        "SELECT current_setting('threads')",
        "SELECT getvariable('x')",
        "SELECT version()",
        "SELECT json_serialize_plan('SELECT 1')",
        "SELECT my_macro(1)",
        "SELECT main.getenv('HOME')",
        "SELECT region.getenv() FROM orders",
        "SELECT list_transform(['HOME'], lambda x: getenv(x))",
        "SELECT list_transform(['HOME'], x -> getenv(x))",
    ],
)
def test_function_outside_the_allow_list_is_refused(sql: str) -> None:
    with pytest.raises(GuardError, match=r"^Function \w+ is not allowed: "):
        check_sql(sql, TABLES)


@pytest.mark.parametrize("sql", ["SELECT * FROM range(10)", "SELECT * FROM unnest([1, 2])"])
def test_table_function_in_from_is_refused(sql: str) -> None:
    with pytest.raises(GuardError, match=r"^Table function \w+ is not allowed"):
        check_sql(sql, TABLES)


def test_allow_list_holds_only_pure_duckdb_functions() -> None:
    con = duckdb.connect()
    kinds: dict[str, set[str]] = {}
    rows = con.execute("SELECT function_name, function_type FROM duckdb_functions()").fetchall()
    for name, kind in rows:
        kinds.setdefault(name.lower(), set()).add(kind)
    con.close()
    pure = {"scalar", "aggregate", "window", "macro"}
    for name in ALLOWED_FUNCTIONS - SYNTAX_FUNCTIONS:
        assert kinds.get(name, set()) & pure, f"{name} is not a scalar/aggregate/window function"
    forbidden_prefixes = ("read_", "parquet_", "duckdb_", "pragma_", "pg_", "json_execute")
    for name, found in kinds.items():
        if name.startswith(forbidden_prefixes) or not found & pure:
            assert name not in ALLOWED_FUNCTIONS - {"unnest"}, name
    for name in (
        "glob",
        "sniff_csv",
        "getenv",
        "current_setting",
        "which_secret",
        "query",
        "query_table",
        "read_csv_auto",
        "read_blob",
    ):
        assert name not in ALLOWED_FUNCTIONS


# -- tables -------------------------------------------------------------------------------------


def test_unknown_table_lists_the_workspace_tables() -> None:
    sql = "SELECT * FROM orders JOIN shipments USING (order_id)"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    error = refused.value
    assert error.message == (
        "Table 'shipments' does not exist in this workspace; tables: customers, orders"
    )
    assert sql[error.start : error.end] == "shipments"


def test_unknown_table_message_lists_at_most_ten() -> None:
    tables = {f"t{i:02d}" for i in range(15)}
    with pytest.raises(GuardError) as refused:
        check_sql("SELECT * FROM nope", tables)
    assert refused.value.message.endswith("t09 and 5 more")


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT * FROM main.orders", "main.orders"),
        ("SELECT * FROM other.db.orders", "other.db.orders"),
        ("SELECT * FROM information_schema.tables", "information_schema.tables"),
    ],
)
def test_qualified_table_is_refused(sql: str, name: str) -> None:
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    assert refused.value.message.startswith(f"Table '{name}' is not allowed")
    assert sql[refused.value.start : refused.value.end] == name


@pytest.mark.parametrize("path", ["/etc/passwd", "orders.parquet", "~/x.csv"])
def test_string_literal_as_table_is_refused(path: str) -> None:
    sql = f"SELECT * FROM '{path}'"
    with pytest.raises(GuardError) as refused:
        check_sql(sql, TABLES)
    assert refused.value.message.startswith(f"Reading the file '{path}' is not allowed")
    assert sql[refused.value.start : refused.value.end] == f"'{path}'"


def test_catalog_view_is_an_unknown_table() -> None:
    with pytest.raises(GuardError, match="Table 'duckdb_tables' does not exist"):
        check_sql("SELECT * FROM duckdb_tables", TABLES)


def test_cte_cannot_be_used_before_it_is_defined() -> None:
    # DuckDB reads the catalog for a forward reference, so it must be a workspace table.
    sql = "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a"
    with pytest.raises(GuardError, match="Table 'b' does not exist"):
        check_sql(sql, TABLES)


def test_cte_of_a_subquery_is_not_visible_outside_it() -> None:
    sql = "SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) AS s, x"
    with pytest.raises(GuardError, match="Table 'x' does not exist"):
        check_sql(sql, TABLES)


def test_non_recursive_cte_does_not_see_itself() -> None:
    with pytest.raises(GuardError, match="Table 'sqlite_master' does not exist"):
        check_sql("WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT 1", TABLES)


# -- each of the guard's two checks holds alone -------------------------------------------------

SCOPING = [
    "WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a",
    "SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) AS s, x",
    "WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT 1",
]


@pytest.mark.parametrize("sql", SCOPING)
def test_sqlglot_check_alone_follows_cte_scoping(sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard.native, "check", lambda sql, known: None)
    with pytest.raises(GuardError, match="does not exist in this workspace"):
        check_sql(sql, TABLES)


@pytest.mark.parametrize("sql", SCOPING)
def test_duckdb_parser_check_alone_follows_cte_scoping(sql: str) -> None:
    with pytest.raises(GuardError, match="does not exist in this workspace"):
        native.check(sql, {name: name for name in TABLES})


def test_duckdb_parser_check_accepts_what_the_guard_accepts() -> None:
    for sql in ACCEPTED.values():
        native.check(sql, {name: name for name in TABLES})


def test_duckdb_parser_check_points_at_characters_not_bytes() -> None:
    sql = "SELECT 'épée', getenv('HOME')"
    with pytest.raises(GuardError) as refused:
        native.check(sql, {})
    assert sql[refused.value.start : refused.value.end] == "getenv"


def test_nesting_up_to_the_limit_is_accepted_even_from_a_deep_call_stack() -> None:
    sql = "SELECT " + "abs(" * MAX_NESTING + "1" + ")" * MAX_NESTING

    def deep(levels: int) -> CheckedSql:
        return deep(levels - 1) if levels else check_sql(sql, TABLES)

    assert deep(150).sql == sql


def test_deeper_nesting_is_refused_at_the_first_paren_too_many() -> None:
    sql = "SELECT " + "(" * (MAX_NESTING + 5) + "1" + ")" * (MAX_NESTING + 5)
    with pytest.raises(GuardError, match="nested too deeply") as refused:
        check_sql(sql, TABLES)
    assert refused.value.start == len("SELECT ") + MAX_NESTING


def test_deep_nesting_without_parentheses_is_refused_not_crashed() -> None:
    sql = "SELECT " + "CASE WHEN true THEN " * 300 + "1" + " END" * 300
    with pytest.raises(GuardError, match="nested too deeply"):
        check_sql(sql, TABLES)
