"""The evaluation set: questions over sample workspaces with their expected results, run
against an answerer and scored.

Each question of the YAML file names its workspace and either the plain DuckDB SQL giving its
expected rows (over views named like the model's tables) or the expected ``decline`` /
``clarify``. A question may follow up an earlier one (``previous: <id>``). Scoring:

- *right*: the answer's rows equal the SQL's (order ignored unless ``ordered``; numbers within
  0.01 or 1e-6 relative), or the expected decline/clarify was given;
- *wrong*: other rows, a query the engine refused, or an answer where a decline was expected;
- *declined*: a decline or clarifying question where rows were expected.

Workspaces are built like the demo's: every source ingested, every model suggestion accepted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines.ai.catalog import Catalog, build_catalog
from pipelines.ai.draft import Draft
from pipelines.semantic import (
    SemanticError,
    SemanticModel,
    SemanticQuery,
    SourceSchema,
    apply_suggestion,
    suggest,
)

__all__ = [
    "EvalQuestion",
    "EvalReport",
    "Outcome",
    "Workspace",
    "build_workspace",
    "load_questions",
    "run_evaluation",
    "same_rows",
]

Answerer = Callable[[str, Catalog, SemanticQuery | None, date], Draft]
"""question, catalog, previous query, today -> draft (tokens, if any, in ``draft.matched``
under ``"tokens"``)."""
MAX_SUGGESTIONS = 200


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    workspace: str
    question: str
    lang: str
    expect: str
    """``answer``, ``decline`` or ``clarify``."""
    sql: str | None = None
    ordered: bool = False
    previous: str | None = None


@dataclass
class Workspace:
    """A sample workspace ready to query: its model (bound to Parquet files) and catalog."""

    name: str
    model: SemanticModel
    catalog: Catalog
    paths: dict[str, Path]


@dataclass
class Outcome:
    question: EvalQuestion
    verdict: str
    """``right``, ``wrong`` or ``declined``."""
    got: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class EvalReport:
    outcomes: list[Outcome] = field(default_factory=list)
    tokens: int = 0

    def _count(self, verdict: str, in_scope: bool | None = None) -> int:
        return sum(
            1
            for o in self.outcomes
            if o.verdict == verdict
            and (in_scope is None or (o.question.expect == "answer") == in_scope)
        )

    @property
    def in_scope(self) -> int:
        return sum(1 for o in self.outcomes if o.question.expect == "answer")

    @property
    def accuracy_in_scope(self) -> float:
        return self._count("right", True) / max(self.in_scope, 1)

    @property
    def accuracy(self) -> float:
        return self._count("right") / max(len(self.outcomes), 1)

    @property
    def wrong_rate(self) -> float:
        return self._count("wrong") / max(len(self.outcomes), 1)

    @property
    def decline_rate(self) -> float:
        """Share of in-scope questions declined or answered with a question."""
        return self._count("declined", True) / max(self.in_scope, 1)

    def summary(self) -> str:
        """Accuracy, wrong-answer rate, decline rate and tokens, one per line."""
        total = len(self.outcomes)
        return "\n".join(
            [
                f"questions: {total} ({self.in_scope} answerable, "
                f"{total - self.in_scope} to decline or clarify)",
                f"accuracy (answerable): {self.accuracy_in_scope:.1%}",
                f"accuracy (all): {self.accuracy:.1%}",
                f"wrong answers: {self.wrong_rate:.1%} ({self._count('wrong')})",
                f"declined (answerable): {self.decline_rate:.1%} ({self._count('declined', True)})",
                f"tokens: {self.tokens}",
            ]
        )


def load_questions(path: Path) -> tuple[list[EvalQuestion], date]:
    """The questions of the YAML file at ``path`` and the ``today`` they are asked on."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    today = data.get("today")
    today = today if isinstance(today, date) else date.fromisoformat(str(today))
    questions = [
        EvalQuestion(
            id=str(q["id"]),
            workspace=str(q["workspace"]),
            question=str(q["question"]),
            lang=str(q.get("lang", "en")),
            expect=str(q.get("expect", "answer")),
            sql=q.get("sql"),
            ordered=bool(q.get("ordered", False)),
            previous=q.get("previous"),
        )
        for q in data["questions"]
    ]
    for q in questions:
        if q.expect not in ("answer", "decline", "clarify") or (q.expect == "answer") != bool(
            q.sql
        ):
            raise ValueError(f"question {q.id}: expect answer needs sql (and only it does)")
    return questions, today


