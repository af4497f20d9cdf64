"""The case as a clinician summarises it: baseline, exposure, adverse events, outcome and the report."""

from __future__ import annotations

import json

import pandas as pd

import casereport
from casereport.apps.cli import main
from casereport.apps.report import case_report, render
from casereport.derive.clinical import (
    NOT_GRADED,
    NOT_REPORTED,
    adverse_event_table,
    baseline_assessment,
    exposure,
    outcome_summary,
)

from .conftest import CASES, SEED, SYNTHETIC, replace


def _items(frame):
    return frame.set_index(frame["item"].str.strip())


def test_seed_baseline_as_the_paper_gives_it():
    case = casereport.load_case(CASES[SEED])
    baseline = _items(baseline_assessment(case))
    assert baseline.at["Child-Pugh class", "value"] == "A"
    assert baseline.at["Child-Pugh class", "source"] == "ethyltoxic liver cirrhosis (Child-Pugh A)"
    # The components the paper gives, and the ones it does not.
    assert "no ascites" in baseline.at["Child-Pugh component: ascites", "value"]
    assert "Jan 2010" in baseline.at["Child-Pugh component: ascites", "value"]
    assert baseline.at["Child-Pugh component: bilirubin", "value"] == NOT_REPORTED
    assert baseline.at["Child-Pugh component: encephalopathy", "value"] == NOT_REPORTED
    assert baseline.at["ECOG performance status", "value"] == NOT_REPORTED
    # BCLC derived by its rule: extrahepatic spread is stage C; the rule says what an ECOG would change.
    assert baseline.at["BCLC stage", "provenance"] == "derived"
    assert baseline.at["BCLC stage", "value"].startswith("C")
    assert "extrahepatic spread" in baseline.at["BCLC stage", "source"]
    assert "ECOG is not reported" in baseline.at["BCLC stage", "source"]


def test_a_stated_ecog_and_bclc_are_taken_as_stated(editable_case):
    case_dir = editable_case(SEED)
    replace(
        case_dir / "case.yaml",
        "  - field: child_pugh_class",
        "  - field: ecog_performance_status\n    value: 1\n    provenance: illustrative\n    rule: for the test\n"
        "  - field: child_pugh_class",
    )
    baseline = _items(baseline_assessment(casereport.load_case(case_dir)))
    assert baseline.at["ECOG performance status", "value"] == "1"
    assert "ECOG is not reported" not in baseline.at["BCLC stage", "source"]


def test_bclc_is_for_hepatocellular_carcinoma_only():
    baseline = baseline_assessment(casereport.load_case(CASES[SYNTHETIC]))
    assert "BCLC stage" not in set(baseline["item"])


def test_time_on_each_drug_is_the_range_the_dates_allow():
    case = casereport.load_case(CASES[SEED])
    drugs = exposure(case).set_index("drug")
    # Panobinostat from November 2009 to May 2010: 1 May - 30 Nov at the shortest, 31 May - 1 Nov at the longest.
    low = (pd.Timestamp("2010-05-01") - pd.Timestamp("2009-11-30")).days
    high = (pd.Timestamp("2010-05-31") - pd.Timestamp("2009-11-01")).days
    assert drugs.at["panobinostat", "time on drug"].startswith(f"{low}\u2013{high} days")
    planned = case.administrations[case.administrations["drug"] == "panobinostat"]
    assert drugs.at["panobinostat", "planned doses"].startswith(f"at most {len(planned)}")
    # Sorafenib runs to the end of observation, which the paper does not date.
    assert "illustrative" in drugs.at["sorafenib", "note"]
    assert "illustrative" in drugs.at["sorafenib", "stopped"]


def test_adverse_events_as_a_clinician_lists_them(case_dir):
    case = casereport.load_case(case_dir)
    table = adverse_event_table(case)
    assert len(table) == len(case.adverse_events)
    events = case.adverse_events.set_index("term")
    for _, row in table.iterrows():
        grade = events.at[row["adverse event"], "grade"]
        assert row["grade"] == (NOT_GRADED if pd.isna(grade) else f"grade {grade}")
        if events.at[row["adverse event"], "date_provenance"] != "reported":
            assert "(date " in row["when"]


def test_outcome_says_what_is_not_reported():
    outcome = _items(outcome_summary(casereport.load_case(CASES[SEED])))
    assert outcome.at["survival", "value"] == NOT_REPORTED
    assert outcome.at["follow-up from diagnosis", "provenance"] == "illustrative"
    synthetic = _items(outcome_summary(casereport.load_case(CASES[SYNTHETIC])))
    assert synthetic.at["follow-up from diagnosis", "provenance"] == "derived"


def test_the_report_holds_every_section_and_the_same_derivations(case_dir):
    case = casereport.load_case(case_dir)
    document = json.loads(render(case_report(case), "json"))
    titles = [s["title"] for s in document["sections"]]
    for expected in (
        "Presentation",
        "Baseline",
        "Regimens and planned doses",
        "Stagings and response",
        "Toxicity on treatment",
        "Adverse events",
        "Outcome",
        "Audit: the paper against itself",
        "Provenance",
    ):
        assert expected in titles
    sections = {s["title"]: s for s in document["sections"]}
    adverse = sections["Adverse events"]["tables"][0]["rows"]
    assert [r["adverse event"] for r in adverse] == list(adverse_event_table(case)["adverse event"])
    audit = sections["Audit: the paper against itself"]["tables"][0]["rows"]
    assert len(audit) == len(casereport.audit_case(case))
    markdown = render(case_report(case), "md")
    for quote in (q for d in casereport.audit_case(case) for q in d.quotes):
        assert quote.replace("|", "\\|") in markdown
    page = render(case_report(case), "html")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table>") == sum(len(s["tables"]) for s in document["sections"] if s["tables"]) - sum(
        1 for s in document["sections"] for t in s["tables"] if not t["rows"]
    )


def test_report_command_writes_each_format(tmp_path, capsys):
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", str(CASES[SEED]), "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["title"]
    assert main(["report", str(tmp_path)]) == 2
    assert "case.yaml" in capsys.readouterr().err
