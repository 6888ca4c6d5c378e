"""The setup page's objects over a real store and the real services, no browser: the wizard
shows the workspace's own step, each step's work moves it on, failures are said in its alert,
Skip and the shell's invitation keep the user's choice (the whole path in a browser is
tests/ui/test_onboarding.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from app.context import AppContext
from app.pages.shell import ShellState
from app.pages.shell.banner import SetupBanner
from app.pages.welcome.asking import QuestionStep
from app.pages.welcome.steps import DashboardStep, DataStep, FinishedStep, ModelStep, NameStep
from app.pages.welcome.wizard import SetupWizard
from app.principal import Principal
from app.services.onboarding import FINISHED
from tests.integration.conftest import Store
from tests.integration.test_onboarding_service import SHOP_CSV, upload


@pytest.fixture
def ctx(store: Store) -> Iterator[AppContext]:
    context = AppContext(store.settings)
    yield context
    context.jobs.shutdown()
    context.db.dispose()


def wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def open_wizard(ctx: AppContext, principal: Principal) -> tuple[ShellState, SetupWizard]:
    state = ShellState(ctx, principal, csrf="unused", slug="welcome")
    wizard = SetupWizard(state, state.workspace)
    wait_until(lambda: wizard.step > 0 and not wizard.busy)
    return state, wizard


def test_a_new_team_names_its_workspace_and_is_asked_for_data(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    state, wizard = open_wizard(ctx, admin)
    assert wizard.step == 1 and isinstance(wizard.view, NameStep)
    assert wizard.view.main == ".dp-onb-name input"
    assert "aria-current='step'" in wizard._stepper()

    wizard.view._name.value = "  "
    wizard.view.submit()
    assert wizard.error and state.workspace is None  # the name is required, said in the alert
    wizard.view._name.value = "Shop"
    wizard.view.submit()
    assert state.workspace is not None and state.workspace.name == "Shop"

    _state, next_wizard = open_wizard(ctx, admin)  # the page draws one for the new workspace
    assert next_wizard.step == 2 and isinstance(next_wizard.view, DataStep)
    assert next_wizard.view.zone.upload_url == f"/api/v1/workspaces/{state.workspace.id}/sources"
    assert ctx.onboarding(admin).state(state.workspace.id).status == "active"


def test_a_sample_moves_the_wizard_on_to_the_suggested_model(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    ctx.workspaces(admin).create("Try")
    _state, wizard = open_wizard(ctx, admin)
    data = wizard.view
    assert isinstance(data, DataStep)

    data.use_sample("HR")
    # Outside a server nothing ticks: poll as the page's periodic callback would.
    wait_until(lambda: (data.poll(), wizard.step == 3)[1])
    assert "Ready" in data._files.object and "employees" in data._files.object
    model = wizard.view
    assert isinstance(model, ModelStep)
    wait_until(lambda: model.proposal is not None)
    assert "Tables (3)" in model._summary.object and not model._accept.disabled


def test_the_wizard_resumes_at_the_model_and_goes_on_to_a_first_dashboard(
    store: Store, ctx: AppContext
) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Shop")
    upload(ctx, admin, workspace.id, SHOP_CSV)
    _state, wizard = open_wizard(ctx, admin)
    model = wizard.view
    assert wizard.step == 3 and isinstance(model, ModelStep)
    wait_until(lambda: model.proposal is not None and not wizard.busy)

    model.accept()
    wait_until(lambda: wizard.step == 4)
    question = wizard.view
    assert isinstance(question, QuestionStep)
    wait_until(lambda: bool(question._starters.objects))
    first = question._starters.objects[0].name
    question._clicked(first)
    wait_until(lambda: question.answered is not None)
    assert question.answered is not None and question.answered["kind"] == "semantic"
    assert question._next.button_type == "primary"

    wizard.make_dashboard()
    assert isinstance(wizard.view, DashboardStep) and wizard.step == 5
    wait_until(lambda: not wizard.busy)
    [board] = ctx.dashboards(admin).list(workspace.id)
    assert board.name == "First dashboard" and not wizard.error
    assert ctx.onboarding(admin).state(workspace.id).step == FINISHED

    _state, again = open_wizard(ctx, admin)
    assert again.step == FINISHED and isinstance(again.view, FinishedStep)


def test_a_model_saved_meanwhile_is_said_and_suggested_again(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Shop")
    upload(ctx, admin, workspace.id, SHOP_CSV)
    _state, wizard = open_wizard(ctx, admin)
    model = wizard.view
    assert isinstance(model, ModelStep)
    wait_until(lambda: model.proposal is not None and not wizard.busy)
    proposal = model.proposal
    assert proposal is not None
    ctx.models(admin).save(workspace.id, proposal.model, proposal.version)  # someone else

    model.accept()
    wait_until(lambda: "changed by someone else" in wizard.error)
    assert wizard.step == 3
    wait_until(lambda: model.proposal is not None and model.proposal.version == 1)


def test_skip_is_stored_and_the_invitation_goes(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    workspace = ctx.workspaces(admin).create("Shop")
    state = ShellState(ctx, admin, csrf="unused", slug="sources")
    banner = SetupBanner(state)
    assert banner.shown and "step 2 of 5, add data" in banner.text

    banner.skip()
    assert not banner.shown
    assert ctx.onboarding(admin).state(workspace.id).status == "skipped"
    assert not SetupBanner(ShellState(ctx, admin, csrf="unused", slug="sources")).shown

    _state, wizard = open_wizard(ctx, admin)  # opening the setup again resumes it
    assert ctx.onboarding(admin).state(workspace.id).status == "active"
    wizard.skip()
    assert ctx.onboarding(admin).state(workspace.id).status == "skipped"


def test_viewers_get_no_invitation(store: Store, ctx: AppContext) -> None:
    admin = store.register("Ada")
    viewer, _ = store.add_member(admin, "viewer")
    ctx.workspaces(admin).create("Shop")
    assert not SetupBanner(ShellState(ctx, viewer, csrf="unused", slug="sources")).shown
