"""One answer in Explore's chat: its steps, explanation, chart, table, query and actions.

A view without an answer shows the step running while the question is being answered, as the
answerer reports it (:meth:`AnswerView.show_step`: understanding, query, result); the page then
replaces it with a view holding the answer JSON of :meth:`ExploreService.ask`
(the chat swaps the message's content at once), or calls :meth:`AnswerView.fail` with why no
answer came. What the buttons do is the page's business: the view calls its
:class:`AnswerActions`.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any, Protocol

import panel as pn
import param

from app.pages.explore import wording
from app.pages.explore.wording import Failure
from components.charts import Chart
from components.dashboards.add_form import AddToDashboardForm
from components.data_table import PagedTable
from components.explore.chat import ICONS
from pipelines.ai.steps import STEPS, UNDERSTANDING

PAGE_STYLES = ["/dp-static/shell.css", "/dp-static/explore.css"]
TABLE_HEIGHT = 260
CHART_HEIGHT = 300


class AnswerActions(Protocol):
    """What an answer's buttons ask the page to do."""

    can_edit: bool

    def ask(self, question: str) -> None: ...

    def open_sql(self, sql: str) -> None: ...

    def save_query(self, name: str, sql: str, chart: dict[str, Any] | None) -> str: ...

    def give_feedback(self, message_id: str, value: int) -> str: ...

    def dashboard_form(self, message_id: str) -> AddToDashboardForm: ...


