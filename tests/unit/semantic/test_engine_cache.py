"""Compiled queries kept by an engine, and engines kept per workspace, model and files."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pytest

from pipelines.semantic import Filter, SemanticEngine, SemanticModel, SemanticQuery, run_query
from pipelines.semantic.compiled import query_key
from pipelines.semantic.engines import EngineCache, EngineKey, files_identity, model_digest

from .data import shop_model, write_shop


@pytest.fixture(scope="module")
def engine_name() -> str:
    """DuckDB only: this module checks the engine itself, not its answers on each backend."""
    return "duckdb"


QUERIES = [
    SemanticQuery(measures=["orders.total_amount"], dimensions=["customers.segment"]),
    SemanticQuery(
        measures=["revenue", "order_items.quantity"],
        dimensions=["products.category", "orders.order_date.year"],
    ),
    SemanticQuery(
        measures=["buyers"],
        dimensions=["orders.status"],
        filters=[Filter(field="customers.segment", op="eq", value="Business")],
    ),
    SemanticQuery(dimensions=["customers.segment"]),
]


def query(**parts: Any) -> SemanticQuery:
    return SemanticQuery(**parts)


# -- compiled queries ----------------------------------------------------------------------------
def test_a_repeated_query_is_compiled_once(shop: SemanticEngine) -> None:
    parts = {"measures": ["revenue"], "dimensions": ["customers.segment"]}
    first = shop.compiled(query(**parts))

    assert shop.compiled(query(**parts)) is first
    assert shop.sql(query(**parts)) == first.sql
    assert shop.compile(query(**parts)) is first.expr


def test_kept_queries_answer_like_a_fresh_engine(
    shop: SemanticEngine, shop_paths: dict[str, Path]
) -> None:
    for q in QUERIES * 2:
        fresh = run_query(shop_model(), q, shop_paths)
        kept = shop.execute(q)
        assert (kept.columns, kept.rows, kept.sql) == (fresh.columns, fresh.rows, fresh.sql)
        assert (kept.labels, kept.kinds, kept.types) == (fresh.labels, fresh.kinds, fresh.types)


def test_queries_differing_in_a_filter_value_get_their_own_answers(shop: SemanticEngine) -> None:
    def total(segment: str) -> list[list[Any]]:
        filters = [Filter(field="customers.segment", value=segment)]
        return shop.execute(query(measures=["orders.total_amount"], filters=filters)).rows

    assert (total("Business"), total("Consumer"), total("Business")) == (
        [[165.0]],
        [[210.0]],
        [[165.0]],
    )


def test_values_of_different_types_make_different_keys() -> None:
    def key(value: Any) -> str:
        return query_key(query(measures=["buyers"], filters=[Filter(field="x.y", value=value)]))

    assert len({key(1), key("1"), key(1.0), key(True), key([1])}) == 5
    assert key(date(2024, 1, 31)) != key("2024-01-31")


def test_results_are_fresh_containers(shop: SemanticEngine) -> None:
    q = QUERIES[0]
    first = shop.execute(q)
    expected = (list(first.columns), [list(r) for r in first.rows], dict(first.labels))
    first.columns.append("x")
    first.rows.clear()
    first.labels.clear()

    again = shop.execute(q)
    assert (again.columns, again.rows, again.labels) == expected


def test_one_engine_answers_many_threads_at_once(shop_paths: dict[str, Path]) -> None:
    engine = SemanticEngine(shop_model(), shop_paths)
    expected = [run_query(shop_model(), q, shop_paths).rows for q in QUERIES]
    barrier = threading.Barrier(8)
    wrong: list[str] = []

    def work(offset: int) -> None:
        barrier.wait()
        for i in range(12):
            index = (i + offset) % len(QUERIES)
            if engine.execute(QUERIES[index]).rows != expected[index]:
                wrong.append(f"query {index} in thread {offset}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    engine.close()


def test_close_closes_only_a_connection_the_engine_opened(shop_paths: dict[str, Path]) -> None:
    con = ibis.duckdb.connect()
    given = SemanticEngine(shop_model(), shop_paths, con=con)
    given.execute(QUERIES[0])
    given.close()
    assert given.closed
    assert con.raw_sql("SELECT 1").fetchall() == [(1,)]

    own = SemanticEngine(shop_model(), shop_paths)
    own.execute(QUERIES[0])
    own.close()
    own.close()  # twice is fine
    with pytest.raises(duckdb.Error):
        own.execute(QUERIES[1])


# -- engines kept per workspace ------------------------------------------------------------------
@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return write_shop(tmp_path / "shop")


def key(version: int = 1, workspace: str = "w1", tenant: str = "t1", **other: str) -> EngineKey:
    parts = {"model": "m", "files": "f", **other}
    return EngineKey(tenant, workspace, version, parts["model"], parts["files"])


def opener(files: dict[str, Path], opened: list[SemanticEngine]) -> Any:
    def open_engine() -> SemanticEngine:
        engine = SemanticEngine(shop_model(), files)
        opened.append(engine)
        return engine

    return open_engine


def test_the_same_key_leases_the_same_engine(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    with cache.lease(key(), opener(files, opened)) as first:
        first.execute(QUERIES[0])
    with cache.lease(key(), opener(files, opened)) as again:
        assert again is first
    assert len(opened) == 1
    assert not first.closed


def test_a_newer_model_version_retires_the_older_engines(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    for version in (1, 2):
        with cache.lease(key(version), opener(files, opened)):
            pass
    assert cache.open_engines() == [key(2)]
    assert [e.closed for e in opened] == [True, False]


def test_changed_files_retire_the_engine_of_the_same_model(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    with cache.lease(key(files="before"), opener(files, opened)):
        pass
    with cache.lease(key(files="after"), opener(files, opened)):
        pass
    assert cache.open_engines() == [key(files="after")]
    assert opened[0].closed


def test_an_edited_model_keeps_the_saved_one_alongside(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(per_workspace=2), []
    for digest in ("saved", "edited", "saved"):
        with cache.lease(key(model=digest), opener(files, opened)):
            pass
    assert len(opened) == 2
    assert set(cache.open_engines()) == {key(model="saved"), key(model="edited")}


def test_invalidate_closes_one_workspace_of_one_tenant(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    keys = [key(workspace="w1"), key(workspace="w2"), key(workspace="w1", tenant="t2")]
    for k in keys:
        with cache.lease(k, opener(files, opened)):
            pass

    assert cache.invalidate("t1", "w1") == 1
    assert cache.open_engines() == keys[1:]
    assert [e.closed for e in opened] == [True, False, False]
    assert cache.invalidate("t1") == 1
    assert cache.open_engines() == keys[2:]


def test_bounds_close_the_least_recently_used(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(max_engines=2, per_workspace=1), []
    for k in (key(workspace="a"), key(workspace="b"), key(workspace="a"), key(workspace="c")):
        with cache.lease(k, opener(files, opened)):
            pass
    assert cache.open_engines() == [key(workspace="a"), key(workspace="c")]
    assert [e.closed for e in opened] == [False, True, False]

    for digest in ("one", "two"):  # one per workspace
        with cache.lease(key(workspace="c", model=digest), opener(files, opened)):
            pass
    assert [k.model for k in cache.open_engines() if k.workspace_id == "c"] == ["two"]


def test_an_engine_in_use_is_closed_when_its_user_is_done(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    with cache.lease(key(), opener(files, opened)) as engine:
        cache.invalidate("t1", "w1")
        assert not engine.closed
        assert engine.execute(QUERIES[0]).rows
    assert engine.closed
    assert cache.open_engines() == []


def test_two_threads_opening_one_key_keep_one_engine(files: dict[str, Path]) -> None:
    cache, opened = EngineCache(), []
    barrier = threading.Barrier(2)
    leased: list[SemanticEngine] = []

    def open_slowly() -> SemanticEngine:
        barrier.wait()  # both threads open before either is kept
        return opener(files, opened)()

    def work() -> None:
        with cache.lease(key(), open_slowly) as engine:
            leased.append(engine)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(opened) == 2
    assert leased[0] is leased[1]
    assert sorted(e.closed for e in opened) == [False, True]


def test_identities_change_with_the_files_and_the_model(files: dict[str, Path]) -> None:
    model = shop_model()
    before = (files_identity(files), model_digest(model))
    assert (files_identity(dict(files)), model_digest(shop_model())) == before

    model.tables[0].label = "Clients"
    assert model_digest(model) != before[1]
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 1 AS customer_id) TO '{files['customers']}' (FORMAT parquet)")
    con.close()
    assert files_identity(files) != before[0]


def test_runs_on_cursors_use_the_connection_s_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT 1 AS id, TIMESTAMPTZ '2024-01-01 03:00:00+00' AS at) "
        f"TO '{path}' (FORMAT parquet)"
    )
    con.close()
    model = SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "events",
                    "source_id": "events",
                    "columns": [
                        {"name": "id", "type": "integer", "role": "dimension"},
                        {"name": "at", "type": "timestamp", "role": "dimension"},
                    ],
                }
            ]
        }
    )
    ibis_con = ibis.duckdb.connect()
    ibis_con.raw_sql("SET TimeZone = 'America/New_York'")
    engine = SemanticEngine(model, {"events": path}, con=ibis_con)
    q = query(dimensions=["events.at.day"])

    on_cursor = engine.execute(q).rows
    on_connection = [list(r) for r in ibis_con.raw_sql(engine.sql(q)).fetchall()]

    assert on_cursor == on_connection
    assert on_cursor[0][0].day == 31  # 03:00 UTC is still Dec 31 in New York


def test_the_warm_up_a_server_starts_with_compiles_a_query_and_leaves_nothing_open() -> None:
    import sys
    import threading

    from pipelines.semantic.engines import warm_up

    before = threading.active_count()
    warm_up()
    assert "ibis.backends.duckdb" in sys.modules
    assert threading.active_count() == before
