"""The guided setup's logic without a store: which step a workspace is at, when the app invites
the user to it, and what the setup page and its invitation say."""

from __future__ import annotations

import uuid

import pytest

from app.pages.shell.banner import banner_html
from app.pages.welcome.wording import (
    answer_rows_html,
    model_summary_html,
    sources_html,
    stepper_html,
)
from app.services.onboarding import FINISHED, OnboardingState, WorkspaceFacts, step_of
from pipelines.semantic import SemanticModel


@pytest.mark.parametrize(
    ("facts", "step"),
    [
        (WorkspaceFacts(workspace=False), 1),
        (WorkspaceFacts(workspace=True), 2),
        (WorkspaceFacts(workspace=True, failed=2), 2),
        (WorkspaceFacts(workspace=True, busy=1), 2),
        (WorkspaceFacts(workspace=True, ready=1, busy=1), 2),
        (WorkspaceFacts(workspace=True, ready=2, failed=1), 3),
        (WorkspaceFacts(workspace=True, ready=1, tables=1), 4),
        (WorkspaceFacts(workspace=True, ready=1, tables=1, asked=True), 5),
        (WorkspaceFacts(workspace=True, ready=1, tables=1, asked=True, dashboards=1), FINISHED),
    ],
)
def test_the_step_is_read_from_the_workspace(facts: WorkspaceFacts, step: int) -> None:
    assert step_of(facts) == step


def state(facts: WorkspaceFacts, status: str | None, can_edit: bool = True) -> OnboardingState:
    return OnboardingState(uuid.uuid4(), step_of(facts), status, facts, can_edit)


EMPTY = WorkspaceFacts(workspace=True)
WITH_DATA = WorkspaceFacts(workspace=True, ready=1)


def test_an_empty_workspace_invites_its_editors_until_skipped() -> None:
    assert state(EMPTY, None).shown
    assert state(EMPTY, "active").shown
    assert not state(EMPTY, "skipped").shown
    assert not state(EMPTY, None, can_edit=False).shown


def test_a_workspace_with_data_invites_only_once_the_setup_was_started() -> None:
    assert not state(WITH_DATA, None).shown
    assert state(WITH_DATA, "active").shown
    done = WorkspaceFacts(workspace=True, ready=1, tables=1, asked=True, dashboards=1)
    assert not state(done, "active").shown
    assert state(done, "active").finished
    assert not state(WITH_DATA, "done").shown


def test_the_state_as_json_names_the_step_and_which_are_done() -> None:
    body = state(WorkspaceFacts(workspace=True, ready=1), "active").as_json()
    assert (body["step"], body["step_name"], body["status"]) == (3, "model", "active")
    assert [s["done"] for s in body["steps"]] == [True, True, False, False, False]
    assert body["steps"][2]["title"] == "Review the model"
    assert body["sources"] == {"ready": 1, "busy": 0, "failed": 0}


def test_the_stepper_ticks_the_done_steps_and_marks_the_current_one() -> None:
    markup = stepper_html(3)
    assert markup.count("class='dp-onb-step done'") == 2
    assert "class='dp-onb-step current' aria-current='step'" in markup
    assert "Review the model<span class='dp-onb-sr'> (current step)" in markup
    assert markup.count("class='dp-onb-step todo'") == 2


def test_the_files_list_says_what_happens_to_each_file() -> None:
    markup = sources_html(
        [
            {"name": "orders", "status": "ready", "row_count": 1200},
            {"name": "<b>x</b>", "status": "failed", "error": "Row 3 has 9 fields"},
            {"name": "lines", "status": "ingesting", "progress": {"stage": "converting"}},
        ]
    )
    assert "Ready · 1,200 rows" in markup
    assert "Could not be read: Row 3 has 9 fields" in markup and "&lt;b&gt;x" in markup
    assert "dp-onb-bar indeterminate" in markup
    assert sources_html([]) == ""


def test_the_model_summary_lists_tables_joins_and_roles() -> None:
    model = SemanticModel.from_dict(
        {
            "tables": [
                {
                    "name": "orders",
                    "source_id": "s1",
                    "primary_key": "order_id",
                    "columns": [
                        {"name": "order_id", "type": "integer"},
                        {"name": "customer_id", "type": "integer"},
                        {"name": "ordered_on", "type": "date"},
                        {"name": "amount", "type": "decimal", "role": "measure"},
                        {"name": "note", "type": "text", "role": "ignored"},
                    ],
                },
                {
                    "name": "customers",
                    "source_id": "s2",
                    "columns": [{"name": "customer_id", "type": "integer"}],
                },
            ],
            "joins": [
                {
                    "id": "j1",
                    "left_table": "orders",
                    "right_table": "customers",
                    "on": [{"left": "customer_id", "right": "customer_id"}],
                }
            ],
        }
    )
    markup = model_summary_html(model)
    assert "Tables (2)" in markup and "4 columns · key order_id" in markup
    assert "orders → customers on customer_id = customer_id" in markup
    assert "<b>Measures</b> (1, added up in charts): amount (sum)" in markup
    assert "<b>Dates</b> (1, for trends over time): ordered_on" in markup
    assert "note" not in markup


def test_an_empty_proposal_says_there_is_nothing_yet() -> None:
    assert "no file of this workspace is ready" in model_summary_html(SemanticModel())


def test_an_answer_shows_its_first_rows_escaped_and_formatted() -> None:
    answer = {
        "columns": [{"name": "c", "label": "Country"}, {"name": "n", "label": "Orders"}],
        "rows": [["<FR>", 1234], ["DE", 2.5], [None, 1]] * 4,
    }
    markup = answer_rows_html(answer, limit=3)
    assert "<th scope='col'>Country</th>" in markup
    assert "&lt;FR&gt;</td><td>1,234" in markup and "2.50" in markup and "—" in markup
    assert "and 9 more rows" in markup
    assert answer_rows_html({"columns": [], "rows": []}) == ""


def test_the_invitation_names_the_workspace_and_the_step() -> None:
    text = banner_html(2, "Sales & Co")
    assert "Finish setting up “Sales &amp; Co”</b>: step 2 of 5, add data." in text
    assert "href='/welcome'>Continue setup</a>" in text
    assert "Set up your first workspace</b>: step 1 of 5, name the workspace." in banner_html(
        1, None
    )
