"""Issue 14's dialect families become their intended tables, checked like the main corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import Case
from .corpus_dialect import DIALECT_CASES
from .test_corpus import test_corpus_file_becomes_the_intended_table as check_case


def test_every_family_has_several_variants() -> None:
    names = [c.name for c in DIALECT_CASES]
    for prefix in ("no_header", "space", "comma_space", "single_quotes", "currency"):
        assert sum(n.startswith(prefix) for n in names) >= 2, prefix


@pytest.mark.parametrize("case", DIALECT_CASES, ids=[c.name for c in DIALECT_CASES])
def test_dialect_file_becomes_the_intended_table(case: Case, tmp_path: Path) -> None:
    check_case(case, tmp_path)
