"""The evaluation set run with the offline answerer: the Explore targets (at least 80% right on
answerable questions, at most 3% wrong answers overall), with the decline rate reported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.ai.evaluation import (
    EvalQuestion,
    Workspace,
    load_questions,
    run_evaluation,
    same_rows,
)
from pipelines.ai.offline import answer

from .demo_workspaces import QUESTIONS, demo_workspaces
from .servers import OpenAIServer, Reply, openai_completion

PERIOD_QUESTIONS = {"s18", "s39", "s54", "s55", "h27", "h31", "h32"}
"""The questions answered with a comparison or a count over time."""


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    return demo_workspaces(tmp_path_factory.mktemp("eval"))


def test_the_set_covers_both_workspaces_and_languages_with_sql_for_every_answer() -> None:
    questions, today = load_questions(QUESTIONS)

    assert len(questions) >= 60
    assert {q.workspace for q in questions} == {"Sales", "HR"}
    assert {q.lang for q in questions} == {"en", "fr"}
    assert {q.expect for q in questions} == {"answer", "decline", "clarify"}
    assert all(q.sql for q in questions if q.expect == "answer")
    assert today == date(2025, 3, 15)


def test_offline_answerer_meets_the_targets(workspaces: dict[str, Workspace]) -> None:
    questions, today = load_questions(QUESTIONS)

    report = run_evaluation(questions, workspaces, answer, today)

    print("\n" + report.summary())
    for outcome in report.outcomes:
        if outcome.verdict != "right":
            print(f"  {outcome.verdict} {outcome.question.id}: {outcome.detail}")
    assert report.accuracy_in_scope >= 0.8
    assert report.wrong_rate <= 0.03


def test_comparisons_and_counts_over_time_are_answered_right(
    workspaces: dict[str, Workspace],
) -> None:
    """Year over year, vs the previous month (EN/FR) and headcount, hires and exits over time
    (the engine's compare and over_time) give the rows of their reference SQL."""
    questions, today = load_questions(QUESTIONS)
    chosen = [q for q in questions if q.id in PERIOD_QUESTIONS]

    report = run_evaluation(chosen, workspaces, answer, today)

    assert len(chosen) == len(PERIOD_QUESTIONS)
    assert {q.lang for q in chosen} == {"en", "fr"}
    assert [(o.question.id, o.verdict) for o in report.outcomes] == [
        (q.id, "right") for q in chosen
    ]


def test_a_wrong_answer_is_scored_wrong_and_a_decline_declined(
    workspaces: dict[str, Workspace],
) -> None:
    questions = [
        EvalQuestion("a", "Sales", "How many orders?", "en", "answer",
                     "SELECT count(*) + 1 FROM orders"),
        EvalQuestion("b", "Sales", "What is the profit margin?", "en", "answer",
                     "SELECT 1"),
        EvalQuestion("c", "Sales", "How many orders?", "en", "decline"),
    ]  # fmt: skip

    report = run_evaluation(questions, workspaces, answer, date(2025, 3, 15))

    assert [o.verdict for o in report.outcomes] == ["wrong", "declined", "wrong"]
    assert report.wrong_rate == pytest.approx(2 / 3)


def test_rows_compare_numbers_approximately_and_order_only_when_asked() -> None:
    got = [["b", 2.0000001], ["a", 1]]
    assert same_rows(got, [["a", 1.0], ["b", 2.0]], ordered=False)
    assert not same_rows(got, [["a", 1.0], ["b", 2.0]], ordered=True)
    assert not same_rows(got, [["a", 1.0], ["b", 2.5]], ordered=False)
    assert not same_rows(got, [["a", 1.0]], ordered=False)


def test_the_cli_prints_the_scores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    small = tmp_path / "questions.yaml"
    small.write_text(
        "today: 2025-03-15\nquestions:\n"
        "  - {id: q1, workspace: HR, question: 'How many employees?',"
        " sql: 'SELECT count(*) FROM employees'}\n"
        "  - {id: q2, workspace: HR, question: 'Employee happiness index', expect: decline}\n",
        encoding="utf-8",
    )

    assert main(["ai", "eval", "--questions", str(small)]) == 0
    out = capsys.readouterr().out
    assert "accuracy (answerable): 100.0%" in out
    assert "wrong answers: 0.0%" in out
    assert main(["ai", "eval", "--provider", "openai", "--model", "gpt-x"]) == 2
    assert "needs a key: --api-key-env" in capsys.readouterr().err


def test_the_cli_evaluates_a_language_model_through_its_sdk(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    openai_server: OpenAIServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An OpenAI-compatible server answers with tool calls; the follow-up is sent with the
    question it follows, and the answers are scored like the offline answerer's."""
    from app.cli import main

    small = tmp_path / "questions.yaml"
    small.write_text(
        "today: 2025-03-15\nquestions:\n"
        "  - {id: q1, workspace: HR, question: 'How many employees?',"
        " sql: 'SELECT count(*) FROM employees'}\n"
        "  - {id: q2, workspace: HR, question: 'by gender', previous: q1,"
        " sql: 'SELECT gender, count(*) FROM employees GROUP BY 1'}\n"
        "  - {id: q3, workspace: HR, question: 'Employee happiness index', expect: decline}\n"
        "  - {id: q4, workspace: HR, question: 'Total payroll', sql: 'SELECT 1'}\n",
        encoding="utf-8",
    )
    count = {"measures": ["employees.count"]}
    openai_server.script(
        _tool_call("run_semantic_query", count),
        _tool_call("run_semantic_query", {**count, "dimensions": ["employees.gender"]}),
        _tool_call("decline", {"reason": "No happiness data.", "missing": ["happiness"]}),
        _tool_call("run_semantic_query", count),
    )
    monkeypatch.setenv("EVAL_TEST_KEY", "sk-eval-test-4242")

    argv = ["ai", "eval", "--questions", str(small), "--provider", "openai_compatible",
            "--model", "local-model", "--base-url", openai_server.api_url,
            "--api-key-env", "EVAL_TEST_KEY", "--verbose"]  # fmt: skip
    assert main(argv) == 0

    out = capsys.readouterr().out
    assert "provider: openai_compatible (local-model)" in out
    assert "accuracy (answerable): 66.7%" in out
    assert "wrong answers: 25.0% (1)" in out
    assert "tokens: 480" in out
    assert "wrong     q4: Total payroll" in out
    follow_up = openai_server.requests("/chat/completions")[1].body
    sent = json.dumps(follow_up["messages"])
    assert "How many employees?" in sent and "by gender" in sent
    assert "sk-eval-test-4242" not in out


def _tool_call(name: str, arguments: dict[str, object]) -> Reply:
    return openai_completion(None, [("call_1", name, json.dumps(arguments))], usage=(100, 20))
