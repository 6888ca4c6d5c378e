"""``datapilot serve`` with an invalid template in the admin's folder does not start: it exits
with the setup code and a message naming the file and the line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT, free_port

BROKEN = """\
name: broken
title: Broken
roles:
  - name: amount
    kind: measure
measures:
  - name: total
    expression: sum({amount})
widgets:
  - id: total
    kind: gauge
    measures: [total]
"""


def test_an_invalid_template_stops_start_up_naming_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    config = tmp_path / "datapilot.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "server": {"port": free_port(), "host": "127.0.0.1"},
                "storage": {"data_dir": str(tmp_path / "data")},
                "templates": {"folder": str(folder)},
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAPILOT_")}

    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "--config", str(config), "serve", "--no-demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{folder / 'broken.yaml'}, line 11: widgets.0.kind" in done.stderr
    assert "DataPilot is running" not in done.stdout
