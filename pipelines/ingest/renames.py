"""Columns the user renamed: new labels (and identifiers derived from them) kept across ingests.

Renames are keyed like overrides, by the identifier (or label) the file's own reading gives
the column, so they still apply when the same file, or a replacement with the same columns, is
ingested again. The new identifier is derived from the new label; two columns may not end up
with the same identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .errors import IngestError
from .identifiers import make_identifier
from .models import ColumnDetection

MAX_NAME = 200

Renamed = dict[int, tuple[str, str]]
"""Column position -> (identifier, label) it had before the user renamed it."""


def check_name(name: str) -> str:
    """The cleaned new label, or an :class:`IngestError` saying what is wrong with it."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise IngestError("A column name cannot be empty.", "bad_name")
    if len(cleaned) > MAX_NAME:
        raise IngestError(
            f"The column name {cleaned[:40]!r}... is longer than {MAX_NAME} characters.",
            "bad_name",
        )
    if any(not ch.isprintable() for ch in cleaned):
        raise IngestError(f"The column name {cleaned!r} contains control characters.", "bad_name")
    return cleaned


def apply_names(
    names: Mapping[str, str], labels: Sequence[str], identifiers: Sequence[str]
) -> tuple[list[str], list[str], Renamed]:
    """Rename columns; return the new labels, the new identifiers and what was renamed.

    Parameters
    ----------
    names
        New label by the column's identifier (or label) as the file's own reading gives it.
    labels, identifiers
        The columns as read from the file, in order.

    Raises
    ------
    IngestError
        ``bad_name`` for an unknown column, an empty or overlong name, or two columns that
        would share an identifier.
    """
    new_labels, new_identifiers = list(labels), list(identifiers)
    renamed: Renamed = {}
    for key, name in names.items():
        if key in identifiers:
            index = list(identifiers).index(key)
        elif key in labels:
            index = list(labels).index(key)
        else:
            raise IngestError(
                f"There is no column {key!r} to rename; columns are: {', '.join(identifiers)}.",
                "bad_name",
            )
        label = check_name(name)
        if label == labels[index]:
            continue
        renamed[index] = (identifiers[index], labels[index])
        new_labels[index] = label
        new_identifiers[index] = make_identifier(label, index + 1)
    _check_unique(new_identifiers, new_labels, renamed)
    return new_labels, new_identifiers, renamed


def _check_unique(identifiers: list[str], labels: list[str], renamed: Renamed) -> None:
    first: dict[str, int] = {}
    for index, name in enumerate(identifiers):
        if name in first and (index in renamed or first[name] in renamed):
            new, other = (index, first[name]) if index in renamed else (first[name], index)
            raise IngestError(
                f"Cannot rename {renamed[new][1]!r} to {labels[new]!r}: column "
                f"{labels[other]!r} is already called {name!r}. Choose another name.",
                "bad_name",
            )
        first.setdefault(name, index)


def mark_renamed(
    detections: Sequence[ColumnDetection], positions: Sequence[int], renamed: Renamed
) -> tuple[ColumnDetection, ...]:
    """The detections with the name each renamed column had in the file."""
    return tuple(
        replace(d, detected_identifier=renamed[p][0], detected_label=renamed[p][1])
        if p in renamed
        else d
        for d, p in zip(detections, positions, strict=True)
    )
