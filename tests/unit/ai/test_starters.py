"""Starter questions on the Sales and HR samples: in English and French, each one read by the
offline answerer as a semantic query that runs and returns rows."""

from __future__ import annotations

import pytest

from pipelines.ai.answer_offline import answer_offline
from pipelines.ai.evaluation import Workspace
from pipelines.ai.offline import answer as offline_answer
from pipelines.ai.starters import language_of, starter_questions
from pipelines.semantic import SemanticEngine

from .demo_workspaces import demo_workspaces


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    return demo_workspaces(tmp_path_factory.mktemp("starters"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_sales_starter_is_answered_by_the_offline_answerer(
    workspaces: dict[str, Workspace], language: str
) -> None:
    sales = workspaces["Sales"]
    questions = starter_questions(sales.catalog, language)

    assert len(questions) == 4
    assert len({q.lower() for q in questions}) == 4
    engine = SemanticEngine(sales.model, sales.paths)
    try:
        for question in questions:
            draft = offline_answer(question, sales.catalog)
            assert draft.kind == "semantic", (question, draft.message)
            answer = answer_offline(
                question, catalog=sales.catalog, run_semantic=engine.execute, model=sales.model
            )
            assert answer.kind == "semantic", (question, answer.explanation)
            assert answer.rows, question
    finally:
        engine.close()


def test_starters_are_phrased_in_the_users_language(workspaces: dict[str, Workspace]) -> None:
    catalog = workspaces["Sales"].catalog
    english = starter_questions(catalog, "en")
    french = starter_questions(catalog, "fr")

    assert english[0].startswith("Number of ")
    assert " by " in english[0]
    assert french[0].startswith("Nombre de ")
    assert " par " in french[0]
    assert any(q.endswith(" by month") for q in english)
    assert any(q.endswith(" par mois") for q in french)
    assert any(q.startswith("Top 5 ") for q in english)


def test_hr_starters_count_the_fact_table_and_are_answered(
    workspaces: dict[str, Workspace],
) -> None:
    hr = workspaces["HR"]
    questions = starter_questions(hr.catalog, "en", limit=6)

    assert questions[0].startswith("Number of employees by ")
    for question in questions:
        assert offline_answer(question, hr.catalog).kind == "semantic", question


def test_a_model_without_measures_offers_no_starters() -> None:
    from pipelines.ai.catalog import Catalog

    assert starter_questions(Catalog(()), "en") == []


def test_the_browser_language_picks_french_only_when_preferred() -> None:
    assert language_of("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7") == "fr"
    assert language_of("en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert language_of("de-DE,de;q=0.9,fr;q=0.5") == "fr"
    assert language_of("de-DE") == "en"
    assert language_of("") == "en"
    assert language_of(None) == "en"
