"""Files with a messy shape over the REST API: a header with no rows is a ready, empty source;
lines before the header are skipped and the source detail says so (issue 14)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx

from app.pages.sources.markup import format_markup
from app.services.sources.service import SourceInfo
from tests.integration.conftest import ApiUser
from tests.integration.sources_api import create_workspace, source_url, upload_ready


def detail_info(body: dict[str, Any]) -> SourceInfo:
    """The source detail page's view of a source, from the JSON the API returned."""
    return SourceInfo(
        id=uuid.UUID(body["id"]),
        workspace_id=uuid.UUID(body["workspace_id"]),
        name=body["name"],
        filename=body["filename"],
        file_format=body["file_format"],
        status=body["status"],
        error=body["error"],
        sheet=body["sheet"],
        size_bytes=body["size_bytes"],
        row_count=body["row_count"],
        column_count=body["column_count"],
        created_at=datetime.fromisoformat(body["created_at"]),
        updated_at=datetime.fromisoformat(body["updated_at"]),
        profile=body["profile"],
        detected=body["detected"],
        bad_rows=body["bad_rows"],
    )


def test_header_only_export_is_a_ready_source_with_its_columns_and_no_rows(
    client: httpx.Client, api_user: ApiUser
) -> None:
    workspace = create_workspace(client, api_user)

    source = upload_ready(client, api_user, workspace, "orders.csv", b"order_id;customer;total\n")

    assert (source["row_count"], source["column_count"]) == (0, 3)
    assert [(c["identifier"], c["type"]) for c in source["profile"]["columns"]] == [
        ("order_id", "text"),
        ("customer", "text"),
        ("total", "text"),
    ]
    assert source["detected"]["notes"] == [
        "The file has a header but no data rows: 3 columns, read as text until rows arrive"
    ]
    preview = client.get(source_url(workspace, source["id"]) + "/preview", headers=api_user.headers)
    assert preview.status_code == 200, preview.text
    assert (preview.json()["rows"], preview.json()["total_rows"]) == ([], 0)
    assert "read as text until rows arrive" in format_markup(detail_info(source))


def test_lines_before_the_header_are_skipped_and_the_detail_says_how_many(
    client: httpx.Client, api_user: ApiUser
) -> None:
    workspace = create_workspace(client, api_user)
    body = "Sales report\nExported: 2024-03-01\n\nid,name,amount\n1,Ana,2.5\n2,Bo,3\n"

    source = upload_ready(client, api_user, workspace, "report.csv", body.encode())

    assert source["row_count"] == 2
    assert [c["identifier"] for c in source["profile"]["columns"]] == ["id", "name", "amount"]
    assert (source["detected"]["skipped_lines"], source["detected"]["preamble"]) == (
        3,
        ["Sales report", "Exported: 2024-03-01"],
    )
    markup = format_markup(detail_info(source))
    assert "<span>Skipped lines</span> 3" in markup
    assert "3 lines before the header skipped (the first one: &#x27;Sales report&#x27;)" in markup


def test_two_header_lines_become_one_name_per_column(
    client: httpx.Client, api_user: ApiUser
) -> None:
    workspace = create_workspace(client, api_user)
    body = ",Q1,,Q2,\nregion,Revenue,Cost,Revenue,Cost\nNorth,10,5,12,6\nSouth,11,4,13,7\n"

    source = upload_ready(client, api_user, workspace, "quarters.csv", body.encode())

    assert [(c["label"], c["identifier"]) for c in source["profile"]["columns"]] == [
        ("region", "region"),
        ("Q1 Revenue", "q1_revenue"),
        ("Q1 Cost", "q1_cost"),
        ("Q2 Revenue", "q2_revenue"),
        ("Q2 Cost", "q2_cost"),
    ]
    assert (source["row_count"], source["detected"]["header_lines"]) == (2, 2)
    assert "<span>Header row</span> 2 lines, merged" in format_markup(detail_info(source))
