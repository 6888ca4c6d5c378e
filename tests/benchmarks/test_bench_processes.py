"""REST throughput and p95 of the semantic query route, one process against two behind nginx.

Two real ``datapilot serve`` processes over one PostgreSQL store and data directory
(``tests/deploy/stack.py``) and two nginx instances with ``deploy/nginx/datapilot.conf``: one
whose upstreams all point at the first process, one that spreads over both. The same bounded
load (``CLIENTS`` threads of a client on 127.0.0.1, each waiting for its answer before the next
request, for ``SECONDS``) posts dashboard-sized semantic queries (revenue and orders by customer
over ``ROWS`` orders, each with its own filter so no answer comes from the result cache) to
``POST /api/v1/workspaces/{id}/query``. The load comes from ``wrk`` (Debian's package, a C
client: on a 2-core machine a Python client's own CPU would take a third of a core from the
servers it measures) and from a Python client when ``wrk`` is not installed. Reported: requests per second, p50 and p95, the gain of
the second process, and the CPU each part used (cores: each server, nginx, the PostgreSQL
backends, this client, and the rest of the machine), which says what limits it. A process runs
REST calls in threads under one GIL, so it uses at most about one core: on an idle 2-core
machine the second process can add up to that core; on a shared machine the other work takes
it. No timed assertion; run with ``make bench``.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.deploy.stack import (
    Nginx,
    create_database,
    drop_database,
    require_deploy_parts,
    start_nginx,
    start_stack,
)
from tests.integration.conftest import register_api_user
from tests.integration.model_api import model_url, orders_document, query_url
from tests.integration.sources_api import create_workspace, upload, wait_settled

ROWS = 200_000
CUSTOMERS = 50
CLIENTS = 8
SECONDS = 15.0
WARM_UP = 3.0
TICKS = os.sysconf("SC_CLK_TCK")
RUNS = itertools.count(1)
"""Each load run's seed: no run repeats another's filters (the result cache would answer)."""


def orders_csv(rows: int) -> bytes:
    """The ORDERS test file's shape (French number format), ``rows`` long."""
    lines = ["order_id;customer;amount;shipped\n"]
    lines += [
        f"{i};Customer {i % CUSTOMERS};{i * 3 % 101},{i % 10}0;D{i % 28 + 1:02d}012024\n"
        for i in range(1, rows + 1)
    ]
    return "".join(lines).encode()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children that were waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICKS  # utime stime cutime cstime


def machine_busy() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (/proc/stat, all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


def postgres_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (pooled, so they stay)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"))
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": url.database}
        )
        pids = [int(row[0]) for row in rows]
    engine.dispose()
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def nginx_pids(nginx: Nginx) -> list[int]:
    master = nginx.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def run_load(base_url: str, cert: Path, headers: dict[str, str], workspace: str) -> dict:
    """``CLIENTS`` closed-loop clients for ``WARM_UP`` + ``SECONDS``; latencies of the
    measured part, and the requests that failed."""
    import ssl

    trust = ssl.create_default_context(cafile=str(cert))
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    measure_from, stop_at = start + WARM_UP, start + WARM_UP + SECONDS

    def client(seed: int) -> None:
        pick = random.Random(seed + CLIENTS * next(RUNS))  # other filters than other runs'
        with httpx.Client(base_url=base_url, verify=trust, headers=headers, timeout=60) as http:
            while (now := time.monotonic()) < stop_at:
                query = {
                    "measures": ["orders.amount", "order_count"],
                    "dimensions": ["orders.customer"],
                    "filters": [
                        {"field": "orders.order_id", "op": "gt", "value": pick.randrange(ROWS)}
                    ],
                    "sort": [{"field": "orders.amount", "descending": True}],
                }
                answer = http.post(query_url(workspace), json=query)
                took = time.monotonic() - now
                with lock:
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code} {answer.text[:200]}")
                    elif now >= measure_from:
                        latencies.append(took)

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return {"latencies": latencies, "failures": failures}


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%(headers)s
local number = 0
function setup(thread)
  number = number + 1
  thread:set("seed", number)
end
function init(args)
  math.randomseed(%(seed)d * 100 + seed)
end
function request()
  local body = string.format(
    '{"measures": ["orders.amount", "order_count"], "dimensions": ["orders.customer"], '
    .. '"filters": [{"field": "orders.order_id", "op": "gt", "value": %%d}], '
    .. '"sort": [{"field": "orders.amount", "descending": true}]}', math.random(0, %(rows)d - 1))
  return wrk.format(nil, "%(path)s", nil, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("DP %%d %%d %%d %%d %%d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50),
    latency:percentile(95), summary.duration))
