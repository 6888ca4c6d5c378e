"""The escape suite's corpus: SQL that tries to get out of a workspace, as data.

Every attempt must be refused by the SQL guard, and again by the sandbox on its own (guard off).
Paths are placeholders filled in by :func:`render`:

``{ws}``       the workspace folder (the sandbox's allowed directory; table ``orders``)
``{other}``    another tenant's workspace folder, holding ``secret.parquet``, ``secret.txt``,
               ``secret.csv``, ``secret.json`` and ``secret.duckdb`` (all contain the marker)
``{sibling}``  a folder whose path starts with the workspace's path (``.../ws1-sibling``)
``{tenants}``  the folder above every tenant

The test runs with ``HOME`` set to the other tenant's tenant folder and the working directory set
to the other tenant's workspace, so ``~/...`` and relative paths really reach the secrets.

Every attempt must be refused twice: by the guard (sqlglot), and by the sandbox on its own with
the guard switched off (its locked-down connection plus DuckDB's own parser and the same
function allow-list, :mod:`pipelines.query.native`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    """One escape attempt.

    Attributes
    ----------
    id
        Short name, used as the pytest id.
    sql
        The SQL, with ``{ws}``/``{other}``/``{sibling}``/``{tenants}`` placeholders.
    tries
        What it tries to do.
    """

    id: str
    sql: str
    tries: str


ATTEMPTS: tuple[Attempt, ...] = (
    # -- every file reader, aimed at another tenant's files ------------------------------------
    Attempt("read_csv", "SELECT * FROM read_csv('{other}/secret.csv')", "read a CSV file"),
    Attempt("read_csv_auto", "SELECT * FROM read_csv_auto('{other}/secret.csv')", "read_csv alias"),
    Attempt("read_parquet", "SELECT * FROM read_parquet('{other}/secret.parquet')", "Parquet"),
    Attempt("parquet_scan", "SELECT * FROM parquet_scan('{other}/secret.parquet')", "alias"),
    Attempt(
        "parquet_metadata",
        "SELECT * FROM parquet_metadata('{other}/secret.parquet')",
        "Parquet metadata (column statistics hold the marker)",
    ),
    Attempt("parquet_schema", "SELECT * FROM parquet_schema('{other}/secret.parquet')", "schema"),
    Attempt(
        "parquet_kv_metadata",
        "SELECT * FROM parquet_kv_metadata('{other}/secret.parquet')",
        "Parquet key/value metadata",
    ),
    Attempt("read_json", "SELECT * FROM read_json('{other}/secret.json')", "read JSON"),
    Attempt("read_json_auto", "SELECT * FROM read_json_auto('{other}/secret.json')", "alias"),
    Attempt("read_ndjson", "SELECT * FROM read_ndjson('{other}/secret.json')", "NDJSON"),
    Attempt(
        "read_json_objects",
        "SELECT * FROM read_json_objects('{other}/secret.json')",
        "raw JSON objects",
    ),
    Attempt("read_text", "SELECT * FROM read_text('{other}/secret.txt')", "a whole text file"),
    Attempt("read_blob", "SELECT * FROM read_blob('{other}/secret.txt')", "a file's bytes"),
    Attempt("glob", "SELECT * FROM glob('{other}/*')", "list another tenant's files"),
    Attempt("sniff_csv", "SELECT * FROM sniff_csv('{other}/secret.csv')", "CSV sniffer"),
    Attempt("read_duckdb", "SELECT * FROM read_duckdb('{other}/secret.duckdb')", "a DB file"),
    Attempt(
        "reader_in_where",
        "SELECT * FROM orders WHERE EXISTS (SELECT * FROM read_text('{other}/secret.txt'))",
        "a file reader hidden in a subquery",
    ),
    Attempt(
        "reader_in_join",
        "SELECT o.*, s.content FROM orders o, read_text('{other}/secret.txt') s",
        "a file reader as a joined table",
    ),
    Attempt(
        "reader_in_union",
        "SELECT content FROM read_text('{other}/secret.txt') UNION ALL SELECT 'x'",
        "a file reader in a set operation",
    ),
    Attempt(
        "reader_in_values",
        "VALUES ((SELECT content FROM read_text('{other}/secret.txt')))",
        "a file reader inside VALUES",
    ),
    Attempt(
        "reader_list_of_files",
        "SELECT * FROM read_parquet(['{ws}/orders.parquet', '{other}/secret.parquet'], "
        "union_by_name=true)",
        "an allowed file next to a forbidden one",
    ),
    Attempt(
        "reader_glob_all_tenants",
        "SELECT * FROM read_parquet('{tenants}/*/*/*.parquet', union_by_name=true)",
        "every tenant's Parquet files at once",
    ),
    Attempt("from_first", "FROM read_text('{other}/secret.txt')", "DuckDB's FROM-first form"),
    # -- path tricks ----------------------------------------------------------------------------
    Attempt(
        "dotdot",
        "SELECT * FROM read_text('{ws}/../../tenant_b/ws9/secret.txt')",
        "'..' out of the allowed directory",
    ),
    Attempt(
        "tilde",
        "SELECT * FROM read_text('~/ws9/secret.txt')",
        "'~' (HOME is the other tenant's folder)",
    ),
    Attempt("absolute", "SELECT * FROM read_text('/etc/passwd')", "an absolute system path"),
    Attempt("file_url", "SELECT * FROM read_text('file://{other}/secret.txt')", "file:// URL"),
    Attempt(
        "prefix_sibling",
        "SELECT * FROM read_text('{sibling}/secret.txt')",
        "a folder whose name extends the workspace's",
    ),
    Attempt(
        "replacement_scan",
        "SELECT * FROM '{other}/secret.parquet'",
        "a file path as a table (replacement scan)",
    ),
    Attempt("replacement_relative", "SELECT * FROM 'secret.csv'", "a relative file as a table"),
    Attempt(
        "replacement_quoted",
        'SELECT * FROM "{other}/secret.csv"',
        "a file path as a quoted identifier",
    ),
    Attempt(
        "replacement_in_subquery",
        "SELECT * FROM (FROM '{other}/secret.csv')",
        "a replacement scan inside a subquery",
    ),
    Attempt("http", "SELECT * FROM read_parquet('https://example.com/x.parquet')", "remote file"),
    # -- ATTACH, COPY, EXPORT, extensions --------------------------------------------------------
    Attempt("attach_file", "ATTACH '{other}/secret.duckdb' AS s", "open another database"),
    Attempt("attach_memory", "ATTACH ':memory:' AS scratch", "a writable scratch database"),
    Attempt("detach", "DETACH memory", "detach the sandbox's database"),
    Attempt("copy_to", "COPY orders TO '{other}/stolen.csv'", "write into another tenant"),
    Attempt(
        "copy_query_to",
        "COPY (SELECT * FROM orders) TO '{ws}/../../tenant_b/ws9/stolen.parquet'",
        "write a query result out",
    ),
    Attempt("copy_from", "COPY orders FROM '{other}/secret.csv'", "load another tenant's file"),
    Attempt("export_database", "EXPORT DATABASE '{other}/dump'", "dump the database"),
    Attempt("import_database", "IMPORT DATABASE '{other}'", "load a database dump"),
    Attempt("install_httpfs", "INSTALL httpfs", "install an extension"),
    Attempt("load_httpfs", "LOAD httpfs", "load an extension"),
    Attempt("load_path", "LOAD '{other}/evil.duckdb_extension'", "load a file as extension"),
    # -- settings after the lock ------------------------------------------------------------
    Attempt("set_external_access", "SET enable_external_access = true", "undo the lock"),
    Attempt("set_allowed_dirs", "SET allowed_directories = ['/']", "widen allowed dirs"),
    Attempt("set_unlock", "SET lock_configuration = false", "unlock the configuration"),
    Attempt("reset", "RESET enable_external_access", "reset a locked setting"),
    Attempt("reset_all", "RESET ALL", "reset every setting"),
    Attempt("set_variable", "SET VARIABLE v = 1", "session variables"),
    Attempt("pragma", "PRAGMA enable_profiling", "PRAGMA statement"),
    # -- several statements, comments, case, quoting, unicode ----------------------------------
    Attempt(
        "two_statements",
        "SELECT 1; SELECT * FROM read_text('{other}/secret.txt')",
        "a second statement",
    ),
    Attempt(
        "statement_after_comment",
        "SELECT 1 /* harmless */; ATTACH ':memory:' AS m",
        "a statement after a comment",
    ),
    Attempt(
        "statement_after_backslash",
        "SELECT 'a\\' ; SELECT * FROM read_text('{other}/secret.txt') --'",
        "a backslash that one parser might read as an escape",
    ),
    Attempt(
        "statement_after_dollar_string",
        "SELECT $$ x $$; COPY orders TO '{other}/stolen.csv'",
        "a statement after a dollar-quoted string",
    ),
    Attempt(
        "drop_after_select",
        "SELECT * FROM orders; DROP VIEW orders",
        "a DDL statement after a query",
    ),
    Attempt("case_trick", "SELECT * FROM ReAd_TeXt('{other}/secret.txt')", "mixed case"),
    Attempt(
        "comment_before_paren",
        "SELECT * FROM read_text /* x */ ('{other}/secret.txt')",
        "a comment between name and arguments",
    ),
    Attempt(
        "comment_in_name",
        "SELECT * FROM read/**/_text('{other}/secret.txt')",
        "a comment splitting the function name",
    ),
    Attempt(
        "quoted_function",
        "SELECT * FROM \"read_text\"('{other}/secret.txt')",
        "a quoted function name",
    ),
    Attempt(
        "cyrillic_lookalike",
        "SELECT * FROM re\u0430d_text('{other}/secret.txt')",
        "Cyrillic 'a' in the function name",
    ),
    Attempt(
        "fullwidth_lookalike",
        "SELECT \uff47\uff45\uff54\uff45\uff4e\uff56('HOME')",
        "fullwidth letters (NFKC folds them to getenv)",
    ),
    Attempt("getenv", "SELECT getenv('HOME')", "the server's environment"),
    Attempt(
        "method_call",
        "SELECT 'HOME'.getenv()",
        "DuckDB's method-call syntax for a forbidden function",
    ),
    Attempt(
        "current_setting",
        "SELECT current_setting('allowed_directories')",
        "a setting (reveals server paths)",
    ),
    Attempt("duckdb_settings", "SELECT * FROM duckdb_settings()", "every setting"),
    Attempt("pragma_version", "SELECT * FROM pragma_version()", "a pragma as a table function"),
    Attempt("call_pragma", "CALL pragma_version()", "CALL statement"),
    Attempt("duckdb_tables", "SELECT * FROM duckdb_tables()", "the catalog's tables"),
    Attempt(
        "information_schema", "SELECT * FROM information_schema.tables", "the information schema"
    ),
    Attempt(
        "sqlite_master",
        "SELECT sql FROM sqlite_master",
        "view definitions (reveal the server's Parquet paths)",
    ),
    Attempt(
        "cte_shadows_catalog",
        "WITH pg_class AS (SELECT * FROM pg_class) SELECT * FROM pg_class",
        "a CTE whose body reads the catalog table it shadows",
    ),
    Attempt(
        "query_function",
        "SELECT * FROM query('SELECT * FROM read_text(''{other}/secret.txt'')')",
        "SQL inside a string, run by query()",
    ),
    Attempt(
        "query_table", "SELECT * FROM query_table('orders')", "query_table() over a workspace view"
    ),
    Attempt(
        "serialize_plan",
        "SELECT json_serialize_plan('SELECT * FROM read_text(''{other}/secret.txt'')')",
        "bind another query to see its plan",
    ),
    Attempt("which_secret", "SELECT * FROM which_secret('s3://bucket/x', 's3')", "secrets"),
    Attempt("getvariable", "SELECT getvariable('v')", "session variables"),
    # -- DDL, DML, macros, lambdas ---------------------------------------------------------------
    Attempt("create_table", "CREATE TABLE t AS SELECT 1 AS x", "create a table"),
    Attempt(
        "create_view",
        "CREATE VIEW v AS SELECT * FROM read_text('{other}/secret.txt')",
        "a view over a file",
    ),
    Attempt("create_macro", "CREATE MACRO twice(x) AS x * 2", "a scalar macro"),
    Attempt(
        "create_table_macro",
        "CREATE MACRO leak() AS TABLE SELECT * FROM read_text('{other}/secret.txt')",
        "a table macro that reads a file",
    ),
    Attempt("insert", "INSERT INTO orders VALUES (1)", "write into a table"),
    Attempt("update", "UPDATE orders SET amount = 0", "change rows"),
    Attempt("delete", "DELETE FROM orders", "delete rows"),
    Attempt("drop_view", "DROP VIEW orders", "drop a workspace view"),
    Attempt(
        "cte_delete",
        "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
        "DML wrapped in a CTE",
    ),
    Attempt(
        "lambda_getenv",
        "SELECT list_transform(['HOME'], lambda x: getenv(x))",
        "a forbidden function inside a lambda",
    ),
    Attempt(
        "lambda_subquery",
        "SELECT list_transform(['a'], lambda x: (SELECT content FROM read_text('{other}/secret.txt')))",
        "a file reader in a lambda's subquery",
    ),
    Attempt("prepare", "PREPARE p AS SELECT * FROM read_text('{other}/secret.txt')", "prepared"),
    Attempt("explain_analyze", "EXPLAIN ANALYZE SELECT * FROM orders", "EXPLAIN runs SQL"),
    Attempt(
        "summarize_file",
        "SUMMARIZE SELECT * FROM read_csv('{other}/secret.csv')",
        "SUMMARIZE of a file (min/max reveal values)",
    ),
    Attempt("describe_in_subquery", "SELECT * FROM (DESCRIBE orders)", "a DESCRIBE inside a query"),
    Attempt("checkpoint", "CHECKPOINT", "CHECKPOINT statement"),
    Attempt("vacuum", "VACUUM", "VACUUM statement"),
    Attempt("use", "USE system", "switch to another catalog"),
    Attempt("begin", "BEGIN TRANSACTION", "a transaction"),
    Attempt("select_into", "SELECT * INTO stolen FROM orders", "SELECT INTO creates a table"),
    Attempt("nextval", "SELECT nextval('seq')", "sequence state"),
)


def render(sql: str, paths: dict[str, str]) -> str:
    """The attempt's SQL with its path placeholders filled in (``{ws}``, ``{other}``, ...)."""
    for key, value in paths.items():
        sql = sql.replace("{" + key + "}", value)
    return sql
