"""Per-tenant limits with two app contexts over one store: together they never run more of a
tenant's queries or ingests than configured, and a crashed holder's slot frees after its lease.
Login throttling, kept in the store, adds up across contexts too."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from app.context import AppContext
from app.errors import AuthenticationFailed, Throttled
from tests.conftest import STRONG_PASSWORD
from tests.integration.two_processes import (
    Peak,
    Team,
    close,
    contexts,
    numbers_csv,
    settled,
    team,
    upload,
)

SLOW_SQL = "SELECT count(*) + {i} AS c FROM numbers a, numbers b WHERE a.n + b.n = -1"
"""A query that takes DuckDB a moment (a self-join over 4,000 rows, no match); each caller
changes ``{i}`` so none shares another's result."""


def run_queries(ctx: AppContext, who: Team, start: int, count: int, errors: list[Exception]):
    def work() -> None:
        try:
            for i in range(start, start + count):
                ctx.sql(who.principal).execute(who.workspace_id, SLOW_SQL.format(i=i))
        except Exception as exc:  # reported by the test
            errors.append(exc)

    return threading.Thread(target=work)


def test_two_contexts_together_run_at_most_the_tenants_query_limit(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url, sql={"per_tenant_queries": 2})
    try:
        ada = team(first)
        settled(first, ada, upload(first, ada, "numbers.csv", numbers_csv(4000)).id)
        errors: list[Exception] = []
        threads = [
            run_queries(ctx, ada, start, 3, errors)
            for start, ctx in enumerate([first, first, second, second, second])
        ]
        tenant = str(ada.tenant_id)

        running = [lambda ctx=ctx: ctx.queries.executing(tenant) for ctx in (first, second)]
        with Peak(*running) as peak:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        assert errors == []
        assert peak.most == 2  # each context alone would allow 2, so 4 without shared slots
    finally:
        close(first, second)


def test_a_crashed_holders_query_slot_frees_after_its_lease(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(
        tmp_path,
        database_url,
        sql={"per_tenant_queries": 1},
        processes={"lease_seconds": 3.0, "heartbeat_seconds": 0.2},
    )
    try:
        ada = team(first)
        settled(first, ada, upload(first, ada, "numbers.csv", numbers_csv(10)).id)
        slot = f"query:{ada.tenant_id}"
        assert first.leases.try_take(slot, 1) is not None  # a query in flight...
        first.leases.close(release=False)  # ...when its process dies

        assert second.leases.try_take(slot, 1) is None  # still leased
        run = second.sql(ada.principal).execute(ada.workspace_id, "SELECT count(*) FROM numbers")

        assert run.result.rows[0][0] == 10
    finally:
        close(first, second)


def test_two_contexts_together_run_at_most_the_tenants_ingest_limit(
    database_url: str, tmp_path: Path
) -> None:
    first, second = contexts(tmp_path, database_url, uploads={"per_tenant_ingests": 1})
    try:
        ada = team(first)
        data = numbers_csv(60_000)
        tenant = ada.tenant_id
        running = [lambda ctx=ctx: ctx.jobs.running(tenant) for ctx in (first, second)]
        with Peak(*running) as peak:
            made = [upload(ctx, ada, f"n{i}.csv", data) for i, ctx in enumerate([first, second])]
            made += [upload(ctx, ada, f"m{i}.csv", data) for i, ctx in enumerate([first, second])]
            ended = [
                settled(ctx, ada, s.id) for ctx, s in zip([first, second] * 2, made, strict=True)
            ]

        assert [s.status for s in ended] == ["ready"] * 4
        assert peak.most == 1
    finally:
        close(first, second)


def test_failed_sign_ins_in_two_contexts_add_up_to_the_configured_limits(
    database_url: str, tmp_path: Path
) -> None:
    rules = {"max_failures_per_account": 4, "max_failures_per_address": 6, "lockout_seconds": 60}
    first, second = contexts(tmp_path, database_url, auth={"login_throttle": rules})
    try:
        ada = team(first)
        email = ada.principal.email
        for ctx in (first, second, first, second):  # two failures in each process
            with pytest.raises(AuthenticationFailed):
                ctx.accounts.authenticate(email, "wrong password", "10.0.0.1")
        for ctx in (first, second):  # the account is locked for both, right password or not
            with pytest.raises(Throttled, match="this account"):
                ctx.accounts.authenticate(email, STRONG_PASSWORD, "10.0.0.1")
        for ctx in (first, second):  # 4 + 2 failures from the address, whatever the account
            with pytest.raises(AuthenticationFailed):
                ctx.accounts.authenticate(f"{ctx.leases.owner[-4:]}@x.org", "nope", "10.0.0.1")
        for ctx in (first, second):
            with pytest.raises(Throttled, match="your address"):
                ctx.accounts.authenticate("someone@else.org", "nope", "10.0.0.1")
    finally:
        close(first, second)