end
"""


def run_wrk(base_url: str, headers: dict[str, str], workspace: str, folder: Path) -> dict:
    """The same closed loop from ``wrk``: ``CLIENTS`` connections, each waiting for its
    answer, a warm-up run then the measured one."""
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    script = folder / "query.lua"
    answers = []
    for seconds in (WARM_UP, SECONDS):
        # Every run draws other filters: a repeated one would be answered from the result cache.
        values = {"headers": lines, "rows": ROWS, "path": query_url(workspace), "seed": next(RUNS)}
        script.write_text(WRK_SCRIPT % values)
        run = subprocess.run(
            ["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds:.0f}s", "--timeout", "60s",
             "-s", str(script), base_url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        answers.append(next(line for line in run.stdout.splitlines() if line.startswith("DP ")))
    requests, errors, p50, p95, duration = (int(v) for v in answers[-1].split()[1:])
    return {"requests": requests, "errors": errors, "p50": p50 / 1000, "p95": p95 / 1000,
            "seconds": duration / 1e6}  # fmt: skip


def measure(
    label: str,
    nginx: Nginx,
    pids: dict[str, int],
    database_url: str,
    headers: dict[str, str],
    workspace: str,
) -> dict:
    every = {**pids, **{f"nginx {n}": p for n, p in enumerate(nginx_pids(nginx))}}
    postgres = postgres_pids(database_url)
    before = {name: cpu_seconds(pid) for name, pid in every.items()}
    postgres_before = {pid: cpu_seconds(pid) for pid in postgres}
    client_before = sum(os.times()[:4])  # with waited-for children (wrk)
    busy_before, total_before = machine_busy()
    started = time.monotonic()
    if shutil.which("wrk"):
        with tempfile.TemporaryDirectory() as folder:
            load = run_wrk(nginx.https_url, headers, workspace, Path(folder))
    else:
        load = run_load(nginx.https_url, nginx.cert, headers, workspace)
    wall = time.monotonic() - started
    cpu = {name: (cpu_seconds(pid) - before[name]) / wall for name, pid in every.items()}
    cpu["postgresql backends"] = (
        sum(
            cpu_seconds(pid) - start
            for pid, start in postgres_before.items()
            if Path(f"/proc/{pid}").exists()
        )
        / wall
    )
    client = "client (wrk)" if "requests" in load else "client (this pytest)"
    cpu[client] = (sum(os.times()[:4]) - client_before) / wall
    busy_after, total_after = machine_busy()
    cores = os.cpu_count() or 1
    machine = (busy_after - busy_before) / (total_after - total_before) * cores
    cpu["other work on the machine"] = max(0.0, machine - sum(cpu.values()))
    if "requests" in load:
        assert not load["errors"], f"{load['errors']} requests failed"
        assert load["requests"], "no request finished in the measured part"
        count, rps = load["requests"], load["requests"] / load["seconds"]
        p50, p95 = load["p50"], load["p95"]
    else:
        lat = sorted(load["latencies"])
        assert not load["failures"], load["failures"][:5]
        assert lat, "no request finished in the measured part"
        count, rps = len(lat), len(lat) / SECONDS
        p50, p95 = statistics.median(lat) * 1000, lat[int(0.95 * (len(lat) - 1))] * 1000
    result = {"label": label, "rps": rps, "p50": p50, "p95": p95, "cpu": cpu}
    print(f"\n{label}: {result['rps']:.1f} req/s, p50 {result['p50']:.0f} ms, "
          f"p95 {result['p95']:.0f} ms ({count} requests in {SECONDS:.0f} s)")  # fmt: skip
    for name, cores in cpu.items():
        if cores >= 0.005:
            print(f"    CPU {name:<22} {cores:.2f} cores")
    return result


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory):
    admin_url = require_deploy_parts()
    database_url = create_database(admin_url)
    try:
        stack = start_stack(tmp_path_factory.mktemp("bench-processes"), database_url)
        first = int(stack.servers["app1"].base_url.rsplit(":", 1)[1])
        alone = start_nginx({"app1": first, "app2": first}, free_port(), free_port())
        try:
            yield stack, alone
        finally:
            alone.stop()
            stack.stop()
    finally:
        drop_database(admin_url, database_url)


def test_semantic_query_throughput_one_process_against_two_behind_nginx(deployed) -> None:
    stack, alone = deployed
    with httpx.Client(base_url=stack.servers["app1"].base_url, timeout=120) as http:
        user = register_api_user(http)
        workspace = create_workspace(http, user)
        uploaded = upload(http, user, workspace, "orders.csv", orders_csv(ROWS))
        assert uploaded.status_code == 202, uploaded.text
        source = uploaded.json()["id"]
        assert wait_settled(http, user, workspace, source, timeout=300)["status"] == "ready"
        saved = http.put(
            model_url(workspace),
            json={"version": 0, "model": orders_document(source)},
            headers=user.headers,
        )
        assert saved.status_code == 200, saved.text
    pids = {f"server {node}": s.process.pid for node, s in stack.servers.items()}
    print(f"\n{ROWS:,} orders, {CUSTOMERS} customers; {CLIENTS} clients on 127.0.0.1 for "
          f"{SECONDS:.0f} s each; {os.cpu_count()} cores; load average before "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    url = stack.database_url
    one = measure("one process behind nginx", alone, pids, url, user.headers, workspace)
    two = measure("two processes behind nginx", stack.nginx, pids, url, user.headers, workspace)
    gain = two["rps"] / one["rps"] - 1
    busiest = max((name for name in two["cpu"] if name.startswith("server")), key=two["cpu"].get)
    ours = sum(v for k, v in two["cpu"].items() if k != "other work on the machine")
    others = two["cpu"]["other work on the machine"]
    per_request = [
        1000
        * sum(v for k, v in run["cpu"].items() if k != "other work on the machine")
        / run["rps"]
        for run in (one, two)
    ]
    print(
        f"\ngain of the second process: {gain:+.0%} req/s; p95 {one['p95']:.0f} -> "
        f"{two['p95']:.0f} ms; CPU per request {per_request[0]:.0f} ms (one process), "
        f"{per_request[1]:.0f} ms (two)\n"
        f"with two processes the benchmark's parts used {ours:.2f} of {os.cpu_count()} cores "
        f"(busiest: {busiest} {two['cpu'][busiest]:.2f}), other work on the machine "
        f"{others:.2f}; load average after {os.getloadavg()[0]:.2f}"
    )
