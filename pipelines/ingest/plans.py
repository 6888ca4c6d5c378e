"""Column plans: how one raw VARCHAR column becomes a typed Parquet column, as strict SQL.

Every conversion is *strict*: a non-empty value that does not fit the planned type never
becomes NULL. It calls DuckDB's ``error()`` with a marker naming the column, so the caller
learns which column was wrong and can re-plan it (usually as text) and write again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .dates import strptime_sql
from .exact import Exact, decimal_type, from_double_sql
from .models import SQL_TYPES, ColumnDetection, ColumnOverride, ColumnType, CurrencyFormat
from .numbers import NumberStyle, core_sql, integer_regex, number_sql, style_regex
from .sql import literal

NULL_TOKENS = ("NA", "N/A", "n/a", "NULL", "null", "#N/A", "NaN", "nan", "None", "-", "—")
TRUE_WORDS = ("true", "yes", "oui", "vrai", "ja", "wahr", "si", "sí", "verdadero", "y", "t", "1")
FALSE_WORDS = ("false", "no", "non", "faux", "nein", "falsch", "no", "falso", "n", "f", "0")
STRONG_BOOLEAN = frozenset(
    [
        "true",
        "false",
        "yes",
        "no",
        "oui",
        "non",
        "vrai",
        "faux",
        "ja",
        "nein",
        "wahr",
        "falsch",
        "si",
        "sí",
        "verdadero",
        "falso",
    ]
)
WEAK_BOOLEAN = frozenset(["y", "n", "t", "f"])
BOOLEAN_HINT = re.compile(
    r"^(is|has|have|can|should|was|were|did|does|allow|allows|enable|enabled)_.+"
    r"|.+_(flag|bool|yn|ok)$|^(flag|actif|active|enabled|disabled|valid|deleted|archived|"
    r"visible|published|paid|done|completed|est_.+|a_.+)$"
)

CONVERSION_MARK = "DPX"
FORCED_MARK = "DPF"
DROPPED_MARK = "DPD"
_MARK = re.compile(r"(DPX|DPF|DPD)(\d+)\|(.*)", re.S)
_READER_CAST = re.compile(
    r'Error when converting column "c(\d+)"\. Could not convert string "(.*?)"'
)


@dataclass(frozen=True)
class ColumnPlan:
    """How to read raw column ``c{index}``.

    ``formats`` are ``strptime`` formats (dates), ``style`` the (decimal, thousands) pair
    (numbers), ``null_tokens`` the exact values read as NULL besides the empty string,
    ``exact`` the ``(precision, scale)`` of the DECIMAL a decimal column is stored as (None:
    DOUBLE; see :mod:`.exact`).
    """

    index: int
    type: ColumnType = "text"
    style: NumberStyle | None = None
    currency: str | None = None
    percent: bool = False
    parens: bool = False
    currency_format: CurrencyFormat | None = None
    formats: tuple[str, ...] = ()
    year_check: bool = False
    timezone: bool = False
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    null_tokens: tuple[str, ...] = ()
    trim: bool = False
    ambiguous: bool = False
    forced: bool = False
    note: str | None = None
    fast: bool = False
    exact: Exact | None = None

    @property
    def raw(self) -> str:
        """SQL name of the raw VARCHAR column."""
        return f"c{self.index}"

    @property
    def sql_type(self) -> str:
        """The DuckDB type of the converted column."""
        if self.type == "decimal" and self.exact is not None:
            return decimal_type(self.exact)
        return SQL_TYPES[self.type]

    def as_text(self, note: str | None = None) -> ColumnPlan:
        """The same column read as text."""
        return ColumnPlan(self.index, note=note)

    def detection(self, identifier: str, label: str) -> ColumnDetection:
        """Describe this plan for :class:`~pipelines.ingest.models.Detected`."""
        return ColumnDetection(
            identifier=identifier,
            label=label,
            type=self.type,
            source_format=" | ".join(self.formats) or None,
            decimal_separator=self.style[0] if self.style else None,
            thousands_separator=(self.style[1] or None) if self.style else None,
            percent=self.percent,
            currency=self.currency,
            true_values=self.true_values,
            null_tokens=tuple(t for t in self.null_tokens if t),
            ambiguous=self.ambiguous,
            forced=self.forced,
            note=self.note,
            currency_format=self.currency_format,
        )


def _value(plan: ColumnPlan) -> str:
    return f"trim({plan.raw})" if plan.trim else plan.raw


def _check_and_convert(plan: ColumnPlan, t: str, *, scale: bool = True) -> tuple[str, str]:
    """Return (condition the value must meet, conversion) as SQL over value ``t``.

    The conversion of an exact decimal is NULL when the value is too large for its DECIMAL;
    ``scale=False`` accepts any number of decimals (to tell a header, not to convert).
    """
    if plan.type == "boolean":
        words = plan.true_values + plan.false_values
        ok = f"lower({t}) IN ({', '.join(literal(w) for w in words)})"
        trues = ", ".join(literal(w) for w in plan.true_values)
        return ok, f"lower({t}) IN ({trues})"
    if plan.type in ("integer", "decimal"):
        style = plan.style or (".", "")
        integer = plan.type == "integer"
        core = core_sql(t, plan.currency, plan.percent, plan.parens)
        if integer and style[1] == "" and not (plan.currency or plan.percent or plan.parens):
            return f"regexp_full_match({t}, {literal(integer_regex())})", f"CAST({t} AS BIGINT)"
        exact = plan.exact if plan.type == "decimal" else None
        most = exact[1] if exact and scale else None
        regex = style_regex(style, fraction=not integer, max_decimals=most)
        ok = f"regexp_full_match({core}, {literal(regex)})"
        target = plan.sql_type if exact else None
        return ok, number_sql(core, style, integer=integer, percent=plan.percent, exact=target)
    if plan.type in ("date", "timestamp"):
        parsed = strptime_sql(t, list(plan.formats))
        ok = f"year({parsed}) >= 1000" if plan.year_check else f"{parsed} IS NOT NULL"
        if plan.type == "date":
            return ok, f"CAST({parsed} AS DATE)"
        return ok, f"CAST({parsed} AS TIMESTAMP)" if plan.timezone else parsed
    raise ValueError(f"no conversion for {plan.type}")


def _is_null(plan: ColumnPlan, t: str) -> str:
    tokens = ("", *(tok for tok in plan.null_tokens if tok != ""))
    listed = ", ".join(literal(tok) for tok in tokens)
    return f"{t} IS NULL OR {t} IN ({listed})" if len(tokens) > 1 else f"{t} IS NULL OR {t} = ''"


def _fast_sql(plan: ColumnPlan, fail: str) -> str:
    """Conversion for canonical values (as DuckDB itself writes them), nearly free.

    DuckDB's casts are lenient (``'1.5'`` casts to the BIGINT 2, ``'2024-01-05 10:00'`` to a
    DATE), so each is fenced by a cheap check that sends anything unusual to ``fail``.
    """
    v = plan.raw
    sql_type = SQL_TYPES[plan.type]
    cast = f"coalesce(TRY_CAST({v} AS {sql_type}), {fail})"
    nulls = _is_null(plan, v) if plan.null_tokens else f"{v} IS NULL"
    if plan.type == "decimal" and plan.exact:
        # Through DuckDB's DOUBLE parser (fast, and as lenient as the reader's own), checked to
        # have no more decimals than the scale.
        exact = from_double_sql(f"TRY_CAST({v} AS DOUBLE)", plan.exact, fail)
        return f"CASE WHEN {nulls} THEN NULL ELSE {exact} END"
    if plan.type == "integer":
        # A leading zero ("007", a code) or a dot. ascii() = 48 is '0'; measured ~0.3 s faster
        # than starts_with() on a 1 GB file, with the same meaning.
        odd = f"contains({v}, '.') OR (ascii({v}) = 48 AND length({v}) > 1)"
        return f"CASE WHEN {nulls} THEN NULL WHEN {odd} THEN {fail} ELSE {cast} END"
    if plan.type in ("date", "timestamp"):
        width = 10 if plan.type == "date" else 19
        return f"CASE WHEN {nulls} THEN NULL WHEN length({v}) = {width} THEN {cast} ELSE {fail} END"
    return f"CASE WHEN {nulls} THEN NULL ELSE {cast} END"


def fast_accepts_sql(plan: ColumnPlan) -> str:
    """SQL boolean: the value is empty or fits the plan's fast conversion."""
    expr = _fast_sql(plan, "NULL")
    return f"({_is_null(plan, plan.raw)} OR ({expr}) IS NOT NULL)"


