"""The SQL page as a new user sees it at 1440x900: legible names in the editor, numbers without
floating-point noise, no stale result under an error, and a completion popup that stays out of
the way (issue 11).

Sources are uploaded over the real REST API; queries are typed into the Ace editor and run by
the server's sandbox.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.ui.conftest import Account, api_account, sign_in
from tests.ui.test_sql import Api, cell, close_popup, focus_editor, open_sql, put_sql, result_rows

# Two amounts whose DOUBLE sum is 266225.66000000003.
SALES_CSV = (
    b"vente_id,date_de_vente,client,montant_ttc_eur\n"
    b"1,2024-03-01,Dupont,100000.10\n"
    b"2,2024-03-02,Martin,166225.56\n"
)
DARK = 110
"""A pixel darker than this (0-255 grey) is ink, not the editor's white or light highlights."""


@pytest.fixture
def page(new_page: Any, base_url: str) -> Any:
    """The page at the issue's window size."""
    return new_page(base_url=base_url, viewport={"width": 1440, "height": 900})


@pytest.fixture
def sales(page: Any, server: RunningServer) -> Api:
    account: Account = api_account(server, name="Nina Nouvelle", workspaces=["Ventes"])
    sign_in(page, account.email, account.password)
    api = Api(server, account)
    api.upload_ready("ventes.csv", SALES_CSV)
    return api


def ink_rows(png: bytes) -> list[int]:
    """The pixel rows of a screenshot that hold dark pixels (text), top to bottom."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    width, height = picture.size
    pixels = picture.load()
    return [y for y in range(height) if any(pixels[x, y] < DARK for x in range(width))]


def line_ink(page: Any, row: int) -> list[int]:
    """Rows with ink in the editor's line ``row`` (0-based), from the line box's top."""
    line = page.locator(".dp-sql-editor .ace_text-layer .ace_line").nth(row)
    expect(line).to_be_visible()
    box = line.bounding_box()  # Ace makes a line a million pixels wide: keep its start
    clip = {"x": box["x"], "y": box["y"], "width": 200, "height": box["height"]}
    return ink_rows(page.screenshot(clip=clip))


def popup(page: Any) -> Any:
    return page.locator(".ace_autocomplete")


# -- 1. the editor draws underscores and descenders ----------------------------------------------
def test_underscores_and_descenders_are_drawn_in_the_editor(page: Any, sales: Api) -> None:
    open_sql(page)
    put_sql(page, "________\nxxxxxxxx\ngy,gy,gy")
    page.locator(".dp-sql-editor .ace_text-input").blur()  # no dark cursor in the boxes
    underscores, letters, descenders = (line_ink(page, row) for row in range(3))
    assert underscores, "a line of underscores shows no ink: the underscores are clipped"
    assert letters
    # Underscores, g, y and commas reach below the baseline of x, and are not cut there.
    assert max(underscores) > max(letters)
    assert max(descenders) >= max(letters) + 2


# -- 2. numbers in the result table -------------------------------------------------------------
def test_result_numbers_have_separators_and_no_floating_point_noise(page: Any, sales: Api) -> None:
    open_sql(page)
    # DuckDB sums the two DOUBLE amounts to 266225.66000000003.
    put_sql(
        page, "SELECT sum(montant_ttc_eur) AS total, 1234567 AS units, 1 AS vente_id FROM ventes"
    )
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(1)
    row = result_rows(page).first
    expect(row.locator("[tabulator-field='c0']")).to_have_text("266,225.66")
    expect(row.locator("[tabulator-field='c1']")).to_have_text("1,234,567")
    expect(row.locator("[tabulator-field='c2']")).to_have_text("1")  # an id: no separator


# -- 3. a failed run does not pass the previous result off as its own ----------------------------
def test_after_a_failed_run_the_previous_result_is_marked_stale(page: Any, sales: Api) -> None:
    open_sql(page)
    put_sql(page, "SELECT client FROM ventes ORDER BY client")
    page.keyboard.press("Control+Enter")
    expect(cell(page, "Dupont", 0)).to_be_visible()
    stale = page.locator(".dp-result-stale-note")
    expect(stale).to_be_hidden()

    put_sql(page, "SELECT nope FROM ventes")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".dp-sql-message .dp-sql-note")).to_contain_text("nope")
    expect(stale).to_be_visible()
    expect(stale).to_contain_text("From the previous run")
    expect(page.locator(".dp-result-body")).to_have_class(re.compile(r"\bdp-result-stale\b"))
    expect(page.locator(".dp-result-bar")).to_have_class(re.compile(r"\bdp-result-stale\b"))

    # The next good run is current again.
    put_sql(page, "SELECT client FROM ventes WHERE vente_id = 2")
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(1)
    expect(stale).to_be_hidden()
    expect(page.locator(".dp-result-body")).not_to_have_class(re.compile(r"\bdp-result-stale\b"))


# -- 4. the completion popup ---------------------------------------------------------------------
def settle_completion(page: Any) -> None:
    """Wait until Ace's live-completion timer, started by the last keystroke, has fired: a
    browser timer set now with a longer delay fires after it."""
    page.locator(".dp-sql-editor .dp-sql-ace").evaluate(
        "el => new Promise(done => setTimeout(done, el.env.editor.$liveAutocompletionDelay + 20))"
    )


def test_typing_a_number_opens_no_completion_popup(page: Any, sales: Api) -> None:
    open_sql(page)
    put_sql(page, "SELECT client FROM ventes WHERE vente_id > ")
    page.keyboard.type("cl", delay=40)  # a word does open it
    settle_completion(page)
    expect(popup(page)).to_be_visible()
    page.keyboard.press("Control+Backspace")
    close_popup(page)
    page.keyboard.type("1", delay=40)
    settle_completion(page)
    expect(popup(page)).to_be_hidden()
    page.keyboard.type("0", delay=40)
    settle_completion(page)
    expect(popup(page)).to_be_hidden()


def test_the_popup_closes_when_the_query_runs(page: Any, sales: Api) -> None:
    open_sql(page)
    put_sql(page, "SELECT montant_ttc_eur AS m FROM ventes ORDER BY ")
    page.keyboard.type("m", delay=40)
    expect(popup(page)).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(result_rows(page)).to_have_count(2)
    settle_completion(page)
    expect(popup(page)).to_be_hidden()


def test_completing_vente_shows_whole_names_that_contain_it(page: Any, sales: Api) -> None:
    open_sql(page)
    focus_editor(page)
    page.keyboard.type("SELECT vente", delay=40)
    settle_completion(page)
    rows = popup(page).locator(".ace_line")
    expect(rows.filter(has_text=re.compile(r"^date_de_vente"))).to_have_count(1)
    expect(rows.filter(has_text=re.compile(r"^vente_id"))).to_have_count(1)
    # Only names containing "vente": no scattered letters ("le-ven-sh-te-in").
    expect(rows.filter(has_text="levenshtein")).to_have_count(0)
    # No piece of a name is cut short with an ellipsis.
    cut = rows.evaluate_all(
        "rows => rows.flatMap(row => [...row.querySelectorAll('.ace_, .ace_completion-highlight')])"
        ".filter(piece => piece.scrollWidth > piece.clientWidth).map(piece => piece.textContent)"
    )
    assert cut == []
