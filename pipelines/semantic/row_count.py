"""Every table's built-in row count: ``flights.count``, labelled "Number of flights".

No one should have to write ``count(*)`` to count flights. The row count is a measure like the
others, so it is fan-out safe: broken down by a table on the far side of a one-to-many join, it
counts the table's own rows (distinct primary keys), never the joined rows.

Its name is ``count``, unless the table already uses that name for a column or a calculated
measure: that column or measure keeps ``table.count`` (models that had it keep working) and the
row count becomes ``table.row_count``, then ``table.number_of_rows``. :func:`row_count_name`
says which name a table's row count has.
"""

from __future__ import annotations

from .model import SemanticModel, Table

ROW_COUNT_NAMES = ("count", "row_count", "number_of_rows")
"""The row count's name, in order of preference (the first not taken by the table)."""

IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "staff": "staff",
    "data": "data",
    "personnel": "personnel",
    "information": "information",
}


def row_count_name(model: SemanticModel, table: Table) -> str | None:
    """The field name of ``table``'s row count (``count`` unless taken), or None if all are."""
    taken = {c.name for c in table.columns}
    taken |= {m.name for m in model.measures if m.table == table.name}
    return next((name for name in ROW_COUNT_NAMES if name not in taken), None)


def row_count_field(model: SemanticModel, table: Table) -> str | None:
    """The query field of ``table``'s row count, such as ``flights.count``."""
    name = row_count_name(model, table)
    return f"{table.name}.{name}" if name is not None else None


def plural(word: str) -> str:
    """A plural good enough for labels, in English and French.

    ``flight`` -> ``flights``, ``category`` -> ``categories``, ``employé`` -> ``employés``,
    ``bureau`` -> ``bureaux``; words ending in s, x or z are taken as plural already.
    """
    lower = word.lower()
    if lower in IRREGULAR_PLURALS:
        return word[0] + IRREGULAR_PLURALS[lower][1:]
    if lower.endswith("ss"):
        return word + "es"
    if lower.endswith(("s", "x", "z")):
        return word
    if lower.endswith(("eau", "au", "eu")):
        return word + "x"
    if lower.endswith(("ch", "sh")):
        return word + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _readable(word: str) -> str:
    """``Flights`` -> ``flights``; acronyms and mixed case (``HR``, ``iPhone``) stay."""
    return word.lower() if word[:1].isupper() and word[1:].islower() else word


def row_count_label(table: Table) -> str:
    """ "Number of flights" for a table shown as ``Flights`` or named ``flights``.

    The last word of three letters or more is made plural (``Order line 2024 (FR)`` ->
    ``Number of order lines 2024 (FR)``); without one, "Number of rows of X".
    """
    parts = table.display.replace("_", " ").split()
    last = next(
        (i for i in range(len(parts) - 1, -1, -1) if parts[i].isalpha() and len(parts[i]) > 2),
        None,
    )
    if last is None:
        return f"Number of rows of {table.display}"
    parts[last] = plural(parts[last])
    return "Number of " + " ".join(_readable(p) for p in parts)
