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
        "revenue", "orders", "average_basket", "revenue_latest_year", "revenue_by_month",
        "top_products", "top_customers", "revenue_by_category", "revenue_by_channel",
        "new_vs_returning_customers", "revenue_new_vs_returning",
    ]  # fmt: skip
    assert [w.id for w in templates["hr"].widgets] == [
        "headcount", "average_tenure", "headcount_by_month", "hires_vs_exits", "hires_by_month",
        "turnover_by_year", "turnover_by_department", "tenure_by_department", "tenure_distribution",
        "average_salary_by_department", "gender_by_department", "contract_types",
        "employees_by_department",
    ]  # fmt: skip
    sales = {w.id: w for w in templates["sales"].widgets}
    top = sales["top_products"]
    assert (top.limit, top.sort[0].by, top.sort[0].descending) == (10, "revenue", True)
    assert [(c.measure, c.shift) for c in sales["revenue_by_month"].compare] == [
        ("revenue", "year")
    ]
    returning = sales["new_vs_returning_customers"].first_seen
    assert returning is not None and (returning.entity, returning.count) == ("customer", True)
    hr = {w.id: w for w in templates["hr"].widgets}
    turnover = hr["turnover_by_year"].over_time
    assert turnover is not None
    assert (turnover.start, turnover.end, turnover.grain, turnover.flows) == (
        "hire_date", "exit_date", "year", ["turnover"],
    )  # fmt: skip
    distribution = hr["tenure_distribution"].over_time
    assert distribution is not None
    assert (distribution.tenure_bands, distribution.latest) == ([1, 2, 5, 10], True)


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


STAFF = """\
name: staff
title: Staff
roles:
  - name: person
    kind: id
  - name: hired
    kind: date
  - name: left
    kind: date
    required: false
  - name: team
    kind: dimension
  - name: pay
    kind: measure
measures:
  - name: people
    expression: count(distinct {person})
  - name: payroll
    expression: sum({pay})
widgets:
  - id: payroll_by_month
    kind: line
    measures: [payroll]
    dimensions: [hired]
    compare: [{measure: payroll, shift: year}]
  - id: headcount
    kind: line
    measures: [people]
    dimensions: [team]
    over_time: {start: hired, end: left, grain: month, flows: [starts, ends]}
    sort: [{by: period}]
"""


def test_compare_and_over_time_are_read_in_terms_of_roles() -> None:
    template = parse_template(STAFF, "staff.yaml")

    compared, counted = template.widgets
    assert [(c.measure, c.shift) for c in compared.compare] == [("payroll", "year")]
    assert counted.over_time is not None
    assert counted.over_time.roles == ["hired", "left"]
    assert (counted.over_time.grain, counted.over_time.at) == ("month", "end")
    assert counted.over_time.flows == ["starts", "ends"]
    assert counted.sort[0].by == "period"


@pytest.mark.parametrize(
    ("changes", "line", "words"),
    [
        ([("{measure: payroll, shift", "{measure: people, shift")], 25,
         "compare 'people' is not one of the widget's measures"),
        ([("shift: year", "shift: decade")], 25, "widgets.0.compare.0.shift"),
        ([("dimensions: [hired]", "dimensions: []")], 25,
         "compare needs exactly one date role among the dimensions"),
        ([("start: hired", "start: team")], 30, "over_time start 'team' is not a date role"),
        ([("end: left", "end: pay")], 30, "over_time end 'pay' is not a date role"),
        ([("end: left", "end: gone")], 30, "over_time end 'gone' is not a role"),
        ([("sort: [{by: period}]", "compare: [{measure: people}]")], 30,
         "compare and over_time cannot be combined"),
        ([("flows: [starts, ends]", "flows: [starts, exits]")], 30,
         "widgets.1.over_time.flows.1"),
        ([("grain: month", "grain: fortnight")], 30, "widgets.1.over_time.grain"),
        ([("end: left, ", "")], 30, "flows ends and turnover need an end role"),
        ([("    dimensions: [team]\n", "    dimensions: [left]\n")], 29,
         "remove the date role 'left'"),
        ([("{by: period}", "{by: periods}")], 31, "sort by 'periods'"),
        ([("flows: [starts, ends]", "tenure_bands: [5, 2]")], 30,
         "over_time tenure_bands must be in ascending order, each edge once (2 comes after 5)"),
        ([("flows: [starts, ends]", "tenure_bands: [-1]")], 30,
         "over_time tenure_bands: -1 is not a positive number of years"),
        ([("flows: [starts, ends]", "tenure_bands: [1, 5], flows: [starts, ends]")], 30,
         "over_time tenure_bands cannot go with the starts, ends flows"),
        ([("{by: period}", "{by: tenure_band}")], 31, "sort by 'tenure_band'"),
        ([("    sort: [{by: period}]\n", "    tenure_bands: [1, 5]\n")], 31,
         "widgets.1.tenure_bands: Extra inputs are not permitted"),
        ([("    measures: [people]\n", ""), ("flows: [starts, ends]", "flows: []")], 29,
         "needs a measure or an over_time flow"),
    ],
)  # fmt: skip
def test_a_bad_compare_or_over_time_names_the_file_and_the_line(
    tmp_path: Path, changes: list[tuple[str, str]], line: int, words: str
) -> None:
    text = STAFF
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = write(tmp_path / "config" / "templates", "staff.yaml", text)

    with pytest.raises(TemplateError) as caught:
        load_template(path)

    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"{path}, line {line}: ")
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

    assert [w.id for w in template.widgets] == [
        "revenue", "basket", "by_month", "members", "new_vs_returning", "by_channel",
    ]  # fmt: skip
    assert template.measure("basket").roles == ["amount", "order_id"]
    assert template.widgets[2].compare[0].measure == "revenue"
    members = template.widgets[3].over_time
    assert members is not None and members.roles == ["joined", "left"]
