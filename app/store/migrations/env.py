from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from app.store.models import Base, UtcDateTime

config = context.config
url = config.get_main_option("sqlalchemy.url")


def render_item(kind: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations stay plain SQLAlchemy: the UTC wrapper only changes how Python sees values.
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
