"""Every class of bad input gets a clear problem naming file, row, field and reason."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

import casereport
from casereport.apps.cli import main

from .conftest import CASES, SEED, SYNTHETIC, replace


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
        "an illustrative value needs 'rule'",
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


def test_a_file_given_for_the_case_folder_is_named_a_file(editable_case):
    case_yaml = editable_case(SEED) / "case.yaml"
    (problem,) = casereport.validate_case(case_yaml)
    assert problem.file == str(case_yaml)
    assert problem.reason.startswith("is a file, not a case folder")


def test_cli_validate_exit_codes(editable_case, capsys):
    case_dir = editable_case(SYNTHETIC)
    assert main(["validate", str(case_dir)]) == 0
    replace(case_dir / "labs.csv", "l02,1742-6,35,", "l02,1742-6,-35,")
    assert main(["validate", str(case_dir)]) == 1
    err = capsys.readouterr().err
    assert "labs.csv, row 2 (line 3), field 'value'" in err


# -- every problem in one run, each with how to fix it --------------------------------------


def test_a_bad_header_does_not_hide_the_other_files_problems(editable_case):
    """Before, a broken header stopped the reading there: the other files' cross-file problems came a round later."""
    case_dir = editable_case(SEED)
    replace(case_dir / "labs.csv", "value,unit,date", "value,units,date")
    replace(case_dir / "findings.csv", "f01,baseline_staging,", "f01,baseline_staging_2009,")
    replace(case_dir / "regimens.yaml", "start: panobinostat_start", "start: panobinostat_begin")
    problems = casereport.validate_case(case_dir)
    found = {(p.file, p.field) for p in problems}
    assert ("labs.csv", "units") in found
    assert ("labs.csv", "unit") in found
    assert ("findings.csv", "staging") in found
    assert ("regimens.yaml", "start") in found
    staging = next(p for p in problems if p.file == "findings.csv")
    assert staging.row == 1
    assert "baseline_staging_2009" in staging.reason
    assert staging.hint == "did you mean 'baseline_staging'?"
    unknown = next(p for p in problems if p.field == "units")
    assert unknown.hint == "did you mean 'unit'?"


def test_references_into_an_unreadable_file_are_not_called_missing(editable_case):
    """events.csv cannot be read: nothing may be reported as naming an event that does not exist."""
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "events.csv", "id,kind,label", "id,kind,title")
    replace(case_dir / "labs.csv", "l02,1742-6,35,", "l02,1742-6,-35,")
    problems = casereport.validate_case(case_dir)
    assert {(p.file, p.field) for p in problems} == {
        ("events.csv", "title"),
        ("events.csv", "label"),
        ("labs.csv", "value"),
    }


def test_an_unknown_column_alone_still_lets_the_rows_be_checked(editable_case):
    """An author's own column of notes: the column is refused, and every row is still checked without it."""
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([header + ",comment", *(row + ",my note" for row in rows)]) + "\n", encoding="utf-8")
    replace(path, "l02,1742-6,35,", "l02,1742-6,-35,")
    problems = casereport.validate_case(case_dir)
    assert {(p.file, p.row, p.field) for p in problems} == {("labs.csv", None, "comment"), ("labs.csv", 2, "value")}


def test_validate_as_json_for_tools(editable_case, capsys):
    case_dir = editable_case(SYNTHETIC)
    assert main(["validate", str(case_dir), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    replace(case_dir / "labs.csv", "l05,6690-2", "l05,6690-9")
    replace(case_dir / "events.csv", "2021-02-22", "2021-02-31")
    assert main(["validate", str(case_dir), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert problems
    for problem in problems:
        assert set(problem) == {"file", "row", "line", "field", "message", "hint", "severity"}
        assert problem["severity"] in ("error", "warning")
    loinc = next(p for p in problems if p["file"] == "labs.csv" and p["field"] == "loinc")
    assert (loinc["row"], loinc["line"]) == (5, 6)
    assert loinc["message"] == "unknown LOINC code '6690-9'"
    assert "6690-2" in loinc["hint"]
    assert any(p["file"] == "events.csv" and p["field"] == "date" for p in problems)


def test_the_text_output_gives_each_hint_below_its_problem(editable_case, capsys):
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "findings.csv", "t03,ct_after_three_cycles", "t03,ct_after_three_cycle")
    assert main(["validate", str(case_dir)]) == 1
    lines = capsys.readouterr().err.splitlines()
    at = next(i for i, line in enumerate(lines) if "findings.csv, row 3 (line 4), field 'staging'" in line)
    assert lines[at + 1].strip() == "hint: did you mean 'ct_after_three_cycles'?"


@pytest.mark.parametrize(
    ("file", "old", "new", "name", "near"),
    [
        # A typing slip: the check digit gives it away, and the code it should be.
        ("labs.csv", "l05,6690-2", "l05,6690-3", None, "6690-2"),
        # A code with a valid check digit that the catalogue lacks, named GOT: the hint offers AST's code.
        ("analytes.csv", "1742-6,ALT,U/L", "9679-2,GOT,U/L", "GOT", "1920-8"),
    ],
    ids=["check digit slip", "named analyte"],
)
def test_an_unknown_loinc_code_is_told_the_nearest_known(editable_case, file, old, new, name, near):
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / file, old, new)
    (problem,) = [p for p in casereport.validate_case(case_dir) if p.file == file and p.field == "loinc"]
    assert problem.reason.startswith("unknown LOINC code")
    assert problem.hint is not None
    assert f"nearest known: {near} " in problem.hint
    # Declaring the code as the case's own is offered only where the code could be right.
    assert ("own_analytes.csv" in problem.hint) == (name is not None)


def test_a_file_saved_as_utf16_is_told_so(editable_case):
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    (problem,) = casereport.validate_case(case_dir)
    assert problem.reason == "is UTF-16 text (it begins with a UTF-16 byte-order mark), not UTF-8"
    assert problem.hint is not None
    assert "UTF-8" in problem.hint


def test_a_byte_order_mark_inside_the_text_is_named_with_its_line(editable_case):
    """Two files joined, or a file saved with a mark twice: the mark would hide in a column's name or an id."""
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("\ufeff\ufeff" + header + rows[0] + "\ufeff" + "".join(rows[1:]), encoding="utf-8")
    problems = casereport.validate_case(case_dir)
    assert [(p.file, p.line) for p in problems] == [("labs.csv", 1), ("labs.csv", 3)]
    assert all("byte-order mark" in p.reason for p in problems)


def test_a_byte_after_a_byte_order_mark_is_named_as_it_stands(editable_case):
    """The mark's three bytes once shifted the byte named: 0x6e ('n') was shown for a Latin-1 0xe9 ('é')."""
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"Synthetic", b"Synth\xe9tic", 1))
    (problem,) = casereport.validate_case(case_dir)
    assert "byte 0xe9 on line 2, '\u00e9' in Windows-1252 or Latin-1" in problem.reason


