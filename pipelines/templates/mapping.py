"""Find a field of a workspace's model for each role of a template.

Each field of the right kind gets a score (0-1) per role from its names (column name, label,
synonyms, compared without accents, case or separators, in English and French), its type and,
for categories, its sampled values. The template's ``anchor`` role (the amount of a sale) is
placed first, on the field whose table reaches the most of the other roles through the model's
many-to-one joins; the other roles are then assigned greedily, best score first, never reusing
a field, a field the anchor's table cannot reach scoring lower. Built from a
:class:`~pipelines.ai.catalog.Catalog`, so it sees exactly the fields Explore sees.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, replace
from functools import lru_cache

from pipelines.ai.catalog import Catalog, CatalogField
from pipelines.semantic import SemanticModel
from pipelines.semantic.vocabulary import NUMERIC_TYPES, TIME_TYPES

from .format import RoleSpec, Template

__all__ = ["Candidate", "RoleMatch", "TemplateMapping", "map_template", "words"]

THRESHOLD = 0.3
"""Below this a field is not proposed for a role."""
UNREACHABLE = 0.6
"""Factor on a field the anchor's table does not reach through many-to-one joins."""
ALTERNATIVES = 3
STOP_WORDS = frozenset(
    {"d", "de", "du", "des", "l", "la", "le", "les", "of", "the", "a", "au", "aux", "en", "par"}
)
GENERIC = frozenset({"name", "nom", "label", "libelle", "title", "titre", "id", "code", "key"})
"""Column names that only mean something with their table (``products.name``)."""


def words(text: str) -> tuple[str, ...]:
    """``Date d'entrée`` -> ``("date", "entree")``: no accents, case, separators or little
    words; camelCase split; a trailing plural ``s`` dropped."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    out: list[str] = []
    for token in re.split(r"[^a-z0-9]+", text):
        if not token or token in STOP_WORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return tuple(out)


@lru_cache(maxsize=4096)
def _phrase(hint: tuple[str, ...], field: tuple[str, ...]) -> float:
    if not hint or not field:
        return 0.0
    if hint == field:
        return 1.0
    h, f = set(hint), set(field)
    if h <= f:
        return float(0.85 * (len(h) / len(f)) ** 0.25)
    if f <= h:
        return 0.5 * len(f) / len(h)
    return 0.5 * len(h & f) / len(h | f)


@dataclass(frozen=True)
class Candidate:
    """A field proposed for a role, with how sure the mapping is (0-1)."""

    field: str
    label: str
    confidence: float


@dataclass(frozen=True)
class RoleMatch:
    """The field chosen for one role (``field`` None: nothing fits), the next best ones and
    every field of the right kind (``choices``, best first)."""

    role: str
    label: str
    kind: str
    required: bool
    field: str | None
    field_label: str | None
    confidence: float
    alternatives: tuple[Candidate, ...]
    choices: tuple[Candidate, ...]
    chosen_by_user: bool = False


@dataclass(frozen=True)
class TemplateMapping:
    """A template's roles mapped onto one model."""

    template: str
    roles: tuple[RoleMatch, ...]

    @property
    def missing(self) -> list[str]:
        """Required roles with no field."""
        return [r.role for r in self.roles if r.required and r.field is None]

    @property
    def fields(self) -> dict[str, str]:
        """Role -> field, for the mapped roles."""
        return {r.role: r.field for r in self.roles if r.field is not None}

    def match(self, role: str) -> RoleMatch:
        return next(r for r in self.roles if r.role == role)

    def with_overrides(self, overrides: MappingType[str, str | None]) -> TemplateMapping:
        """The mapping with the user's choices: role -> field (None or "" leaves it unmapped).

        Raises
        ------
        ValueError
            Naming the role, for an unknown role or a field that is not one of its choices.
        """
        roles = {r.role: r for r in self.roles}
        changed = dict(roles)
        for role, value in overrides.items():
            match = roles.get(role)
            if match is None:
                raise ValueError(f"{role!r} is not a role of template {self.template!r}")
            if not value:
                changed[role] = replace(
                    match, field=None, field_label=None, confidence=0.0, chosen_by_user=True
                )
                continue
            choice = next((c for c in match.choices if c.field == value), None)
            if choice is None:
                raise ValueError(
                    f"Role {match.label!r} ({role}): {value!r} is not a {match.kind} field of "
                    "this model"
                )
            changed[role] = replace(
                match, field=choice.field, field_label=choice.label, confidence=1.0,
                chosen_by_user=True,
            )  # fmt: skip
        return TemplateMapping(self.template, tuple(changed[r.role] for r in self.roles))


