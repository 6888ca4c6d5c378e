"""The profile's min and max of text follow the reader's alphabet, not byte order."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest import IngestOptions, ingest_file


def test_text_min_and_max_sort_accented_letters_with_their_base_letter(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,name\n1,Zoé\n2,Émile\n3,Alice\n4,émilie\n", encoding="utf-8")
    result = ingest_file(source, tmp_path / "out")
    name = next(c for c in result.profile.columns if c.identifier == "name")
    # Byte order puts "É" (0xC3 0x89) after "Z": the max was "Émile".
    assert (name.min, name.max) == ("Alice", "Zoé")


def test_short_rows_padded_are_counted_in_the_detection(tmp_path: Path) -> None:
    source = tmp_path / "ragged.csv"
    rows = "".join(f"{i},item {i},{i * 1.5}\n" for i in range(1, 30))
    source.write_text("id,item,price\n" + rows + "30,short\n31,also short\n", encoding="utf-8")
    result = ingest_file(source, tmp_path / "out")
    assert result.profile.row_count == 31
    assert result.detected.padded_rows == 2


def test_above_the_exact_threshold_text_bounds_come_from_the_slices_and_say_so(
    tmp_path: Path,
) -> None:
    # Names sort "aa…" < "Ab…" < … in the reader's order; in bytes every capital comes first.
    names = [f"{'Ab' if i % 3 else 'aa'}{i:06d}" for i in range(120_000)]
    source = tmp_path / "many.csv"
    source.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in enumerate(names)))
    sampled = ingest_file(source, tmp_path / "a", IngestOptions(exact_distinct_rows=50_000))
    exact = ingest_file(source, tmp_path / "b", IngestOptions(exact_distinct_rows=500_000))
    assert sampled.profile.bounds_estimated and not exact.profile.bounds_estimated
    low, high = next((c.min, c.max) for c in exact.profile.columns if c.identifier == "name")
    assert (low, high) == ("aa000000", "Ab119999")  # byte order would say "Ab000001", "aa119997"
    low, high = next((c.min, c.max) for c in sampled.profile.columns if c.identifier == "name")
    assert str(low).startswith("aa") and str(high).startswith("Ab")  # the reader's order still
    ids = next(c for c in sampled.profile.columns if c.identifier == "id")
    assert (ids.min, ids.max) == (0, 119_999)  # numbers stay exact: from the statistics