def test_an_empty_file_is_one_problem_with_the_header_to_write(editable_case):
    case_dir = editable_case(SYNTHETIC)
    (case_dir / "mechanisms.csv").write_bytes(b"")
    (problem,) = casereport.validate_case(case_dir)
    assert (problem.file, problem.reason) == ("mechanisms.csv", "is empty")
    assert problem.hint == (
        "its first line is the header: id,drug,target,action,outcome,evidence,provenance,quote,rule"
    )


def test_a_record_without_a_date_is_told_how_to_place_an_undated_one(editable_case):
    """A paper that says 'we started hormonal therapy' and no when: the hint says how to place the date honestly."""
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "labs.csv", "l02,1742-6,35,U/L,2021-04-19,", "l02,1742-6,35,U/L,,")
    problems = casereport.validate_case(case_dir)
    assert [(p.file, p.row, p.field) for p in problems] == [("labs.csv", 2, "date")]
    assert problems[0].reason == "no date: give 'date', or 'relative_to' and 'offset'"
    assert problems[0].hint is not None
    assert "relative_to" in problems[0].hint
    assert "date_provenance to illustrative" in problems[0].hint
    assert "date_rule" in problems[0].hint


@pytest.mark.parametrize("command", ["report", "explorer"])
def test_an_out_path_that_cannot_be_written_is_named_without_a_traceback(command, tmp_path, capsys):
    """A folder given where a file goes: the command names the flag, the path and the reason, and exits 2."""
    status = main([command, str(CASES[SYNTHETIC]), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert err == f"casereport {command}: --out: cannot write '{tmp_path}': Is a directory\n"


@pytest.mark.parametrize(
    ("command", "status", "said"),
    [
        (["report", str(CASES[SYNTHETIC]), "--out", "{file}/report.md"], 2, "report: --out: cannot write"),
        (["explorer", str(CASES[SYNTHETIC]), "--out", "{file}/page.html"], 2, "explorer: --out: cannot write"),
        (["fhir", "export", str(CASES[SYNTHETIC]), "--out", "{file}/bundle.json"], 1, "fhir: cannot write"),
        (["figures", "--case", str(CASES[SYNTHETIC]), "--out", "{file}/figures"], 2, "figures: --out: cannot create"),
    ],
)
def test_a_file_where_a_folder_of_the_out_path_should_be_is_named(command, status, said, tmp_path, capsys):
    """The system says only "File exists" or "Not a directory": the command names the file in the way."""
    blocking = tmp_path / "notes.txt"
    blocking.write_text("an author's notes\n", encoding="utf-8")
    assert main([part.format(file=blocking) for part in command]) == status
    err = capsys.readouterr().err
    assert f"casereport {said} '{blocking}/" in err or f"casereport {said} {blocking}/" in err
    assert err.rstrip().endswith(f"'{blocking}' is a file, not a folder")
    assert "Traceback" not in err
    assert blocking.read_text(encoding="utf-8") == "an author's notes\n"  # nothing of it lost


def test_a_file_given_as_the_figures_folder_is_named_and_kept(tmp_path, capsys):
    blocking = tmp_path / "figures.pdf"
    blocking.write_bytes(b"%PDF-1.7 an author's earlier figure")
    assert main(["figures", "--case", str(CASES[SYNTHETIC]), "--out", str(blocking), "--format", "svg"]) == 2
    assert capsys.readouterr().err == f"casereport figures: --out: '{blocking}' is a file, not a folder\n"
    assert blocking.read_bytes() == b"%PDF-1.7 an author's earlier figure"


def test_the_fhir_export_names_a_folder_given_for_its_file(tmp_path, capsys):
    assert main(["fhir", "export", str(CASES[SYNTHETIC]), "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"casereport fhir: cannot write {tmp_path}: Is a directory\n"
