"""Front-end code lives in .js/.css files, not in Python strings, and every file named exists.

The scanner reads each module with ``tokenize`` and flags multi-line string literals that look
like CSS rules, HTML markup or JavaScript; docstrings (string expression statements) are prose.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import pkgutil
import re
import tokenize
from pathlib import Path

import pytest
from panel.custom import ReactiveESM

import components
from components.charts import theme
from components.model import canvas, graph, nodes
from tests.conftest import ROOT

SCANNED = ("app", "components", "pipelines")
STATIC = ROOT / "app" / "static"

_CSS_RULE = re.compile(r"[\w\].)*-]\s*\{\{?[^{}]*?[a-z-]+\s*:\s*[^;{}]+;")
_HTML_TAGS = (
    "html|head|body|div|span|p|a|ul|ol|li|table|thead|tbody|tr|td|th|button|input|select|option|"
    "textarea|form|label|svg|path|rect|circle|script|style|link|meta|img|h[1-6]|pre|code|"
    "section|details|summary|br|hr|strong|em|b|i|template"
)
_HTML = re.compile(rf"</?(?:{_HTML_TAGS})\b[^<>]*>", re.IGNORECASE)
_JS = re.compile(
    r"export\s+(?:default|function|const)\b|\bfunction\s*\w*\s*\([^)]*\)\s*\{|=>"
    r"|\b(?:const|let)\s+\w+\s*=|\bdocument\.\w|addEventListener\("
)


def _fill_placeholders(text: str) -> str:
    """An f-string's source as the text it makes: ``{{`` is ``{`` and ``{expr}`` a value."""
    out, depth, i = [], 0, 0
    while i < len(text):
        pair = text[i : i + 2]
        if depth == 0 and pair in ("{{", "}}"):
            out.append(pair[0])
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append("0")
        elif depth == 0:
            out.append(text[i])
        i += 1
    return "".join(out)


def web_code_kind(text: str) -> str | None:
    """``"CSS"``, ``"HTML"`` or ``"JavaScript"`` when ``text`` looks like that code, else None."""
    if _JS.search(text):
        return "JavaScript"
    if _HTML.search(text):
        return "HTML"
    if _CSS_RULE.search(text):
        return "CSS"
    return None


def _docstring_starts(source: str) -> set[tuple[int, int]]:
    """(line, column) where each string expression statement (a docstring) begins."""
    starts = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, (ast.Constant, ast.JoinedStr))
            and (isinstance(node.value, ast.JoinedStr) or isinstance(node.value.value, str))
        ):
            starts.add((node.value.lineno, node.value.col_offset))
    return starts


def _string_literals(source: str) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """Every string literal token as (start, end, source text); f-strings count as one."""
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    lines = source.splitlines(keepends=True)
    found = []
    depth, begin = 0, (0, 0)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == fstring_start:
            if depth == 0:
                begin = token.start
            depth += 1
        elif token.type == fstring_end:
            depth -= 1
            if depth == 0:
                found.append((begin, token.end))
        elif token.type == tokenize.STRING and depth == 0:
            found.append((token.start, token.end))
    literals = []
    for (line, col), (end_line, end_col) in found:
        text = "".join(lines[line - 1 : end_line])
        text = text[col : len(text) - len(lines[end_line - 1]) + end_col]
        literals.append(((line, col), (end_line, end_col), text))
    return literals


def web_code_literals(path: Path) -> list[str]:
    """``path:line: kind`` for each multi-line string literal in ``path`` that is web code."""
    source = path.read_text(encoding="utf-8")
    docstrings = _docstring_starts(source)
    problems = []
    for start, end, text in _string_literals(source):
        if end[0] == start[0] or start in docstrings:
            continue
        prefix = text[: len(text) - len(text.lstrip("rRbBuUfF"))]
        kind = web_code_kind(_fill_placeholders(text) if "f" in prefix.lower() else text)
        if kind:
            problems.append(f"{path}:{start[0]}: {kind} in a multi-line string")
    return problems


