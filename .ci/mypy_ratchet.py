#!/usr/bin/env python3
"""mypy ratchet for app/ and components/: the number of errors may only go down.

``make test`` runs this after ``mypy --strict pipelines``. It runs mypy (configured in
pyproject.toml) on app/ and components/, fails when there are more errors than the number in
.ci/mypy-baseline, and asks for that number to be lowered when there are fewer. Standard library
only; mypy is the one run by this interpreter (``python -m mypy``).

    python .ci/mypy_ratchet.py            # check
    python .ci/mypy_ratchet.py --lower    # write the current count, when it went down
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / ".ci" / "mypy-baseline"
PACKAGES = ("app", "components")
ERROR = re.compile(r"^[^:\s][^:]*:\d+(:\d+)?: error:")


def read_baseline() -> int:
    """The allowed count: the first line of the baseline file that is not a comment."""
    for line in BASELINE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return int(line.strip())
    raise SystemExit(f"{BASELINE.relative_to(ROOT)} holds no error count")


def write_baseline(count: int) -> None:
    lines = BASELINE.read_text().splitlines()
    comments = [line for line in lines if line.lstrip().startswith("#")]
    BASELINE.write_text("\n".join([*comments, str(count)]) + "\n")


def run_mypy() -> tuple[int, str]:
    """Run mypy on the ratcheted packages; return the error count and its report."""
    result = subprocess.run(  # noqa: S603 - fixed arguments, this interpreter's mypy
        [sys.executable, "-m", "mypy", *PACKAGES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # mypy exits 1 when it found errors, 2 when it could not run (bad config, crash).
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mypy could not run (exit code {result.returncode})")
    count = sum(1 for line in result.stdout.splitlines() if ERROR.match(line))
    return count, result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lower", action="store_true", help="write the current count to the baseline file"
    )
    args = parser.parse_args(argv)
    allowed = read_baseline()
    count, report = run_mypy()
    where = " and ".join(f"{p}/" for p in PACKAGES)
    baseline = BASELINE.relative_to(ROOT)
    if count > allowed:
        sys.stdout.write(report)
        print(
            f"mypy ratchet: {count} errors in {where}, {baseline} allows {allowed}. "
            f"Fix the {count - allowed} new one(s) listed above."
        )
        return 1
    if count < allowed:
        if args.lower:
            write_baseline(count)
            print(f"mypy ratchet: {baseline} lowered from {allowed} to {count}.")
        else:
            print(
                f"mypy ratchet: {count} errors in {where}, fewer than the {allowed} allowed. "
                f"Lower the number in {baseline} to {count} "
                "(or run `python .ci/mypy_ratchet.py --lower`) and commit it."
            )
        return 0
    print(f"mypy ratchet: {count} errors in {where}, as allowed by {baseline}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
