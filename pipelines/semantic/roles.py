"""Good defaults read from a column's name, type and profile: role, aggregation, number format,
which column is the table's primary key, and a whole new table for a source.

Names are ingest identifiers (lowercase snake_case, see :mod:`pipelines.ingest.identifiers`),
so they are matched word by word: ``unit_price`` has the word ``price``, ``separate`` has no
``rate``. French exports are common: ``N° commande`` becomes ``n_commande``, ``Prix unitaire``
``prix_unitaire``, ``Remise (%)`` ``remise_pct``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.identifiers import MAX_IDENTIFIER, make_identifier

from .model import Column, NumberFormat, Table
from .number_roles import AVERAGE_WORDS as AVERAGE_WORDS
from .number_roles import CATEGORY_WORDS, guess_number, may_be_clock
from .probes import DataProbe
from .sources import SourceColumn, SourceSchema
from .vocabulary import GRAINS, NUMERIC_TYPES, TIME_TYPES, Aggregation, Grain, Role

KEY_NAMES = frozenset(
    {
        "id", "key", "code", "uuid", "sku", "ref", "reference", "numero", "ean", "number", "num",
        "nr", "no", "matricule", "immatriculation", "tailnum", "serial",
    }
)  # fmt: skip
KEY_SUFFIXES = ("_id", "_key", "_code", "_no", "_number", "_num", "_nr", "_ref", "_uuid", "_sku")
KEY_PREFIXES = ("id_", "n_", "no_", "num_", "numero_", "ref_", "code_", "key_")

CURRENCY_WORDS = frozenset(
    {
        "amount", "amt", "price", "prix", "total", "revenue", "revenues", "cost", "costs",
        "cout", "salary", "salaire", "montant", "income", "spend", "fee", "fees", "sales",
        "turnover", "ca", "budget", "payment", "paid", "tax", "vat", "tva", "profit", "prime",
        "bonus", "wage", "wages",
    }
)  # fmt: skip
PERCENT_WORDS = frozenset(
    {"pct", "percent", "percentage", "pourcentage", "rate", "taux", "discount", "remise"}
)
COUNT_WORDS = frozenset(
    {"qty", "quantity", "quantite", "count", "nb", "nombre", "units", "items", "pieces"}
)


def words(name: str) -> list[str]:
    """The words of an identifier: ``"unit_price"`` -> ``["unit", "price"]``."""
    return [w for w in name.lower().split("_") if w]


def singular(word: str) -> str:
    """A rough English singular: ``customers`` -> ``customer``, ``categories`` -> ``category``."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def own_key_names(table: str) -> set[str]:
    """Names a table's own key is likely to have: ``orders`` -> ``order_id``, ``orders_id``..."""
    names = {f"{table}_id", f"{singular(table)}_id"}
    last = table.rsplit("_", 1)[-1]
    names |= {f"{last}_id", f"{singular(last)}_id"}
    return names


def is_key_like(name: str) -> bool:
    """True for names of identifiers and codes: ``id``, ``customer_id``, ``n_commande``..."""
    lower = name.lower()
    return lower in KEY_NAMES or lower.endswith(KEY_SUFFIXES) or lower.startswith(KEY_PREFIXES)


def is_category_number(name: str) -> bool:
    """True for numbers that name categories: years, postcodes, phone numbers."""
    return any(w in CATEGORY_WORDS for w in words(name))


IDENTIFIER_NOUNS = frozenset(
    {
        "flight", "vol", "order", "commande", "invoice", "facture", "ticket", "line", "ligne",
        "route", "store", "magasin", "room", "chambre", "train", "bus", "account", "compte",
        "employee", "employe", "customer", "client", "product", "produit", "patient",
        "student", "etudiant", "member", "membre", "user", "utilisateur", "contract",
        "contrat", "batch", "lot", "dossier", "case",
    }
)  # fmt: skip
"""A number named just ``flight`` or ``commande`` is that thing's number, an identifier."""


def is_identifier_number(name: str, table: str | None = None) -> bool:
    """True for a number named after a thing: ``flight`` (in ``flights`` or anywhere)."""
    parts = words(name)
    if len(parts) != 1:
        return False
    word = parts[0]
    if word in IDENTIFIER_NOUNS:
        return True
    return table is not None and word in {singular(w) for w in words(table) if len(w) > 2}


@dataclass(frozen=True)
class ColumnDefaults:
    """The suggested role of one column with its aggregation, format and grains."""

    role: Role
    aggregation: Aggregation | None = None
    format: NumberFormat | None = None
    grains: tuple[Grain, ...] = ()
    reason: str = ""


