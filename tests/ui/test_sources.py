"""The Sources pages in a real browser: upload, cards, detail (schema, paged preview), changes.

Files go from the drop zone to the real streaming endpoint over HTTP; the server ingests them in
its worker threads. Throttled uploads use Chromium's network emulation, so progress and cancel
are observed on a real, slow upload rather than simulated.

Long because: the page's journeys share one server, one signed-in user and the data helpers
of this module; split by page area they would repeat those fixtures.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import (
    Account,
    WorkspaceApi,
    add_member_in_settings,
    api_account,
    guard_of,
    sign_in,
    wait_for_shell,
)

ORDERS_ROWS = 120
ZONE_INPUT = ".dp-drop-zone input[type=file]"


# -- data ----------------------------------------------------------------------------------------------
def order_amount(i: int) -> float:
    return round(10 + ((i * 7919) % 9973) / 100, 2)


def write_orders(path: Path, rows: int = ORDERS_ROWS, extra_column: bool = False) -> Path:
    """English CSV: integer id, text, decimal amount, ISO date, boolean."""
    lines = ["order_id,customer,amount,order_date,paid" + (",channel" if extra_column else "")]
    for i in range(1, rows + 1):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i)
        paid = "true" if i % 3 else "false"
        extra = ",web" if extra_column else ""
        lines.append(f"{i},Customer {i % 7},{order_amount(i)},{day.isoformat()},{paid}{extra}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_ventes(path: Path, rows: int = 40) -> Path:
    """French CSV: semicolons, decimal commas, dd/mm/yyyy dates, Latin-1."""
    lines = ["Référence;Libellé;Prix unitaire;Date de vente"]
    for i in range(1, rows + 1):
        day = dt.date(2023, 3, 1) + dt.timedelta(days=3 * i)
        price = f"{12 + i * 3.25:.2f}".replace(".", ",")
        lines.append(f"R{i:04d};Article {i} été;{price};{day:%d/%m/%Y}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return path


def write_large(path: Path, rows: int = 60_000) -> Path:
    """About 1.5 MB, for uploads slow enough (throttled) to watch and cancel."""
    body = "".join(f"{i},{(i * 37) % 1000 / 7:.6f},label-{i % 97}\n" for i in range(rows))
    path.write_text("id,value,label\n" + body, encoding="utf-8")
    return path


def write_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["metric", "value"])
    summary.append(["orders", 3])
    detail = book.create_sheet("Orders")
    detail.append(["order_id", "customer", "amount", "country"])
    for i in range(1, 6):
        detail.append([i, f"Customer {i}", 10.5 * i, "FR"])
    book.save(path)
    return path


# -- helpers ---------------------------------------------------------------------------------------------
class Api(WorkspaceApi):
    """The REST API as the signed-in test user, to arrange data and check what the UI did."""

    timeout = 30

    def sources(self) -> list[dict[str, Any]]:
        with self.client() as client:
            reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/sources")
        assert reply.status_code == 200, reply.text
        return list(reply.json()["items"])

    def source(self, source_id: str) -> httpx.Response:
        with self.client() as client:
            return client.get(f"/api/v1/workspaces/{self.workspace_id}/sources/{source_id}")

    def upload_file(self, path: Path) -> str:
        return self.upload(path.name, path.read_bytes())

    def by_name(self, name: str) -> dict[str, Any]:
        return next(s for s in self.sources() if s["name"] == name)


def card(page: Any, name: str) -> Any:
    return page.locator(".dp-source-card").filter(
        has=page.locator(".sc-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def expect_ready(page: Any, name: str) -> None:
    expect(card(page, name).locator(".sc-status")).to_have_text("Ready")


def schema_row(page: Any, identifier: str) -> Any:
    return page.locator(".dp-schema .tabulator-row").filter(
        has=page.locator(".dp-col-ident", has_text=re.compile(f"^{re.escape(identifier)}$"))
    )


def preview_column(page: Any, field: str) -> Any:
    return page.locator(f".dp-paged-table .tabulator-row .tabulator-cell[tabulator-field={field}]")


def throttle_uploads(page: Any, bytes_per_second: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def source_folders(server: RunningServer, source_id: str) -> list[Path]:
    return list(server.data_dir.glob(f"*/*/{source_id}"))


@pytest.fixture
def editor(page: Any, server: RunningServer) -> Account:
    """A fresh tenant admin with a workspace, signed in on ``page`` at /sources."""
    account = api_account(server, name="Edith Editor", workspaces=["Sales"])
    sign_in(page, account.email, account.password)
    return account


@pytest.fixture
def api(server: RunningServer, editor: Account) -> Api:
    return Api(server, editor)


# -- tests ---------------------------------------------------------------------------------------------
def test_drop_two_files_open_one_page_sort_and_delete(
    page: Any, api: Api, server: RunningServer, tmp_path: Path
) -> None:
    orders = write_orders(tmp_path / "orders.csv")
    ventes = write_ventes(tmp_path / "ventes.csv")
    expect(
        page.get_by_role("heading", name="Upload CSV, Parquet and Excel files here")
    ).to_be_visible()

    # Drop two files: each gets its own progress line, then both become ready cards.
    page.locator(ZONE_INPUT).set_input_files([str(orders), str(ventes)])
    for name in ("orders.csv", "ventes.csv"):
        item = page.locator(f".dz-file[data-name='{name}']")
        expect(item).to_be_visible()
        expect(item.get_by_role("progressbar")).to_be_attached()
    expect_ready(page, "orders")
    expect_ready(page, "ventes")
    expect(card(page, "orders").locator(".sc-rows")).to_contain_text(f"{ORDERS_ROWS}")
    expect(card(page, "orders").locator(".sc-columns")).to_contain_text("5")
    expect(card(page, "ventes").locator(".sc-rows")).to_contain_text("40")
    expect(page.locator(".dz-file[data-name='orders.csv']")).to_contain_text("Ready")

    # The French file's schema shows the detected types.
    card(page, "ventes").locator("a.sc-name").click()
    page.wait_for_url("**/sources?source=*")
    wait_for_shell(page)
    expect(page.locator(".dp-detail-name")).to_have_text("ventes")
    expect(page.locator(".dp-detail-format")).to_contain_text("semicolon")
    expect(schema_row(page, "prix_unitaire").locator("[tabulator-field=type]")).to_have_text(
        "decimal comma (1234,56)"
    )
    date_row = schema_row(page, "date_de_vente")
    expect(date_row.locator("[tabulator-field=type]")).to_have_text("date")
    expect(date_row.locator("[tabulator-field=format]")).to_have_text("%d/%m/%Y")
    expect(schema_row(page, "libelle").locator(".dp-col-label")).to_have_text("Libellé")
    expect(schema_row(page, "reference").locator("[tabulator-field=type]")).to_have_text("text")

    # The orders preview: page 2 holds rows 51-100; a header click sorts through the engine.
    page.locator(".dp-back").click()
    page.wait_for_url("**/sources")
    card(page, "orders").locator("a.sc-name").click()
    page.wait_for_url("**/sources?source=*")
    wait_for_shell(page)
    expect(schema_row(page, "order_id").locator("[tabulator-field=type]")).to_have_text("integer")
    expect(schema_row(page, "amount").locator("[tabulator-field=type]")).to_have_text(
        "decimal (1234.56)"
    )
    expect(schema_row(page, "paid").locator("[tabulator-field=type]")).to_have_text("boolean")
    rows_info = page.locator(".dp-page-rows")
    expect(rows_info).to_have_text(f"Rows 1\u201350 of {ORDERS_ROWS}")
    expect(page.locator(".dp-page-of")).to_contain_text("of 3")
    page.locator(".dp-page-next button").click()
    expect(rows_info).to_have_text(f"Rows 51\u2013100 of {ORDERS_ROWS}")
    ids = preview_column(page, "order_id")
    expect(ids).to_have_count(50)
    expect(ids.first).to_have_text("51")
    expect(ids.last).to_have_text("100")

    page.locator(".dp-paged-table .tabulator-col[tabulator-field=amount]").click()
    cheapest = sorted(order_amount(i) for i in range(1, ORDERS_ROWS + 1))[:5]
    expect(rows_info).to_have_text(f"Rows 1\u201350 of {ORDERS_ROWS}")
    amounts = preview_column(page, "amount")
    expect(amounts.first).to_have_text(re.compile(rf"^{re.escape(str(cheapest[0]))}"))
    shown = [float(t) for t in amounts.all_inner_texts()[:5]]
    assert shown == cheapest

    # Delete with typed confirmation: the card goes, and so do the files.
    source_id = api.by_name("orders")["id"]
    assert source_folders(server, source_id)
    page.locator(".dp-back").click()
    page.wait_for_url("**/sources")
    orders_card = card(page, "orders")
    orders_card.locator(".sc-delete button").click()
    confirm = orders_card.locator(".dp-confirm-delete button")
    expect(confirm).to_be_disabled()
    orders_card.locator(".dp-confirm-input input").fill("orders")
    expect(confirm).to_be_enabled()
    confirm.click()
    expect(card(page, "orders")).to_have_count(0)
    expect(page.locator(".dp-source-card")).to_have_count(1)
    assert api.source(source_id).status_code == 404
    assert source_folders(server, source_id) == []


def test_upload_shows_bytes_sent_while_it_streams(page: Any, api: Api, tmp_path: Path) -> None:
    large = write_large(tmp_path / "measurements.csv")
    throttle_uploads(page, 200 * 1024)
    page.locator(ZONE_INPUT).set_input_files(str(large))
    status = page.locator(".dz-file[data-name='measurements.csv'] .dz-file-status")
    expect(status).to_have_text(re.compile(r"^Uploading · \d.* of 1\.\d MB \(([1-9]|[1-9]\d)%\)$"))
    expect(card(page, "measurements").locator(".sc-status")).to_have_text("Ready", timeout=60_000)
    expect(card(page, "measurements").locator(".sc-rows")).to_contain_text("60,000")


def test_cancelled_upload_leaves_nothing(
    page: Any, api: Api, server: RunningServer, tmp_path: Path
) -> None:
    large = write_large(tmp_path / "huge.csv")
    throttle_uploads(page, 64 * 1024)
    page.locator(ZONE_INPUT).set_input_files(str(large))
    item = page.locator(".dz-file[data-name='huge.csv']")
    expect(item.locator(".dz-file-status")).to_have_text(re.compile(r"Uploading · [1-9]"))
    item.locator(".dz-cancel").click()
    expect(item.locator(".dz-file-status")).to_have_text("Cancelled; nothing was kept.")
    expect(card(page, "huge")).to_have_count(0)
    # The server drops the partial upload: no source, no folder.
    deadline = dt.datetime.now() + dt.timedelta(seconds=15)
    while api.sources() and dt.datetime.now() < deadline:
        page.wait_for_timeout(200)
    assert api.sources() == []
    assert list(server.data_dir.glob(f"*/{api.workspace_id}/*")) == []


def test_unsupported_file_is_refused_in_the_browser(page: Any, api: Api) -> None:
    uploads: list[str] = []
    page.on(
        "request",
        lambda r: uploads.append(r.url) if r.method == "POST" and "/sources" in r.url else None,
    )
    # A real drop with a DataTransfer holding an .exe.
    transfer = page.evaluate_handle(
        """() => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array([77, 90, 144, 0])], "setup.exe"));
            return dt;
        }"""
    )
    page.locator(".dp-drop-zone .dz").dispatch_event("drop", {"dataTransfer": transfer})
    message = page.locator(".dp-drop-zone .dz-message")
    expect(message).to_have_text(
        re.compile(r"“setup\.exe” is not a supported file type; use \.csv")
    )
    expect(page.locator(".dz-file")).to_have_count(0)
    expect(page.locator(".dp-source-card")).to_have_count(0)
    assert uploads == []
    assert api.sources() == []


def test_viewer_sees_sources_but_no_upload_or_edit_controls(
    page: Any, new_page: Any, api: Api, server: RunningServer, tmp_path: Path
) -> None:
    api.upload_file(write_orders(tmp_path / "orders.csv"))
    page.goto("/settings")
    wait_for_shell(page)
    email = f"vic-{uuid.uuid4().hex[:8]}@example.com"
    password = add_member_in_settings(page, email, "Vic Viewer", "viewer")

    viewer = new_page(base_url=server.base_url)
    sign_in(viewer, email, password)
    expect_ready(viewer, "orders")
    expect(viewer.locator(".dp-drop-zone")).to_be_hidden()
    expect(viewer.locator(".dz")).to_have_count(0)
    for control in ("sc-rename", "sc-replace", "sc-delete"):
        expect(viewer.locator(f".{control}")).to_be_hidden()

    card(viewer, "orders").locator("a.sc-name").click()
    viewer.wait_for_url("**/sources?source=*")
    expect(schema_row(viewer, "order_id").locator("[tabulator-field=type]")).to_have_text("integer")
    expect(viewer.locator(".dp-schema .tabulator-editable")).to_have_count(0)
    expect(viewer.locator(".dp-schema-tools")).to_be_hidden()
    expect(viewer.locator(".dp-page-rows")).to_have_text(f"Rows 1\u201350 of {ORDERS_ROWS}")


def test_rename_inline_saves_on_enter(page: Any, api: Api, tmp_path: Path) -> None:
    source_id = api.upload_file(write_orders(tmp_path / "orders.csv"))
    page.reload()
    wait_for_shell(page)
    expect_ready(page, "orders")
    card(page, "orders").locator(".sc-rename button").click()
    field = page.locator(".sc-name-input input")
    expect(field).to_have_value("orders")
    field.fill("Orders 2024")
    field.press("Enter")
    expect_ready(page, "Orders 2024")
    expect(card(page, "orders")).to_have_count(0)
    assert api.source(source_id).json()["name"] == "Orders 2024"


def test_replace_with_other_columns_lists_differences_and_changes_nothing(
    page: Any, api: Api, server: RunningServer, tmp_path: Path
) -> None:
    source_id = api.upload_file(write_orders(tmp_path / "orders.csv"))
    page.reload()
    wait_for_shell(page)
    expect_ready(page, "orders")
    replace_url = (
        f"{server.base_url}/api/v1/workspaces/{api.workspace_id}/sources/{source_id}/replace"
    )
    guard_of(page).allow_client_error(replace_url)  # the 409 below is the point of the test

    orders_card = card(page, "orders")
    orders_card.locator(".sc-replace button").click()
    other = tmp_path / "other" / "orders.csv"
    other.parent.mkdir()
    write_orders(other, rows=10, extra_column=True)
    orders_card.locator(".sc-replace-zone input[type=file]").set_input_files(str(other))
    problem = orders_card.locator(".sc-problem")
    expect(problem).to_contain_text("nothing was changed")
    expect(problem.locator("li")).to_have_text(["column “channel” is new"])
    assert api.source(source_id).json()["row_count"] == ORDERS_ROWS

    # A file with the same columns replaces the data and keeps the id.
    orders_card.locator(".sc-replace-again button").click()
    more = tmp_path / "more" / "orders.csv"
    more.parent.mkdir()
    write_orders(more, rows=150)
    orders_card.locator(".sc-replace-zone input[type=file]").set_input_files(str(more))
    expect(orders_card.locator(".sc-rows")).to_contain_text("150")
    assert api.source(source_id).json()["row_count"] == 150
    assert [s["id"] for s in api.sources()] == [source_id]


def test_type_override_reingests_the_column(page: Any, api: Api, tmp_path: Path) -> None:
    source_id = api.upload_file(write_orders(tmp_path / "orders.csv"))
    page.goto(f"/sources?source={source_id}")
    wait_for_shell(page)
    type_cell = schema_row(page, "order_id").locator("[tabulator-field=type]")
    expect(type_cell).to_have_text("integer")
    type_cell.click()
    page.locator(".tabulator-edit-list-item", has_text=re.compile("^text$")).click()
    apply = page.locator(".dp-schema-apply button")
    expect(apply).to_have_text("Re-ingest with 1 change")
    apply.click()
    expect(schema_row(page, "order_id").locator("[tabulator-field=how]")).to_have_text("set by you")
    expect(page.locator(".dp-detail-header .dp-status")).to_have_text("Ready")
    detail = api.source(source_id).json()
    types = {c["identifier"]: c["type"] for c in detail["profile"]["columns"]}
    assert types["order_id"] == "text"
    assert types["amount"] == "decimal"
    # Text sorts as text now: "1", "10", "100", "101"...
    page.locator(".dp-paged-table .tabulator-col[tabulator-field=order_id]").click()
    expect(preview_column(page, "order_id").nth(1)).to_have_text("10")


def test_workbook_sheet_is_chosen_on_the_card(page: Any, api: Api, tmp_path: Path) -> None:
    page.locator(ZONE_INPUT).set_input_files(str(write_workbook(tmp_path / "report.xlsx")))
    expect_ready(page, "report")
    report = card(page, "report")
    expect(report.locator(".sc-columns")).to_contain_text("2")
    sheet = report.locator(".sc-sheet-select select")
    expect(sheet.locator("option")).to_have_text(["Summary", "Orders"])
    sheet.select_option("Orders")
    expect(report.locator(".sc-columns")).to_contain_text("4")
    expect_ready(page, "report")
    expect(report.locator(".sc-rows")).to_contain_text("5")


def test_search_and_sort_the_cards(page: Any, api: Api, tmp_path: Path) -> None:
    api.upload_file(write_orders(tmp_path / "orders.csv"))
    api.upload_file(write_ventes(tmp_path / "ventes.csv"))
    small = tmp_path / "small" / "tiny.csv"
    small.parent.mkdir()
    write_orders(small, rows=3)
    api.upload_file(small)
    page.reload()
    wait_for_shell(page)
    for name in ("orders", "ventes", "tiny"):
        expect_ready(page, name)

    page.locator(".dp-source-sort select").select_option("Most rows")
    expect(page.locator(".dp-source-card .sc-name")).to_have_text(["orders", "ventes", "tiny"])
    page.locator(".dp-source-sort select").select_option("Name A\u2013Z")
    expect(page.locator(".dp-source-card .sc-name")).to_have_text(["orders", "tiny", "ventes"])
    page.locator(".dp-source-search input").fill("VEN")
    expect(page.locator(".dp-source-card .sc-name")).to_have_text(["ventes"])
    page.locator(".dp-source-search input").fill("zzz")
    expect(page.get_by_text("No source matches your search.")).to_be_visible()


def test_source_of_another_tenant_cannot_be_opened(
    page: Any, new_page: Any, api: Api, server: RunningServer, tmp_path: Path
) -> None:
    source_id = api.upload_file(write_orders(tmp_path / "orders.csv"))
    outsider = api_account(server, name="Olga Outsider", workspaces=["Mine"])
    other = new_page(base_url=server.base_url)
    sign_in(other, outsider.email, outsider.password)
    other.goto(f"/sources?source={source_id}")
    wait_for_shell(other)
    expect(other.locator(".dp-source-missing")).to_contain_text("That source does not exist")
    expect(other.locator(".dp-crumb-workspace")).to_have_text("Mine")
    expect(
        other.get_by_role("heading", name="Upload CSV, Parquet and Excel files here")
    ).to_be_visible()
    expect(other.locator(".dp-detail-name")).to_have_count(0)
    expect(other.get_by_text("orders")).to_have_count(0)


def _cut_off(locator: Any) -> list[str]:
    """Texts of the matched elements that do not fit their box (shown with an ellipsis)."""
    return list(
        locator.evaluate_all(
            "els => els.filter(e => e.innerText.trim() && e.scrollWidth > e.clientWidth + 1)"
            ".map(e => e.innerText)"
        )
    )


def test_repaired_rows_warn_on_the_card_and_the_detail_reads_well(
    page: Any, api: Api, tmp_path: Path
) -> None:
    rows = "".join(f"{i},item {i},{i * 1.5}\n" for i in range(1, 30))
    ragged = tmp_path / "ragged_delivery_notes.csv"
    ragged.write_text("id,item,price\n" + rows + "30,short\n31,also short\n", encoding="utf-8")
    api.upload_file(ragged)
    page.reload()
    wait_for_shell(page)
    shown = card(page, "ragged_delivery_notes")
    expect(shown.locator(".sc-status")).to_have_text("Ready")
    expect(shown.locator(".sc-warning")).to_have_text("\u26a0 2 rows repaired")

    shown.locator(".sc-name").click()
    expect(schema_row(page, "price")).to_be_visible()
    # Every schema title and type fits or wraps between words ("Date for\u2026" before).
    assert _cut_off(page.locator(".dp-schema .tabulator-col-title")) == []
    assert _cut_off(page.locator(".dp-schema .tabulator-cell[tabulator-field=type]")) == []
    # A hovered row keeps dark text (it was white on light blue).
    row = page.locator(".dp-paged-table .tabulator-row").nth(2)
    row.hover()
    expect(row).to_have_css("color", "rgb(29, 39, 51)")
