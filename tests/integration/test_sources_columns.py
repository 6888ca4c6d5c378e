"""Column names and currencies of a source, through SourceService over a real store (SQLite and
PostgreSQL) and real ingests: a headerless file's columns get names, the user renames them, and
the names survive re-ingests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.services.errors import InvalidInput
from app.services.sources.files import SourceFiles
from app.services.sources.jobs import IngestJobs
from tests.integration.conftest import Store
from tests.integration.test_sources_service import Sources, ready, wait_until_settled

HEADERLESS = (
    "alice@example.com,2024-01-05,$74.69,Paris\n"
    "bob@example.org,2024-02-11,($5.00),Lyon\n"
    'carol@example.net,2024-03-01,"$1,234.50",Nice\n'
)


@pytest.fixture(name="sources")
def sources_fixture(store: Store) -> Iterator[Sources]:
    admin = store.register("Ada")
    workspace = store.workspaces(admin).create("Sales")
    jobs = IngestJobs(workers=2)
    yield Sources(store, SourceFiles(store.settings.storage.data_dir), jobs, admin, workspace.id)
    jobs.shutdown()


def names(info: object) -> list[tuple[str, str]]:
    profile = getattr(info, "profile", None) or {}
    return [(c["label"], c["identifier"]) for c in profile["columns"]]


def test_a_headerless_file_gets_names_from_its_content(sources: Sources) -> None:
    info = ready(sources, "customers.csv", HEADERLESS)

    assert names(info) == [
        ("Email", "email"),
        ("Date", "date"),
        ("Amount", "amount"),
        ("column_4", "column_4"),
    ]
    assert info.detected is not None and info.detected["header"] is False


def test_a_currency_column_profile_says_how_the_file_wrote_it(sources: Sources) -> None:
    info = ready(sources, "customers.csv", HEADERLESS)

    assert info.profile is not None
    amount = info.profile["columns"][2]
    assert (amount["type"], amount["min"], amount["max"]) == ("decimal", -5.0, 1234.5)
    assert amount["currency"] == {
        "code": "USD",
        "symbol": "$",
        "position": "prefix",
        "space": False,
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimals": 2,
        "negative": "parentheses",
    }
    assert info.profile["columns"][0]["currency"] is None


def test_renamed_columns_keep_their_names_across_re_ingests(sources: Sources) -> None:
    info = ready(sources, "customers.csv", HEADERLESS)
    service = sources.service()

    service.retry(info.id, {"column_4": {"name": "City"}, "email": {"name": "Customer e-mail"}})
    renamed = wait_until_settled(service, info.id)

    assert (renamed.status, renamed.error) == ("ready", None)
    assert names(renamed) == [
        ("Customer e-mail", "customer_e_mail"),
        ("Date", "date"),
        ("Amount", "amount"),
        ("City", "city"),
    ]
    assert renamed.overrides == {"column_4": {"name": "City"}, "email": {"name": "Customer e-mail"}}
    city = renamed.detected["columns"][3]  # type: ignore[index]
    assert (city["detected_identifier"], city["detected_label"]) == ("column_4", "column_4")
    assert service.preview(info.id, size=1)["columns"][3]["identifier"] == "city"

    # A type change later is keyed the same way and keeps the name (what the schema page sends).
    again = dict(renamed.overrides or {})
    again["column_4"] = {"type": "text", "name": "Town"}
    service.retry(info.id, again)
    retyped = wait_until_settled(service, info.id)
    assert (retyped.status, retyped.error) == ("ready", None)
    assert names(retyped)[0] == ("Customer e-mail", "customer_e_mail")
    assert names(retyped)[3] == ("Town", "town")

    service.retry(info.id, retyped.overrides)  # a plain re-ingest with what is stored
    assert names(wait_until_settled(service, info.id)) == names(retyped)


def test_a_name_another_column_has_is_refused_and_nothing_changes(sources: Sources) -> None:
    info = ready(sources, "customers.csv", HEADERLESS)
    service = sources.service()

    with pytest.raises(InvalidInput, match="already called 'date'"):
        service.retry(info.id, {"column_4": {"name": "Date"}})

    kept = service.get(info.id)
    assert (kept.status, kept.overrides or {}, names(kept)) == ("ready", {}, names(info))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"nope": {"name": "City"}}, "no column 'nope' to rename"),
        ({"column_4": {"name": "   "}}, "cannot be empty"),
        ({"column_4": {"name": "a\x00b"}}, "control characters"),
        ({"column_4": {"name": 7}}, "name must be text"),
        ({"column_4": {}}, "give a name, or a type"),
    ],
)
def test_bad_names_are_refused_with_the_reason(
    sources: Sources, spec: dict[str, dict[str, object]], message: str
) -> None:
    info = ready(sources, "customers.csv", HEADERLESS)
    with pytest.raises(InvalidInput, match=message):
        sources.service().retry(info.id, spec)
    assert not sources.service().get(info.id).overrides
