"""The profile's min and max of text follow the reader's alphabet, not byte order."""

from __future__ import annotations

from pathlib import Path

from pipelines.ingest import ingest_file


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
