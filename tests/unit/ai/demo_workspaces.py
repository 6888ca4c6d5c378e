"""The Sales and HR sample workspaces as the demo builds them (every suggestion accepted)."""

from __future__ import annotations

from pathlib import Path

from app.demo import DEMO_DIR, DEMO_WORKSPACES
from pipelines.ai.evaluation import Workspace, build_workspace

QUESTIONS = DEMO_DIR / "eval_questions.yaml"


def demo_workspaces(folder: Path) -> dict[str, Workspace]:
    return {
        w.name: build_workspace(w.name, {s.name: s.path for s in w.sources}, folder / w.name)
        for w in DEMO_WORKSPACES
    }
