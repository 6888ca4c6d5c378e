"""The Model page in a real browser: the ERD, its panels, saving, and "Try it".

Sources are uploaded over the real REST API and ingested by the server; everything else goes
through the page: handles are dragged with the mouse, roles set in the inspector, queries run
by the engine on the model as edited.

Long because: the page's journeys share one server, one signed-in user and the data helpers
of this module; split by page area they would repeat those fixtures.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import (
    ON_SCREEN_JS,
    Account,
    WorkspaceApi,
    add_member_in_settings,
    api_account,
    sign_in,
    wait_for_shell,
)

CUSTOMERS = 10
ORDERS = 40


# -- data ----------------------------------------------------------------------------------------
def segment(customer_id: int) -> str:
    return "Retail" if customer_id % 2 else "Wholesale"


def order_customer(order_id: int) -> int:
    return order_id % CUSTOMERS + 1


def order_amount(order_id: int) -> float:
    return round(10 + order_id * 1.5, 2)


def customers_csv() -> bytes:
    rows = "".join(f"{i},Customer {i},{segment(i)}\n" for i in range(1, CUSTOMERS + 1))
    return ("customer_id,name,segment\n" + rows).encode()


def orders_csv() -> bytes:
    rows = "".join(
        f"{i},{order_customer(i)},{order_amount(i):.2f},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d}\n"
        for i in range(1, ORDERS + 1)
    )
    return ("order_id,customer_id,amount,order_date\n" + rows).encode()


def wide_csv(columns: int = 50, rows: int = 20) -> bytes:
    header = ",".join(f"c{i:02d}" for i in range(columns))
    body = "".join(
        ",".join(str(r * columns + i) if i % 2 else f"v{r}_{i}" for i in range(columns)) + "\n"
        for r in range(rows)
    )
    return (header + "\n" + body).encode()


class Api(WorkspaceApi):
    """The REST API as the test's user: upload sources, read and write the model."""

    def model(self) -> dict[str, Any]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/model")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def save_model(self, version: int, model: dict[str, Any]) -> dict[str, Any]:
        with self.client() as client:
            reply = client.put(
                f"/api/v1/workspaces/{self.workspace_id}/model",
                json={"version": version, "model": model},
            )
        assert reply.status_code == 200, reply.text
        return dict(reply.json())


@pytest.fixture
def editor(page: Any, server: RunningServer) -> Account:
    account = api_account(server, name="Mia Modeller", workspaces=["Sales"])
    sign_in(page, account.email, account.password)
    return account


@pytest.fixture
def api(server: RunningServer, editor: Account) -> Api:
    return Api(server, editor)


@pytest.fixture
def sales(api: Api) -> dict[str, str]:
    """Customers and orders, ready; source ids by name."""
    ids = {
        "customers": api.upload("customers.csv", customers_csv()),
        "orders": api.upload("orders.csv", orders_csv()),
    }
    for source_id in ids.values():
        api.wait_ready(source_id)
    return ids


# -- page helpers --------------------------------------------------------------------------------
def open_model(page: Any) -> None:
    page.goto("/model")
    wait_for_shell(page)


def node(page: Any, table: str) -> Any:
    return page.locator(f".react-flow__node[data-id='{table}']")


def column_row(page: Any, table: str, column: str) -> Any:
    return node(page, table).locator(f".dp-col[data-column='{column}']")


def handle(page: Any, table: str, column: str, side: str) -> Any:
    return node(page, table).locator(
        f".react-flow__handle-{side}[data-handleid='{table}.{column}']"
    )


def center(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 15, steps=6)
    page.mouse.move(*end, steps=6)
    page.mouse.up()


def choose(page: Any, css: str, label: str) -> None:
    """Pick ``label`` in a MultiChoice."""
    field = page.locator(f".{css} input.choices__input--cloned")
    field.click()
    field.fill(label)
    page.locator(f".{css} .choices__list--dropdown .choices__item--choice").filter(
        has_text=label
    ).first.click()
    page.keyboard.press("Escape")


def run_query(page: Any, *picked: str) -> None:
    """Run the try-it query once the server has every picked field (its plan names them)."""
    plan = page.locator(".dp-try-plan")
    for text in picked:
        expect(plan).to_contain_text(text)
    page.locator(".dp-try-run button").click()


def result_cell(page: Any, row_text: str, column: int) -> Any:
    row = page.locator(".dp-try-table .tabulator-row").filter(has_text=row_text)
    return row.locator(f".tabulator-cell[tabulator-field='c{column}']")


