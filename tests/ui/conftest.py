"""Browser fixtures: Debian Chromium through Playwright, every page guarded.

A guarded page aborts and records every request to a host that is not local (or not in the
allowed origins), and records console errors and uncaught page errors. A test that used a
guarded page fails when anything was recorded, and failing tests leave screenshots of their open
pages in their tmp dir.

Other UI test modules use these directly::

    def test_something(page, base_url): ...                  # one guarded page, fresh context
    def test_other(new_page):
        page = new_page(base_url=url, allowed_origins=["http://127.0.0.1:9000"])
"""

from __future__ import annotations

import os
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import STRONG_PASSWORD, RunningServer

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with a clear reason
    expect = None  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
ON_SCREEN_JS = """
  // Every element matching a selector, through shadow roots; and whether one is on screen.
  const deepAll = (root, selector, found = []) => {
    found.push(...root.querySelectorAll(selector));
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) deepAll(el.shadowRoot, selector, found);
    return found;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.checkVisibility({ visibilityProperty: true });
  };
"""
"""JavaScript statements defining ``deepAll(root, selector)`` and ``shown(el)``, for scripts
that watch the page frame by frame (a test's order of appearance, a benchmark's timing)."""
TIMEOUT_MS = 20_000
SERVER_LOG_LINES = 40
"""Lines of the server's log shown under a failed browser test."""
if expect is not None:
    expect.set_options(timeout=TIMEOUT_MS)

_GUARDS = pytest.StashKey[list["PageGuard"]]()
_PAGE_GUARDS: weakref.WeakValueDictionary[int, PageGuard] = weakref.WeakValueDictionary()
_SHOTS_DIR = pytest.StashKey[Path]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.ui)


# -- the guard ---------------------------------------------------------------------------------------
class PageGuard:
    """Aborts and records non-local requests; records console errors and page errors.

    Parameters
    ----------
    allowed_origins
        Extra origins (``http://host:port``) or bare host names a page may reach besides
        127.0.0.1 and localhost.
    """

    def __init__(self, allowed_origins: Iterable[str] = ()) -> None:
        self.allowed_hosts = set(LOCAL_HOSTS)
        self.allowed_origins: set[str] = set()
        for origin in allowed_origins:
            if "://" in origin:
                self.allowed_origins.add(origin.rstrip("/").lower())
            else:
                self.allowed_hosts.add(origin.lower())
        self.recorded: list[str] = []
        self.pages: list[Any] = []
        self._console_errors: list[tuple[str, str]] = []
        self._client_error_documents: set[str] = set()

    @property
    def problems(self) -> list[str]:
        """Everything recorded that makes the test fail."""
        return self.recorded + [
            f"console error: {text} ({url})"
            for text, url in self._console_errors
            if not self._is_deliberate_status(text, url)
        ]

    def allow_client_error(self, url: str) -> None:
        """Accept Chromium's console error for a deliberate 4xx answer from ``url`` (an API
        call the test provokes on purpose, e.g. a refused upload)."""
        self._client_error_documents.add(url)

    def _is_deliberate_status(self, text: str, url: str) -> bool:
        # Chromium logs a console error for any 4xx answer, including a page the server
        # deliberately renders with 401/422 (a form with an error message). Only those document
        # answers are expected; a 4xx for a script, stylesheet or API call still fails.
        return url in self._client_error_documents and text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        )

    def allows(self, url: str) -> bool:
        if url.startswith(("data:", "blob:", "about:")):
            return True
        parts = urlsplit(url)
        if (parts.hostname or "").lower() in self.allowed_hosts:
            return True
        return f"{parts.scheme}://{parts.netloc}".lower() in self.allowed_origins

    def attach(self, context: Any) -> None:
        """Guard every page of a Playwright ``BrowserContext``."""
        context.route(lambda url: not self.allows(url), self._abort)
        context.on("page", self._watch_page)

    def _abort(self, route: Any) -> None:
        self.recorded.append(f"non-local request: {route.request.method} {route.request.url}")
        route.abort("blockedbyclient")

    def _watch_page(self, page: Any) -> None:
        if page in self.pages:
            return
        self.pages.append(page)
        _PAGE_GUARDS[id(page)] = self
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.recorded.append(f"page error: {exc}"))
        page.on("websocket", self._websocket)
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document" and 400 <= response.status < 500:
            self._client_error_documents.add(response.url)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self._console_errors.append((message.text, where))

    def _websocket(self, ws: Any) -> None:
        if not self.allows(ws.url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)):
            self.recorded.append(f"non-local websocket: {ws.url}")

    def report(self) -> str:
        return "the browser guard recorded:\n  " + "\n  ".join(self.problems)


def guard_of(page: Any) -> PageGuard:
    """The guard watching ``page``."""
    return _PAGE_GUARDS[id(page)]


def open_guarded_page(
    browser: Any,
    base_url: str | None = None,
    allowed_origins: Iterable[str] = (),
    **context_options: Any,
) -> tuple[Any, PageGuard]:
    """A page in a fresh browser context (own cookies) with a :class:`PageGuard` attached."""
    if base_url:
        context_options["base_url"] = base_url
    context_options.setdefault("viewport", {"width": 1280, "height": 800})
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    guard = PageGuard(allowed_origins)
    guard.attach(context)
    page = context.new_page()
    guard._watch_page(page)
    return page, guard


# -- pytest hooks: the guard fails the test, failures leave screenshots --------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    except BaseException as exc:
        problems = [p for g in item.stash.get(_GUARDS, []) for p in g.problems]
        if problems:
            exc.add_note("the browser guard also recorded:\n  " + "\n  ".join(problems))
        raise
    guards = [g for g in item.stash.get(_GUARDS, []) if g.problems]
    if guards:
        pytest.fail("\n".join(g.report() for g in guards), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed and _SHOTS_DIR in item.stash:
        shots = []
        for n, guard in enumerate(item.stash.get(_GUARDS, [])):
            for m, page in enumerate(guard.pages):
                if page.is_closed():
                    continue
                path = item.stash[_SHOTS_DIR] / f"failure-{n}-{m}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                    shots.append(f"{path}  ({page.url})")
                except Exception as exc:  # a crashed page must not hide the real failure
                    shots.append(f"{path}: no screenshot ({exc})")
        if shots:
            report.sections.append(("screenshots", "\n".join(shots)))
        server = item.funcargs.get("server") if hasattr(item, "funcargs") else None
        if isinstance(server, RunningServer):
            # What the server logged last: a page's failure is often only told there.
            tail = server.log().splitlines()[-SERVER_LOG_LINES:]
            report.sections.append(("server log (last lines)", "\n".join(tail)))
    return report


# -- fixtures -------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian Chromium, headless; UI tests skip without it unless DATAPILOT_REQUIRE_UI=1."""
    required = os.environ.get("DATAPILOT_REQUIRE_UI") == "1"
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found; install Debian's chromium to run the browser tests"
        if required:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        if required:
            pytest.fail(f"playwright is not installed: {exc}", pytrace=False)
        pytest.skip("playwright is not installed; browser tests skipped")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(
    browser: Any, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Any]]:
    """Factory: ``new_page(base_url=None, allowed_origins=(), **context_options)``.

    Each call opens a guarded page in its own browser context (separate cookies, so a second
    user can sign in beside the first). All are checked when the test ends.
    """
    guards = request.node.stash.setdefault(_GUARDS, [])
    request.node.stash[_SHOTS_DIR] = tmp_path
    contexts: list[Any] = []

    def open_page(
        base_url: str | None = None, allowed_origins: Iterable[str] = (), **options: Any
    ) -> Any:
        page, guard = open_guarded_page(browser, base_url, allowed_origins, **options)
        guards.append(guard)
        contexts.append(page.context)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def base_url(server: RunningServer) -> str:
    """The app under test; a module may override this fixture to use its own server."""
    return server.base_url


@pytest.fixture
def page(new_page: Callable[..., Any], base_url: str) -> Any:
    """One guarded page on ``base_url``."""
    return new_page(base_url=base_url)


# -- helpers shared by the UI tests ----------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """A user the test can sign in as."""

    name: str
    email: str
    password: str


class WorkspaceApi:
    """The REST API as a signed-in test user, on their first workspace: to arrange data and to
    check what the UI did. Test modules subclass it with what they need."""

    timeout = 60

    def __init__(self, server: RunningServer, account: Account) -> None:
        self.server = server
        with server.client() as client:
            reply = client.post(
                "/api/v1/auth/login", json={"email": account.email, "password": account.password}
            )
            assert reply.status_code == 200, reply.text
            self.headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
            workspaces = client.get("/api/v1/workspaces", headers=self.headers).json()
        self.workspace_id = workspaces["items"][0]["id"]

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.base_url, headers=self.headers, timeout=self.timeout
        )

    def upload(self, filename: str, data: bytes) -> str:
        """Upload a file as a new source; returns its id (it is still being ingested)."""
        with self.client() as client:
            reply = client.post(
                f"/api/v1/workspaces/{self.workspace_id}/sources",
                files={"file": (filename, data)},
            )
        assert reply.status_code == 202, reply.text
        return str(reply.json()["id"])

    def wait_ready(self, source_id: str) -> dict[str, Any]:
        """Poll the source until it is ready (fails at once if its ingest failed)."""
        deadline = time.monotonic() + 60
        with self.client() as client:
            while time.monotonic() < deadline:
                reply = client.get(f"/api/v1/workspaces/{self.workspace_id}/sources/{source_id}")
                body = reply.json()
                if body.get("status") == "ready":
                    return dict(body)
                assert body.get("status") != "failed", body
                time.sleep(0.2)
        raise AssertionError(f"source {source_id} did not become ready")


def api_account(
    server: RunningServer, name: str = "Grace Hopper", workspaces: Iterable[str] = ()
) -> Account:
    """Register a new tenant admin over the REST API and create ``workspaces`` for it."""
    email = f"ui-{uuid.uuid4().hex[:10]}@example.com"
    with server.client() as client:
        reply = client.post(
            "/api/v1/auth/register",
            json={"name": name, "email": email, "password": STRONG_PASSWORD},
        )
        assert reply.status_code == 201, reply.text
        headers = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        for workspace in workspaces:
            created = client.post("/api/v1/workspaces", json={"name": workspace}, headers=headers)
            assert created.status_code == 201, created.text
    return Account(name, email, STRONG_PASSWORD)


def wait_for_shell(page: Any) -> None:
    """Wait until the Panel page has rendered the shell (the user menu is the last to show)."""
    expect(page.locator(".dp-user-button")).to_be_visible()


def sign_in(page: Any, email: str, password: str, then: str = "/sources") -> None:
    """Sign in through the login form and wait for the shell of ``then``."""
    if "/login" not in page.url:
        page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"**{then}")
    wait_for_shell(page)


def sign_out(page: Any) -> None:
    """Log out through the user menu."""
    page.locator(".dp-user-button").click()
    menu = page.locator(".dp-user-popover")
    expect(menu).to_be_visible()
    menu.get_by_role("menuitem", name="Log out").click()
    page.wait_for_url("**/login?notice=logged-out")


def create_workspace_in_sidebar(page: Any, name: str) -> None:
    """Create a workspace with the sidebar's New button; it becomes the current one."""
    page.locator(".dp-workspace-new button").click()
    field = page.locator(".dp-workspace-name input")
    expect(field).to_be_visible()
    field.fill(name)
    field.press("Enter")
    expect(page.locator(".dp-crumb-workspace")).to_have_text(name)
    expect(field).to_be_hidden()


def selected_workspace(page: Any) -> Any:
    """The option currently chosen in the sidebar's workspace select."""
    return page.locator(".dp-workspace-select select option:checked")


def add_member_in_settings(page: Any, email: str, name: str, role: str) -> str:
    """On the Settings page, add a member; returns the generated password shown once."""
    page.locator(".dp-member-email input").fill(email)
    page.locator(".dp-member-name input").fill(name)
    page.locator(".dp-member-role select").select_option(role)
    page.locator(".dp-member-add button").click()
    issued = page.locator(".dp-member-password")
    expect(issued).to_contain_text(email)
    return str(issued.locator(".dp-generated-password").inner_text()).strip()


class ClickCounter:
    """Counts a test's clicks: each one goes through :meth:`click`, so a test can say how many
    clicks a journey takes (``assert clicks.count <= 5``) and which they were."""

    def __init__(self) -> None:
        self.clicked: list[str] = []

    @property
    def count(self) -> int:
        return len(self.clicked)

    def click(self, locator: Any, **options: Any) -> None:
        """Click ``locator`` (a Playwright locator) and count it."""
        self.clicked.append(str(locator))
        locator.click(**options)


@pytest.fixture
def clicks() -> ClickCounter:
    """A fresh :class:`ClickCounter`."""
    return ClickCounter()
