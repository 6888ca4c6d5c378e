"""A server process's life as the several-processes tests need it, without the web server.

``python -m tests.integration.process_child CONFIG LOG serve GO`` waits for the file ``GO``, then
starts up like ``datapilot serve`` (start-up recovery, then the periodic recovery and the lease
heartbeat) and keeps running. ``... ingest USER TENANT WORKSPACE FILE`` uploads ``FILE`` as that
user and keeps running while (and after) it is ingested. Each writes what it does, one line at
a time, to ``LOG``.
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from pathlib import Path

from app.context import AppContext
from app.services.sources.recovery import recover_interrupted
from app.settings import ensure_secrets, load_settings


def say(log: Path, line: str) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(line + "\n")


def main(config: str, log_name: str, command: str, *args: str) -> None:
    log = Path(log_name)
    ctx = AppContext(ensure_secrets(load_settings(config)))
    if command == "serve":
        go = Path(args[0])
        say(log, "started")
        while not go.exists():
            time.sleep(0.01)
        grace = ctx.settings.processes.folder_grace_seconds
        fixed = recover_interrupted(ctx.db, ctx.files, grace_seconds=grace)
        say(log, f"recovered {fixed}")
        ctx.start_maintenance()
    elif command == "ingest":
        user, tenant, workspace, file = args
        principal = ctx.accounts.principal_for(uuid.UUID(user), uuid.UUID(tenant))
        assert principal is not None
        sources = ctx.sources(principal)
        path = Path(file)
        upload = sources.start_upload(workspace, path.name, path.stat().st_size)
        shutil.copyfile(path, upload.path)
        info = sources.finish_upload(upload.source_id)
        say(log, f"source {info.id}")
        while sources.get(info.id).status == "ingesting":
            time.sleep(0.05)
        say(log, f"ended {sources.get(info.id).status}")
    while True:  # a server keeps running until it is stopped
        time.sleep(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
