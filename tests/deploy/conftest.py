"""Deploy fixtures: PostgreSQL, nginx and two ``datapilot serve`` processes, once per module.

They skip without PostgreSQL or nginx, and fail instead when ``DATAPILOT_REQUIRE_POSTGRES=1``
(CI installs nginx in ``.ci/run``). The browser test drives its own Chromium in a thread of its
own: the browser suite's Playwright keeps an event loop running in the main thread.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.deploy.stack import (
    Stack,
    create_database,
    drop_database,
    require_deploy_parts,
    start_stack,
)
from tests.ui.conftest import (  # noqa: F401  (hooks used by this directory)
    pytest_runtest_call,
    pytest_runtest_makereport,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """nginx (the deploy config, HTTPS) in front of nodes app1 and app2 over one fresh
    PostgreSQL database and one data directory."""
    admin_url = require_deploy_parts()
    try:
        database_url = create_database(admin_url)
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {admin_url} is not reachable: {exc}")
    try:
        running = start_stack(tmp_path_factory.mktemp("deploy"), database_url)
        yield running
        running.stop()
    finally:
        drop_database(admin_url, database_url)
