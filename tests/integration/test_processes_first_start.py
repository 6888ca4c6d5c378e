"""The first start of several processes at once on one fresh data directory and store: they end
with one set of secrets that all of them use, and one demo tenant with one copy of each sample
file."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import yaml
from sqlalchemy import func, select

from app.context import AppContext
from app.demo import DEMO_WORKSPACES
from app.demo.loader import ensure_demo_account, load_demo_data
from app.settings import SECRETS_FILE, ensure_secrets, load_settings
from app.store.models import Source, Tenant
from tests.conftest import ROOT
from tests.integration.two_processes import SHORT_LEASES, close

STARTERS = 8
ROUNDS = 10

SECRETS_OF_ONE_PROCESS = """
import hashlib, sys, time
from pathlib import Path
from app.settings import ensure_secrets, load_settings
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
settings = ensure_secrets(load_settings(sys.argv[1]))
print(hashlib.sha256((settings.secret_key + "|".join(settings.secrets.encryption_keys)).encode())
      .hexdigest())
"""


def config(tmp_path: Path, database_url: str | None = None) -> Path:
    data: dict[str, object] = {"storage": {"data_dir": str(tmp_path / "data")}}
    if database_url:
        data["database"] = {"url": database_url}
        data["processes"] = SHORT_LEASES
    path = tmp_path / "datapilot.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def digest(secret_key: str | None, keys: list[str]) -> str:
    return hashlib.sha256((str(secret_key) + "|".join(keys)).encode()).hexdigest()


def test_threads_starting_at_once_share_one_set_of_generated_secrets(tmp_path: Path) -> None:
    for round in range(ROUNDS):  # a race: each round is one more chance to lose it
        folder = tmp_path / f"round-{round}"
        folder.mkdir()
        path = config(folder)
        start = threading.Barrier(STARTERS)
        seen: list[str] = []
        errors: list[Exception] = []

        def starter(
            path: Path = path,
            start: threading.Barrier = start,
            seen: list[str] = seen,
            errors: list[Exception] = errors,
        ) -> None:
            settings = load_settings(path)
            start.wait()
            try:
                ensure_secrets(settings)
            except Exception as exc:  # a half-written secrets file read by another starter
                errors.append(exc)
                return
            seen.append(digest(settings.secrets.secret_key, settings.secrets.encryption_keys))

        threads = [threading.Thread(target=starter) for _ in range(STARTERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert len(set(seen)) == 1 and len(seen) == STARTERS
        stored = yaml.safe_load((folder / "data" / SECRETS_FILE).read_text())
        assert digest(stored["secret_key"], stored["encryption_keys"]) == seen[0]
        assert sorted(p.name for p in (folder / "data").iterdir()) == [SECRETS_FILE]


def test_processes_starting_at_once_share_one_set_of_generated_secrets(tmp_path: Path) -> None:
    path = config(tmp_path)
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SECRETS_OF_ONE_PROCESS, str(path), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    go.touch()
    outputs = [p.communicate(timeout=60) for p in processes]

    assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in outputs]
    assert len({out.strip() for out, _ in outputs}) == 1
    stored = yaml.safe_load((tmp_path / "data" / SECRETS_FILE).read_text())
    assert digest(stored["secret_key"], stored["encryption_keys"]) == outputs[0][0].strip()


def test_two_contexts_starting_at_once_make_one_demo_tenant_with_one_copy_of_each_file(
    database_url: str, tmp_path: Path
) -> None:
    settings = ensure_secrets(load_settings(config(tmp_path, database_url)))
    first, second = (AppContext(settings.model_copy(deep=True)) for _ in range(2))
    first.db.upgrade()
    demo = settings.demo
    start = threading.Barrier(2)
    passwords: list[str | None] = []
    errors: list[Exception] = []

    def starting(ctx: AppContext) -> None:
        start.wait()
        try:
            passwords.append(ensure_demo_account(ctx, demo.tenant, demo.email))
            load_demo_data(ctx, demo.tenant, demo.email)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=starting, args=(ctx,)) for ctx in (first, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert sum(password is not None for password in passwords) == 1
        with first.db.transaction() as session:
            tenants = session.scalar(select(func.count()).where(Tenant.slug == demo.tenant))
            files = session.execute(select(Source.name, func.count()).group_by(Source.name)).all()
        assert tenants == 1
        expected = sorted(s.name for w in DEMO_WORKSPACES for s in w.sources)
        assert sorted(name for name, _ in files) == expected
        assert {count for _, count in files} == {1}
    finally:
        close(first, second)