# -- fields -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Field:
    info: CatalogField
    table: str
    primary_key: bool
    phrases: tuple[tuple[tuple[str, ...], float], ...]
    """Word tuples naming the field, each with a weight (1 for its own names)."""
    values: frozenset[tuple[str, ...]]


def _fields(catalog: Catalog, model: SemanticModel) -> list[_Field]:
    out: list[_Field] = []
    nodes = {node: base for node, _, _ in catalog.tables for base in [_base(model, node)]}
    for info in catalog.fields:
        if info.node is None:
            continue  # a calculated measure: no column to map a role onto
        base = nodes.get(info.node, info.node)
        table = model.table(base)
        column_name = info.field.split(".", 1)[1]
        column = None if table is None else table.column(column_name)
        if table is None or column is None:
            continue  # the row count
        names = [column.name, column.label, *column.synonyms]
        phrases: dict[tuple[str, ...], float] = {}
        for name in names:
            tokens = words(name)
            if tokens:
                phrases[tokens] = 1.0
            if tokens and set(tokens) <= GENERIC:
                for owner in (table.name, table.label, info.node_label):
                    qualified = words(owner) + tokens
                    phrases.setdefault(qualified, 0.9)
        values = frozenset(words(v) for v in info.values)
        out.append(
            _Field(info, base, table.primary_key == column.name, tuple(phrases.items()), values)
        )
    return out


def _base(model: SemanticModel, node: str) -> str:
    for join in model.joins:
        if join.alias == node:
            return join.right_table
    return node


def _fits(role: RoleSpec, field: _Field) -> float:
    """How well the field's kind suits the role's (0: not at all)."""
    info = field.info
    if role.kind == "measure":
        if info.type not in NUMERIC_TYPES or field.primary_key:
            return 0.0
        return 1.0 if info.kind == "measure" else 0.8
    if role.kind == "date":
        return 1.0 if info.kind == "time" or info.type in TIME_TYPES else 0.0
    if info.type in TIME_TYPES:
        return 0.0
    # A measure column also groups by its raw values; an integer code may have been taken
    # for a measure (``matricule``), so it stays a candidate, a little lower.
    fit = 1.0 if info.kind == "dimension" else 0.8
    if role.kind == "id":
        return fit if info.type in ("integer", "text") else 0.0
    return fit


def _score(role: RoleSpec, field: _Field) -> float:
    fit = _fits(role, field)
    if fit == 0.0:
        return 0.0
    hints = [words(h) for h in (role.name, role.label, *role.hints.names)]
    name = max(
        (_phrase(h, p) * weight for h in hints for p, weight in field.phrases if h), default=0.0
    )
    types = role.hints.types
    type_score = (
        1.0 if not types or field.info.type == types[0]
        else 0.9 if field.info.type in types
        else 0.4
    )  # fmt: skip
    value_score: float | None = None
    if role.hints.values and field.values:
        wanted = {words(v) for v in role.hints.values}
        found = len(wanted & field.values)
        value_score = min(1.0, found / min(2, len(field.values)))
    if value_score is None:
        total = 0.8 * name + 0.2 * type_score
    else:
        total = 0.6 * name + 0.15 * type_score + 0.25 * value_score
    if role.kind == "id" and field.primary_key:
        total += 0.05
    return round(min(1.0, total * fit), 3)


