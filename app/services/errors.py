"""The domain errors, as services, pages and the API import them.

They are defined in :mod:`app.errors`, below the store and the services, because
:class:`app.principal.Principal` raises :class:`Forbidden` and the store takes a Principal.
"""

from __future__ import annotations

from app.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Throttled,
)

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Throttled",
]
