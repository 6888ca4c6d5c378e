"""The guided setup over a real store (SQLite and PostgreSQL), real ingest, the offline answerer
and the real template and dashboard services: the step follows the workspace, the status is
kept per user and workspace, samples load, and step 5 picks a template or the automatic one."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from app.context import AppContext
from app.errors import Forbidden, InvalidInput, NotFound
from app.principal import Principal
from app.services.onboarding import FINISHED
from app.services.sources.service import SourceInfo
from tests.integration.conftest import Store

SHOP_CSV = "order_date,region,product,quantity,amount\n" + "".join(
    f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},{('North', 'South', 'East')[i % 3]},"
    f"{('Tea', 'Coffee', 'Cocoa', 'Mate')[i % 4]},{i % 9 + 1},{(i * 37) % 1000 / 10}\n"
    for i in range(400)
)


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.jobs.shutdown()
    context.db.dispose()


def settle(ctx: AppContext, principal: Principal, infos: list[SourceInfo]) -> list[SourceInfo]:
    sources = ctx.sources(principal)
    deadline = time.monotonic() + 120
    done = []
    for info in infos:
        while (now := sources.get(info.id)).status in ("uploading", "ingesting"):
            assert time.monotonic() < deadline, "ingest did not finish"
            time.sleep(0.05)
        done.append(now)
    return done


def upload(ctx: AppContext, principal: Principal, workspace_id: uuid.UUID, text: str) -> None:
    sources = ctx.sources(principal)
    started = sources.start_upload(workspace_id, "shop.csv", len(text))
    started.path.write_text(text)
    [ready] = settle(ctx, principal, [sources.finish_upload(started.source_id)])
    assert ready.status == "ready", ready.error


def test_a_new_tenant_starts_at_naming_its_workspace(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    first = ctx.onboarding(admin).state(None)
    assert (first.step, first.status, first.shown) == (1, None, True)


def test_the_step_follows_the_workspace_to_a_first_dashboard(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    onboarding = ctx.onboarding(admin)
    workspace = ctx.workspaces(admin).create("Shop")
    assert onboarding.start(workspace.id).step == 2

    upload(ctx, admin, workspace.id, SHOP_CSV)
    assert onboarding.state(workspace.id).step == 3
    proposal = onboarding.proposal(workspace.id)
    assert [t.name for t in proposal.model.tables] == ["shop"]
    assert ctx.models(admin).get(workspace.id).tables == []  # a proposal saves nothing

    onboarding.accept_model(workspace.id, proposal.version)
    assert onboarding.state(workspace.id).step == 4
    starters = onboarding.starters(workspace.id)
    assert starters, "the model offers starter questions"
    answer = onboarding.ask(workspace.id, starters[0])
    assert answer["kind"] == "semantic" and answer["rows"]
    assert onboarding.state(workspace.id).step == 5

    made = onboarding.first_dashboard(workspace.id)
    assert made.template is None and made.dashboard.name == "First dashboard"
    data = ctx.dashboards(admin).data(workspace.id, made.dashboard.id)
    assert {w.status for w in data.widgets.values()} == {"ok"}
    final = onboarding.state(workspace.id)
    assert (final.step, final.status, final.shown) == (FINISHED, "done", False)


def test_the_sample_loads_and_its_dashboard_comes_from_its_template(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    onboarding = ctx.onboarding(admin)
    workspace = ctx.workspaces(admin).create("Try")
    added = onboarding.add_sample(workspace.id, "sales")
    assert [s.name for s in added] == ["customers", "products", "orders", "order_items"]
    assert {s.status for s in settle(ctx, admin, added)} == {"ready"}
    proposal = onboarding.proposal(workspace.id)
    assert len(proposal.model.tables) == 4 and proposal.model.joins
    onboarding.accept_model(workspace.id, proposal.version)

    made = onboarding.first_dashboard(workspace.id)
    assert made.template == "sales"
    data = ctx.dashboards(admin).data(workspace.id, made.dashboard.id)
    assert {w.status for w in data.widgets.values()} <= {"ok", "text"}


def test_an_unknown_sample_is_named_and_nothing_is_added(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Try")
    with pytest.raises(NotFound, match="no sample “Finance”; choose Sales or HR"):
        ctx.onboarding(admin).add_sample(workspace.id, "Finance")
    assert ctx.sources(admin).list(workspace.id) == []


def test_skipping_is_kept_for_that_user_and_that_workspace_only(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    editor, _ = store.add_member(admin, "editor")
    first = ctx.workspaces(admin).create("First")
    second = ctx.workspaces(admin).create("Second")
    skipped = ctx.onboarding(admin).set_status(first.id, "skipped")
    assert (skipped.status, skipped.shown) == ("skipped", False)
    assert ctx.onboarding(admin).state(second.id).shown
    assert ctx.onboarding(editor).state(first.id).shown
    resumed = ctx.onboarding(admin).start(first.id)
    assert (resumed.status, resumed.shown) == ("active", True)
    none_yet = ctx.onboarding(editor).set_status(None, "skipped")
    assert not none_yet.shown and ctx.onboarding(editor).state(None).status == "skipped"
    assert ctx.onboarding(admin).state(None).status is None


def test_a_workspace_with_data_is_not_invited_until_its_setup_is_started(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Shop")
    upload(ctx, admin, workspace.id, SHOP_CSV)
    assert not ctx.onboarding(admin).state(workspace.id).shown
    started = ctx.onboarding(admin).start(workspace.id)
    assert (started.step, started.shown) == (3, True)


def test_viewers_are_not_invited_and_cannot_do_the_steps_that_write(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    viewer, _ = store.add_member(admin, "viewer")
    workspace = ctx.workspaces(admin).create("Shop")
    onboarding = ctx.onboarding(viewer)
    assert not onboarding.state(workspace.id).shown
    with pytest.raises(Forbidden):
        onboarding.add_sample(workspace.id, "Sales")
    with pytest.raises(Forbidden):
        onboarding.first_dashboard(workspace.id)
    assert ctx.sources(admin).list(workspace.id) == []


def test_another_tenants_workspace_is_missing(store: Store, ctx: AppContext) -> None:
    alice, bob = store.register("Alice"), store.register("Bob")
    workspace = ctx.workspaces(alice).create("Payroll")
    ctx.onboarding(alice).set_status(workspace.id, "active")
    onboarding = ctx.onboarding(bob)
    for attempt in (
        lambda: onboarding.state(workspace.id),
        lambda: onboarding.set_status(workspace.id, "skipped"),
        lambda: onboarding.add_sample(workspace.id, "Sales"),
        lambda: onboarding.first_dashboard(workspace.id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert ctx.onboarding(alice).state(workspace.id).status == "active"
    assert ctx.sources(alice).list(workspace.id) == []


def test_an_unknown_status_is_refused(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    with pytest.raises(InvalidInput, match="status must be one of active, skipped, done"):
        ctx.onboarding(admin).set_status(None, "paused")
