"""Encryption of stored API keys: Fernet through MultiFernet, so master keys can rotate.

The first master key encrypts; every key in the list decrypts. ``datapilot admin
rotate-secrets`` puts a new master key first and re-encrypts every stored API key with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from app.services.errors import DomainError


class KeyUnreadable(DomainError):
    """A stored key that no configured master key decrypts (the master key was removed)."""

    status = 409
    title = "Conflict"


UNREADABLE = (
    "The stored API key can no longer be decrypted: the encryption key it was saved with is "
    "gone from secrets.encryption_keys. Enter the API key again."
)


class KeyVault:
    """Encrypts and decrypts API keys with the installation's master keys.

    Parameters
    ----------
    keys
        Fernet master keys, newest first.
    reload
        Reads the master keys again; called once when a token does not decrypt, so a server
        picks up a key that ``rotate-secrets`` added to ``secrets.yaml`` while it ran.
    """

    def __init__(
        self, keys: Sequence[str], reload: Callable[[], Sequence[str]] | None = None
    ) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._lock = threading.Lock()
        self._keys = list(keys)
        self._fernet = MultiFernet([Fernet(k) for k in self._keys])
        self._reload = reload

    def __repr__(self) -> str:
        return f"KeyVault({len(self._keys)} master keys)"

    def encrypt(self, plain: str) -> str:
        """The Fernet token of ``plain``, under the first master key."""
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain key of ``token``; :class:`KeyUnreadable` if no master key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            if not self._reloaded():
                raise KeyUnreadable(UNREADABLE) from None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise KeyUnreadable(UNREADABLE) from None

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the first master key (decrypted with any of them)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise KeyUnreadable(UNREADABLE) from None

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is already encrypted under the first master key."""
        try:
            Fernet(self._keys[0]).decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def _reloaded(self) -> bool:
        """Re-read the master keys; True if they changed."""
        if self._reload is None:
            return False
        keys = list(self._reload())
        with self._lock:
            if not keys or keys == self._keys:
                return False
            self._keys = keys
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        return True
