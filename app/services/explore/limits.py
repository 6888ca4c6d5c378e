"""Per-tenant limits on Explore's AI calls and their audit log.

Every question becomes a row of ``ai_calls`` *before* its answer is computed (see
:func:`begin_call`), so the requests-per-minute limit also counts questions still being
answered, and the row is completed with the provider, model, tokens and outcome afterwards
(:func:`finish_call`). The monthly budget counts the tokens of the tenant's calls since the
first of the month (UTC).

Checking and recording happen under :func:`tenant_gate`: one question of a tenant at a time
passes that step (a lock per tenant in the process, and on PostgreSQL a row lock on the tenant
held to the commit, for several processes), so concurrent questions cannot all read "under the
limit" before any of them is recorded.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.ai_limits import AiLimitSettings
from app.errors import Throttled
from app.principal import Principal
from app.store.explore import AiCallRepository
from app.store.models import AiCall, Tenant, utcnow

MAX_AUDIT_QUESTION = 500
RATE_WINDOW = timedelta(minutes=1)


_GATES: dict[uuid.UUID, threading.Lock] = {}
_GATES_LOCK = threading.Lock()


@contextmanager
def tenant_gate(principal: Principal) -> Iterator[None]:
    """Let one question of the principal's tenant at a time through the check-and-record step
    in this process (wrap the whole transaction: the record must be committed on leaving)."""
    with _GATES_LOCK:
        gate = _GATES.setdefault(principal.tenant_id, threading.Lock())
    with gate:
        yield


def lock_tenant(session: Session, principal: Principal) -> None:
    """Hold the tenant's row until the transaction ends (PostgreSQL; SQLite serialises writes
    itself and ignores the clause), so other processes wait to check the same limits."""
    session.execute(select(Tenant.id).where(Tenant.id == principal.tenant_id).with_for_update())


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def check_limits(session: Session, principal: Principal, limits: AiLimitSettings) -> None:
    """Refuse (429) when the principal's tenant is past its rate or its monthly token budget.

    Raises
    ------
    Throttled
        With a message naming the limit and when it lifts, and ``retry_after`` in seconds.
    """
    calls = AiCallRepository(session, principal)
    now = utcnow()
    if limits.rate_per_minute:
        since = now - RATE_WINDOW
        asked = calls.count_since(since)
        if asked >= limits.rate_per_minute:
            oldest = calls.oldest_since(since) or now
            retry = max(1, math.ceil((_aware(oldest) + RATE_WINDOW - now).total_seconds()))
            raise Throttled(
                f"Your organisation asked {asked} questions in the last minute, its limit "
                f"(ai.limits.rate_per_minute is {limits.rate_per_minute}); try again in "
                f"{retry} seconds.",
                retry,
            )
    if limits.monthly_token_budget:
        used = calls.tokens_since(month_start(now))
        if used >= limits.monthly_token_budget:
            renews = next_month(now)
            raise Throttled(
                f"Your organisation has used its AI budget for this month ({used:,} of "
                f"{limits.monthly_token_budget:,} tokens); it renews on "
                f"{renews:%d %B %Y} (UTC). An administrator can raise "
                "ai.limits.monthly_token_budget.",
                max(1, math.ceil((renews - now).total_seconds())),
            )


def begin_call(
    session: Session, principal: Principal, workspace_id: uuid.UUID, question: str
) -> AiCall:
    """Record a question about to be answered (provider, model and tokens come later)."""
    return AiCallRepository(session, principal).add(
        AiCall(
            workspace_id=workspace_id,
            user_id=principal.user_id,
            question=_clip(question),
        )
    )


def finish_call(
    session: Session,
    principal: Principal,
    call_id: uuid.UUID,
    *,
    provider: str = "",
    model: str = "",
    input_tokens: int = 0,
    output_tokens: int = 0,
    outcome: str | None = None,
    error: str | None = None,
) -> None:
    """Complete the audit row of a call with what it used and how it ended."""
    row = AiCallRepository(session, principal).get(call_id)
    if row is None:  # its workspace's tenant was deleted meanwhile
        return
    row.provider = provider[:32]
    row.model = model[:200]
    row.input_tokens = max(0, input_tokens)
    row.output_tokens = max(0, output_tokens)
    row.outcome = None if outcome is None else outcome[:16]
    row.error = None if error is None else error[:64]


def audit(
    session: Session,
    principal: Principal,
    workspace_id: uuid.UUID | None,
    question: str,
    *,
    provider: str = "",
    model: str = "",
    input_tokens: int = 0,
    output_tokens: int = 0,
    outcome: str | None = None,
    error: str | None = None,
) -> AiCall:
    """Record one finished AI call in one go (for calls made outside :meth:`ask`)."""
    return AiCallRepository(session, principal).add(
        AiCall(
            workspace_id=workspace_id,
            user_id=principal.user_id,
            question=_clip(question),
            provider=provider[:32],
            model=model[:200],
            input_tokens=max(0, input_tokens),
            output_tokens=max(0, output_tokens),
            outcome=None if outcome is None else outcome[:16],
            error=None if error is None else error[:64],
        )
    )


def _clip(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= MAX_AUDIT_QUESTION else text[: MAX_AUDIT_QUESTION - 1] + "…"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
