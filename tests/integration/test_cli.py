"""The ``datapilot`` command line on SQLite and PostgreSQL.

Most commands run in this process through ``app.cli.main`` (its argv, stdin, stdout, stderr,
working directory and environment are the command's own): starting Python and importing the app
for each of a hundred commands cost CI minutes and tested nothing more. The tests marked
``Cli.process`` and every ``serve`` test run ``python -m app.cli`` as a real subprocess, so the
entry point, exit codes and output of a real process stay covered.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import yaml
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select

from app.cli import main as cli_main
from app.context import AppContext
from app.services.ai import KeyVault
from app.services.errors import AuthenticationFailed
from app.settings import load_settings
from app.store.models import ApiKey, Tenant, User, Workspace
from tests.conftest import ROOT, STRONG_PASSWORD, free_port, start_server

GENERATED = re.compile(r"generated password for (\S+) \(shown once\): (\S+)")
EXAMPLE_TENANTS = ROOT / "config" / "tenants.yaml"


def _head() -> str:
    from alembic.script import ScriptDirectory

    from app.store.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


HEAD = _head()


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` is ``env`` for the duration (as a subprocess would see it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Cli:
    """``python -m app.cli --config <tmp config>`` against one metadata store."""

    workdir: Path
    config: Path
    process: bool = False
    """Run each command as a real ``python -m app.cli`` subprocess."""
    _contexts: list[AppContext] = field(default_factory=list)

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        argv = ["--config", str(self.config), *args]
        if self.process:
            return subprocess.run(
                [sys.executable, "-m", "app.cli", *argv],
                cwd=self.workdir,
                env=_clean_env(**(env or {})),
                input=stdin,
                capture_output=True,
                text=True,
                timeout=120,
            )
        out, err = io.StringIO(), io.StringIO()
        with _environment(_clean_env(**(env or {}))), contextlib.chdir(self.workdir):
            saved_stdin, sys.stdin = sys.stdin, io.StringIO(stdin or "")
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        code = cli_main(argv)
                    except SystemExit as exc:  # argparse's usage errors
                        code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdin = saved_stdin
        return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, **kwargs: object) -> str:
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def fails(self, *args: str, code: int = 1, **kwargs: object) -> str:
        """Run a command that must exit with ``code``, one line on stderr and no traceback."""
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.returncode == code, f"{args}: exit {result.returncode}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("datapilot: ")
        return lines[0]

    def context(self) -> AppContext:
        """The same store and secrets, opened in the test process to check the outcome."""
        if not self._contexts:
            self._contexts.append(AppContext(load_settings(self.config)))
        return self._contexts[0]

    def close(self) -> None:
        for ctx in self._contexts:
            ctx.db.dispose()


def _write_config(path: Path, data_dir: Path, database_url: str | None = None) -> Path:
    config: dict[str, object] = {"storage": {"data_dir": str(data_dir)}}
    if database_url:
        config["database"] = {"url": database_url}
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def bare_cli(tmp_path: Path, database_url: str) -> Iterator[Cli]:
    """A CLI on an empty store (no schema yet)."""
    cli = Cli(tmp_path, _write_config(tmp_path / "datapilot.yaml", tmp_path / "data", database_url))
    yield cli
    cli.close()


@pytest.fixture
def cli(bare_cli: Cli) -> Cli:
    """A CLI on a migrated store (the tests of `db` itself run the command)."""
    bare_cli.context().db.upgrade()
    return bare_cli


@pytest.fixture
def acme(cli: Cli) -> Cli:
    """A store with tenant ``acme`` (set up in-process: these tests exercise other commands)."""
    cli.context().admin.create_tenant("acme", "Acme Corp")
    return cli


def _add_user(cli: Cli, email: str, role: str = "viewer", tenant: str = "acme") -> None:
    cli.context().admin.create_user(email, "", tenant, role, STRONG_PASSWORD)


def _generated_password(output: str, email: str) -> str:
    passwords = dict(GENERATED.findall(output))
    assert email in passwords, output
    return passwords[email]


def _signs_in(cli: Cli, email: str, password: str) -> bool:
    try:
        cli.context().accounts.authenticate(email, password, "127.0.0.1")
    except AuthenticationFailed:
        return False
    return True


def _users(cli: Cli) -> dict[str, list[str]]:
    """Memberships in the store as {email: [tenant, role, state]} (the first tenant listed)."""
    rows: dict[str, list[str]] = {}
    for row in cli.context().admin.list_users():
        state = "active" if row.active else "inactive"
        rows.setdefault(row.email, [row.tenant, row.role, state])
    return rows


# -- db ------------------------------------------------------------------------------------------
def test_db_upgrade_creates_the_schema_and_reports_the_revision(bare_cli: Cli) -> None:
    bare_cli.process = True
    out = bare_cli.ok("db", "upgrade")
    assert f"database revision: {HEAD} (up to date)" in out
    tables = inspect(bare_cli.context().db.engine).get_table_names()
    assert {"tenants", "users", "memberships", "workspaces"} <= set(tables)


def test_db_current_on_an_empty_store_says_to_upgrade(bare_cli: Cli) -> None:
    out = bare_cli.ok("db", "current")
    assert "database revision: empty" in out
    assert "run `datapilot db upgrade`" in out


def test_db_current_after_upgrade_is_up_to_date(cli: Cli) -> None:
    assert cli.ok("db", "current").strip() == f"database revision: {HEAD} (up to date)"


def test_db_downgrade_base_removes_every_table(cli: Cli) -> None:
    out = cli.ok("db", "downgrade", "base")
    assert "database revision: empty" in out
    tables = set(inspect(cli.context().db.engine).get_table_names())
    assert not tables - {"alembic_version"}


def test_admin_on_unmigrated_postgres_asks_for_db_upgrade(bare_cli: Cli, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the embedded store migrates itself")
    line = bare_cli.fails("admin", "create-tenant", "acme", code=2)
    assert "run `datapilot db upgrade` first" in line


def test_admin_on_a_fresh_embedded_store_migrates_it(tmp_path: Path) -> None:
    cli = Cli(tmp_path, _write_config(tmp_path / "c.yaml", tmp_path / "data"))
    assert cli.ok("admin", "create-tenant", "acme").strip() == "created tenant acme"
    assert (tmp_path / "data" / "datapilot.db").exists()


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://bob:hunter2@127.0.0.1:{free_port()}/datapilot"
    cli = Cli(tmp_path, _write_config(tmp_path / "c.yaml", tmp_path / "data", url), process=True)
    line = cli.fails("admin", "list-users")
    assert "cannot use the database postgresql+psycopg://bob:***@127.0.0.1:" in line
    assert "hunter2" not in line


# -- tenants and users ---------------------------------------------------------------------------
def test_create_tenant_with_a_bad_slug_is_refused(cli: Cli) -> None:
    line = cli.fails("admin", "create-tenant", "Acme Corp")
    assert "slug 'Acme Corp' must be lowercase letters, digits and dashes" in line


def test_create_tenant_twice_is_refused(acme: Cli) -> None:
    assert "Tenant acme already exists" in acme.fails("admin", "create-tenant", "acme")


def test_create_user_prints_a_generated_password_once_that_signs_in(acme: Cli) -> None:
    out = acme.ok(
        "admin", "create-user", "ann@acme.example", "--tenant", "acme", "--role", "editor"
    )
    password = _generated_password(out, "ann@acme.example")
    assert out.count(password) == 1
    principal = acme.context().accounts.authenticate("ann@acme.example", password, "127.0.0.1")
    assert (principal.role, principal.tenant_name) == ("editor", "Acme Corp")


def test_create_user_with_password_stdin_uses_that_password(acme: Cli) -> None:
    out = acme.ok(
        "admin",
        "create-user",
        "ann@acme.example",
        "--tenant",
        "acme",
        "--password-stdin",
        stdin=STRONG_PASSWORD + "\n",
    )
    assert "generated password" not in out
    assert _signs_in(acme, "ann@acme.example", STRONG_PASSWORD)


def test_create_user_with_a_weak_password_is_refused_and_creates_nothing(acme: Cli) -> None:
    acme.process = True
    args = ("admin", "create-user", "ann@acme.example", "--tenant", "acme", "--password-stdin")
    result = acme.run(*args, stdin="password1\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "datapilot: Password must be at least 10 characters."
    ]
    assert "password is too easy to guess" in acme.fails(*args, stdin="password123\n").lower()
    assert "ann@acme.example" not in _users(acme)


def test_create_user_in_an_unknown_tenant_is_refused(cli: Cli) -> None:
    line = cli.fails("admin", "create-user", "ann@x.example", "--tenant", "nope")
    assert line == "datapilot: No tenant with slug nope."


def test_create_user_with_a_duplicate_email_is_refused(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    line = acme.fails("admin", "create-user", "ANN@acme.example", "--tenant", "acme")
    assert "A user with email ann@acme.example already exists" in line


def test_set_role_changes_the_role_a_user_signs_in_with(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    out = acme.ok("admin", "set-role", "ann@acme.example", "--tenant", "acme", "--role", "admin")
    assert out.strip() == "ann@acme.example is admin in acme"
    assert _users(acme)["ann@acme.example"] == ["acme", "admin", "active"]
    principal = acme.context().accounts.authenticate("ann@acme.example", STRONG_PASSWORD, "t")
    assert principal.role == "admin"


def test_set_role_for_an_unknown_user_is_refused(acme: Cli) -> None:
    line = acme.fails("admin", "set-role", "who@x.example", "--tenant", "acme", "--role", "admin")
    assert line == "datapilot: No user with email who@x.example."


def test_reset_password_replaces_the_old_one_and_signs_the_user_out(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    accounts = acme.context().accounts
    principal = accounts.authenticate("ann@acme.example", STRONG_PASSWORD, "127.0.0.1")
    browser = accounts.open_browser_session(principal)
    tokens = accounts.issue_tokens(principal)

    out = acme.ok("admin", "reset-password", "ann@acme.example")

    new_password = _generated_password(out, "ann@acme.example")
    assert "their sessions were signed out" in out
    assert not _signs_in(acme, "ann@acme.example", STRONG_PASSWORD)
    assert _signs_in(acme, "ann@acme.example", new_password)
    assert accounts.resolve_browser_session(browser.token) is None
    with pytest.raises(AuthenticationFailed):
        accounts.refresh_tokens(tokens.refresh_token)


def test_reset_password_from_stdin_sets_that_password(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    new_password = "another-strong-passphrase-77"
    out = acme.ok(
        "admin", "reset-password", "ann@acme.example", "--password-stdin", stdin=new_password
    )
    assert "generated password" not in out
    assert _signs_in(acme, "ann@acme.example", new_password)


def test_password_stdin_with_nothing_on_stdin_is_refused(acme: Cli) -> None:
    line = acme.fails(
        "admin", "create-user", "ann@acme.example", "--tenant", "acme", "--password-stdin", stdin=""
    )
    assert "no password arrived on stdin" in line


def test_deactivated_user_can_no_longer_sign_in(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    accounts = acme.context().accounts
    browser = accounts.open_browser_session(
        accounts.authenticate("ann@acme.example", STRONG_PASSWORD, "127.0.0.1")
    )

    assert acme.ok("admin", "deactivate", "ann@acme.example").strip() == (
        "ann@acme.example deactivated"
    )

    with pytest.raises(AuthenticationFailed, match="deactivated"):
        accounts.authenticate("ann@acme.example", STRONG_PASSWORD, "127.0.0.1")
    assert accounts.resolve_browser_session(browser.token) is None
    assert _users(acme)["ann@acme.example"][2] == "inactive"


def test_activated_user_can_sign_in_again(acme: Cli) -> None:
    _add_user(acme, "ann@acme.example")
    acme.ok("admin", "deactivate", "ann@acme.example")
    acme.ok("admin", "activate", "ann@acme.example")
    assert _signs_in(acme, "ann@acme.example", STRONG_PASSWORD)
    assert _users(acme)["ann@acme.example"][2] == "active"


def test_list_users_shows_tenant_email_role_and_state(acme: Cli) -> None:
    admin = acme.context().admin
    admin.create_tenant("beta")
    admin.create_user("ann@acme.example", "Ann Lee", "acme", "admin", STRONG_PASSWORD)
    admin.create_user("bo@beta.example", "", "beta", "viewer", STRONG_PASSWORD)
    admin.set_active("bo@beta.example", False)

    lines = acme.ok("admin", "list-users").splitlines()

    assert lines[0].split() == ["TENANT", "EMAIL", "ROLE", "STATE", "NAME"]
    assert [line.split() for line in lines[1:]] == [
        ["acme", "ann@acme.example", "admin", "active", "Ann", "Lee"],
        ["beta", "bo@beta.example", "viewer", "inactive", "bo"],
    ]
    only_beta = acme.ok("admin", "list-users", "--tenant", "beta").splitlines()[1:]
    assert [line.split()[1] for line in only_beta] == ["bo@beta.example"]


def test_list_users_of_an_unknown_tenant_is_refused(cli: Cli) -> None:
    assert cli.fails("admin", "list-users", "--tenant", "nope") == (
        "datapilot: No tenant with slug nope."
    )


# -- declarative tenants -------------------------------------------------------------------------
def _state(cli: Cli) -> dict[str, object]:
    """Everything ``apply`` may touch, read straight from the store."""
    with cli.context().db.transaction() as session:
        return {
            "tenants": sorted((t.slug, t.name) for t in session.scalars(select(Tenant))),
            "users": sorted(
                (u.email, u.display_name, u.password_hash, u.is_active)
                for u in session.scalars(select(User))
            ),
            "workspaces": sorted(w.name for w in session.scalars(select(Workspace))),
            "memberships": _users(cli),
        }


def test_apply_example_creates_tenants_users_roles_and_workspaces(cli: Cli) -> None:
    out = cli.ok("admin", "apply", str(EXAMPLE_TENANTS))

    assert "created tenant acme" in out
    assert _users(cli) == {
        "alice@acme.example": ["acme", "admin", "active"],
        "bob@acme.example": ["acme", "editor", "active"],
        "carol@acme.example": ["acme", "viewer", "active"],
        "dave@acme.example": ["acme", "viewer", "inactive"],
    }
    assert _state(cli)["workspaces"] == ["HR", "Sales"]
    principal = cli.context().accounts.authenticate(
        "alice@acme.example", _generated_password(out, "alice@acme.example"), "127.0.0.1"
    )
    assert (principal.role, principal.tenant_name) == ("admin", "Acme Corp")


def test_apply_twice_says_nothing_to_change_and_changes_nothing(cli: Cli) -> None:
    cli.ok("admin", "apply", str(EXAMPLE_TENANTS))
    before = _state(cli)

    out = cli.ok("admin", "apply", str(EXAMPLE_TENANTS))

    assert out.strip() == "nothing to change"
    assert _state(cli) == before


def test_apply_an_edited_file_applies_only_the_edits(cli: Cli, tmp_path: Path) -> None:
    spec = yaml.safe_load(EXAMPLE_TENANTS.read_text())
    cli.ok("admin", "apply", str(EXAMPLE_TENANTS))
    users = spec["tenants"][0]["users"]
    users[1]["role"] = "admin"  # bob: editor -> admin
    users[2]["active"] = False  # carol: deactivated
    users.append({"email": "erin@acme.example", "role": "editor"})
    edited = tmp_path / "tenants.yaml"
    edited.write_text(yaml.safe_dump(spec))

    out = cli.ok("admin", "apply", str(edited))

    changes = [line for line in out.splitlines() if not line.startswith("generated password")]
    assert changes == [
        "bob@acme.example in acme: role editor -> admin",
        "carol@acme.example in acme: deactivated",
        "created user erin@acme.example",
        "added erin@acme.example to acme as editor",
    ]
    _generated_password(out, "erin@acme.example")
    assert "alice@acme.example" not in out
    assert _users(cli)["bob@acme.example"] == ["acme", "admin", "active"]
    assert _users(cli)["carol@acme.example"] == ["acme", "viewer", "inactive"]


MALFORMED = {
    "bad_yaml": ("tenants:\n  - slug: [acme\n", "is not valid YAML at line"),
    "no_tenants_list": ("users: []\n", "tenants: is required"),
    "unknown_key": (
        "tenants:\n  - slug: acme\n    users:\n      - email: a@acme.example\n        rol: admin\n",
        "tenants[1] (acme).users[0] (a@acme.example).rol: unknown key",
    ),
    "bad_role": (
        "tenants:\n  - slug: acme\n    users:\n      - email: a@acme.example\n        role: owner\n",
        "tenants[1] (acme).users[0] (a@acme.example).role: Input should be 'admin', 'editor' or"
        " 'viewer' (got 'owner')",
    ),
    "bad_slug": ("tenants:\n  - slug: Acme Corp\n", "tenants[1] (Acme Corp).slug: Tenant slug"),
    "bad_email": (
        "tenants:\n  - slug: acme\n    users:\n      - email: nobody\n",
        "tenants[1] (acme).users[0] (nobody).email: Enter a valid email address",
    ),
    "duplicate_email": (
        "tenants:\n  - slug: acme\n    users:\n      - email: a@acme.example\n"
        "      - email: A@acme.example\n",
        "tenants[1] (acme).users: user a@acme.example is listed twice",
    ),
    "active_not_boolean": (
        "tenants:\n  - slug: acme\n    users:\n      - email: a@acme.example\n        active: 'no'\n",
        "tenants[1] (acme).users[0] (a@acme.example).active: Input should be a valid boolean",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_apply_a_malformed_file_names_the_problem_and_changes_nothing(
    cli: Cli, tmp_path: Path, case: str
) -> None:
    text, problem = MALFORMED[case]
    # A valid tenant first: it must not be created when a later entry is wrong.
    path = tmp_path / "tenants.yaml"
    path.write_text(text.replace("tenants:\n", "tenants:\n  - slug: first\n", 1))
    before = _state(cli)

    line = cli.fails("admin", "apply", str(path))

    assert str(path) in line
    assert problem in line
    assert _state(cli) == before


def test_apply_failing_midway_rolls_everything_back(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "tenants:\n"
        "  - slug: first\n"
        "    workspaces: [Sales]\n"
        "    users: [{email: a@first.example, role: admin}]\n"
        "  - slug: second\n"
        "    users: [{email: b@second.example, password_env: DP_TEST_UNSET_PASSWORD}]\n"
    )

    line = cli.fails("admin", "apply", str(path))

    assert "tenants[1] (second).users[0] (b@second.example)" in line
    assert "environment variable DP_TEST_UNSET_PASSWORD is not set" in line
    assert _state(cli)["tenants"] == []
    assert _state(cli)["workspaces"] == []


def test_apply_password_env_sets_a_new_users_password(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "tenants:\n  - slug: acme\n    users:\n"
        "      - {email: carol@acme.example, password_env: CAROL_PASSWORD}\n"
    )

    out = cli.ok("admin", "apply", str(path), env={"CAROL_PASSWORD": STRONG_PASSWORD})

    assert "generated password" not in out
    assert STRONG_PASSWORD not in out
    assert _signs_in(cli, "carol@acme.example", STRONG_PASSWORD)


def test_apply_password_env_with_a_weak_password_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        "tenants:\n  - slug: acme\n    users:\n"
        "      - {email: carol@acme.example, password_env: CAROL_PASSWORD}\n"
    )
    line = cli.fails("admin", "apply", str(path), env={"CAROL_PASSWORD": "carol"})
    assert "(carol@acme.example): Password must be at least 10 characters" in line
    assert _state(cli)["tenants"] == []


# -- serve: demo account, secrets, settings from the environment ---------------------------------
def _login(base_url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=30
    )


def test_serve_first_start_prints_demo_credentials_that_sign_in(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        log = server.log()
        assert "email:    demo@datapilot.local" in log
        assert server.demo_password and log.count(server.demo_password) == 1
        reply = _login(server.base_url, "demo@datapilot.local", server.demo_password)
        assert reply.status_code == 200, reply.text
    finally:
        server.stop()


def test_serve_second_start_prints_no_password_and_how_to_reset_it(tmp_path: Path) -> None:
    start_server(tmp_path).stop()
    (tmp_path / "server.log").unlink()

    server = start_server(tmp_path)
    try:
        log = server.log()
        assert server.demo_password is None
        assert "password:" not in log
        config = tmp_path / "datapilot.yaml"
        assert f"`datapilot --config {config} admin reset-password demo@datapilot.local`" in log
    finally:
        server.stop()


def test_serve_generates_secrets_with_mode_600_and_never_prints_them(tmp_path: Path) -> None:
    server = start_server(tmp_path, demo=False)
    server.stop()
    path = server.data_dir / "secrets.yaml"
    secrets = yaml.safe_load(path.read_text())

    assert path.stat().st_mode & 0o777 == 0o600
    assert len(secrets["secret_key"]) >= 32
    log = server.log()
    assert secrets["secret_key"] not in log
    assert all(key not in log for key in secrets["encryption_keys"])


def test_serve_reuses_generated_secrets_so_tokens_survive_a_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        reply = _login(first.base_url, "demo@datapilot.local", first.demo_password or "")
        token = reply.json()["access_token"]
    finally:
        first.stop()
    secrets_before = (first.data_dir / "secrets.yaml").read_text()

    second = start_server(tmp_path)
    try:
        me = httpx.get(f"{second.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["email"] == "demo@datapilot.local"
    finally:
        second.stop()
    assert (second.data_dir / "secrets.yaml").read_text() == secrets_before


def test_serve_port_from_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    file_port, env_port = free_port(), free_port()
    config = _write_config(tmp_path / "datapilot.yaml", tmp_path / "data")
    config.write_text(
        config.read_text() + yaml.safe_dump({"server": {"port": file_port, "host": "127.0.0.1"}})
    )
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--config", str(config), "serve", "--no-demo"],
        cwd=tmp_path,
        env=_clean_env(DATAPILOT_SERVER__PORT=str(env_port)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_healthy(f"http://127.0.0.1:{env_port}", process)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{file_port}/health", timeout=2)
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def _wait_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


# -- rotate-secrets -----------------------------------------------------------------------------
AI_KEY = "sk-test-ROTATE-3c1e7b2d4068a1c3e5f7b9d1abcd"


def _store_ai_key(cli: Cli, key: str = AI_KEY) -> None:
    """An AI provider row of tenant acme holding ``key``, encrypted by the store's vault."""
    ctx = cli.context()
    with ctx.db.transaction() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == "acme")).one()
        session.add(
            ApiKey(
                tenant_id=tenant.id,
                provider="openai",
                model="gpt-4.1",
                encrypted_key=ctx.vault.encrypt(key),
                key_last4=key[-4:],
                active=True,
            )
        )


