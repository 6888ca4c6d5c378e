"""Result caches, sandboxes and semantic engines with two app contexts over one store and data
directory: a model save, a source's replacement or its deletion in one context is seen by the
other's next query (its caches are keyed by the stored model version and the files' identity,
never by what only the context that made the change knows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.query import GuardError
from pipelines.semantic import SemanticQuery
from pipelines.semantic.query import SemanticError
from tests.integration.model_api import orders_document, orders_model
from tests.integration.sources_api import ORDERS
from tests.integration.two_processes import close, contexts, settled, team, upload

FIRST_60 = "\n".join(ORDERS.splitlines()[:61]) + "\n"
"""The header and the first 60 of the 120 ORDERS rows."""


def test_a_replaced_then_deleted_source_in_one_context_is_seen_by_the_others_next_query(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        source = settled(first, ada, upload(first, ada, "orders.csv", ORDERS.encode()).id)
        count = "SELECT count(*) AS n FROM orders"
        model = second.models(ada.principal)
        model.save(ada.workspace_id, orders_model(str(source.id)), 0)
        semantic = SemanticQuery(measures=["order_count"])

        def counts() -> tuple[int, int]:
            run = second.sql(ada.principal).execute(ada.workspace_id, count)
            answer = second.models(ada.principal).query(ada.workspace_id, semantic)
            return run.result.rows[0][0], answer.rows[0][0]

        assert counts() == (120, 120)
        assert counts() == (120, 120)  # now cached in the second context

        sources = first.sources(ada.principal)
        replacing = sources.start_replace(source.id, "orders.csv", len(FIRST_60))
        replacing.path.write_text(FIRST_60)
        assert sources.finish_replace(source.id, replacing.path).row_count == 60

        assert counts() == (60, 60)

        sources.delete(source.id)

        with pytest.raises(GuardError):
            second.sql(ada.principal).execute(ada.workspace_id, count)
        with pytest.raises(SemanticError, match="deleted"):
            second.models(ada.principal).query(ada.workspace_id, semantic)
    finally:
        close(first, second)


def test_a_model_saved_in_one_context_answers_the_others_next_query(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url)
    try:
        ada = team(first)
        source = settled(first, ada, upload(first, ada, "orders.csv", ORDERS.encode()).id)
        saved = first.models(ada.principal).save(ada.workspace_id, orders_model(str(source.id)), 0)
        semantic = SemanticQuery(measures=["order_count"])
        assert second.models(ada.principal).query(ada.workspace_id, semantic).rows == [[120]]

        document = orders_document(str(source.id))
        document["measures"][0]["expression"] = "count_distinct(customer)"
        changed = orders_model(str(source.id)).model_validate(document)
        first.models(ada.principal).save(ada.workspace_id, changed, saved.version)

        assert second.models(ada.principal).query(ada.workspace_id, semantic).rows == [[7]]
        sql = "SELECT count(*) FROM orders"  # the SQL page's tables follow the model too
        assert second.sql(ada.principal).execute(ada.workspace_id, sql).result.rows[0][0] == 120
    finally:
        close(first, second)