# -- joins ------------------------------------------------------------------------------------------
def reachable(model: SemanticModel, start: str) -> set[str]:
    """Nodes ``start`` reaches through many-to-one and one-to-one joins (itself included):
    the tables whose fields break its rows down without repeating them."""
    edges: dict[str, list[str]] = {}
    for join in model.joins:
        target = join.alias or join.right_table
        if join.cardinality in ("many_to_one", "one_to_one"):
            edges.setdefault(join.left_table, []).append(target)
        if join.cardinality in ("one_to_many", "one_to_one") and join.alias is None:
            edges.setdefault(target, []).append(join.left_table)
    seen = {start}
    todo = [start]
    while todo:
        for nxt in edges.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# -- the mapping ------------------------------------------------------------------------------------
def map_template(template: Template, catalog: Catalog, model: SemanticModel) -> TemplateMapping:
    """Map every role of ``template`` onto the fields of ``catalog`` (built from ``model``)."""
    fields = _fields(catalog, model)
    scores = {role.name: {f.info.field: _score(role, f) for f in fields} for role in template.roles}
    by_field = {f.info.field: f for f in fields}
    assigned: dict[str, str] = {}
    reach: set[str] | None = None
    anchor = template.anchor
    if anchor is not None:
        best = _anchor(template, anchor, scores, by_field, model)
        if best is not None:
            assigned[anchor] = best
            reach = reachable(model, by_field[best].info.node or "")
    adjusted: dict[str, dict[str, float]] = {}
    while True:
        adjusted = {
            role.name: _adjusted(role, scores[role.name], by_field, assigned, reach)
            for role in template.roles
        }
        used = set(assigned.values())
        pairs = [
            (score, role, name)
            for role, row in adjusted.items()
            if role not in assigned
            for name, score in row.items()
            if score >= THRESHOLD and name not in used
        ]
        if not pairs:
            break
        _, chosen_role, chosen_field = min(pairs, key=lambda p: (-p[0], p[1], p[2]))
        assigned[chosen_role] = chosen_field
    matches = []
    for role in template.roles:
        row = adjusted[role.name]
        ranked = sorted(
            (n for n, s in row.items() if s > 0.0), key=lambda n: (-row[n], n)
        )  # fmt: skip
        choices = tuple(Candidate(n, by_field[n].info.label, row[n]) for n in ranked)
        chosen = assigned.get(role.name)
        others = tuple(c for c in choices if c.field != chosen and c.confidence >= THRESHOLD)
        matches.append(
            RoleMatch(
                role.name, role.display, role.kind, role.required, chosen,
                None if chosen is None else by_field[chosen].info.label,
                0.0 if chosen is None else row[chosen], others[:ALTERNATIVES], choices,
            )
        )  # fmt: skip
    return TemplateMapping(template.name, tuple(matches))


def _adjusted(
    role: RoleSpec,
    scores: dict[str, float],
    fields: dict[str, _Field],
    assigned: dict[str, str],
    reach: set[str] | None,
) -> dict[str, float]:
    same = role.hints.same_table_as
    beside = fields[assigned[same]].table if same in assigned else None
    out: dict[str, float] = {}
    for name, score in scores.items():
        if score <= 0.0:
            out[name] = 0.0
            continue
        node = fields[name].info.node or ""
        if reach is not None and assigned.get(role.name) != name and node not in reach:
            score *= UNREACHABLE
        if beside is not None and fields[name].table == beside:
            score += 0.05
        out[name] = round(min(1.0, score), 3)
    return out


def _anchor(
    template: Template,
    anchor: str,
    scores: dict[str, dict[str, float]],
    fields: dict[str, _Field],
    model: SemanticModel,
) -> str | None:
    """The anchor's field whose table reaches the best fields of the other required roles."""
    own = scores[anchor]
    ranked = sorted((n for n, s in own.items() if s >= THRESHOLD), key=lambda n: (-own[n], n))
    best: tuple[float, str] | None = None
    for name in ranked[:5]:
        reach = reachable(model, fields[name].info.node or "")
        value = own[name]
        for role in template.roles:
            if role.name == anchor or not role.required:
                continue
            value += max(
                (
                    s if (fields[f].info.node or "") in reach else s * UNREACHABLE
                    for f, s in scores[role.name].items()
                    if f != name
                ),
                default=0.0,
            )
        if best is None or value > best[0] + 1e-9:
            best = (value, name)
    return None if best is None else best[1]
