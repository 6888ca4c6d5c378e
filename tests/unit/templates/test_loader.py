"""Template files: the shipped ones load; a broken one names its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.templates import TemplateError, load_folders, load_template, parse_template

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "templates"

SMALL = """\
name: small
title: Small
roles:
  - name: amount
    kind: measure
  - name: day
    kind: date
measures:
  - name: total
    expression: sum({amount})
widgets:
  - id: total
    kind: kpi
    measures: [total]
  - id: by_day
    kind: line
    measures: [total]
    dimensions: [day]
    time_grain: day
    position: {x: 0, y: 3, w: 12, h: 4}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_templates_load_with_the_widgets_of_the_brief() -> None:
    templates = load_folders([SHIPPED])

    assert set(templates) == {"sales", "hr"}
    assert [w.id for w in templates["sales"].widgets] == [
        "revenue", "orders", "average_basket", "revenue_by_month", "top_products",
        "top_customers", "revenue_by_category", "revenue_by_channel",
    ]  # fmt: skip
    assert [w.id for w in templates["hr"].widgets] == [
        "headcount", "hires_by_month", "average_salary_by_department", "gender_by_department",
        "contract_types", "employees_by_department",
    ]  # fmt: skip
    top = templates["sales"].widgets[4]
    assert (top.limit, top.sort[0].by, top.sort[0].descending) == (10, "revenue", True)


def test_a_valid_file_gives_its_roles_measures_and_widgets(tmp_path: Path) -> None:
    template = load_template(write(tmp_path, "small.yaml", SMALL))

    assert [(r.name, r.kind, r.required) for r in template.roles] == [
        ("amount", "measure", True),
        ("day", "date", True),
    ]
    assert template.measure("total").roles == ["amount"]
    assert template.widgets[1].position.w == 12


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (("kind: line", "kind: bars"), 16, "widgets.1.kind"),
        (("measures: [total]\n    dimensions", "measures: [totl]\n    dimensions"), 17, "'totl'"),
        (("dimensions: [day]", "dimensions: [week]"), 18, "unknown role 'week'"),
        (("x: 0, y: 3", "x: 4, y: 3"), 20, "overflows the 12-column grid"),
        (("expression: sum({amount})", "expression: sum({amont})"), 10, "'amont'"),
        (("  - name: day\n", "  - name: Day\n"), 6, "Role 'Day'"),
    ],
)
def test_an_invalid_file_names_the_file_and_the_line(
    tmp_path: Path, change: tuple[str, str], line: int, words: str
) -> None:
    assert change[0] in SMALL
    path = write(tmp_path / "config" / "templates", "x.yaml", SMALL.replace(*change, 1))

    with pytest.raises(TemplateError) as caught:
        load_template(path)

    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert caught.value.path.endswith("config/templates/x.yaml")
    assert words in str(caught.value)


def test_a_yaml_syntax_error_names_its_line() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(SMALL.replace("kind: kpi", "kind: [kpi"), "config/templates/x.yaml")

    assert str(caught.value).startswith("config/templates/x.yaml, line 1")
    assert "not valid YAML" in str(caught.value)


def test_a_missing_field_is_reported_where_its_object_starts() -> None:
    text = SMALL.replace("  - name: total\n    expression: sum({amount})\n", "  - name: total\n")

    with pytest.raises(TemplateError) as caught:
        parse_template(text, "t.yaml")

    assert str(caught.value) == "t.yaml, line 9: measures.0.expression: Field required"


def test_an_admin_folder_replaces_a_shipped_template_of_the_same_name(tmp_path: Path) -> None:
    own = SMALL.replace("name: small", "name: sales").replace("title: Small", "title: Our sales")
    write(tmp_path / "admin", "ours.yml", own)

    templates = load_folders([SHIPPED, tmp_path / "admin"])

    assert templates["sales"].title == "Our sales"
    assert templates["hr"].title == "Human resources"


def test_two_files_of_one_folder_with_the_same_name_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", SMALL)
    write(tmp_path, "b.yaml", SMALL)

    with pytest.raises(TemplateError, match=r"b\.yaml: template name 'small' is already used"):
        load_folders([tmp_path])


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="the templates folder does not exist"):
        load_folders([tmp_path / "nope"])


def test_the_readme_example_is_a_valid_template() -> None:
    readme = (SHIPPED.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Templates", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]

    template = parse_template(example, "README.md")

    assert [w.id for w in template.widgets] == ["revenue", "basket", "by_month", "by_channel"]
    assert template.measure("basket").roles == ["amount", "order_id"]
