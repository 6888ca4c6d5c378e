"""Dashboard templates: declarative files of roles and widgets, mapped onto any model.

A template (``config/templates/*.yaml``, see :mod:`.format`) is read by :mod:`.loader`, its
roles are mapped onto a workspace's fields by :mod:`.mapping`, and :mod:`.build` turns the
template and the mapping into a dashboard document. Pure functions, usable from Jupyter::

    templates = load_folders(["config/templates"])
    mapping = map_template(templates["sales"], build_catalog(model, model.data), model)
    built = build_dashboard(templates["sales"], mapping, model)
"""

from .build import BuiltDashboard, SkippedWidget, build_dashboard
from .format import (
    CompareSpec,
    FilterSpec,
    OverTimeSpec,
    RoleHints,
    RoleSpec,
    SortSpec,
    Template,
    TemplateMeasure,
    WidgetSpec,
)
from .loader import TemplateError, load_folders, load_template, parse_template
from .mapping import Candidate, RoleMatch, TemplateMapping, map_template

__all__ = [
    "BuiltDashboard",
    "Candidate",
    "CompareSpec",
    "FilterSpec",
    "OverTimeSpec",
    "RoleHints",
    "RoleMatch",
    "RoleSpec",
    "SkippedWidget",
    "SortSpec",
    "Template",
    "TemplateError",
    "TemplateMapping",
    "TemplateMeasure",
    "WidgetSpec",
    "build_dashboard",
    "load_folders",
    "load_template",
    "map_template",
    "parse_template",
]
