"""Load the sample datasets into the demo tenant's workspaces, through the real upload pipeline.

Called by ``datapilot serve`` after the demo account exists. Each file is uploaded like a user's
(``start_upload`` → copy → ``finish_upload``), so its ingest runs in the server's ingest threads
and start-up does not wait for it. A workspace that already has sources is left alone: a restart
never duplicates them, and a user's changes are kept. A demo workspace emptied by its users gets
the sample data again on the next start.

Several server processes starting at once over one store take turns (a mutex in the store, see
:meth:`app.services.leases.Leases.mutex`): the first creates the account and queues the files,
the others then find them there, so there is one demo tenant and one copy of each file.
"""

from __future__ import annotations

import logging
import shutil
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.demo import DEMO_WORKSPACES, DemoSource
from app.services.errors import DomainError
from app.services.sources.service import SourceInfo, SourceService
from app.store.models import Tenant, User

if TYPE_CHECKING:
    import uuid

    from app.context import AppContext
    from app.principal import Principal

log = logging.getLogger("datapilot.demo")
DEMO_MUTEX = "demo-data"


def ensure_demo_account(ctx: AppContext, tenant_slug: str, email: str) -> str | None:
    """Create the demo tenant, user and sample workspaces once; returns the password then."""
    workspaces = [(w.name, w.description) for w in DEMO_WORKSPACES]
    with ctx.leases.mutex(DEMO_MUTEX):
        return ctx.admin.ensure_demo(tenant_slug, email, workspaces)


def load_demo_data(ctx: AppContext, tenant_slug: str, email: str) -> list[SourceInfo]:
    """Queue the ingest of every sample file missing from the demo workspaces.

    Returns the sources created (still ``ingesting``); empty when there was nothing to do.
    """
    with ctx.leases.mutex(DEMO_MUTEX):
        return _load(ctx, tenant_slug, email)


def _load(ctx: AppContext, tenant_slug: str, email: str) -> list[SourceInfo]:
    principal = demo_principal(ctx, tenant_slug, email)
    if principal is None or not principal.can_edit:
        log.info("sample data not loaded: %s cannot add sources to %s", email, tenant_slug)
        return []
    workspaces = {w.name: w.id for w in ctx.workspaces(principal).list()}
    sources = ctx.sources(principal)
    created: list[SourceInfo] = []
    for demo in DEMO_WORKSPACES:
        workspace_id = workspaces.get(demo.name)
        if workspace_id is None or sources.list(workspace_id):
            continue
        for item in demo.sources:
            info = _upload(sources, workspace_id, item)
            if info is not None:
                created.append(info)
    return created


def demo_principal(ctx: AppContext, tenant_slug: str, email: str) -> Principal | None:
    """The demo user acting in the demo tenant, if both exist and the user may sign in."""
    with ctx.db.transaction() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))
    if user_id is None or tenant_id is None:
        return None
    return ctx.accounts.principal_for(user_id, tenant_id)


def upload_sample(
    sources: SourceService, workspace_id: uuid.UUID | str, item: DemoSource
) -> SourceInfo:
    """Upload one sample file like a user's file; its ingest is queued (the source returned is
    still ``ingesting``).

    Raises
    ------
    DomainError
        When the source cannot be created (role, workspace, quota).
    OSError
        When the sample file cannot be copied (the source is then marked failed, saying why).
    """
    upload = sources.start_upload(
        workspace_id, item.filename, item.path.stat().st_size, name=item.name
    )
    try:
        shutil.copyfile(item.path, upload.path)
    except OSError as exc:
        sources.abort_upload(upload.source_id, f"The sample file could not be copied: {exc}")
        raise
    return sources.finish_upload(upload.source_id)


def _upload(sources: SourceService, workspace_id: uuid.UUID, item: DemoSource) -> SourceInfo | None:
    try:
        return upload_sample(sources, workspace_id, item)
    except (DomainError, OSError) as exc:
        log.warning("sample source %s not loaded: %s", item.name, exc)
        return None
