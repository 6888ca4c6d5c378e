"""The self-contained HTML export: everything Panel would fetch from its CDN is embedded."""

from __future__ import annotations

import re
from pathlib import Path

import holoviews as hv
import pandas as pd
import panel as pn
import pytest

from components.dashboards.export import ExportError, embed_panel_assets, offline_html


def test_the_export_names_no_address_on_the_network_and_holds_the_data() -> None:
    frame = pd.DataFrame({"country": ["Lyon-Nord", "Bordeaux-Sud"], "revenue": [31.5, 47.25]})
    layout = pn.Column(
        pn.pane.Markdown("# Weekly sales"),
        pn.pane.HoloViews(hv.Bars(frame, "country", "revenue")),
        pn.widgets.Tabulator(frame, disabled=True),
    )

    html = offline_html(layout, "Weekly sales")

    assert "cdn.holoviz.org" not in html
    assert not re.search(r"""<(?:link|script|img)[^>]+(?:src|href)=["']https?://""", html)
    assert "data:text/css;base64," in html
    assert "Weekly sales" in html and "Bordeaux-Sud" in html


def test_an_asset_the_wheel_lacks_is_an_error_not_a_silent_request() -> None:
    page = '<link href="https://cdn.holoviz.org/panel/1.9.4/dist/css/not-a-file.css">'
    with pytest.raises(ExportError, match=r"not-a-file\.css"):
        embed_panel_assets(page)
    outside = '<link href="https://cdn.holoviz.org/panel/1.9.4/dist/../../../etc/passwd">'
    with pytest.raises(ExportError):
        embed_panel_assets(outside)


def test_scripts_panel_would_serve_are_embedded_too() -> None:
    page = (
        '<script src="static/extensions/panel/bundled/aceplot/ace-builds@1.40.1/'
        'src-min-noconflict/ace.js"></script>'
    )
    embedded = embed_panel_assets(page)
    assert embedded.startswith('<script src="data:text/javascript;base64,')
    assert "static/extensions" not in embedded


def test_the_applications_own_files_are_embedded_from_the_folders_named(tmp_path: Path) -> None:
    (tmp_path / "phone.css").write_text("@media (max-width: 600px) { .x { width: 100% } }")
    (tmp_path / "shell.js").write_text("console.log('shell');")
    page = (
        '<script src="dp-static/shell.js"></script>'
        '<style>@import url("/dp-static/phone.css");</style>'
    )
    embedded = embed_panel_assets(page, {"dp-static": tmp_path})
    assert "dp-static" not in embedded
    assert 'src="data:text/javascript;base64,' in embedded
    assert 'url("data:text/css;base64,' in embedded
    with pytest.raises(ExportError, match=r"absent\.css"):
        embed_panel_assets('<link href="/dp-static/absent.css">', {"dp-static": tmp_path})
    with pytest.raises(ExportError):
        embed_panel_assets('<link href="/dp-static/../secret.css">', {"dp-static": tmp_path})
