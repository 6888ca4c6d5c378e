"""Alembic migrations: empty → head → base on SQLite and PostgreSQL, and models match them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, inspect

from app.store.db import Database, alembic_config
from app.store.models import Base

VERSION_TABLE = "alembic_version"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head is not None
    return head


def user_tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {VERSION_TABLE}


def schema_diff(db: Database, metadata: MetaData) -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_upgrade_from_empty_creates_every_model_table(db: Database) -> None:
    assert db.current_revision() is None
    assert user_tables(db) == set()
    db.upgrade()
    assert db.current_revision() == head_revision(db.url)
    assert user_tables(db) == set(Base.metadata.tables)


def test_downgrade_to_base_removes_every_table(db: Database) -> None:
    db.upgrade()
    db.downgrade("base")
    assert db.current_revision() is None
    assert user_tables(db) == set()


def test_upgrade_after_downgrade_restores_the_schema(db: Database) -> None:
    db.upgrade()
    db.downgrade("base")
    db.upgrade()
    assert db.current_revision() == head_revision(db.url)
    assert schema_diff(db, Base.metadata) == []


def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    db.upgrade()
    db.upgrade()
    assert db.current_revision() == head_revision(db.url)


def test_models_match_the_migrations(db: Database) -> None:
    """A model change without a migration fails here: autogenerate would find a difference."""
    db.upgrade()
    assert schema_diff(db, Base.metadata) == []


def test_the_model_check_notices_a_column_without_a_migration(db: Database) -> None:
    db.upgrade()
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["workspaces"].append_column(Column("colour", String(20), nullable=True))
    diff = schema_diff(db, changed)
    assert [d[0] for d in diff if isinstance(d, tuple)] == ["add_column"]
