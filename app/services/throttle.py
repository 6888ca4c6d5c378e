"""Sign-in throttling: failed attempts per account and client address, and per address.

Attempts are rows of ``login_attempts``, so the limits hold across processes and restarts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Throttled
from app.settings import ThrottleSettings
from app.store.models import LoginAttempt, utcnow

# How long an account+address pair's failed sign-ins count towards its growing wait.
PAIR_MEMORY = timedelta(days=1)


def aware(value: datetime) -> datetime:
    """``value`` with UTC attached: SQLite hands back naive datetimes (stored as UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_login_throttle(
    session: Session, rules: ThrottleSettings, email: str, address: str
) -> None:
    """Refuse when this address failed this account, or any accounts, too often.

    Failures count per account *and* address together, so a stranger's wrong passwords
    never lock the owner out from their own address. Past the limit each further failure
    doubles the wait (``lockout_seconds``, 2x, 4x ... up to the window). A pair remembers
    its failures for a day, so the waits keep growing past the window; a success from the
    address clears them (its owner is back), but never the address's own count: otherwise
    one valid account would let an address guess others forever.
    """
    now = utcnow()
    since = now - timedelta(seconds=rules.window_seconds)
    pair = (LoginAttempt.email == email, LoginAttempt.client_address == address)
    remembered = now - PAIR_MEMORY
    last_ok = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            *pair, LoginAttempt.succeeded.is_(True), LoginAttempt.created_at >= remembered
        )
    )
    start = max(remembered, aware(last_ok)) if last_ok else remembered
    failed, latest = session.execute(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            *pair, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > start
        )
    ).one()
    if failed >= rules.max_failures_per_account:
        excess = min(failed - rules.max_failures_per_account, 30)  # 2**30 s is "the window"
        wait = min(rules.lockout_seconds * 2**excess, rules.window_seconds)
        _refuse_until(aware(latest) + timedelta(seconds=wait), "this account")
    failures = session.scalars(
        select(LoginAttempt.created_at)
        .where(
            LoginAttempt.client_address == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > since,
        )
        .order_by(LoginAttempt.created_at.desc())
        .limit(rules.max_failures_per_address)
    ).all()
    if len(failures) >= rules.max_failures_per_address:
        lifts_at = aware(failures[-1]) + timedelta(seconds=rules.window_seconds)
        _refuse_until(lifts_at, "your address")


def _refuse_until(lifts_at: datetime, what: str) -> None:
    remaining = (lifts_at - utcnow()).total_seconds()
    if remaining > 0:
        retry = int(remaining) + 1
        raise Throttled(
            f"Too many failed sign-ins for {what}. Try again in {_humanise(retry)}.", retry
        )


def _humanise(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"