def number_format(
    name: str, type_: str, high: object = None, currency: str | None = None, decimals: int = 2
) -> NumberFormat:
    """Currency for amounts and prices, percent for shares and rates, else a plain number.

    A percent-like column shows as percent only when its values are fractions (at most 1);
    ``Remise (%)`` holding 0 to 40 stays a number. A column the ingest read as a currency
    (``currency``, an ISO code from its profile) shows in that currency with ``decimals``.
    """
    if currency:
        return NumberFormat(kind="currency", decimals=decimals, currency=currency)
    names = set(words(name))
    counted = bool(names & COUNT_WORDS)
    if names & CURRENCY_WORDS and not counted:
        return NumberFormat(kind="currency", decimals=2)
    if names & PERCENT_WORDS and not counted:
        fraction = isinstance(high, int | float) and not isinstance(high, bool) and high <= 1
        if fraction or high is None:
            return NumberFormat(kind="percent", decimals=1)
        return NumberFormat(kind="number", decimals=1)
    return NumberFormat(kind="number", decimals=0 if type_ == "integer" else 2)


def column_defaults(
    name: str,
    type_: str,
    *,
    is_primary_key: bool = False,
    high: object = None,
    low: object = None,
    table: str | None = None,
    clock: bool | None = None,
    currency: str | None = None,
    currency_decimals: int = 2,
) -> ColumnDefaults:
    """The role a column should have from its name, type and profile values.

    Keys, codes, identifiers (``flight`` in ``flights``), years, months, days, hours, clock
    times, coordinates and time zones are dimensions; other numbers are measures, averaged
    (delays, rates, prices, scores, ages) or summed (amounts, quantities, counts, seats,
    salaries), see :mod:`pipelines.semantic.number_roles`. Text, dates, timestamps and booleans
    are dimensions, dates and timestamps with every grain.

    Parameters
    ----------
    name, type_
        The column's identifier and logical type.
    is_primary_key
        Whether the column is its table's primary key.
    high, low
        The profile's largest and smallest values, when known.
    table
        The table's name, to recognise its own identifier (``flight`` in ``flights``).
    clock
        Whether the data's values all read as HHMM clock times (see
        :meth:`pipelines.semantic.probes.DataProbe.clock_times`); ``None`` when unknown.
    currency, currency_decimals
        The ISO code and decimals of an amount the file wrote in a currency (from the
        profile): such a column is a measure shown in that currency.
    """
    if type_ in TIME_TYPES:
        return ColumnDefaults("dimension", grains=GRAINS, reason="a date")
    if type_ not in NUMERIC_TYPES:
        return ColumnDefaults("dimension", reason=f"{type_}")
    if is_primary_key:
        return ColumnDefaults("dimension", reason="the primary key")
    if is_key_like(name) and not currency:
        return ColumnDefaults("dimension", reason="a key")
    if is_identifier_number(name, table) and not currency:
        return ColumnDefaults("dimension", reason="an identifier")
    guess = guess_number(words(name), type_, low=low, high=high, clock=clock)
    if guess.role != "measure" and not currency:
        return ColumnDefaults(guess.role, reason=guess.reason)
    return ColumnDefaults(
        "measure",
        aggregation=guess.aggregation if guess.role == "measure" else "sum",
        format=number_format(name, type_, high, currency, currency_decimals),
        reason="an amount in a currency" if currency else guess.reason,
    )


def suggested_aggregation(name: str, type_: str, table: str | None = None) -> Aggregation:
    """The aggregation of a column made a measure by hand.

    The name's aggregation for numbers that are measures (``avg`` for ``dep_delay``, ``sum``
    for ``amount``); ``count_distinct`` for keys, identifiers, years and other category
    numbers (a sum of them means nothing), and for text, dates and booleans.
    """
    defaults = column_defaults(name, type_, table=table)
    if defaults.role == "measure" and defaults.aggregation is not None:
        return defaults.aggregation
    return "count_distinct"


def source_column_defaults(
    column: SourceColumn,
    *,
    table: str,
    is_primary_key: bool = False,
    path: Path | None = None,
    probe: DataProbe | None = None,
) -> ColumnDefaults:
    """:func:`column_defaults` of a profiled column, clock times checked on its data."""
    clock = None
    if probe is not None and may_be_clock(words(column.name), column.type, column.min, column.max):
        clock = probe.clock_times(path, column.name)
    return column_defaults(
        column.name,
        column.type,
        is_primary_key=is_primary_key,
        high=column.max,
        low=column.min,
        table=table,
        clock=clock,
        currency=column.currency,
        currency_decimals=column.currency_decimals,
    )


