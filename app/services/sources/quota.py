"""How much a tenant may still upload and unpack: the per-file limit and the storage quota."""

from __future__ import annotations

from app.principal import Principal
from app.services.sources.errors import TooLarge
from app.settings import Settings
from app.store.db import Database
from app.store.repositories import SourceRepository

MIB = 1024 * 1024
UNPACK_FACTOR = 8
"""Unpacked data (a .gz, a workbook) may take this many times the per-file upload limit."""


def _mb(size: int) -> str:
    return f"{size / MIB:,.1f} MB"


class StorageQuota:
    """The upload and unpacking bounds of one Principal's tenant."""

    def __init__(self, db: Database, settings: Settings, principal: Principal) -> None:
        self.db = db
        self.settings = settings
        self.principal = principal

    def used(self) -> int:
        """Bytes the tenant's sources take on disk."""
        with self.db.transaction() as session:
            return SourceRepository(session, self.principal).used_bytes()

    def remaining(self) -> int:
        """Bytes of the tenant's storage not yet used: what unpacked data may still take."""
        return max(0, self.settings.uploads.tenant_quota_mb * MIB - self.used())

    def max_ingest_bytes(self) -> int:
        """The most bytes one file may unpack to, before the quota is considered."""
        return self.settings.uploads.max_file_mb * MIB * UNPACK_FACTOR

    def check_size(self, expected: int | None, replacing: int = 0) -> tuple[int, str]:
        """The most bytes an upload may bring, and what to tell the user when it brings more.

        ``replacing`` is the size of the file being replaced (it frees that much).
        """
        max_mb = self.settings.uploads.max_file_mb
        limit = max_mb * MIB
        if expected is not None and expected > limit:
            raise TooLarge(f"The file is {_mb(expected)}; the limit is {max_mb} MB per file.")
        quota_mb = self.settings.uploads.tenant_quota_mb
        quota = quota_mb * MIB
        used = max(0, self.used() - replacing)
        full = (
            f"Your team's storage is {_mb(used)} of {quota_mb} MB; this file does not fit. "
            "Delete sources you no longer need."
        )
        if used + (expected or 0) > quota:
            raise TooLarge(full)
        if quota - used < limit:
            return quota - used, full
        return limit, f"The file is larger than the limit of {max_mb} MB per file."
