"""Result byte limits and CSV formula neutralising over real HTTP, on a server with 20 MB limits:
a viewer's huge result is refused with the limit named while the server's memory stays bounded,
and a download reads back with formulas neutralised."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.services.accounts import AccountService
from app.services.admin import AdminService
from app.settings import ensure_secrets, load_settings
from app.store.db import Database
from tests.conftest import RunningServer, start_server
from tests.integration.conftest import ApiUser, Store, assert_problem, register_api_user
from tests.integration.sources_api import create_workspace
from tests.integration.sql_api import run_sql, sql_url
from tests.integration.test_rest_workspaces import add_member
from tests.integration.test_upload_memory import PeakSampler
from tests.unit.query.workspace_data import numbers

MB = 2**20
NARROW_300_MB = f"SELECT repeat('x', 1000) || i AS s FROM {numbers(300_000)}"
"""About 300 MB of result in rows of 1 KB."""
WIDE = f"SELECT repeat('x', 20000) || i AS s FROM {numbers(3000)}"
"""60 MB in rows of 20 KB: the first batch alone passes a 20 MB limit."""


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    # The row limit at its highest, so only the byte limits stand in the way.
    limits = {
        "sql": {
            "display_limit": 1_000_000,
            "display_max_mb": 20,
            "download_max_mb": 20,
            "value_max_mb": 16,
        }
    }
    running = start_server(tmp_path_factory.mktemp("sql-limits"), settings=limits, demo=False)
    yield running
    running.stop()
    shutil.rmtree(running.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def limited_store(limited_server: RunningServer) -> Iterator[Store]:
    data_dir = Path(str(limited_server.settings["storage"]["data_dir"]))  # type: ignore[index]
    settings = ensure_secrets(load_settings(data_dir.parent / "datapilot.yaml"))
    db = Database(settings.database_url)
    yield Store(db, settings, AccountService(db, settings), AdminService(db))
    db.dispose()


@pytest.fixture
def client(limited_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited_server.base_url, timeout=120) as http:
        yield http


@pytest.fixture
def admin(client: httpx.Client) -> ApiUser:
    return register_api_user(client)


@pytest.fixture
def workspace(client: httpx.Client, admin: ApiUser) -> str:
    return create_workspace(client, admin)  # SQL over no tables: the limits need none


@pytest.fixture
def viewer(limited_store: Store, client: httpx.Client, admin: ApiUser) -> ApiUser:
    return add_member(limited_store, client, admin, "viewer")


def download(client: httpx.Client, user: ApiUser, workspace: str, sql: str) -> httpx.Response:
    body = {"sql": sql, "format": "csv"}
    return client.post(sql_url(workspace, "/download"), json=body, headers=user.headers)


# -- /sql ------------------------------------------------------------------------------------------
def test_a_viewers_huge_value_is_refused_quickly_and_memory_stays_bounded(
    client: httpx.Client, limited_server: RunningServer, viewer: ApiUser, workspace: str
) -> None:
    started = time.perf_counter()
    with PeakSampler(limited_server.process.pid) as sampler:
        before = sampler.peak
        response = run_sql(client, viewer, workspace, "SELECT repeat('x', 2000000000)")
    problem = assert_problem(response, 422)
    assert problem["limit"] == "value"
    assert "16 MB limit for one value" in problem["detail"]
    assert time.perf_counter() - started < 15  # today: 200 after 42 s with 2 GB of JSON
    assert sampler.peak - before < 100 * MB


def test_a_viewers_300_mb_result_is_refused_at_the_display_limit(
    client: httpx.Client, limited_server: RunningServer, viewer: ApiUser, workspace: str
) -> None:
    with PeakSampler(limited_server.process.pid) as sampler:
        before = sampler.peak
        response = run_sql(client, viewer, workspace, NARROW_300_MB, limit=1_000_000)
    problem = assert_problem(response, 422)
    assert problem["detail"] == (
        "The result is larger than the 20 MB display limit; add a LIMIT or select fewer "
        "columns, or download it."
    )
    assert (problem["limit"], problem["max_bytes"]) == ("display", 20 * MB)
    assert sampler.peak - before < 100 * MB


def test_a_refused_result_is_in_the_history_as_failed(
    client: httpx.Client, admin: ApiUser, workspace: str
) -> None:
    assert_problem(run_sql(client, admin, workspace, NARROW_300_MB, limit=1_000_000), 422)
    history = client.get(sql_url(workspace, "/history"), headers=admin.headers).json()["items"]
    assert "20 MB display limit" in history[0]["error"]


def test_the_same_query_with_a_limit_runs(
    client: httpx.Client, viewer: ApiUser, workspace: str
) -> None:
    response = run_sql(client, viewer, workspace, NARROW_300_MB + " LIMIT 100")
    assert response.status_code == 200, response.text
    assert len(response.json()["rows"]) == 100


# -- /sql/download ---------------------------------------------------------------------------------
def test_a_download_too_large_from_its_first_batch_answers_422_before_any_file(
    client: httpx.Client, viewer: ApiUser, workspace: str
) -> None:
    response = download(client, viewer, workspace, WIDE)
    problem = assert_problem(response, 422)
    assert problem["limit"] == "download"
    assert "20 MB download limit" in problem["detail"]
    assert "content-disposition" not in response.headers


def test_a_download_passing_its_limit_later_is_cut_off_with_memory_bounded(
    client: httpx.Client, limited_server: RunningServer, viewer: ApiUser, workspace: str
) -> None:
    received = 0
    body = {"sql": NARROW_300_MB, "format": "csv"}
    with PeakSampler(limited_server.process.pid) as sampler:
        before = sampler.peak
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream(
                "POST", sql_url(workspace, "/download"), json=body, headers=viewer.headers
            ) as response,
        ):
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += len(chunk)
    assert 0 < received <= 21 * MB  # the client never gets a complete 300 MB file
    assert sampler.peak - before < 100 * MB
    assert "download limit" in limited_server.log()


def test_a_downloaded_csv_has_formulas_neutralised_and_numbers_untouched(
    client: httpx.Client, viewer: ApiUser, workspace: str
) -> None:
    sql = (
        "SELECT * FROM (VALUES "
        '(1, \'=HYPERLINK("http://evil.example","click")\', -5, -2.5), '
        "(2, '+cmd|'' /C calc''!A0', 0, 1.0), "
        "(3, '-2+3', 7, 0.5), "
        "(4, '@SUM(A1)', -1, -1.0), "
        "(5, chr(9) || 'tab', 1, 1.0), "
        "(6, chr(13) || 'cr', 1, 1.0), "
        "(7, 'plain = text', -3, -3.0)"
        ") t(id, label, n, x) ORDER BY id"
    )
    response = download(client, viewer, workspace, sql)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == ["id", "label", "n", "x"]
    assert [row[1] for row in rows[1:]] == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'+cmd|' /C calc'!A0",
        "'-2+3",
        "'@SUM(A1)",
        "'\ttab",
        "'\rcr",
        "plain = text",
    ]
    assert [row[2] for row in rows[1:]] == ["-5", "0", "7", "-1", "1", "1", "-3"]
    assert rows[1][3] == "-2.5"
