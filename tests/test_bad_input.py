"""Every class of bad input gets a clear problem naming file, row, field and reason."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

import casereport
from casereport.apps.cli import main

from .conftest import SEED, SYNTHETIC


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def drop_column(path: Path, column: str) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = [f for f in rows[0] if f != column]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


# (name, case, mutation, file, row, field, words in the reason)
Mutation = Callable[[Path], None]
BAD_INPUTS: list[tuple[str, str, Mutation, str, int | None, str | None, str]] = [
    ("missing file", SYNTHETIC, lambda d: (d / "labs.csv").unlink(), "labs.csv", None, None, "file is missing"),
    (
        "missing column",
        SYNTHETIC,
        lambda d: drop_column(d / "labs.csv", "unit"),
        "labs.csv",
        None,
        "unit",
        "column is missing",
    ),
    (
        "unknown column",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", ",rule\n", ",rule,comment\n"),
        "labs.csv",
        None,
        "comment",
        "not part of this file's format",
    ),
    (
        "unparseable date",
        SYNTHETIC,
        lambda d: replace(d / "events.csv", "2021-02-22", "22/02/2021"),
        "events.csv",
        2,
        "date",
        "is not a date",
    ),
    (
        "impossible date",
        SEED,
        lambda d: replace(d / "events.csv", "2010-04,,", "2010-13,,"),
        "events.csv",
        8,
        "date",
        "not a date that exists",
    ),
    (
        "stop before start",
        SYNTHETIC,
        lambda d: replace(d / "events.csv", "2021-08-16", "2021-01-16"),
        "regimens.yaml",
        1,
        "stop",
        "before it starts",
    ),
    (
        "event relative to a missing event",
        SEED,
        lambda d: replace(d / "events.csv", ",sorafenib_start,+6w,", ",sorafenib_begin,+6w,"),
        "events.csv",
        4,
        "relative_to",
        "no event has the id 'sorafenib_begin'",
    ),
    (
        "lab relative to a missing event",
        SEED,
        lambda d: replace(d / "labs.csv", ",end_of_observation,+0d,,,reported", ",last_visit,+0d,,,reported"),
        "labs.csv",
        44,
        "relative_to",
        "no event has the id 'last_visit'",
    ),
    (
        "events dated relative to each other in a loop",
        SEED,
        lambda d: replace(
            d / "events.csv", "2009-09,,,,,reported,Therapy", ",staging_sorafenib_6w,-6w,,,reported,Therapy"
        ),
        "events.csv",
        None,
        "relative_to",
        "in a loop",
    ),
    (
        "duplicate id",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "l02,", "l01,"),
        "labs.csv",
        2,
        "id",
        "used more than once",
    ),
    (
        "unknown LOINC code",
        SYNTHETIC,
        lambda d: replace(d / "analytes.csv", "6690-2,", "9999-9,"),
        "analytes.csv",
        2,
        "loinc",
        "unknown LOINC code '9999-9'",
    ),
    (
        "lab with an unknown LOINC code",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "l05,6690-2", "l05,6690-9"),
        "labs.csv",
        5,
        "loinc",
        "unknown LOINC code",
    ),
    (
        "unit that does not fit its analyte",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "31,U/L", "31,mg/dL"),
        "labs.csv",
        1,
        "unit",
        "does not fit",
    ),
    (
        "analyte unit that does not fit",
        SEED,
        lambda d: replace(d / "analytes.csv", "AFP,ng/mL", "AFP,U/L"),
        "analytes.csv",
        4,
        "unit",
        "does not fit",
    ),
    (
        "negative value",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "l02,1742-6,35,", "l02,1742-6,-35,"),
        "labs.csv",
        2,
        "value",
        "greater than or equal to 0",
    ),
    (
        "non-numeric value",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "l02,1742-6,35,", "l02,1742-6,high,"),
        "labs.csv",
        2,
        "value",
        "valid number",
    ),
    (
        "reported value without its quote",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "reported,ALT peaked at 96 U/L on 12 August 2021,", "reported,,"),
        "labs.csv",
        4,
        "quote",
        "needs the paper's own words",
    ),
    (
        "quote that is not in the source",
        SEED,
        lambda d: replace(d / "labs.csv", "raised to 36.6 ng/ml", "raised to 63.6 ng/ml"),
        "labs.csv",
        44,
        "quote",
        "not found in the source text",
    ),
    (
        "illustrative value without its rule",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "illustrative,,Synthetic value.", "illustrative,,"),
        "labs.csv",
        5,
        "rule",
        "needs 'rule'",
    ),
    (
        "unknown provenance kind",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "illustrative,,Synthetic value.", "estimated,,Synthetic value."),
        "labs.csv",
        5,
        "provenance",
        "'reported', 'derived' or 'illustrative'",
    ),
    (
        "schedule day outside its cycle",
        SYNTHETIC,
        lambda d: replace(d / "regimens.yaml", "dose_days: [1, 8, 15]", "dose_days: [1, 8, 29]"),
        "regimens.yaml",
        1,
        "schedule",
        "outside the 28-day cycle",
    ),
    (
        "regimen starting at a missing event",
        SEED,
        lambda d: replace(d / "regimens.yaml", "start: panobinostat_start", "start: panobinostat_begin"),
        "regimens.yaml",
        2,
        "start",
        "no event has the id 'panobinostat_begin'",
    ),
    (
        "finding at a missing staging",
        SYNTHETIC,
        lambda d: replace(d / "findings.csv", "t03,ct_after_three_cycles", "t03,ct_after_four_cycles"),
        "findings.csv",
        3,
        "staging",
        "no event has the id",
    ),
    (
        "row with too few cells",
        SYNTHETIC,
        lambda d: replace(d / "labs.csv", "l03,1742-6,44,U/L,2021-05-27,,,", "l03,"),
        "labs.csv",
        3,
        None,
        "fewer cells than the header",
    ),
    (
        "broken YAML",
        SYNTHETIC,
        lambda d: replace(d / "regimens.yaml", "  dose: 1000", "  dose: [1000"),
        "regimens.yaml",
        None,
        None,
        "not valid YAML",
    ),
    (
        "statement about a missing regimen",
        SEED,
        lambda d: replace(d / "statements.yaml", "regimen: sorafenib", "regimen: sorafenib_high_dose"),
        "statements.yaml",
        5,
        "regimen",
        "no regimen has the id",
    ),
    (
        "mechanism of a drug no regimen gives",
        SEED,
        lambda d: replace(d / "mechanisms.csv", "m08,sorafenib,", "m08,regorafenib,"),
        "mechanisms.csv",
        9,
        "drug",
        "is not the drug of any regimen",
    ),
    (
        "mechanism with an unknown action",
        SEED,
        lambda d: replace(d / "mechanisms.csv", ",inhibits,transcriptional control", ",blocks,transcriptional control"),
        "mechanisms.csv",
        1,
        "action",
        "'inhibits', 'activates' or 'modulates'",
    ),
    (
        "mechanism quote not in the paper",
        SEED,
        lambda d: replace(d / "mechanisms.csv", "capable of inhibiting MAPK", "capable of abolishing MAPK"),
        "mechanisms.csv",
        6,
        "quote",
        "quote not found in the source text",
    ),
]


@pytest.mark.parametrize(
    ("case_name", "mutate", "file", "row", "field", "reason"),
    [pytest.param(*rest, id=name) for name, *rest in BAD_INPUTS],
)
def test_bad_input_is_reported(editable_case, case_name, mutate, file, row, field, reason):
    case_dir = editable_case(case_name)
    mutate(case_dir)
    problems = casereport.validate_case(case_dir)
    matching = [p for p in problems if p.file == file and p.field == field and reason in p.reason]
    assert matching, f"expected {file} {field} '{reason}', got:\n" + "\n".join(map(str, problems))
    if row is not None:
        assert row in {p.row for p in matching}
    with pytest.raises(casereport.CaseValidationError) as raised:
        casereport.load_case(case_dir)
    assert matching[0] in raised.value.problems


def test_every_problem_is_listed_at_once(editable_case):
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "labs.csv", "l02,1742-6,35,", "l02,1742-6,-35,")
    replace(case_dir / "labs.csv", "l05,6690-2,6.1,", "l05,6690-2,lots,")
    replace(case_dir / "events.csv", "2021-02-22", "2021-02-31")
    problems = casereport.validate_case(case_dir)
    assert {(p.file, p.row, p.field) for p in problems} >= {
        ("labs.csv", 2, "value"),
        ("labs.csv", 5, "value"),
        ("events.csv", 2, "date"),
    }


def test_line_numbers_point_into_the_file(editable_case):
    case_dir = editable_case(SEED)
    replace(case_dir / "regimens.yaml", "    cycle_length_days: 21", "    cycle_length_days: -21")
    (problem,) = casereport.validate_case(case_dir)
    line = (case_dir / "regimens.yaml").read_text(encoding="utf-8").splitlines()[problem.line - 1]
    assert "cycle_length_days: -21" in line
    assert problem.field == "schedule.cycle_length_days"


def test_missing_case_folder(tmp_path: Path):
    (problem,) = casereport.validate_case(tmp_path / "nowhere")
    assert "does not exist" in problem.reason


def test_cli_validate_exit_codes(editable_case, capsys):
    case_dir = editable_case(SYNTHETIC)
    assert main(["validate", str(case_dir)]) == 0
    replace(case_dir / "labs.csv", "l02,1742-6,35,", "l02,1742-6,-35,")
    assert main(["validate", str(case_dir)]) == 1
    err = capsys.readouterr().err
    assert "labs.csv, row 2 (line 3), field 'value'" in err
