"""The views of the setup's steps; each names its main control (``main``, a CSS selector the
wizard focuses) and does its work through :meth:`SetupWizard.run`.

1. :class:`NameStep` names (or renames) the workspace; Enter submits.
2. :class:`DataStep` takes files (the Sources page's drop zone, streaming to the same REST
   endpoint) or a sample, and follows their ingest until every file is in.
3. :class:`ModelStep` shows what accepting every model suggestion gives, and accepts it.
4. :class:`QuestionStep` (in :mod:`.asking`) offers starter questions and answers one.
5. :class:`DashboardStep` makes the first dashboard; :class:`FinishedStep` says it is done.
"""

from __future__ import annotations

import html
from functools import partial
from typing import TYPE_CHECKING, Any

import panel as pn

from app.pages.background import Latest
from app.pages.shell.look import button
from app.pages.sources.listing import BUSY, POLL_MS, upload_url
from app.pages.welcome.asking import QuestionStep
from app.pages.welcome.wording import model_summary_html, sources_html
from app.services.model import StaleModel
from app.services.onboarding import FINISHED, SAMPLES, ModelProposal
from components.sources.upload import DEFAULT_ACCEPT, FileDropZone

if TYPE_CHECKING:
    from app.pages.welcome.wizard import SetupWizard

STYLES = ["/dp-static/shell.css", "/dp-static/welcome.css"]
SAMPLE_NOTES = {
    "Sales": "customers, products, orders and their lines, one of them a French export",
    "HR": "departments, employees, and every hire and exit from 2014 to 2024",
}


def _text(markup: str, **params: Any) -> pn.pane.HTML:
    params.setdefault("sizing_mode", "stretch_width")
    return pn.pane.HTML(markup, stylesheets=STYLES, **params)


def _intro(title: str, text: str) -> pn.pane.HTML:
    return _text(
        f"<div class='dp-onb-intro'><h2>{html.escape(title)}</h2><p>{html.escape(text)}</p></div>"
    )


