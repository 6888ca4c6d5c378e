"""Fixtures for the semantic engine tests: Parquet files of the shop and of the Sales sample,
and the engines the known-answer tests run on (``bind``, see ``engines.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.semantic import SemanticEngine, SourceSchema

from .data import ingest_sales, sales_model, shop_model, write_shop
from .engines import ENGINES, LACKING, Bind, Engines
from .flights_data import write_flights
from .helpers import connect
from .hr_data import hr_model, write_hr


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    """The engines' connections for the run (databases dropped, Spark stopped at its end)."""
    found = Engines()
    yield found
    found.close()


@pytest.fixture(scope="module", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """The engine a known-answer test runs on (module scope: its data loads once per module)."""
    return str(request.param)


@pytest.fixture(scope="module")
def bind(engines: Engines, engine_name: str) -> Bind:
    """Open a semantic engine of a model over its Parquet files on the module's engine."""
    return engines.binder(engine_name)


@pytest.fixture(autouse=True)
def _engine_capabilities(request: pytest.FixtureRequest) -> None:
    """Skip, with the reason, a test marked ``requires(feature)`` on an engine lacking it."""
    if "engine_name" not in request.fixturenames:
        return
    engine_name = request.getfixturevalue("engine_name")
    for marker in request.node.iter_markers("requires"):
        for feature in marker.args:
            reason = LACKING.get(engine_name, {}).get(feature)
            if reason is not None:
                pytest.skip(f"{engine_name} lacks {feature}: {reason}")


@pytest.fixture(scope="session")
def shop_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_shop(tmp_path_factory.mktemp("shop"))


@pytest.fixture(scope="session")
def sales_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return ingest_sales(tmp_path_factory.mktemp("sales"))


@pytest.fixture(scope="session")
def flights_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SourceSchema]:
    """Flights, planes, airports and a French HR file, ingested; sources by table name."""
    return write_flights(tmp_path_factory.mktemp("flights"))


@pytest.fixture(scope="session")
def hr_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The HR sample (employees with a few edge rows, departments) as Parquet."""
    return write_hr(tmp_path_factory.mktemp("hr"))


@pytest.fixture
def hr(hr_paths: dict[str, Path], bind: Bind) -> SemanticEngine:
    return bind(hr_model(), hr_paths)


@pytest.fixture
def hr_sql(hr_paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(hr_paths)
    yield con
    con.close()


@pytest.fixture
def shop(shop_paths: dict[str, Path], bind: Bind) -> SemanticEngine:
    return bind(shop_model(), shop_paths)


@pytest.fixture
def sales(sales_paths: dict[str, Path], bind: Bind) -> SemanticEngine:
    return bind(sales_model(), sales_paths)


@pytest.fixture
def shop_sql(shop_paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(shop_paths)
    yield con
    con.close()


@pytest.fixture
def sales_sql(sales_paths: dict[str, Path]) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(sales_paths)
    yield con
    con.close()