# -- primary keys -----------------------------------------------------------------------------
KEY_TYPES = frozenset({"integer", "text"})
DISTINCT_TOLERANCE = 0.9
"""The profile's distinct count is a HyperLogLog estimate: DuckDB's is up to ~7% off either way
(a unique id column of 10,000 rows may show 9,400), so a column within 10% is a candidate and
the exact check on the data settles it."""


def looks_unique(column: SourceColumn, row_count: int) -> bool:
    """True when the profile says ``column`` may be unique: no nulls and ~one value per row."""
    return (
        row_count > 0
        and column.null_count == 0
        and column.type in KEY_TYPES
        and column.distinct_approx >= row_count * DISTINCT_TOLERANCE
    )


def key_candidates(source: SourceSchema, table: str) -> list[SourceColumn]:
    """Columns that may be ``source``'s primary key, best first.

    Preference: ``id``, the table's own ``<table>_id``, other key-like names, then column order.
    """
    own = own_key_names(table) | own_key_names(source.name.lower().replace(" ", "_"))

    def rank(item: tuple[int, SourceColumn]) -> tuple[int, int]:
        position, column = item
        if column.name == "id":
            return (0, position)
        if column.name in own:
            return (1, position)
        if is_key_like(column.name):
            return (2, position)
        return (3, position)

    candidates = [(i, c) for i, c in enumerate(source.columns) if looks_unique(c, source.row_count)]
    return [c for _, c in sorted(candidates, key=rank)]


def first_unique(
    candidates: Iterable[SourceColumn], verify: Callable[[SourceColumn], bool | None]
) -> SourceColumn | None:
    """The first candidate ``verify(column)`` does not reject (None = cannot tell, accepted)."""
    for column in candidates:
        verdict = verify(column)
        if verdict is None or verdict:
            return column
    return None


# -- a table from a source -------------------------------------------------------------------
def unique_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``... whichever is not in ``taken`` (at most 63 chars)."""
    name, counter = base, 2
    while name in taken:
        suffix = f"_{counter}"
        name = base[: MAX_IDENTIFIER - len(suffix)] + suffix
        counter += 1
    return name


def guess_key(source: SourceSchema, table: str, probe: DataProbe) -> tuple[str | None, bool]:
    """The likely primary key of ``source`` and whether it was verified on the data."""
    column = first_unique(
        key_candidates(source, table), lambda c: probe.is_unique(source.path, c.name)
    )
    if column is None:
        return None, False
    return column.name, probe.is_unique(source.path, column.name) is True


def _column(found: SourceColumn, defaults: ColumnDefaults) -> Column:
    return Column(
        name=found.name,
        type=found.type,  # type: ignore[arg-type]
        label=found.label,
        role=defaults.role,
        aggregation=defaults.aggregation,
        format=defaults.format,
        grains=list(defaults.grains),
    )


def table_from_source(
    source: SourceSchema, taken: set[str], *, probe: DataProbe | None = None
) -> Table:
    """A new table for ``source`` with suggested roles, formats and primary key.

    Parameters
    ----------
    source
        The source to add.
    taken
        Table names already in use; the new name (a lowercase identifier made from the
        source's name, such as ``order_items``) avoids them with a ``_2``, ``_3``... suffix.
        ``taken`` is not changed.
    probe
        A :class:`DataProbe` to check key uniqueness with (and cache in); one is opened for
        this call when None.
    """
    base = make_identifier(source.name, 1)
    if base == "column_1" and not re.search(r"[A-Za-z0-9]", source.name):
        base = "table"  # nothing in the name survives as an identifier
    name = unique_name(base, taken)
    if probe is None:
        with DataProbe() as own:
            return _table_from_source(source, name, own)
    return _table_from_source(source, name, probe)


def _table_from_source(source: SourceSchema, name: str, probe: DataProbe) -> Table:
    primary_key, _ = guess_key(source, name, probe)
    columns = [
        _column(
            c,
            source_column_defaults(
                c,
                table=name,
                is_primary_key=c.name == primary_key,
                path=source.path,
                probe=probe,
            ),
        )
        for c in source.columns
    ]
    return Table(
        name=name,
        source_id=source.source_id,
        label=source.name,
        primary_key=primary_key,
        columns=columns,
    )
