"""The steps of an answer reach the asker through the whole chain: ExploreService.ask hands
``on_step`` to the server's answerer (``AppContext.answer``), which hands it to the offline
answerer, over a real store, a real upload and the model "accept all" builds; a hook that
raises changes nothing in the answer or in what is recorded."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.principal import Principal
from tests.integration.conftest import Store

SHOP_CSV = "order_date,region,amount\n" + "".join(
    f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{('North', 'South', 'East')[i % 3]},{i % 50}\n"
    for i in range(90)
)


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.jobs.shutdown()
    context.db.dispose()


@pytest.fixture
def shop(store: Store, ctx: AppContext) -> tuple[Principal, uuid.UUID]:
    """A tenant's admin and a workspace with the shop's file and its accepted model."""
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Shop").id
    sources = ctx.sources(admin)
    started = sources.start_upload(workspace, "shop.csv", len(SHOP_CSV))
    started.path.write_text(SHOP_CSV)
    info = sources.finish_upload(started.source_id)
    deadline = time.monotonic() + 120
    while (info := sources.get(info.id)).status in ("uploading", "ingesting"):
        assert time.monotonic() < deadline, "ingest did not finish"
        time.sleep(0.05)
    assert info.status == "ready", info.error
    onboarding = ctx.onboarding(admin)
    onboarding.accept_model(workspace, onboarding.proposal(workspace).version)
    return admin, workspace


def test_the_servers_answerer_reports_its_steps_to_the_asker(
    ctx: AppContext, shop: tuple[Principal, uuid.UUID]
) -> None:
    admin, workspace = shop
    seen: list[str] = []

    answer = ctx.explore(admin).ask(
        workspace, "Number of shop by region", ctx.answer, on_step=lambda s, _d: seen.append(s)
    )

    assert answer["kind"] == "semantic", answer["explanation"]
    assert sorted(answer["rows"]) == [["East", 30], ["North", 30], ["South", 30]]
    assert seen == ["understanding", "query", "result"]


def test_a_raising_hook_changes_nothing_in_the_answer_or_the_conversation(
    ctx: AppContext, shop: tuple[Principal, uuid.UUID]
) -> None:
    admin, workspace = shop
    explore = ctx.explore(admin)

    def broken(step: str, detail: str) -> None:
        raise RuntimeError("the browser went away")

    answer = explore.ask(workspace, "Number of shop by region", ctx.answer, on_step=broken)

    assert answer["kind"] == "semantic" and len(answer["rows"]) == 3
    stored = explore.conversation(workspace, answer["conversation_id"])["messages"]
    assert [m["kind"] for m in stored] == [None, "semantic"]
