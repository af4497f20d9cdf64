"""The printed imaging table: its notes under it, in words that square with its cells."""

from __future__ import annotations

import casereport
from casereport import charts

from .conftest import CASES, SEED, SYNTHETIC


def _rows(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_the_notes_are_under_the_table_not_the_title(case_dir):
    """A journal sets a table's footnotes under it; above it they took a quarter of a column's figure."""
    spec = charts.imaging_chart(casereport.load_case(case_dir)).to_dict()
    assert "subtitle" not in spec["title"]
    rows = [row for row in _rows(spec) if "kind" in row]
    notes = [row for row in rows if row["kind"] == "note"]
    assert notes
    assert notes[0]["text"].startswith("RECIST 1.1")
    assert min(n["y"] for n in notes) > max(r["y"] for r in rows if r["kind"] != "note")


def test_a_baseline_measured_by_sonography_says_why_it_has_no_target():
    """The seed's 100 mm liver lesion was sized by sonography, which RECIST 1.1 does not measure by: the note
    says so beside the cell's 100 mm, instead of "no measurable target"."""
    case = casereport.load_case(CASES[SEED])
    notes = " ".join(r["text"] for r in _rows(charts.imaging_chart(case).to_dict()) if r.get("kind") == "note")
    assert "100 mm lesion measured by sonography, not RECIST-measurable" in notes
    assert "no measurable target" not in notes
    # The dashboard's grid says it in the same words, under its title.
    grid = charts.imaging_chart(case, table=False).to_dict()
    assert any(
        "measured by sonography, not RECIST-measurable" in line for line in grid["vconcat"][0]["title"]["subtitle"]
    )


def test_a_baseline_with_targets_says_so():
    case = casereport.load_case(CASES[SYNTHETIC])
    notes = " ".join(r["text"] for r in _rows(charts.imaging_chart(case).to_dict()) if r.get("kind") == "note")
    assert "baseline: targets measured" in notes