# -- tests ---------------------------------------------------------------------------------------
def test_join_by_dragging_tag_a_measure_try_it_and_save(
    page: Any, api: Api, sales: dict[str, str]
) -> None:
    open_model(page)
    page.locator(".dp-erd-empty-add-all button").click()
    expect(node(page, "orders")).to_be_visible()
    expect(node(page, "customers")).to_be_visible()
    expect(page.locator(".dp-model-state")).to_have_text("Unsaved changes")

    # Drag from orders.customer_id to customers.customer_id: a many-to-one left join.
    source = handle(page, "orders", "customer_id", "right")
    target = handle(page, "customers", "customer_id", "left")
    drag(page, center(source.bounding_box()), center(target.bounding_box()))
    label = page.locator(".react-flow__edge-text")
    expect(label).to_have_text("N:1 \u00b7 left")
    expect(page.locator(".dp-insp-join-title")).to_contain_text("orders \u2192 customers")

    # Tag orders.order_id as a measure counting distinct orders.
    column_row(page, "orders", "order_id").click()
    expect(page.locator(".dp-insp-column-title")).to_contain_text("orders.order_id")
    page.locator(".dp-insp-role button", has_text="Measure").click()
    badge = column_row(page, "orders", "order_id").locator(".dp-badge")
    expect(badge).to_have_text("M")
    page.locator(".dp-insp-aggregation select").select_option("Count distinct")
    expect(column_row(page, "orders", "order_id").locator(".dp-col-meta")).to_have_text(
        "count_distinct"
    )

    # Clicking the join's line edits it: an inner join.
    column_row(page, "customers", "name").click()
    expect(page.locator(".dp-insp-join-title")).to_be_hidden()
    page.mouse.click(*center(label.bounding_box()))
    expect(page.locator(".dp-insp-join-title")).to_contain_text("orders \u2192 customers")
    page.locator(".dp-insp-join-type select").select_option(label="Inner: only matching rows")
    expect(label).to_have_text("N:1 \u00b7 inner")

    # Try it on the unsaved model: orders and amount by customer segment.
    choose(page, "dp-try-measures", "order_id (count_distinct)")
    choose(page, "dp-try-measures", "amount (sum)")
    choose(page, "dp-try-dimensions", "segment")
    run_query(page, "order_id (count_distinct)", "amount (sum)", "by customers \u00b7 segment")
    retail = [i for i in range(1, ORDERS + 1) if segment(order_customer(i)) == "Retail"]
    expect(result_cell(page, "Retail", 1)).to_have_text(str(len(retail)))
    total = sum(order_amount(i) for i in retail)
    amount = result_cell(page, "Retail", 2)
    expect(amount).to_have_text(re.compile(r"^[\d.,]+$"))
    assert float(amount.inner_text().replace(",", "")) == pytest.approx(total)
    expect(page.locator(".dp-try-sql")).to_contain_text("JOIN")

    # The join as a role-playing join: customers reached as "buyer", labelled on its line.
    page.mouse.click(*center(label.bounding_box()))
    alias = page.locator(".dp-insp-join-alias input")
    alias.fill("buyer")
    alias.press("Enter")
    expect(page.locator(".dp-insp-join-label input")).to_be_enabled()
    page.locator(".dp-insp-join-label input").fill("Buyer")
    page.locator(".dp-insp-join-label input").press("Enter")
    expect(label).to_have_text("N:1 \u00b7 inner \u00b7 Buyer")
    expect(page.locator(".dp-insp-join-title")).to_contain_text("as buyer (Buyer)")

    # Save: the join and the measure are stored.
    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    expect(page.locator(".dp-model-save button")).to_be_disabled()
    stored = api.model()
    assert stored["version"] == 1
    (join,) = stored["model"]["joins"]
    assert (join["left_table"], join["right_table"]) == ("orders", "customers")
    assert join["on"] == [{"left": "customer_id", "right": "customer_id"}]
    assert (join["cardinality"], join["type"]) == ("many_to_one", "inner")
    assert (join["alias"], join["label"]) == ("buyer", "Buyer")
    orders_table = next(t for t in stored["model"]["tables"] if t["name"] == "orders")
    order_id = next(c for c in orders_table["columns"] if c["name"] == "order_id")
    assert (order_id["role"], order_id["aggregation"]) == ("measure", "count_distinct")


