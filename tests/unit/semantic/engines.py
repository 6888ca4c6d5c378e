"""The engines the known-answer semantic tests run on: DuckDB over Parquet, PostgreSQL, MariaDB
(MySQL) and Spark local, each reached through Ibis (like Ibis's own backend test suite).

Each test's Parquet files are loaded into an engine once per run (a table per file, under a
unique name); PostgreSQL and MariaDB get a database of their own, created for the run and dropped
at its end; Spark is one local session (``local[1]``, no UI, a few shuffle partitions) whose
tables are views over the same Parquet files. An engine that cannot be reached skips its tests,
unless ``DATAPILOT_REQUIRE_ENGINES=1`` (or, for PostgreSQL, ``DATAPILOT_REQUIRE_POSTGRES=1``)
asks for it: then they fail, so CI never skips an engine silently.

A test marked ``@pytest.mark.requires("feature")`` skips the engines in :data:`LACKING` that
lack the feature, with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ibis
import pyarrow.parquet as pq
import pytest

from pipelines.semantic import SemanticEngine, SemanticModel
from pipelines.semantic.backends import BoundTable

ENGINES = ("duckdb", "postgres", "mysql", "spark")
Bind = Callable[[SemanticModel, Mapping[str, Path]], SemanticEngine]
"""Opens a semantic engine of a model over its Parquet files on the test's engine."""
PG_URL = os.environ.get(
    "DATAPILOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}

LACKING: Mapping[str, Mapping[str, str]] = {
    "postgres": {"duckdb_sql": "the SQL guard checks DuckDB SQL"},
    "mysql": {
        "arrays": "MySQL/MariaDB has no arrays (over-time spines unnest them)",
        "duckdb_sql": "the SQL guard checks DuckDB SQL",
    },
    "spark": {
        "duckdb_sql": "the SQL guard checks DuckDB SQL",
        "cheap_over_time": "an over-time query takes 10-30 s on Spark local[1]; "
        "test_engines.py runs one there",
    },
}
"""Features each engine lacks, with the reason its tests skip (see ``requires``)."""


def required(engine: str) -> bool:
    """Whether ``engine`` must be reachable (its tests fail instead of skipping)."""
    if os.environ.get("DATAPILOT_REQUIRE_ENGINES") == "1":
        return True
    return engine == "postgres" and os.environ.get("DATAPILOT_REQUIRE_POSTGRES") == "1"


def unreachable(engine: str, exc: BaseException) -> None:
    message = f"{engine} is not reachable for the semantic engine suite: {exc}"
    if required(engine):
        pytest.fail(message + " (DATAPILOT_REQUIRE_ENGINES / _POSTGRES is set)")
    pytest.skip(message)


class Engines:
    """Connections to the engines, opened on first use, and the files loaded into each."""

    def __init__(self) -> None:
        self.run = f"dp_sem_{uuid.uuid4().hex[:10]}"
        self._cons: dict[str, ibis.BaseBackend] = {}
        self._failed: dict[str, BaseException] = {}
        self._loaded: dict[tuple[str, Path], str] = {}
        self._spark: Any = None

    # -- connections ---------------------------------------------------------------------------
    def con(self, engine: str) -> ibis.BaseBackend:
        if engine in self._failed:
            unreachable(engine, self._failed[engine])
        if engine not in self._cons:
            try:
                self._cons[engine] = getattr(self, f"_open_{engine}")()
            except Exception as exc:
                self._failed[engine] = exc
                unreachable(engine, exc)
        return self._cons[engine]

    def _open_postgres(self) -> ibis.BaseBackend:
        from sqlalchemy.engine import make_url

        url = make_url(PG_URL)
        admin = ibis.postgres.connect(
            host=url.host, port=url.port, user=url.username, password=url.password or "",
            database=url.database or "postgres", connect_timeout=5,
        )  # fmt: skip
        admin.raw_sql(f'CREATE DATABASE "{self.run}"')
        admin.disconnect()
        return ibis.postgres.connect(
            host=url.host, port=url.port, user=url.username, password=url.password or "",
            database=self.run,
        )  # fmt: skip

    def _open_mysql(self) -> ibis.BaseBackend:
        admin = ibis.mysql.connect(**MYSQL, database="mysql", connect_timeout=5)
        # A binary collation: text compares case-sensitively, as on the other engines.
        admin.raw_sql(f"CREATE DATABASE `{self.run}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        admin.disconnect()
        return ibis.mysql.connect(**MYSQL, database=self.run)

    def _open_spark(self) -> ibis.BaseBackend:
        from pyspark.sql import SparkSession

        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no network: loopback only
        self._spark = (
            SparkSession.builder.master("local[1]")
            .appName(self.run)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "1")
            # Tiny tables: compiling generated code and re-planning cost more than they save.
            .config("spark.sql.codegen.wholeStage", "false")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.default.parallelism", "1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        self._spark.sparkContext.setLogLevel("ERROR")
        return ibis.pyspark.connect(self._spark)

    def close(self) -> None:
        for engine, con in self._cons.items():
            if engine == "spark":
                continue
            con.disconnect()
        if "postgres" in self._cons:
            self._drop_postgres()
        if "mysql" in self._cons:
            admin = ibis.mysql.connect(**MYSQL, database="mysql")
            admin.raw_sql(f"DROP DATABASE IF EXISTS `{self.run}`")
            admin.disconnect()
        if self._spark is not None:
            self._spark.stop()

    def _drop_postgres(self) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(PG_URL)
        admin = ibis.postgres.connect(
            host=url.host, port=url.port, user=url.username, password=url.password or "",
            database=url.database or "postgres",
        )  # fmt: skip
        admin.raw_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.run}' AND pid <> pg_backend_pid()"
        )
        admin.raw_sql(f'DROP DATABASE IF EXISTS "{self.run}"')
        admin.disconnect()

    # -- data ----------------------------------------------------------------------------------
    def load(self, engine: str, paths: Mapping[str, Path]) -> dict[str, BoundTable]:
        """Each Parquet file of ``paths`` as a table of ``engine`` (loaded once per run)."""
        con = self.con(engine)
        bound = {}
        for name, path in paths.items():
            key = (engine, Path(path).resolve())
            if key not in self._loaded:
                table = f"t{len(self._loaded)}_{name}"
                if engine == "spark":
                    con.read_parquet(str(path), table_name=table)
                elif engine == "mysql":
                    _load_mysql(con, table, path)
                else:
                    con.create_table(table, pq.read_table(path))
                self._loaded[key] = table
            bound[name] = BoundTable(self._loaded[key])
        return bound

    def binder(self, engine: str) -> Bind:
        """A function opening a semantic engine on ``engine`` over a model's Parquet files."""
        if engine == "duckdb":
            return lambda model, paths: SemanticEngine(model, paths)
        con = self.con(engine)
        return lambda model, paths: SemanticEngine(model, con=con, tables=self.load(engine, paths))


def _load_mysql(con: Any, table: str, path: Path) -> None:
    """Load a Parquet file into MySQL row by row (Ibis's bulk insert sends a float column's
    NULLs as NaN, which MySQL refuses)."""
    data = pq.read_table(path)
    con.create_table(table, schema=ibis.Schema.from_pyarrow(data.schema))
    marks = ", ".join(["%s"] * data.num_columns)
    cursor = con.con.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO `{table}` VALUES ({marks})",
            [tuple(row.values()) for row in data.to_pylist()],
        )
    finally:
        cursor.close()