_TYPED_READS: dict[ColumnType, str] = {
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "TIMESTAMP",
}


def read_type(plan: ColumnPlan) -> str:
    """The type DuckDB's CSV reader parses the raw column as.

    Canonical columns are parsed by the reader itself (the fastest path) when its leniency
    is harmless: ``1_000`` as a DOUBLE, ``yes`` as a BOOLEAN. Dates are read as timestamps
    so a time of day is seen rather than truncated. A value the reader cannot parse fails
    the read (or becomes a ``CAST`` reject), which the caller treats as a conversion failure
    of that column. Integers and timestamps stay text with a cheap guard: the reader would
    round ``1.5`` to 2, drop leading zeros, and ignore a ``+02:00`` offset.
    """
    if plan.fast and not plan.null_tokens and plan.type in _TYPED_READS:
        return _TYPED_READS[plan.type]
    return "VARCHAR"


def convert_sql(plan: ColumnPlan, *, typed_read: bool = True) -> str:
    """Strict SQL expression producing the typed value of the column.

    ``typed_read=False`` when the raw column is VARCHAR whatever :func:`read_type` says (the
    reader of space-aligned files splits lines itself and parses no types).
    """
    if plan.type == "text":
        return plan.raw
    mark = FORCED_MARK if plan.forced else CONVERSION_MARK
    typed = read_type(plan) if typed_read else "VARCHAR"
    if typed != "VARCHAR":
        fail_as = f"CAST(error('{mark}{plan.index}|' || CAST({plan.raw} AS VARCHAR)) AS "
        if plan.type == "decimal" and plan.exact:
            exact = from_double_sql(plan.raw, plan.exact, f"{fail_as}{plan.sql_type})")
            return f"CASE WHEN {plan.raw} IS NULL THEN NULL ELSE {exact} END"
        if plan.type == "date":
            day = f"CAST(CAST({plan.raw} AS DATE) AS TIMESTAMP)"
            return (
                f"CASE WHEN {plan.raw} = {day} THEN CAST({plan.raw} AS DATE) "
                f"ELSE {fail_as}DATE) END"
            )
        return plan.raw
    fail = f"error('{mark}{plan.index}|' || left({plan.raw}, 200))"
    typed_fail = f"CAST({fail} AS {plan.sql_type})"
    if plan.fast:
        return _fast_sql(plan, typed_fail)
    t = _value(plan)
    ok, convert = _check_and_convert(plan, t)
    if plan.type == "decimal" and plan.exact:
        convert = f"coalesce({convert}, {typed_fail})"  # too large for the DECIMAL
    return f"CASE WHEN {_is_null(plan, t)} THEN NULL WHEN {ok} THEN {convert} ELSE {typed_fail} END"


