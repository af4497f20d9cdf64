"""Both bundled cases load, and nothing read is lost."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

import casereport
from casereport.data.load import CSV_FILES
from casereport.data.quotes import normalise_source, quote_in_source

from .conftest import CASES, SEED, SYNTHETIC

TABLE_OF_FILE = {
    "events.csv": "events",
    "analytes.csv": "analytes",
    "labs.csv": "labs",
    "findings.csv": "findings",
    "adverse_events.csv": "adverse_events",
    "mechanisms.csv": "mechanisms",
}


def test_both_cases_are_bundled():
    assert {SEED, SYNTHETIC} <= set(CASES)


def test_bundled_case_validates(case_dir: Path):
    assert casereport.validate_case(case_dir) == []


def test_every_row_read_is_in_the_case(case_dir: Path):
    case = casereport.load_case(case_dir)
    for name in CSV_FILES:
        with (case_dir / name).open(newline="", encoding="utf-8") as handle:
            ids = [row.get("id") or row.get("loinc") for row in csv.DictReader(handle)]
        table = getattr(case, TABLE_OF_FILE[name])
        key = "id" if "id" in table else "loinc"
        assert list(table[key]) == ids, name
    for name, attr in (("regimens.yaml", "regimens"), ("statements.yaml", "statements")):
        items = yaml.safe_load((case_dir / name).read_text(encoding="utf-8"))
        assert list(getattr(case, attr)["id"]) == [i["id"] for i in items], name


def test_every_value_carries_provenance(case_dir: Path):
    case = casereport.load_case(case_dir)
    source = normalise_source((case_dir / case.source["text"]).read_text(encoding="utf-8"))
    for attr in (
        "patient",
        "metastatic_sites",
        "events",
        "regimens",
        "analytes",
        "labs",
        "findings",
        "adverse_events",
        "mechanisms",
    ):
        table = getattr(case, attr)
        assert set(table["provenance"]) <= {"reported", "derived", "illustrative"}, attr
        reported = table[table["provenance"] == "reported"]
        assert reported["quote"].notna().all(), attr
        assert all(quote_in_source(q, source) for q in reported["quote"]), attr
        others = table[table["provenance"] != "reported"]
        assert others["rule"].notna().all(), attr


def test_month_precise_dates_stay_months():
    case = casereport.load_case(CASES[SEED])
    start = case.event("panobinostat_start")
    assert start["precision"] == "month"
    assert start["date_text"] == "2009-11"
    assert (start["date_earliest"].day, start["date_latest"].day) == (1, 30)


def test_seed_regimens_are_rules_not_day_lists():
    case = casereport.load_case(CASES[SEED])
    panobinostat = case.regimen("panobinostat")
    assert panobinostat["schedule_kind"] == "cyclic"
    assert panobinostat["cycle_length_days"] == 21
    assert tuple(panobinostat["dose_days"]) == (1, 4, 8, 11)
    assert case.regimen("sorafenib")["schedule_kind"] == "continuous"


def test_administrations_follow_the_rule(case_dir: Path):
    case = casereport.load_case(case_dir)
    for _, regimen in case.regimens.iterrows():
        doses = case.administrations[case.administrations["regimen"] == regimen["id"]]
        assert not doses.empty
        assert (doses["provenance"] == "derived").all()
        if regimen["schedule_kind"] == "cyclic":
            assert set(doses["day_in_cycle"]) <= set(regimen["dose_days"])
            expected_day = (doses["cycle"] - 1) * regimen["cycle_length_days"] + doses["day_in_cycle"]
            assert (doses["regimen_day"] == expected_day).all()