class AnswerView(pn.viewable.Viewer):
    """An assistant message of Explore: from "Understanding…" to the answer and its actions."""

    question = param.String(default="", doc="The question this answers.")
    answer = param.Dict(default=None, allow_None=True, doc="The answer JSON, once it came.")
    failure = param.String(default="", doc="HTML of why no answer came; empty otherwise.")
    step = param.Selector[str](
        default=UNDERSTANDING, objects=list(STEPS), doc="The step running while asking."
    )
    step_detail = param.String(default="", doc="What the running step says (a retry's why).")
    message_id = param.String(default="", doc="The stored answer's id (for 👍/👎).")
    feedback = param.Integer(default=None, allow_None=True, doc="1 (👍), -1 (👎) or None.")
    note = param.String(default="", doc="What the last action said (saved, example, error).")
    show_query = param.Boolean(default=False, doc="Whether the query is shown.")
    save_open = param.Boolean(default=False, doc="Whether the save form is open.")

    def __init__(self, actions: AnswerActions, **params: Any) -> None:
        super().__init__(**params)
        self.actions = actions
        self._thumbs: dict[int, pn.widgets.Button] = {}
        self._dashboard_form: AddToDashboardForm | None = None
        self._dashboard_holder = pn.Column(sizing_mode="stretch_width")
        self._name = pn.widgets.TextInput(width=320, css_classes=["dp-explore-save-name"])
        self._steps = pn.pane.HTML(
            self._steps_html, stylesheets=PAGE_STYLES, margin=(0, 4), css_classes=["dp-steps"]
        )
        self._failure = pn.pane.HTML(
            self.param.failure,
            visible=self.param.failure.rx.bool(),
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            css_classes=["dp-explore-failure-box"],
        )
        self._again = pn.widgets.Button(
            name="Ask again",
            visible=self.param.failure.rx.bool(),
            css_classes=["dp-explore-again"],
            margin=(2, 4),
        )
        self._again.on_click(lambda _: self.actions.ask(self.question))
        self._body = pn.Column(sizing_mode="stretch_width", css_classes=["dp-explore-answer"])
        self._note = pn.pane.HTML(
            self.param.note.rx.pipe(
                lambda text: f"<p class='dp-explore-note' role='status'>{html.escape(text)}</p>"
            ),
            visible=self.param.note.rx.bool(),
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
        )
        self._layout = pn.Column(
            self._steps,
            self._failure,
            self._again,
            self._body,
            self._note,
            sizing_mode="stretch_width",
            css_classes=["dp-explore-message"],
        )
        if self.answer is not None:
            self._build(self.answer)

    # -- public ------------------------------------------------------------------------------
    def fail(self, failure: Failure) -> None:
        """Say why no answer came; the question stays in the chat to ask again."""
        self.failure = wording.failure_html(failure)

    def show_step(self, step: str, detail: str = "") -> None:
        """Show ``step`` running with ``detail`` (the answerer's ``on_step``); ignored once the
        answer came or failed, and for a step it does not know."""
        if self.answer is not None or self.failure or step not in STEPS:
            return
        self.param.update(step=step, step_detail=detail)

    @param.depends("answer", "failure", "step", "step_detail")
    def _steps_html(self) -> str:
        return wording.steps_html(
            self.answer, failed=bool(self.failure), running=self.step, detail=self.step_detail
        )

    # -- building ----------------------------------------------------------------------------
    def _build(self, answer: dict[str, Any]) -> None:
        parts: list[Any] = [
            pn.pane.HTML(
                wording.explanation_html(answer),
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
                css_classes=["dp-explore-text"],
            )
        ]
        choices = [str(c) for c in answer.get("choices") or []]
        if choices:
            parts.append(self._choices(choices))
        if wording.has_rows(answer):
            parts.extend(self._result(answer))
        if answer.get("sql") or answer.get("semantic_query"):
            parts.append(self._query(answer))
        parts.append(self._actions(answer))
        self._body.objects = parts

    def _choices(self, choices: list[str]) -> pn.Row:
        buttons = []
        for choice in choices:
            button = pn.widgets.Button(
                name=choice, css_classes=["dp-explore-choice"], margin=(2, 4)
            )
            button.on_click(partial(self._ask, choice))
            buttons.append(button)
        return pn.Row(*buttons, css_classes=["dp-explore-choices"], styles={"flex-wrap": "wrap"})

    def _result(self, answer: dict[str, Any]) -> list[Any]:
        result = wording.answer_result(answer)
        columns = wording.answer_columns(answer)
        choice = wording.chart_choice(answer)
        parts: list[Any] = []
        if choice["kind"] != "table" and result.rows:
            chart = Chart(
                columns=columns,
                rows=result.rows,
                height=CHART_HEIGHT,
                **choice,
            )
            parts.append(
                pn.Column(chart, sizing_mode="stretch_width", css_classes=["dp-explore-chart"])
            )
        table = PagedTable(fetch=wording.table_fetch(answer), height=TABLE_HEIGHT)
        table.page_size = 25
        table.reload()
        parts.append(
            pn.Column(table, sizing_mode="stretch_width", css_classes=["dp-explore-table"])
        )
        return parts

    def _query(self, answer: dict[str, Any]) -> pn.Column:
        toggle = pn.widgets.Toggle.from_param(
            self.param.show_query,
            name="Show query",
            css_classes=["dp-explore-show-query"],
            margin=(4, 4),
        )
        shown = pn.pane.HTML(
            wording.query_html(answer),
            visible=self.param.show_query,
            stylesheets=PAGE_STYLES,
            sizing_mode="stretch_width",
            css_classes=["dp-explore-query"],
        )
        return pn.Column(toggle, shown, sizing_mode="stretch_width")

    def _actions(self, answer: dict[str, Any]) -> pn.Column:
        sql = str(answer.get("sql") or "")
        buttons: list[Any] = []
        if sql:
            open_sql = pn.widgets.Button(
                name="Open in SQL editor", css_classes=["dp-explore-open-sql"], margin=(2, 4)
            )
            open_sql.on_click(lambda _: self.actions.open_sql(sql))
            buttons.append(open_sql)
        if sql and self.actions.can_edit:
            save = pn.widgets.Button(
                name="Save query…", css_classes=["dp-explore-save-open"], margin=(2, 4)
            )
            save.on_click(lambda _: self._open_save())
            buttons.append(save)
        if self._can_add_to_dashboard(answer):
            to_dashboard = pn.widgets.Button(
                label="Add to dashboard…", css_classes=["dp-explore-add-dashboard"], margin=(2, 4)
            )
            to_dashboard.on_click(lambda _: self._open_dashboard_form())
            buttons.append(to_dashboard)
        buttons.append(pn.layout.HSpacer())
        thumbs = ((1, "Helpful", "dp-explore-up"), (-1, "Not helpful", "dp-explore-down"))
        for value, label, css in thumbs:
            thumb = pn.widgets.Button(
                name=label,
                icon=ICONS["up" if value == 1 else "down"],
                css_classes=["dp-explore-thumb", css],
                description="Helpful: keep this way of answering" if value == 1 else "Not helpful",
                button_type="primary" if self.feedback == value else "default",
                margin=(2, 2),
            )
            thumb.on_click(partial(self._thumb, value))
            self._thumbs[value] = thumb
            buttons.append(thumb)
        save_btn = pn.widgets.Button(
            name="Save", button_type="primary", css_classes=["dp-explore-save"], margin=(5, 4)
        )
        save_btn.on_click(lambda _: self._save(sql))
        cancel = pn.widgets.Button(
            name="Cancel", css_classes=["dp-explore-save-cancel"], margin=(5, 4)
        )
        cancel.on_click(lambda _: setattr(self, "save_open", False))
        form = pn.Row(
            self._name, save_btn, cancel, visible=self.param.save_open, css_classes=["dp-save-form"]
        )
        row = pn.Row(*buttons, sizing_mode="stretch_width", css_classes=["dp-explore-actions"])
        return pn.Column(row, form, self._dashboard_holder, sizing_mode="stretch_width")

    # -- actions -----------------------------------------------------------------------------
    def _open_save(self) -> None:
        self._name.value = self._name.value_input = wording.query_name(self.question)
        self.save_open = True

    def _save(self, sql: str) -> None:
        name = (self._name.value_input or self._name.value or "").strip()
        choice = wording.chart_choice(self.answer or {})
        chart = {"kind": choice["kind"], "x": choice["x"], "y": choice["y"]}
        try:
            self.note = self.actions.save_query(name, sql, chart)
        except Exception as exc:
            self.note = wording.describe_failure(exc).message
            return
        self.save_open = False

    def _can_add_to_dashboard(self, answer: dict[str, Any]) -> bool:
        has_query = answer.get("kind") in ("semantic", "sql")
        return has_query and bool(self.message_id) and self.actions.can_edit

    def _open_dashboard_form(self) -> None:
        """Show the "Add to dashboard…" form (made on first use) with the dashboards read
        afresh; runs in a callback thread."""
        if self._dashboard_form is None:
            self._dashboard_form = self.actions.dashboard_form(self.message_id)
            self._dashboard_holder.objects = [self._dashboard_form]
        self._dashboard_form.open_form()

    def _ask(self, text: str, _event: Any = None) -> None:
        self.actions.ask(text)

    def _thumb(self, value: int, _event: Any = None) -> None:
        self._give_feedback(value)

    def _give_feedback(self, value: int) -> None:
        if not self.message_id:
            return
        try:
            note = self.actions.give_feedback(self.message_id, value)
        except Exception as exc:
            self.note = wording.describe_failure(exc).message
            return
        self.param.update(feedback=value, note=note)
        for given, thumb in self._thumbs.items():
            thumb.button_type = "primary" if given == value else "default"

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