def accepts_sql(plan: ColumnPlan) -> str:
    """SQL boolean: the raw value is empty or fits the plan (used to tell a header row)."""
    if plan.type == "text":
        return "true"
    t = _value(plan)
    ok, _ = _check_and_convert(plan, t, scale=False)
    return f"CASE WHEN {_is_null(plan, t)} THEN true ELSE coalesce({ok}, false) END"


def dropped_guard_sql(index: int) -> str:
    """SQL boolean failing loudly when a column dropped as empty has a value after all."""
    return (
        f"CASE WHEN c{index} IS NULL OR c{index} = '' THEN true "
        f"ELSE CAST(error('{DROPPED_MARK}{index}|' || left(c{index}, 200)) AS BOOLEAN) END"
    )


def parse_failure(message: str) -> tuple[str, int, str] | None:
    """Find the marker of a failed strict conversion in a DuckDB error message."""
    match = _MARK.search(message)
    if not match:
        reader = _READER_CAST.search(message)
        return (CONVERSION_MARK, int(reader.group(1)), reader.group(2)) if reader else None
    value = match.group(3).split("\n")[0]
    return match.group(1), int(match.group(2)), value


ISO_DATE_FORMATS = ("%Y-%m-%d",)
ISO_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)


def plan_from_override(index: int, override: ColumnOverride) -> ColumnPlan:
    """The plan for a user-forced column type."""
    base = ColumnPlan(index, forced=True, trim=True, null_tokens=NULL_TOKENS)
    kind = override.type
    if kind == "text":
        return ColumnPlan(index, forced=True)
    if kind in ("integer", "decimal"):
        style = (override.decimal_separator or ".", override.thousands_separator or "")
        if style[0] not in ".," or style[0] == style[1]:
            raise ValueError("decimal separator must be '.' or ',' and differ from thousands")
        return replace(base, type=kind, style=style)
    if kind in ("date", "timestamp"):
        if override.format:
            formats: tuple[str, ...] = (override.format,)
        else:
            formats = ISO_DATE_FORMATS if kind == "date" else ISO_TIMESTAMP_FORMATS
        return replace(
            base,
            type=kind,
            formats=formats,
            year_check=any("%Y" in f for f in formats),
            timezone=any("%z" in f for f in formats),
        )
    if kind == "boolean":
        return replace(base, type="boolean", true_values=TRUE_WORDS, false_values=FALSE_WORDS)
    raise ValueError(f"unknown column type {kind!r}")
