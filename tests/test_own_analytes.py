"""Analytes: the catalogue casereport knows, and the ones a case declares itself in own_analytes.csv."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest

import casereport
from casereport.data.analytes import ucum_slip
from casereport.data.catalogue import ctcae_rules, known_analytes, loinc_code_problem, plausible_ranges

from .conftest import SYNTHETIC, replace

HEADER = "loinc,loinc_name,name,unit,lower_limit,upper_limit,provenance,quote,rule\n"
SCC = (
    "9679-2,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,ng/mL,,1.5,derived,,"
    "The laboratory's limit as the authors cite it.\n"
)


def _declare(case_dir: Path, *rows: str) -> None:
    (case_dir / "own_analytes.csv").write_text(HEADER + "".join(rows), encoding="utf-8")


def _add_lab(case_dir: Path, loinc: str, value: str, unit: str) -> None:
    with (case_dir / "labs.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"own01,{loinc},{value},{unit},2021-04-19,,,,,illustrative,,Synthetic value.\n")


def test_a_declared_analyte_validates_and_loads(editable_case):
    case_dir = editable_case(SYNTHETIC)
    _declare(case_dir, SCC)
    _add_lab(case_dir, "9679-2", "2.4", "ng/mL")
    assert casereport.validate_case(case_dir) == []
    case = casereport.load_case(case_dir)
    analyte = case.analytes.set_index("loinc").loc["9679-2"]
    assert analyte["loinc_name"] == "Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma"
    assert analyte["provenance"] == "derived"
    lab = case.labs.set_index("id").loc["own01"]
    assert (lab["analyte"], lab["upper_limit"]) == ("SCC antigen", 1.5)


def test_a_case_without_the_file_has_no_own_analytes(editable_case):
    case_dir = editable_case(SYNTHETIC)
    assert not (case_dir / "own_analytes.csv").exists()
    assert casereport.validate_case(case_dir) == []


def test_a_lab_of_an_undeclared_analyte_is_still_refused(editable_case):
    case_dir = editable_case(SYNTHETIC)
    _add_lab(case_dir, "9679-2", "2.4", "ng/mL")
    (problem,) = casereport.validate_case(case_dir)
    assert (problem.file, problem.field, problem.reason) == ("labs.csv", "loinc", "unknown LOINC code '9679-2'")
    assert problem.hint is not None
    assert "own_analytes.csv" in problem.hint


@pytest.mark.parametrize(
    ("row", "field", "reason", "hint"),
    [
        (
            "2039-6,Carcinoembryonic Ag [Mass/volume] in Serum or Plasma,CEA,ng/mL,,5,reported,normal below 40 U/L,\n",
            "loinc",
            "LOINC 2039-6 is in casereport's catalogue (Carcinoembryonic antigen (CEA) in serum); it needs no declaring",
            "move the row to analytes.csv",
        ),
        (
            "2039-6,Carcinoembryonic Ag [Mass/volume] in Serum or Plasma,CEA,U/L,,5,reported,normal below 40 U/L,\n",
            "loinc",
            (
                "LOINC 2039-6 is Carcinoembryonic antigen (CEA) in serum in casereport's catalogue, measured in"
                " ng/mL, not 'U/L'"
            ),
            "use ng/mL",
        ),
        (
            "9679-2,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,,,1.5,derived,,A rule.\n",
            "unit",
            "is required",
            "UCUM unit",
        ),
        (
            "9679-3,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,ng/mL,,1.5,derived,,A rule.\n",
            "loinc",
            "'9679-3' is not a LOINC code: its check digit would be 2 (9679-2)",
            "loinc.org",
        ),
        (
            "9679-2,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,µg/L,,1.5,derived,,A rule.\n",
            "unit",
            "'µg/L' is not a UCUM unit",
            "UCUM writes micro as 'u'",
        ),
        (
            "9679-2,,SCC antigen,ng/mL,,1.5,derived,,A rule.\n",
            "loinc_name",
            "is required",
            "loinc.org",
        ),
    ],
    ids=["known to the catalogue", "conflicting unit", "no unit", "check digit", "not UCUM", "no LOINC name"],
)
def test_a_declaration_that_cannot_hold_is_refused(editable_case, row, field, reason, hint):
    case_dir = editable_case(SYNTHETIC)
    _declare(case_dir, row)
    problems = [p for p in casereport.validate_case(case_dir) if p.file == "own_analytes.csv"]
    assert [(p.row, p.field, p.reason) for p in problems] == [(1, field, reason)]
    assert problems[0].hint is not None
    assert hint in problems[0].hint
    with pytest.raises(casereport.CaseValidationError):
        casereport.load_case(case_dir)


def test_an_analyte_given_in_both_files_is_refused(editable_case):
    case_dir = editable_case(SYNTHETIC)
    _declare(case_dir, SCC)
    with (case_dir / "analytes.csv").open("a", encoding="utf-8") as handle:
        handle.write("9679-2,SCC antigen,ng/mL,,1.5,derived,,A rule.\n")
    problems = casereport.validate_case(case_dir)
    assert any(p.file == "own_analytes.csv" and "given in analytes.csv too" in p.reason for p in problems)


def test_a_lab_in_another_unit_than_its_declared_analyte_is_refused(editable_case):
    case_dir = editable_case(SYNTHETIC)
    _declare(case_dir, SCC)
    _add_lab(case_dir, "9679-2", "2400", "pg/mL")
    (problem,) = casereport.validate_case(case_dir)
    assert (problem.file, problem.field) == ("labs.csv", "unit")
    assert "own_analytes.csv gives 'ng/mL'" in problem.reason


def test_a_unit_of_another_loinc_code_is_told_that_code(editable_case):
    """Bilirubin in umol/L is LOINC 14631-6, not 1975-2 (mg/dL): the hint says so."""
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "analytes.csv", "1742-6,ALT,U/L,,40,", "1975-2,bilirubin,umol/L,,21,")
    problem = next(p for p in casereport.validate_case(case_dir) if p.file == "analytes.csv")
    assert problem.field == "unit"
    assert problem.hint is not None
    assert "14631-6" in problem.hint


# -- the catalogue itself: a wrong LOINC code is worse than none ---------------------------------


def test_every_catalogue_code_has_a_valid_check_digit_and_ucum_units():
    for code, analyte in known_analytes().items():
        assert loinc_code_problem(code) is None, code
        assert analyte.loinc_name, code
        for unit in analyte.units:
            assert ucum_slip(unit) is None, (code, unit)
        if analyte.typical_lower is not None and analyte.typical_upper is not None:
            assert analyte.typical_lower < analyte.typical_upper, code


@pytest.mark.parametrize(
    ("code", "problem"), [("1920-8", None), ("1920-9", "check digit would be 8"), ("GOT", "shaped")]
)
def test_the_check_digit_is_loincs(code, problem):
    found = loinc_code_problem(code)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_common_oncology_and_hepatology_panels_are_known():
    catalogue = known_analytes()
    expected = {
        "2039-6": "ng/mL",  # CEA
        "24108-3": "U/mL",  # CA 19-9
        "10334-1": "U/mL",  # CA-125
        "2857-1": "ng/mL",  # PSA
        "1975-2": "mg/dL",  # total bilirubin
        "1751-7": "g/dL",  # albumin
        "6301-6": "{INR}",
        "5902-2": "s",  # prothrombin time
        "777-3": "10*3/uL",  # platelets
        "2160-0": "mg/dL",  # creatinine
        "718-7": "g/dL",  # haemoglobin
        "751-8": "10*3/uL",  # neutrophils
        "6768-6": "U/L",  # alkaline phosphatase
        "2532-0": "U/L",  # LDH
    }
    for code, unit in expected.items():
        assert unit in catalogue[code].units, code


def _reference_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("casereport.data").joinpath("reference", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_plausible_ranges_and_ctcae_rules_name_catalogue_codes_in_units_that_fit():
    catalogue = known_analytes()
    for code, unit in plausible_ranges():
        assert unit in catalogue[code].units, (code, unit)
    for code, rule in ctcae_rules().items():
        assert code in catalogue, code
        if rule["unit"]:
            assert rule["unit"] in catalogue[code].units, code
    assert len(_reference_rows("plausibility.csv")) == len(plausible_ranges())