def _python_files() -> list[Path]:
    return sorted(
        path
        for package in SCANNED
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def test_no_multi_line_web_code_in_python_files() -> None:
    problems = [problem for path in _python_files() for problem in web_code_literals(path)]
    assert problems == [], "move it to a sibling .js/.css file:\n" + "\n".join(problems)


def test_the_scanner_finds_web_code_planted_in_a_module(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""A module docstring mentioning <div> and const x = 1 is prose."""\n'
        "\n"
        "ROW = 24\n"
        'CSS = f"""\n'
        ".dp-row {{ height: {ROW}px; color: #1d2733; }}\n"
        '"""\n'
        'ESM = """\n'
        "export function render({ model, el }) {\n"
        "  el.append(document.createElement('div'))\n"
        "}\n"
        '"""\n'
        "MARKUP = '''\n"
        '<div class="dp-box">\n'
        "  <p>Hello</p>\n"
        "</div>\n"
        "'''\n"
        'WORDS = """select from where\n'
        'group by order"""\n'
        "\n"
        "\n"
        "def f() -> None:\n"
        '    """Docstring with a rule .a { color: red; } and () => 1."""\n'
    )
    assert web_code_literals(bad) == [
        f"{bad}:4: CSS in a multi-line string",
        f"{bad}:7: JavaScript in a multi-line string",
        f"{bad}:12: HTML in a multi-line string",
    ]


# -- every file a Python module names exists ---------------------------------------------------
_ASSET = re.compile(r"^[\w./-]+\.(?:js|css)$")


def _asset_references() -> list[tuple[Path, int, str]]:
    refs = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _ASSET.match(node.value)
                and (node.value.startswith("/dp-static/") or not node.value.startswith("/"))
            ):
                refs.append((path, node.lineno, node.value))
    return refs


def _resolve(module: Path, name: str) -> Path:
    if name.startswith("/dp-static/"):
        return STATIC / name.removeprefix("/dp-static/")
    return module.parent / name


def test_every_js_and_css_file_named_in_python_exists() -> None:
    refs = _asset_references()
    assert len(refs) > 20  # the scan sees the references (read_asset, _esm, /dp-static/...)
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path, line, name in refs
        if not _resolve(path, name).is_file()
    ]
    assert missing == []


def _js_components() -> list[type[ReactiveESM]]:
    for module in pkgutil.walk_packages(components.__path__, "components."):
        importlib.import_module(module.name)
    found, todo = [], list(ReactiveESM.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] == "components":
            found.append(cls)
    return sorted(set(found), key=lambda cls: cls.__qualname__)


def test_every_js_component_loads_its_module_from_a_sibling_file() -> None:
    classes = _js_components()
    assert {cls.__name__ for cls in classes} >= {"FileDropZone", "SqlEditor", "TableColumns"}
    for cls in classes:
        esm = cls._esm_path(compiled=False)
        assert esm is not None and Path(esm).parent == Path(inspect.getfile(cls)).parent, cls
        # Stylesheets are CSS text (components/assets.py says why a ".css" path breaks pages).
        assert not [sheet for sheet in cls._stylesheets if str(sheet).endswith(".css")], cls


# -- values shared by Python and CSS have one source ---------------------------------------------
def _undeclared(css: str) -> set[str]:
    used = set(re.findall(r"var\((--[\w-]+)\)", css))
    declared = set(re.findall(r"(--[\w-]+)\s*:", css))
    return used - declared


def test_the_erd_stylesheet_takes_its_sizes_and_names_from_the_graph_layout() -> None:
    assert _undeclared(canvas.ERD_CSS) == set()
    assert f"--dp-node-width: {graph.NODE_WIDTH}px;" in canvas.ERD_CSS
    assert f"--dp-header-px: {graph.HEADER_PX}px;" in canvas.ERD_CSS
    # Selectors cannot be variables: the class and handle suffix the layout emits are these.
    assert f".react-flow__node.{graph.NODE_CLASS} " in canvas.ERD_CSS
    assert f'[data-handleid$="{graph.HEADER_HANDLE}"]' in canvas.ERD_CSS


def test_the_column_rows_are_as_high_as_the_layout_assumes() -> None:
    css = "\n".join(nodes.TableColumns._stylesheets)
    assert _undeclared(css) == set()
    assert f"--dp-row-px: {graph.ROW_PX}px;" in css
    assert f"--dp-footer-px: {graph.FOOTER_PX}px;" in css


def test_the_chart_stylesheet_uses_the_theme_colours_and_font() -> None:
    assert _undeclared(theme.CSS) == set()
    for name, value in {"ink": theme.INK, "muted": theme.MUTED, "font": theme.FONT}.items():
        assert f"--dp-{name}: {value};" in theme.CSS


@pytest.mark.parametrize(
    "css", sorted((ROOT / "components").rglob("*.css")), ids=lambda path: path.name
)
def test_a_component_stylesheet_reads_only_variables_someone_declares(css: Path) -> None:
    text = css.read_text(encoding="utf-8")
    # These get their variables from Python (css_variables, or the chart theme's) and are
    # checked above and below.
    from_python = {"canvas.css", "nodes_columns.css", "theme.css", "widget.css"}
    assert css.name in from_python or _undeclared(text) == set()


def test_the_dashboard_widget_stylesheet_reads_the_chart_theme_variables() -> None:
    from components.dashboards import style

    assert _undeclared(style.CSS) == set()
