"""Explore's page for one workspace: a chat (Panel's ``ChatInterface``) over the semantic model.

A question goes to :meth:`ExploreService.ask` with the server's answerer (``ctx.answer``) in a
worker thread, never on the event loop; the assistant's message (:class:`AnswerView`) shows the
steps as the answerer reports them (its ``on_step``, handed to the session's event loop by
:func:`~app.pages.background.in_session`), then the explanation, chart, table, query and
actions. Answers are kept per user and workspace by the service: the side list reopens an old
conversation, "New conversation" starts another. Starter questions (read from the model's
catalog, in the browser's language) are offered on an empty conversation. Viewers ask too; only
editors save queries, add answers to dashboards ("Add to dashboard…") and turn a 👍 into a
verified example (the service decides).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import panel as pn
import param

from app.pages.background import Latest, in_session
from app.pages.explore import wording
from app.pages.explore.answer import PAGE_STYLES, AnswerView
from app.pages.explore.examples import ExamplesPanel
from app.pages.shell import ShellState, notify_error, notify_success, sources_first
from app.pages.sql.handoff import HANDOFFS, sql_page_url
from app.pages.to_dashboard import add_form, answer_adder
from app.services.workspaces import WorkspaceInfo
from components.dashboards.add_form import AddToDashboardForm
from components.explore import OfflineChatInterface
from components.feedback import EmptyState
from components.navigate import Navigator
from pipelines.ai.catalog import build_catalog
from pipelines.ai.starters import starter_questions
from pipelines.ai.steps import StepHook

log = logging.getLogger("datapilot.pages")
ICON = "✦"
ASSISTANT = "DataPilot"
SIDE_WIDTH = 250
PHASES = ["loading", "failed", "no_sources", "no_model", "ready"]
PLACEHOLDERS = {
    "en": "Ask a question about your data, e.g. “revenue by month”…",
    "fr": "Posez une question sur vos données, par ex. « chiffre d'affaires par mois »…",
}


class ExplorePage(pn.viewable.Viewer):
    """Explore for one workspace: chat, starter questions and the user's conversations."""

    workspace = param.ClassSelector(
        class_=WorkspaceInfo, constant=True, doc="The workspace whose model answers."
    )
    phase = param.Selector[str](
        default="loading",
        objects=PHASES,
        doc="loading; failed (could not read); no_sources / no_model (nothing to ask yet); ready.",
    )
    language = param.Selector[str](
        default="en", objects=["en", "fr"], doc="The browser's language (starters, hints)."
    )
    starters = param.List(default=[], doc="Starter questions offered on an empty conversation.")
    conversations = param.List(default=[], doc="The user's conversations here, newest first.")
    conversation_id = param.String(
        default=None, allow_None=True, doc="The conversation shown; None for a new one."
    )
    empty = param.Boolean(default=True, doc="Whether the chat has no message yet.")
    asking = param.Boolean(default=False, doc="Whether a question is being answered.")

    @property
    def _workspace_id(self) -> uuid.UUID:
        assert self.workspace is not None  # constant, set at construction
        return self.workspace.id

    def __init__(self, state: ShellState, workspace: WorkspaceInfo, **params: Any) -> None:
        super().__init__(workspace=workspace, **params)
        self.state = state
        self.principal = state.principal
        self.can_edit = state.principal.can_edit
        self.service = state.ctx.explore(state.principal)
        self.examples = ExamplesPanel(self.service, self._workspace_id, self.can_edit)
        self._opening = Latest("explore-page-work")
        self.navigator = Navigator()
        self.chat = OfflineChatInterface(
            callback=self._respond,
            user=state.principal.display_name or "You",
            callback_user=ASSISTANT,
            callback_avatar=ICON,
            widgets=pn.chat.ChatAreaInput(
                placeholder=PLACEHOLDERS[self.language],
                css_classes=["dp-explore-input"],
                max_length=2000,
            ),
            show_stop=False,
            show_rerun=False,
            show_undo=False,
            show_clear=False,
            show_button_name=False,
            placeholder_threshold=0,
            show_activity_dot=False,
            message_params={
                "show_reaction_icons": False,
                "show_copy_icon": False,
                "show_edit_icon": False,
                "max_width": 1100,
            },
            callback_exception=self._callback_failed,
            sizing_mode="stretch_width",
            css_classes=["dp-explore-chat"],
        )
        self.chat.param.watch(lambda e: setattr(self, "empty", not e.new), "objects")
        self._new_btn = pn.widgets.Button(
            name="New conversation",
            button_type="primary",
            css_classes=["dp-explore-new"],
            sizing_mode="stretch_width",
            margin=(4, 5),
        )
        self._new_btn.on_click(lambda _: self.new_conversation())
        pn.state.onload(self.load, threaded=True)

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        """Read the model, the starter questions and the user's conversations (off the loop)."""
        models = self.state.ctx.models(self.principal)
        try:
            model = models.get(self._workspace_id)
            if not model.tables:
                sources = models.sources(self._workspace_id)
                self.phase = "no_model" if sources else "no_sources"
                return
            conversations = self.service.conversations(self._workspace_id)
        except Exception as exc:
            notify_error(exc)
            self.phase = "failed"
            return
        try:
            catalog = build_catalog(model, models.paths(self._workspace_id, model))
            starters = starter_questions(catalog, self.language)
        except Exception:  # starters are a help; the page works without them
            log.warning("starter questions could not be read", exc_info=True)
            starters = []
        # The starters and the list first, then the phase that shows them: the layout is drawn
        # once, with its content, rather than the chips racing the first drawing.
        self.param.update(conversations=conversations, starters=starters)
        self.phase = "ready"

    def shown_again(self) -> None:
        """Back on the page: a workspace that had nothing to ask about is read again (its model
        may have been accepted meanwhile); a conversation under way stays."""
        if self.phase in ("no_sources", "no_model", "failed"):
            self.load()

    # -- asking ------------------------------------------------------------------------------
    def ask(self, question: str) -> None:
        """Send ``question`` as the user, as if typed (a starter, a choice, "Ask again")."""
        if self.asking or not question.strip():
            return
        self.chat.send(question, user=self.chat.user, respond=True)

    async def _respond(self, contents: Any, user: str, instance: Any) -> AsyncIterator[Any]:
        question = str(contents or "").strip()
        asking = AnswerView(self, question=question)
        self.asking = True
        yield asking  # the steps, as the answer is worked out
        # The steps' text changes in place (the message keeps its size), from the worker thread
        # through the session's event loop.
        on_step = in_session(asking.show_step)
        try:
            answered = await asyncio.to_thread(self._answer, asking, question, on_step)
        finally:
            self.asking = False
        if answered is not asking:
            # The whole answer replaces the steps at once: a message whose content grows
            # after it is shown is not laid out again by the chat's feed.
            yield answered

    def _answer(
        self, asking: AnswerView, question: str, on_step: StepHook | None = None
    ) -> AnswerView:
        """Ask the service (in a worker thread); the answer's view, or ``asking`` failed.
        ``on_step`` hears the answer's steps."""
        try:
            result = self.service.ask(
                self._workspace_id,
                question,
                self.state.ctx.answer,
                self.conversation_id,
                on_step=on_step,
            )
        except Exception as exc:
            asking.fail(wording.describe_failure(exc))
            return asking
        answered = AnswerView(
            self,
            question=question,
            answer=result,
            message_id=str(result.get("message_id") or ""),
        )
        if result.get("conversation_id") != self.conversation_id:
            self.conversation_id = str(result.get("conversation_id"))
        try:
            self.conversations = self.service.conversations(self._workspace_id)
        except Exception:
            log.warning("the conversation list could not be read again", exc_info=True)
        return answered

    def _ask_clicked(self, question: str, _event: Any = None) -> None:
        self.ask(question)

    def _open_clicked(self, conversation_id: str, _event: Any = None) -> None:
        self.open_conversation(conversation_id)

    def _callback_failed(self, exc: BaseException, instance: Any) -> None:
        # Only a bug in the page gets here (asking reports its own failures in the answer).
        log.error("the Explore chat callback failed", exc_info=exc)
        self.asking = False
        notify_error(RuntimeError("the Explore chat failed"))

    # -- actions of answers (AnswerActions) ------------------------------------------------------
    def open_sql(self, sql: str) -> None:
        """Open the SQL page with ``sql`` in its editor (run there through its guarded path)."""
        token = HANDOFFS.put(self.principal, self._workspace_id, sql)
        self.navigator.go(sql_page_url(token))

    def save_query(self, name: str, sql: str, chart: dict[str, Any] | None) -> str:
        """Save ``sql`` as a saved query of the workspace; returns what to say."""
        entry = self.state.ctx.sql(self.principal).save_query(
            self._workspace_id, name, sql, chart=chart
        )
        notify_success(f"Query saved as “{entry['name']}”.")
        return f"Saved as “{entry['name']}” in the SQL page's saved queries."

    def give_feedback(self, message_id: str, value: int) -> str:
        """Record 👍/👎 on an answer; returns what to say."""
        outcome = self.service.feedback(self._workspace_id, message_id, value)
        if outcome.get("example_id"):
            notify_success("Saved as a verified example.")
            self.examples.reload()
        return wording.feedback_note(outcome)

    def dashboard_form(self, message_id: str) -> AddToDashboardForm:
        """The "Add to dashboard…" form of the answer ``message_id``."""
        return add_form(
            self.state, self._workspace_id, answer_adder(self._workspace_id, message_id)
        )

    # -- conversations -----------------------------------------------------------------------
    def new_conversation(self) -> None:
        """Start afresh: an empty chat with the starter questions."""
        if self.asking:
            return
        self.chat.clear()
        self.conversation_id = None

    def open_conversation(self, conversation_id: str) -> None:
        """Show one of the user's conversations again (read off the event loop)."""
        if self.asking or conversation_id == self.conversation_id:
            return
        self._opening.submit(
            lambda: self._views(conversation_id), lambda views: self._show(conversation_id, views)
        )

    def _views(self, conversation_id: str) -> list[tuple[str, AnswerView]]:
        stored = self.service.conversation(self._workspace_id, conversation_id)
        views = []
        for exchange in wording.exchanges(stored.get("messages") or []):
            view = AnswerView(
                self,
                question=exchange.question,
                answer=exchange.answer,
                message_id=exchange.message_id,
                feedback=exchange.feedback,
            )
            views.append((exchange.question, view))
        return views

    def _show(self, conversation_id: str, views: Any) -> None:
        if isinstance(views, Exception):
            notify_error(views)
            return
        self.chat.clear()
        for question, view in views:
            self.chat.send(question, user=self.chat.user, respond=False)
            self.chat.send(view, user=ASSISTANT, avatar=ICON, respond=False)
        self.conversation_id = conversation_id

    # -- layout ------------------------------------------------------------------------------
    @param.depends("conversations", "conversation_id")
    def _conversation_list(self) -> pn.Column:
        rows: list[Any] = []
        for entry in self.conversations:
            key = str(entry["id"])
            button = pn.widgets.Button(
                name=wording.conversation_label(entry),
                button_type="primary" if key == self.conversation_id else "light",
                description=str(entry.get("title") or ""),
                css_classes=["dp-explore-conversation"],
                stylesheets=PAGE_STYLES,
                sizing_mode="stretch_width",
                margin=(2, 5),
            )
            button.on_click(partial(self._open_clicked, key))
            rows.append(button)
        if not rows:
            rows.append(
                pn.pane.HTML(
                    "<p class='dp-hint'>Your conversations here appear in this list.</p>",
                    stylesheets=PAGE_STYLES,
                )
            )
        return pn.Column(*rows, sizing_mode="stretch_width", css_classes=["dp-explore-list"])

    @param.depends("starters", "empty", "asking")
    def _starter_chips(self) -> pn.Column:
        chips = []
        for question in self.starters:
            chip = pn.widgets.Button(
                name=question,
                disabled=self.asking,
                css_classes=["dp-explore-starter"],
                stylesheets=PAGE_STYLES,
                margin=(3, 4),
            )
            chip.on_click(partial(self._ask_clicked, question))
            chips.append(chip)
        intro = (
            "Essayez une de ces questions, ou posez la vôtre :"
            if self.language == "fr"
            else "Try one of these questions, or ask your own:"
        )
        return pn.Column(
            pn.pane.HTML(f"<p class='dp-explore-intro'>{intro}</p>", stylesheets=PAGE_STYLES),
            pn.Row(*chips, styles={"flex-wrap": "wrap"}, sizing_mode="stretch_width"),
            visible=self.empty and bool(chips),
            sizing_mode="stretch_width",
            css_classes=["dp-explore-starters"],
        )

    def _empty_state(self, phase: str) -> EmptyState:
        if phase == "no_model":
            return EmptyState(
                title="No model to ask yet",
                message="Explore answers from the workspace's semantic model. On the Model page, "
                "“Accept all” builds one from the sources in a click."
                if self.can_edit
                else "Explore answers from the workspace's semantic model, and it has none yet. "
                "An editor of your team can build it on the Model page.",
                icon=ICON,
                action_label="Go to Model",
                action_url="/model",
            )
        if phase == "no_sources":
            return sources_first(
                self.can_edit,
                "explore",
                "No data to ask about yet",
                "Explore answers questions about this workspace's sources. Upload a CSV, Parquet "
                "or Excel file on the Sources page, then accept the model.",
                "Explore answers questions about this workspace's sources, and it has none yet. "
                "An editor of your team can add them on the Sources page.",
            )
        return EmptyState(
            title="Explore could not be opened",
            message="The workspace could not be read. Reload the page; if it keeps happening, "
            "tell your admin the time it happened.",
            icon="⚠",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        side = pn.Column(
            self._new_btn,
            pn.pane.HTML(
                "<div class='dp-section-label'>Conversations</div>", stylesheets=PAGE_STYLES
            ),
            self._conversation_list,
            pn.pane.HTML(
                "<div class='dp-section-label'>Verified examples</div>", stylesheets=PAGE_STYLES
            ),
            self.examples,
            width=SIDE_WIDTH,
            css_classes=["dp-explore-side"],
            stylesheets=PAGE_STYLES,
        )
        main = pn.Column(
            self._starter_chips,
            self.chat,
            self.navigator,
            sizing_mode="stretch_width",
            css_classes=["dp-explore-main"],
        )
        ready = pn.Row(side, main, sizing_mode="stretch_width", css_classes=["dp-explore"])
        loading = pn.pane.HTML("<p class='dp-loading-text'>Loading…</p>", stylesheets=PAGE_STYLES)

        def body(phase: str) -> list[Any]:
            if phase == "ready":
                return [ready]
            return [loading] if phase == "loading" else [self._empty_state(phase)]

        return pn.Column(objects=self.param.phase.rx.pipe(body), sizing_mode="stretch_width")