def build_workspace(name: str, files: Mapping[str, Path], folder: Path) -> Workspace:
    """Ingest ``files`` (source name -> CSV/Excel/… file) into ``folder`` and accept every
    model suggestion, as the demo does; returns the bound model and its catalog."""
    from pipelines.ingest import ingest_file

    folder.mkdir(parents=True, exist_ok=True)
    sources: dict[str, SourceSchema] = {}
    for source, path in files.items():
        result = ingest_file(path, folder / f"{source}.parquet")
        sources[source] = SourceSchema.from_profile(source, source, result.profile, result.path)
    model = SemanticModel()
    for _ in range(MAX_SUGGESTIONS):
        pending = suggest(model, sources)
        if not pending:
            break
        model = apply_suggestion(model, pending[0])
    paths = {t.name: Path(str(sources[t.source_key].path)) for t in model.tables}
    model.bind(dict(paths))
    return Workspace(name, model, build_catalog(model, paths), paths)


def expected_rows(sql: str, paths: Mapping[str, Path]) -> list[list[Any]]:
    """Rows of the reference ``sql``, run by plain DuckDB over one view per table."""
    con = duckdb.connect()
    try:
        for table, path in paths.items():
            literal = str(path).replace("'", "''")
            # Table names are the model's (checked identifiers); the path is quoted as a literal.
            view = f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{literal}')"  # noqa: S608
            con.execute(view)
        return [list(row) for row in con.execute(sql).fetchall()]
    finally:
        con.close()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=0.01)
    return bool(a == b)


def same_rows(got: list[list[Any]], expected: list[list[Any]], ordered: bool) -> bool:
    """Equal rows (numbers approximately); order matters only when ``ordered``."""
    left = [[_plain(v) for v in row] for row in got]
    right = [[_plain(v) for v in row] for row in expected]
    if len(left) != len(right) or any(len(a) != len(b) for a, b in zip(left, right, strict=True)):
        return False
    if not ordered:
        left.sort(key=repr)
        right.sort(key=repr)
    return all(
        all(_close(a, b) for a, b in zip(x, y, strict=True))
        for x, y in zip(left, right, strict=True)
    )


def run_evaluation(
    questions: list[EvalQuestion],
    workspaces: Mapping[str, Workspace],
    answerer: Answerer,
    today: date,
) -> EvalReport:
    """Ask every question, run the answers and score them."""
    report = EvalReport()
    queries: dict[str, SemanticQuery | None] = {}
    for q in questions:
        ws = workspaces[q.workspace]
        previous = queries.get(q.previous) if q.previous else None
        start = time.perf_counter()
        draft = answerer(q.question, ws.catalog, previous, today)
        queries[q.id] = draft.query
        report.tokens += int(draft.matched.get("tokens", "0") or 0)
        outcome = _score(q, ws, draft)
        outcome.seconds = time.perf_counter() - start
        report.outcomes.append(outcome)
    return report


def _score(q: EvalQuestion, ws: Workspace, draft: Draft) -> Outcome:
    if draft.kind != "semantic" or draft.query is None:
        if q.expect == draft.kind or (q.expect == "decline" and draft.kind == "clarify"):
            return Outcome(q, "right", draft.kind, draft.message)
        return Outcome(q, "declined", draft.kind, f"expected {q.expect}: {draft.message}")
    if q.expect != "answer":
        return Outcome(q, "wrong", "semantic", f"expected {q.expect}, answered {draft.message}")
    try:
        result = ws.model.query(**draft.query.model_dump())
    except SemanticError as exc:
        return Outcome(q, "wrong", "error", exc.message)
    expected = expected_rows(str(q.sql), ws.paths)
    if same_rows(result.rows, expected, q.ordered):
        return Outcome(q, "right", "semantic", draft.message)
    return Outcome(
        q, "wrong", "semantic", f"{draft.message}: got {result.rows[:5]}, expected {expected[:5]}"
    )


def evaluate_offline(
    questions_file: Path,
    workspaces: Mapping[str, Mapping[str, Path]],
    folder: Path,
    make_answerer: Callable[[Mapping[str, Workspace]], Answerer] | None = None,
) -> EvalReport:
    """Build the sample ``workspaces`` (name -> source name -> file) in ``folder`` and run the
    questions of ``questions_file`` with the offline answerer, or with the answerer that
    ``make_answerer`` makes for the built workspaces (a language model's)."""
    from pipelines.ai.offline import answer

    questions, today = load_questions(questions_file)
    needed = {q.workspace for q in questions}
    built = {
        name: build_workspace(name, files, folder / name)
        for name, files in workspaces.items()
        if name in needed
    }
    answerer = answer if make_answerer is None else make_answerer(built)
    return run_evaluation(questions, built, answerer, today)
