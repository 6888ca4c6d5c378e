"""Step 4 of the setup: a first question, asked as in Explore (the conversation stays there).

Starter questions are read from the saved model in the browser's language and offered as
buttons; any other question is typed (Enter asks). The answer shows its explanation and its
chart (or its first rows); "Next" then makes the first dashboard.
"""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

import panel as pn

from app.pages.background import Latest
from app.pages.explore import wording as answers
from app.pages.shell.look import button
from app.pages.welcome.wording import answer_rows_html
from components.charts import Chart

if TYPE_CHECKING:
    from app.pages.welcome.wizard import SetupWizard

STYLES = ["/dp-static/shell.css", "/dp-static/explore.css", "/dp-static/welcome.css"]
CHART_HEIGHT = 260


class QuestionStep(pn.viewable.Viewer):
    """Starter questions, a question box, the answer, and Next."""

    main = ".dp-onb-question input"

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        assert wizard.workspace is not None
        self.wizard = wizard
        self.workspace_id = wizard.workspace.id
        self.answered: dict[str, Any] | None = None
        self._starting = Latest("onboarding-starters")
        self._asking = Latest("onboarding-ask")
        self._starters = pn.FlexBox(
            gap="6px", sizing_mode="stretch_width", css_classes=["dp-onb-starters"]
        )
        self._question = pn.widgets.TextInput(
            name="Or ask your own",
            placeholder="e.g. total amount by month",
            max_length=2000,
            sizing_mode="stretch_width",
            css_classes=["dp-onb-question"],
        )
        self._question.param.watch(lambda _: self._typed(), "enter_pressed")
        ask = button("Ask", "dp-onb-ask", align="end")
        ask.on_click(lambda _: self._typed())
        self._answer = pn.Column(sizing_mode="stretch_width", css_classes=["dp-onb-answer"])
        self._next = button("Next: make my first dashboard", "dp-onb-next")
        self._next.on_click(lambda _: wizard.make_dashboard())
        self._layout = pn.Column(
            pn.pane.HTML(
                "<div class='dp-onb-intro'><h2>Ask a first question</h2><p>Your model answers "
                "questions in plain words. Try one it suggests, or type your own.</p></div>",
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            ),
            self._starters,
            pn.Row(self._question, ask, sizing_mode="stretch_width"),
            self._answer,
            self._next,
            sizing_mode="stretch_width",
        )
        self.load()

    def load(self) -> None:
        workspace_id, language = self.workspace_id, self.wizard.language
        self.wizard.run(
            self._starting,
            "Finding questions your data can answer…",
            lambda: self.wizard.service.starters(workspace_id, language),
            self._offer,
        )

    def _offer(self, questions: list[str]) -> None:
        chips = []
        for question in questions:
            chip = button(question, "dp-onb-starter")
            chip.on_click(partial(self._clicked, question))
            chips.append(chip)
        self._starters.objects = chips

    def _clicked(self, question: str, _event: Any = None) -> None:
        self.ask(question)

    def _typed(self) -> None:
        self.ask(self._question.value_input or self._question.value or "")

    def ask(self, question: str) -> None:
        """Answer ``question`` (off the event loop), then show the answer and offer Next."""
        question = question.strip()
        if not question:
            self.wizard.error = "Type a question first, or pick one above."
            return
        workspace_id = self.workspace_id
        self.wizard.run(
            self._asking,
            f"Answering “{question}”…",
            lambda: self.wizard.service.ask(workspace_id, question),
            partial(self._show, question),
        )

    def _show(self, question: str, answer: dict[str, Any]) -> None:
        parts: list[Any] = [
            pn.pane.HTML(
                f"<h3 class='dp-onb-asked'>{html.escape(question)}</h3>"
                + answers.explanation_html(answer),
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            )
        ]
        choice = answers.chart_choice(answer)
        if answers.has_rows(answer) and choice["kind"] != "table" and answer.get("rows"):
            chart = Chart(
                columns=answers.answer_columns(answer),
                rows=list(answer.get("rows") or []),
                height=CHART_HEIGHT,
                **choice,
            )
            parts.append(pn.Column(chart, sizing_mode="stretch_width"))
        elif answers.has_rows(answer):
            parts.append(
                pn.pane.HTML(
                    answer_rows_html(answer), stylesheets=STYLES, sizing_mode="stretch_width"
                )
            )
        parts.append(
            pn.pane.HTML(
                "<p class='dp-onb-more'>This conversation is kept in <a href='/explore'>Explore"
                "</a>.</p>",
                stylesheets=STYLES,
                sizing_mode="stretch_width",
            )
        )
        self._answer.objects = parts
        self._next.button_type = "primary"
        self.answered = answer
        self.wizard.focus.focus(".dp-onb-next button")

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout
