"""Integration fixtures: services over a real metadata store, API users on a real server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from app.principal import Principal
from app.services.accounts import AccountService
from app.services.admin import AdminService
from app.services.members import MemberService
from app.services.workspaces import WorkspaceService
from app.settings import Settings, ensure_secrets, load_settings
from app.store.db import Database
from tests.conftest import STRONG_PASSWORD, RunningServer
from tests.integration.live_databases import LiveDatabase, mysql_database, postgres_database

API = "/api/v1"


# -- the metadata store, used through the services -------------------------------------------------
def make_settings(workdir: Path, database_url: str, **sections: dict[str, Any]) -> Settings:
    """Settings read from a real YAML file in ``workdir``, with secrets generated there."""
    config: dict[str, Any] = {
        "storage": {"data_dir": str(workdir / "data")},
        "database": {"url": database_url},
    }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path = workdir / "datapilot.yaml"
    path.write_text(yaml.safe_dump(config))
    return ensure_secrets(load_settings(path))


@dataclass
class Store:
    """A migrated metadata store and the services a server would build over it."""

    db: Database
    settings: Settings
    accounts: AccountService
    admin: AdminService

    def workspaces(self, principal: Principal) -> WorkspaceService:
        return WorkspaceService(self.db, principal)

    def members(self, principal: Principal) -> MemberService:
        return MemberService(self.accounts, principal)

    def register(self, name: str = "Ada", organisation: str | None = None) -> Principal:
        """A new tenant whose admin is a new user with a unique email."""
        email = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:8]}@example.com"
        return self.accounts.register(name, email, STRONG_PASSWORD, organisation)

    def add_member(self, admin: Principal, role: str) -> tuple[Principal, str]:
        """Add a user with ``role`` to the admin's tenant; returns its principal and password."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        info, password = self.members(admin).add(email, role.title(), role)
        assert password is not None
        principal = self.accounts.principal_for(info.user_id, admin.tenant_id)
        assert principal is not None
        return principal, password


def open_store(workdir: Path, database_url: str, **sections: dict[str, Any]) -> Store:
    settings = make_settings(workdir, database_url, **sections)
    db = Database(settings.database_url)
    db.upgrade()
    return Store(db, settings, AccountService(db, settings), AdminService(db))


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store on SQLite and on PostgreSQL."""
    opened = open_store(tmp_path, database_url)
    yield opened
    opened.db.dispose()


# -- users of the REST API on a running server -------------------------------------------------------
@dataclass
class ApiUser:
    """A signed-up user of a running server and its current tokens."""

    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register_api_user(
    client: httpx.Client, name: str = "Ada", organisation: str | None = None
) -> ApiUser:
    email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    body: dict[str, Any] = {"name": name, "email": email, "password": STRONG_PASSWORD}
    if organisation:
        body["organisation"] = organisation
    response = client.post(f"{API}/auth/register", json=body)
    assert response.status_code == 201, response.text
    tokens = response.json()
    return ApiUser(email, STRONG_PASSWORD, tokens["access_token"], tokens["refresh_token"])


def login_api_user(client: httpx.Client, email: str, password: str) -> ApiUser:
    response = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens = response.json()
    return ApiUser(email, password, tokens["access_token"], tokens["refresh_token"])


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body[key], str) and body[key], f"problem has no {key}: {body}"
    return body


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


@pytest.fixture
def api_user(client: httpx.Client) -> ApiUser:
    """The admin of a brand-new tenant."""
    return register_api_user(client)


@pytest.fixture(scope="session")
def server_store(server: RunningServer) -> Iterator[Store]:
    """The shared server's own metadata store, for set-up a tenant admin would do elsewhere."""
    config = Path(str(server.settings["storage"]["data_dir"])).parent / "datapilot.yaml"  # type: ignore[index]
    settings = ensure_secrets(load_settings(config))
    db = Database(settings.database_url)
    yield Store(db, settings, AccountService(db, settings), AdminService(db))
    db.dispose()


# -- browser sign-in over plain HTTP -------------------------------------------------------------------
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def form_csrf(page: str) -> str:
    match = CSRF_FIELD.search(page)
    assert match, "the form has no csrf field"
    return match.group(1)


def browser_login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    """Sign in through the /login form like a browser: GET for the CSRF cookie, then POST."""
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login", data={"email": email, "password": password, "csrf": form_csrf(page.text)}
    )


# -- live PostgreSQL and MariaDB databases for connections -------------------------------------------
@pytest.fixture(scope="module", params=["postgres", pytest.param("mysql", marks=pytest.mark.mysql)])
def live_db(request: pytest.FixtureRequest) -> Iterator[LiveDatabase]:
    """A database on the local PostgreSQL or MariaDB with nycflights-like tables (per module)."""
    make = postgres_database if request.param == "postgres" else mysql_database
    yield from make()