def test_leaving_with_unsaved_changes_asks_first(
    page: Any, api: Api, sales: dict[str, str]
) -> None:
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.accept()  # leave anyway: the reload goes ahead

    page.on("dialog", answer)
    open_model(page)
    page.locator(".dp-erd-empty-add-all button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Unsaved changes")
    expect(page.locator("html")).to_have_attribute("data-dp-unsaved", "true")  # the guard is armed
    page.reload()
    wait_for_shell(page)
    assert dialogs == ["beforeunload"]
    # The unsaved tables were discarded by leaving.
    expect(page.locator(".dp-erd-empty-add-all button")).to_be_visible()

    # Saved work leaves without a question.
    page.locator(".dp-erd-empty-add-all button").click()
    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    expect(page.locator("html")).to_have_attribute("data-dp-unsaved", "false")
    page.reload()
    wait_for_shell(page)
    expect(node(page, "orders")).to_be_visible()
    assert dialogs == ["beforeunload"]


def test_undo_and_a_stale_save_offers_to_reload(page: Any, api: Api, sales: dict[str, str]) -> None:
    open_model(page)
    page.locator(".dp-erd-empty-add-all button").click()
    expect(node(page, "orders")).to_be_visible()
    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")

    # An edit, undone with Ctrl+Z: the badge and the save state come back.
    column_row(page, "customers", "segment").click()
    page.locator(".dp-insp-role button", has_text="Ignored").click()
    badge = column_row(page, "customers", "segment").locator(".dp-badge")
    expect(badge).to_have_text("\u2013")
    expect(page.locator(".dp-model-state")).to_have_text("Unsaved changes")
    page.locator(".dp-model-status").click()  # focus outside any text field
    page.keyboard.press("Control+z")
    expect(badge).to_have_text("D")
    expect(page.locator(".dp-model-state")).to_have_text("Saved")

    # A sum of a text column is reported beside the canvas, naming the column.
    column_row(page, "customers", "name").click()
    page.locator(".dp-insp-role button", has_text="Measure").click()
    page.locator(".dp-insp-aggregation select").select_option("Sum")
    problem = page.locator(".dp-issue[data-code='aggregation_needs_number']")
    expect(problem).to_contain_text("customers.name")
    page.locator(".dp-erd-undo button").click()
    page.locator(".dp-erd-undo button").click()
    expect(problem).to_have_count(0)
    expect(page.locator(".dp-issues-list")).to_contain_text("No problems found")

    # A table removed from its inspector comes back with Undo, joins and all.
    header = node(page, "orders").locator(".rf-node-label")
    header.click()
    expect(page.locator(".dp-insp-table-title")).to_contain_text("orders")
    column_row(page, "orders", "amount").click()
    expect(page.locator(".dp-insp-column-title")).to_contain_text("orders.amount")
    header.click()  # the node is still selected: the header click alone brings the table back
    expect(page.locator(".dp-insp-table-title")).to_contain_text("orders")
    page.locator(".dp-insp-remove-table button").click()
    expect(page.locator(".react-flow__node")).to_have_count(1)
    page.locator(".dp-erd-undo button").click()
    expect(page.locator(".react-flow__node")).to_have_count(2)
    expect(page.locator(".dp-model-state")).to_have_text("Saved")

    # Someone else saves meanwhile; this page's save is refused with a way to reload.
    stored = api.model()
    document = stored["model"]
    next(t for t in document["tables"] if t["name"] == "customers")["label"] = "Clients"
    api.save_model(stored["version"], document)
    column_row(page, "customers", "segment").click()
    page.locator(".dp-insp-role button", has_text="Ignored").click()
    page.locator(".dp-model-save button").click()
    conflict = page.locator(".dp-model-conflict")
    expect(conflict).to_contain_text("changed by someone else")
    conflict.locator(".dp-model-reload button").click()
    expect(node(page, "customers").locator(".rf-node-label")).to_have_text("Clients")
    expect(badge).to_have_text("D")
    expect(conflict).to_be_hidden()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    assert api.model()["version"] == 2


