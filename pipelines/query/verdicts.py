"""Remembered guard verdicts, and the identity of a workspace's table files.

Checking SQL costs a few milliseconds (two parsers and a walk over each tree), which is most of
the overhead of a short query. The guard's verdict on a text depends only on that text, the
table names it may read and the guard's own rules, so an accepted text is remembered under
exactly those (plus a caller's ``scope``, such as the workspace's table fingerprint, so no
verdict is ever shared between workspaces or survives a change of their files).

The key is the SQL *exactly as written*, not a normalised form: the guard runs two parsers
because they may disagree about comments, quotes or spacing, so a verdict is only ever reused
for a text both parsers actually read. Only acceptances are kept; a refusal is checked again
(it also carries positions into its own text). The cache is bounded by entries and by the SQL
length it keeps.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["MAX_CACHED_SQL", "MAX_VERDICTS", "VerdictCache", "table_fingerprint"]

MAX_VERDICTS = 1024
"""Accepted texts remembered (least recently used forgotten first)."""
MAX_CACHED_SQL = 20_000
"""Longer SQL is checked every time (bounds the memory at about 20 MB of text)."""

V = TypeVar("V")


class VerdictCache(Generic[V]):
    """A thread-safe, bounded, least-recently-used map from a verdict key to the verdict.

    Parameters
    ----------
    max_entries
        Entries kept; the least recently used is dropped beyond it.
    """

    def __init__(self, max_entries: int = MAX_VERDICTS) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        """The verdict for ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, verdict: V) -> None:
        """Remember ``verdict`` under ``key``."""
        with self._lock:
            self._entries[key] = verdict
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every verdict."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def table_fingerprint(tables: Mapping[str, Path], allowed_dir: Path) -> str:
    """A digest of the workspace folder and each table's name, file, size, modification time and
    inode: it changes when a source is added, removed, renamed or re-ingested."""
    parts = [str(allowed_dir)]
    for name in sorted(tables):
        path = Path(tables[name])
        try:
            stat = path.stat()
            parts.append(f"{name}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ino}")
        except OSError:
            parts.append(f"{name}\0{path}\0missing")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
