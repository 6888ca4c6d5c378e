"""Every widget of the shipped HR and Sales templates opened in the dashboard widget builder and
saved without an edit comes back equal: its query (over-time part, comparisons, sort, limit)
and the rest of the widget (title, kind, chart axes)."""

from __future__ import annotations

import pytest

from components.dashboards import WidgetBuilder
from pipelines.ai.evaluation import Workspace
from pipelines.dashboards import Widget
from pipelines.semantic.model import SemanticModel
from pipelines.templates import Template, build_dashboard
from tests.unit.templates.workspaces import mapped

CASES = [
    ("hr", "small", "hr_en"), ("hr", "small", "hr_fr"), ("hr", "demo", "HR"),
    ("sales", "small", "sales_en"), ("sales", "small", "sales_fr"), ("sales", "demo", "Sales"),
]  # fmt: skip


def built(template: Template, workspace: Workspace) -> tuple[SemanticModel, list[Widget]]:
    """The template's widgets on the workspace, and the model with the template's measures."""
    dashboard = build_dashboard(template, mapped(template, workspace), workspace.model)
    model = workspace.model.model_copy(
        update={"measures": [*workspace.model.measures, *dashboard.measures]}
    )
    return model, list(dashboard.document.widgets)


@pytest.mark.parametrize(("name", "where", "key"), CASES)
def test_every_template_widget_survives_the_builder_unchanged(
    name: str,
    where: str,
    key: str,
    templates: dict[str, Template],
    small: dict[str, Workspace],
    demo: dict[str, Workspace],
) -> None:
    workspace = (small if where == "small" else demo)[key]
    model, widgets = built(templates[name], workspace)
    timed = {w.id for w in widgets if w.query and w.query.semantic and w.query.semantic.over_time}
    if name == "hr":  # the widgets of the bug: headcount, hires vs exits (flows only), turnover
        assert {"headcount_by_month", "hires_vs_exits"} <= timed
    for widget in widgets:
        builder = WidgetBuilder(model=model, widget=widget, auto_preview=False)
        saved = builder.save()
        assert saved is not None, (widget.id, builder.error)
        assert saved.query == widget.query, widget.id
        assert saved.model_dump() == widget.model_dump(), widget.id
        assert builder._over_time.on == (widget.id in timed), widget.id


def test_the_over_time_form_shows_the_loaded_part(
    templates: dict[str, Template], small: dict[str, Workspace]
) -> None:
    model, widgets = built(templates["hr"], small["hr_fr"])
    widget = next(w for w in widgets if w.id == "hires_vs_exits")
    builder = WidgetBuilder(model=model, widget=widget, auto_preview=False)
    over = builder._over_time
    assert (over._start.value, over._end.value) == (
        "personnel.date_entree",
        "personnel.date_sortie",
    )
    assert over._grain.value == "month" and over._at.value == "end"
    assert over._flows.value == ["starts", "ends"] and over._section.visible
    assert builder._measures.value == [] and "period" in builder._sort.options.values()