def _stored_tokens(cli: Cli) -> list[str]:
    with cli.context().db.transaction() as session:
        return [t for t in session.scalars(select(ApiKey.encrypted_key)).all() if t]


def test_rotate_secrets_adds_a_master_key_first_and_reencrypts_stored_keys(acme: Cli) -> None:
    _store_ai_key(acme)
    secrets_path = acme.workdir / "data" / "secrets.yaml"
    old = yaml.safe_load(secrets_path.read_text())["encryption_keys"]
    before = _stored_tokens(acme)

    out = acme.ok("admin", "rotate-secrets")

    keys = yaml.safe_load(secrets_path.read_text())["encryption_keys"]
    assert len(keys) == 2 and keys[1:] == old
    assert secrets_path.stat().st_mode & 0o777 == 0o600
    assert "re-encrypted 1 of 1 stored API key(s)" in out
    assert not any(key in out for key in keys) and AI_KEY not in out
    (token,) = _stored_tokens(acme)
    assert token != before[0]
    assert KeyVault([keys[0]]).decrypt(token) == AI_KEY  # the new key alone opens it
    assert "re-encrypted 0 of 1" in acme.ok("admin", "rotate-secrets", "--reencrypt")


def test_rotate_secrets_with_configured_keys_prints_one_and_reencrypts_after_the_edit(
    acme: Cli,
) -> None:
    old = Fernet.generate_key().decode()
    config = yaml.safe_load(acme.config.read_text())
    config["secrets"] = {"encryption_keys": [old]}
    acme.config.write_text(yaml.safe_dump(config))
    acme.close()
    acme._contexts.clear()
    _store_ai_key(acme)

    out = acme.ok("admin", "rotate-secrets")
    assert "DataPilot does not edit them" in out
    (new,) = re.findall(r"^\s+(\S{44})$", out, re.MULTILINE)
    assert KeyVault([old]).decrypt(_stored_tokens(acme)[0]) == AI_KEY  # nothing changed yet
    assert not (acme.workdir / "data" / "secrets.yaml").read_text().count(new)

    config["secrets"] = {"encryption_keys": [new, old]}
    acme.config.write_text(yaml.safe_dump(config))
    out = acme.ok("admin", "rotate-secrets", "--reencrypt")
    assert "re-encrypted 1 of 1 stored API key(s)" in out
    assert KeyVault([new]).decrypt(_stored_tokens(acme)[0]) == AI_KEY


def test_rotate_secrets_reports_keys_no_master_key_opens(acme: Cli) -> None:
    ctx = acme.context()
    with ctx.db.transaction() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == "acme")).one()
        stranger = KeyVault([Fernet.generate_key().decode()])
        session.add(
            ApiKey(tenant_id=tenant.id, provider="openai", encrypted_key=stranger.encrypt(AI_KEY))
        )
    out = acme.ok("admin", "rotate-secrets")
    assert "re-encrypted 0 of 1" in out
    assert "1 stored API key(s) open with none of the keys" in out
