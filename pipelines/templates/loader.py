"""Read template files, and say which file and line is wrong when one is.

Every ``*.yaml`` / ``*.yml`` file of a folder is one :class:`~.format.Template`. The YAML is
composed first (PyYAML keeps each node's line), then validated; a problem raises
:class:`TemplateError` whose message reads ``config/templates/sales.yaml, line 12: ...``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .format import Template

__all__ = ["TemplateError", "load_folders", "load_template", "parse_template"]

MAX_BYTES = 512 * 1024
_QUOTED = re.compile(r"'([^']+)'")
_OWNER = re.compile(r"\b(Widget|Filter|Measure|Role) '([^']+)'")
_SECTIONS = {
    "Widget": ("widgets", "id"), "Filter": ("filters", "id"), "Measure": ("measures", "name"),
    "Role": ("roles", "name"),
}  # fmt: skip
_PARTS = ("over_time", "first_seen", "compare", "sort", "dimensions")
"""Fields of a widget whose problems are looked up inside them."""


class TemplateError(ValueError):
    """A template file that cannot be used; ``str()`` is ``<file>, line <n>: <problem>``."""

    def __init__(self, path: str, line: int | None, problem: str) -> None:
        where = path if line is None else f"{path}, line {line}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


def _shown(path: Path) -> str:
    """The path as an admin wrote it: relative to the working directory when inside it."""
    if not path.is_absolute():
        return str(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found: yaml.Node = v
                return found
    elif (
        isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value)
    ):
        child: yaml.Node = node.value[key]
        return child
    return None


def _key_node(node: yaml.Node, key: str | int) -> yaml.Node | None:
    """The key itself (a field that is wrong is reported on its own line)."""
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


def _find_scalar(node: yaml.Node, value: str, inside: bool = False) -> yaml.Node | None:
    """The first scalar equal to ``value`` (or, with ``inside``, containing it)."""
    if isinstance(node, yaml.ScalarNode):
        text = str(node.value)
        return node if text == value or (inside and value in text) else None
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            children += [k, v]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    for child in children:
        found = _find_scalar(child, value, inside)
        if found is not None:
            return found
    return None


def _narrowed(root: yaml.Node, node: yaml.Node, message: str) -> yaml.Node:
    """For a problem the template finds in one of its objects (``Widget 'x': ...``), that
    object; inside an object, the field the message names (``over_time``, ``compare``...)."""
    owner = _OWNER.search(message)
    if node is root and owner is not None:
        section, key = _SECTIONS[owner.group(1)]
        items = _child(root, section)
        if isinstance(items, yaml.SequenceNode):
            for item in items.value:
                name = _child(item, key)
                if isinstance(name, yaml.ScalarNode) and name.value == owner.group(2):
                    node = item
                    break
    if node is not root and isinstance(node, yaml.MappingNode):
        words = set(re.findall(r"[a-z_]+", message))
        for part in _PARTS:
            child = _child(node, part)
            if part in words and child is not None:
                return child
    return node


def _line_of(root: yaml.Node, loc: Sequence[str | int], message: str) -> int:
    """The line of the node at ``loc``; for a problem found across a whole object, the line of
    the last name the message quotes, looked up inside that object (or inside the object and
    field the message names)."""
    node = root
    for key in loc:
        child = _child(node, key)
        if child is None:
            marker = _key_node(node, key)
            return (marker or node).start_mark.line + 1
        node = child
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        node = _narrowed(root, node, message)
        quoted = list(reversed(_QUOTED.findall(message)))
        for name in quoted:
            for inside in (False, True):
                found = _find_scalar(node, name, inside)
                if found is not None:
                    return found.start_mark.line + 1
    return node.start_mark.line + 1


def _problem(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {message}" if where else message


def parse_template(text: str, path: str = "<template>") -> Template:
    """A template from YAML text; :class:`TemplateError` names ``path`` and the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise TemplateError(path, line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(path, None, f"not valid YAML: {exc}") from None
    if root is None or not isinstance(data, dict):
        raise TemplateError(path, 1, "a template is a mapping (name, title, roles, widgets...)")
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = _problem(dict(first))
        line = _line_of(root, list(first.get("loc", ())), message)
        raise TemplateError(path, line, message) from None


def load_template(path: str | os.PathLike[str]) -> Template:
    """One template file (see :func:`parse_template`)."""
    file = Path(path)
    shown = _shown(file)
    try:
        if file.stat().st_size > MAX_BYTES:
            raise TemplateError(shown, None, f"larger than {MAX_BYTES // 1024} KiB")
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(shown, None, "not UTF-8 text") from None
    except OSError as exc:
        raise TemplateError(shown, None, f"cannot be read ({exc.strerror})") from None
    return parse_template(text, shown)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_folders(folders: Iterable[str | os.PathLike[str]]) -> dict[str, Template]:
    """Every template of ``folders``, by name. A later folder's template replaces an earlier
    one of the same name (an admin's own ``sales`` replaces the shipped one); two files of one
    folder with the same name are an error. A missing folder is an error too."""
    found: dict[str, Template] = {}
    for item in folders:
        folder = Path(item)
        if not folder.is_dir():
            raise TemplateError(_shown(folder), None, "the templates folder does not exist")
        here: dict[str, Path] = {}
        for file in _files(folder):
            template = load_template(file)
            if template.name in here:
                raise TemplateError(
                    _shown(file),
                    None,
                    f"template name {template.name!r} is already used by {_shown(here[template.name])}",
                )
            here[template.name] = file
            found[template.name] = template
    return found