def _inside(inner: dict[str, float] | None, outer: dict[str, float] | None) -> bool:
    return bool(inner and outer) and (
        inner["x"] >= outer["x"]
        and inner["y"] >= outer["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


def test_tables_open_at_real_size_and_an_added_table_comes_into_view(
    page: Any, api: Api, sales: dict[str, str]
) -> None:
    open_model(page)
    # A model with no tables is not a success: a neutral badge, not the green of "Saved".
    state = page.locator(".dp-model-state")
    expect(state).to_have_text("Empty")
    expect(state).not_to_have_css("background-color", "rgb(231, 245, 237)")
    # The picker shows its first source (it looked empty: no value was chosen).
    picker = page.locator(".dp-erd-source select")
    expect(picker).to_have_value("customers")
    page.locator(".dp-erd-toolbar .dp-erd-add button").click()
    expect(node(page, "customers")).to_be_visible()
    box = node(page, "customers").bounding_box()
    assert box is not None and box["width"] <= 262, box  # 260 px at 100 %, not 520 at 200 %
    expect(page.locator(".dp-measure-table select")).to_have_value("customers")

    # Move the view away, then add the other table: the view fits both again.
    canvas = page.locator(".dp-erd-canvas [data-testid=rf__wrapper]")
    frame = canvas.bounding_box()
    assert frame is not None
    drag(page, (frame["x"] + 40, frame["y"] + 40), (frame["x"] + 40, frame["y"] + 600))
    expect(picker).to_have_value("orders")
    page.locator(".dp-erd-toolbar .dp-erd-add button").click()
    expect(node(page, "orders")).to_be_visible()
    deadline = time.monotonic() + 20
    while not all(_inside(node(page, t).bounding_box(), frame) for t in ("customers", "orders")):
        assert time.monotonic() < deadline, "the added table stayed outside the canvas"
        page.wait_for_timeout(100)


def test_viewer_sees_a_read_only_canvas_and_can_try_it(
    page: Any, api: Api, sales: dict[str, str], new_page: Any, base_url: str
) -> None:
    customers = _table_document(api, sales["customers"], "customers")
    orders = _table_document(api, sales["orders"], "orders")
    join = {
        "id": "orders__customers",
        "left_table": "orders",
        "right_table": "customers",
        "on": [{"left": "customer_id", "right": "customer_id"}],
    }
    api.save_model(0, {"tables": [customers, orders], "joins": [join], "measures": []})
    page.goto("/settings")
    wait_for_shell(page)
    password = add_member_in_settings(page, "vera@example.com", "Vera Viewer", "viewer")

    viewer = new_page(base_url=base_url)
    sign_in(viewer, "vera@example.com", password)
    open_model(viewer)
    expect(node(viewer, "orders")).to_be_visible()
    expect(viewer.locator(".react-flow__edge-text")).to_have_text("N:1 \u00b7 left")
    expect(viewer.locator(".dp-erd-toolbar")).to_be_hidden()
    expect(viewer.locator(".dp-model-save")).to_have_count(0)
    expect(viewer.locator(".dp-card-suggestions")).to_have_count(0)
    expect(handle(viewer, "orders", "customer_id", "right")).to_be_hidden()
    column_row(viewer, "orders", "amount").click()
    expect(viewer.locator(".dp-insp-role button").first).to_be_disabled()

    choose(viewer, "dp-try-measures", "amount (sum)")
    choose(viewer, "dp-try-dimensions", "segment")
    run_query(viewer, "amount (sum)", "by customers \u00b7 segment")
    wholesale = [i for i in range(1, ORDERS + 1) if segment(order_customer(i)) == "Wholesale"]
    cell = result_cell(viewer, "Wholesale", 1)
    expect(cell).to_have_text(re.compile(r"^[\d.,]+$"))
    assert float(cell.inner_text().replace(",", "")) == pytest.approx(
        sum(order_amount(i) for i in wholesale)
    )


FIRST_SEEN = (
    """
(() => {
  // When each of these first shows on screen (checked every frame).
  const wanted = [".react-flow__node", ".dp-card-selection", ".dp-try-measures"];
  const seen = (window.__dpFirstSeen = {});
"""
    + ON_SCREEN_JS
    + """
  const frame = () => {
    for (const selector of wanted)
      if (!(selector in seen) && deepAll(document, selector).some(shown)) seen[selector] = performance.now();
    if (Object.keys(seen).length < wanted.length) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""
)


def test_a_saved_model_shows_its_tables_before_the_side_panels_and_try_it(
    page: Any, api: Api, sales: dict[str, str]
) -> None:
    """The canvas is what a user came for: the side panels and Try it are drawn after it, so
    they do not hold its first paint up (they are half the page's drawing on a first visit)."""
    tables = [_table_document(api, sales[name], name) for name in ("customers", "orders")]
    api.save_model(0, {"tables": tables, "joins": [], "measures": []})
    page.add_init_script(FIRST_SEEN)
    open_model(page)
    expect(node(page, "orders")).to_be_visible()
    expect(page.locator(".dp-card-selection")).to_be_visible()
    expect(page.locator(".dp-try-measures")).to_be_visible()
    page.wait_for_function("Object.keys(window.__dpFirstSeen).length === 3")
    seen = page.evaluate("window.__dpFirstSeen")
    assert seen[".react-flow__node"] < seen[".dp-card-selection"], seen
    assert seen[".react-flow__node"] < seen[".dp-try-measures"], seen


def test_a_query_error_names_the_field(page: Any, api: Api, sales: dict[str, str]) -> None:
    api.save_model(0, {"tables": [_table_document(api, sales["orders"], "orders")], "joins": []})
    open_model(page)
    expect(node(page, "orders")).to_be_visible()
    choose(page, "dp-try-measures", "amount (sum)")
    page.locator(".dp-try-filter-field select").select_option(label="orders \u00b7 order_date")
    page.locator(".dp-try-filter-op select").select_option(label="between (low, high)")
    page.locator(".dp-try-filter-value input").fill("not a date, 2024-12-31")
    page.locator(".dp-try-filter-value input").press("Enter")
    run_query(page, "amount (sum)", "where orders \u00b7 order_date between (low, high) not a date")
    expect(page.locator(".dp-try-error")).to_contain_text("order_date")


def test_without_sources_the_page_points_to_the_sources_page(page: Any, editor: Account) -> None:
    open_model(page)
    expect(
        page.get_by_role("heading", name="Upload files on the Sources page first")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Go to Sources")).to_have_attribute("href", "/sources")


def test_thirty_tables_of_fifty_columns_render_and_a_drag_is_saved(
    page: Any, api: Api, tmp_path: Path, record_property: Any
) -> None:
    source_id = api.upload("wide.csv", wide_csv())
    detail = api.wait_ready(source_id)
    columns = [c["identifier"] for c in detail["profile"]["columns"]]
    assert len(columns) == 50
    types = {c["identifier"]: c["type"] for c in detail["profile"]["columns"]}
    tables = [
        {
            "name": f"t{n:02d}",
            "source_id": source_id,
            "label": f"Table {n:02d}",
            "columns": [{"name": c, "type": types[c]} for c in columns],
            "position": {"x": (n % 6) * 320.0, "y": (n // 6) * 1400.0},
        }
        for n in range(30)
    ]
    joins = [
        {
            "id": f"j{n:02d}",
            "left_table": f"t{n:02d}",
            "right_table": f"t{n + 1:02d}",
            "on": [{"left": "c01", "right": "c01"}],
        }
        for n in range(29)
    ]
    api.save_model(0, {"tables": tables, "joins": joins, "measures": []})

    started = time.perf_counter()
    open_model(page)
    expect(page.locator(".react-flow__node")).to_have_count(30)
    expect(page.locator(".dp-col")).to_have_count(30 * 50)
    expect(page.locator(".react-flow__edge")).to_have_count(29)
    elapsed = time.perf_counter() - started
    record_property("erd_30x50_render_seconds", round(elapsed, 2))
    print(f"\nERD with 30 tables x 50 columns rendered in {elapsed:.2f} s (page load included)")

    header = node(page, "t05").locator(".rf-node-label")
    x, y = center(header.bounding_box())
    drag(page, (x, y), (x + 120, y + 60))
    expect(page.locator(".dp-model-state")).to_have_text("Unsaved changes")
    page.locator(".dp-model-save button").click()
    expect(page.locator(".dp-model-state")).to_have_text("Saved")
    stored = api.model()["model"]
    moved = next(t for t in stored["tables"] if t["name"] == "t05")
    assert moved["position"]["x"] > 5 * 320.0 + 10
    assert moved["position"]["y"] > 10
    untouched = next(t for t in stored["tables"] if t["name"] == "t04")
    assert untouched["position"] == {"x": 4 * 320.0, "y": 0.0}


def _table_document(api: Api, source_id: str, name: str) -> dict[str, Any]:
    """A table for a source with the roles a user would give it: numbers measures."""
    detail = api.wait_ready(source_id)
    columns = []
    for column in detail["profile"]["columns"]:
        ident, kind = column["identifier"], column["type"]
        if ident == "amount":
            columns.append({"name": ident, "type": kind, "role": "measure", "aggregation": "sum"})
        else:
            columns.append({"name": ident, "type": kind})
    return {"name": name, "source_id": source_id, "label": name, "columns": columns}