class NameStep(pn.viewable.Viewer):
    """Step 1: the workspace's name (creating it, or renaming the empty one)."""

    main = ".dp-onb-name input"

    def __init__(self, wizard: SetupWizard, create: bool = False) -> None:
        super().__init__()
        self.wizard = wizard
        self.create = create or wizard.workspace is None
        current = "" if self.create or wizard.workspace is None else wizard.workspace.name
        self._name = pn.widgets.TextInput(
            name="Workspace name",
            value=current,
            placeholder="e.g. Sales",
            max_length=120,
            width=320,
            css_classes=["dp-onb-name"],
        )
        self._name.param.watch(lambda _: self.submit(), "enter_pressed")
        self._go = button("Continue", "dp-onb-name-go", "primary", align="end")
        self._go.on_click(lambda _: self.submit())
        self._layout = pn.Column(
            _intro(
                "Name your workspace",
                "A workspace holds one subject's files, model and dashboards (Sales, HR, "
                "Support…). You can rename it later.",
            ),
            pn.Row(self._name, self._go),
            sizing_mode="stretch_width",
        )

    def submit(self) -> None:
        """Create or rename the workspace; the page then shows the next step for it."""
        name = (self._name.value_input or self._name.value or "").strip()
        state, workspace = self.wizard.state, self.wizard.workspace
        try:
            if self.create:
                state.create_workspace(name)  # the page follows the new current workspace
            elif workspace is not None and name != workspace.name:
                state.service.update(workspace.id, name=name)
                state.reload(workspace.id)
            else:
                self.wizard.reload()
        except Exception as exc:
            self.wizard.fail(exc)

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class DataStep(pn.viewable.Viewer):
    """Step 2: drop files or pick a sample; the step ends when every file is read."""

    main = ".dp-onb-drop .dz"

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        assert wizard.workspace is not None
        self.wizard = wizard
        self.workspace_id = wizard.workspace.id
        ctx, principal = wizard.state.ctx, wizard.state.principal
        self.sources = ctx.sources(principal)
        self._work = Latest("onboarding-sample")
        self._poller: Any = None
        self.closed = False  # the wizard has moved on: stop following
        self._expecting = False  # a sample is being copied: its sources may not exist yet
        self.zone = FileDropZone(
            upload_url=upload_url(self.workspace_id),
            csrf=wizard.state.csrf,
            accept=list(DEFAULT_ACCEPT),
            max_bytes=ctx.settings.uploads.max_file_mb * 1024 * 1024,
            title="Drop CSV, TSV, Parquet or Excel files here",
            hint="One file is enough; several related ones (orders, customers…) get joined",
            track=False,
            sizing_mode="stretch_width",
            css_classes=["dp-onb-drop"],
            margin=(4, 5, 10, 5),
        )
        self.zone.param.watch(lambda _: self.poll(), "uploaded")
        self.zone.param.watch(lambda _: self._follow(), "active")
        self._files = _text("", css_classes=["dp-onb-files-pane"])
        samples = []
        for sample in SAMPLES:
            use = button(f"Use the {sample} sample", f"dp-onb-sample-{sample.lower()}")
            use.on_click(partial(self._sample_clicked, sample))
            note = SAMPLE_NOTES.get(sample, "")
            samples.append(pn.Row(use, _text(f"<span class='dp-onb-note'>{note}</span>")))
        self._layout = pn.Column(
            _intro(
                "Add your data",
                "Drop a file, or click the zone to choose one. DataPilot reads its encoding, "
                "separators and column types by itself. No file at hand? Start from a sample.",
            ),
            self.zone,
            *samples,
            self._files,
            sizing_mode="stretch_width",
        )
        self.poll()

    def _sample_clicked(self, sample: str, _event: Any = None) -> None:
        self.use_sample(sample)

    def use_sample(self, sample: str) -> None:
        """Upload the sample's files into the workspace, then follow their ingest."""
        self._expecting = True
        self._follow()

        def settled(_result: Any) -> None:
            self._expecting = False
            self.poll()

        self.wizard.run(
            self._work,
            f"Copying the {sample} sample…",
            lambda: self.wizard.service.add_sample(self.workspace_id, sample),
            settled,
            settled,
        )

    # The poller is started and stopped on the event loop (next tick): this is called from
    # worker threads too, and a document's periodic callbacks are not thread-safe.
    def _follow(self) -> None:
        if self._poller is None and not self.closed and pn.state.curdoc is not None:
            pn.state.execute(self._start_polling, schedule=True)

    def _start_polling(self) -> None:
        if self._poller is None and not self.closed and pn.state.curdoc is not None:
            self._poller = pn.state.add_periodic_callback(self.poll, period=POLL_MS)

    def close(self) -> None:
        """The wizard shows another step: stop following the files."""
        self.closed = True
        self._stop()

    def _stop(self) -> None:
        if self._poller is not None and pn.state.curdoc is not None:
            pn.state.execute(self._stop_polling, schedule=True)

    def _stop_polling(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None

    def poll(self) -> None:
        """Show the files' progress; once none is being read and one is ready, go on."""
        if self.closed:
            self._stop()
            return
        try:
            infos = self.sources.list(self.workspace_id, sort="created")
        except Exception:  # a transient store error: the next tick tries again
            return
        listed = [i.as_json() for i in reversed(infos)]
        self._files.object = sources_html(listed)
        busy = self._expecting or self.zone.active > 0 or any(s["status"] in BUSY for s in listed)
        if busy:
            self._follow()
            return
        self._stop()
        if any(s["status"] == "ready" for s in listed):
            self.wizard.reload()
        elif listed:
            self.wizard.error = (
                "No file could be read (the reason is beside each). Drop another file, or fix "
                "the file and drop it again."
            )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class ModelStep(pn.viewable.Viewer):
    """Step 3: the model every suggestion gives (tables, joins, roles), accepted in one click."""

    main = ".dp-onb-accept button"

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        assert wizard.workspace is not None
        self.wizard = wizard
        self.workspace_id = wizard.workspace.id
        self.proposal: ModelProposal | None = None
        self._work = Latest("onboarding-model")
        self._summary = _text("", css_classes=["dp-onb-model-pane"])
        self._accept = button("Accept this model", "dp-onb-accept", "primary", disabled=True)
        self._accept.on_click(lambda _: self.accept())
        self._layout = pn.Column(
            _intro(
                "Review the suggested model",
                "DataPilot read your files and suggests how they fit together: which tables "
                "join, what to add up, what to group by. Accept it now; you can change any of "
                "it later on the Model page.",
            ),
            self._summary,
            pn.Row(
                self._accept,
                _text(
                    "<a class='dp-onb-model-link' href='/model'>Review it in detail on the "
                    "Model page</a>",
                    margin=(12, 10),
                ),
            ),
            sizing_mode="stretch_width",
        )
        self.load()

    def load(self, keep_error: bool = False) -> None:
        workspace_id = self.workspace_id
        self.wizard.run(
            self._work,
            "Reading your data to suggest a model…",
            lambda: self.wizard.service.proposal(workspace_id),
            self._proposed,
            keep_error=keep_error,
        )

    def _proposed(self, proposal: ModelProposal) -> None:
        self.proposal = proposal
        self._summary.object = model_summary_html(proposal.model)
        self._accept.disabled = not proposal.model.tables
        self.wizard.focus.focus(self.main)

    def accept(self) -> None:
        """Accept every suggestion (one new model version), then go on."""
        if self.proposal is None:
            return
        self._accept.disabled = True
        workspace_id, version = self.workspace_id, self.proposal.version

        def failed(exc: Exception) -> None:
            self._accept.disabled = False
            if isinstance(exc, StaleModel):
                self.load(keep_error=True)  # someone saved meanwhile: suggest from theirs

        self.wizard.run(
            self._work,
            "Saving the model…",
            lambda: self.wizard.service.accept_model(workspace_id, version),
            lambda _model: self.wizard.reload(),
            failed,
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class DashboardStep(pn.viewable.Viewer):
    """Step 5: the first dashboard, from a template when the data fits one."""

    main = ".dp-onb-make button"

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self.wizard = wizard
        make = button("Make my first dashboard", "dp-onb-make", "primary")
        make.on_click(lambda _: wizard.make_dashboard())
        self._layout = pn.Column(
            _intro(
                "Get a first dashboard",
                "From a template (Sales, HR) when your data fits one, otherwise from your "
                "model's main measures: totals, a trend over time and the main breakdowns.",
            ),
            make,
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


class FinishedStep(pn.viewable.Viewer):
    """After the last step: where to go next, or set up another workspace."""

    main = ".dp-onb-another button"

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        name = "" if wizard.workspace is None else wizard.workspace.name
        another = button("Set up another workspace", "dp-onb-another")
        another.on_click(lambda _: wizard.go_to(1, create=True))
        self._layout = pn.Column(
            _text(
                f"<div class='dp-onb-intro'><h2>“{html.escape(name)}” is set up</h2><p>Ask "
                "more in <a href='/explore'>Explore</a>, open your <a href='/dashboards'>"
                "dashboards</a>, or add files on the <a href='/sources'>Sources</a> page.</p>"
                "</div>"
            ),
            another,
            sizing_mode="stretch_width",
        )

    def __panel__(self) -> pn.viewable.Viewable:
        return self._layout


VIEWS: tuple[Any, ...] = (NameStep, DataStep, ModelStep, QuestionStep, DashboardStep)


def view_for(wizard: SetupWizard, step: int, **options: Any) -> Any:
    """The view of ``step`` (1-5, or :data:`FINISHED`)."""
    if step >= FINISHED:
        return FinishedStep(wizard)
    if wizard.workspace is None or options.get("create"):
        return NameStep(wizard, create=bool(options.get("create")))
    return VIEWS[step - 1](wizard)
