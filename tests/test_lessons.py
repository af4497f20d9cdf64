"""The answers of the teaching series: computed from the revealed case, true to it, and silent on what comes later."""

from __future__ import annotations

import inspect

import pytest

import casereport
from casereport.apps import lessons
from casereport.apps.teaching import revealable_steps
from casereport.data.catalogue import AFP, LIVER_ENZYMES
from casereport.derive.audit import audit_case
from casereport.derive.grading import grade_labs
from casereport.derive.response import recist_response
from casereport.derive.reveal import case_steps, reveal_case

from .conftest import CASES, SEED

ANSWERS = [f for name, f in inspect.getmembers(lessons, inspect.isfunction) if f.__module__ == lessons.__name__]
ANSWERS = [f for f in ANSWERS if not f.__name__.startswith("_")]


def _later(case, until):
    """Words that only a later step could know: later events' labels and later stagings' findings."""
    steps = case_steps(case)
    cut = int(steps.loc[steps["id"] == until, "step"].iloc[0])
    later = steps[steps["step"] > cut]
    findings = case.findings[case.findings["staging"].isin(later["id"])]
    return [*later["label"], *findings["quote"].dropna(), *findings["description"]]


def test_there_is_an_answer_for_every_notebook_question():
    assert len(ANSWERS) >= 12


@pytest.mark.parametrize("answer", ANSWERS, ids=lambda f: f.__name__)
def test_no_answer_speaks_of_a_later_step(answer, case_dir):
    case = casereport.load_case(case_dir)
    for _, until in revealable_steps(case)[:-1]:
        text = answer(reveal_case(case, until))
        assert text.strip()
        shown = reveal_case(case, until)
        for words in _later(case, until):
            # Words also true of what is shown (a finding repeated at a later staging) may appear.
            if words in set(shown.findings["description"]) | set(shown.findings["quote"].dropna()):
                continue
            assert words not in text, (answer.__name__, until, words)


def test_worst_grades_are_the_graded_maxima_on_treatment(case_dir):
    case = casereport.load_case(case_dir)
    graded = grade_labs(case)
    liver = graded[graded["loinc"].isin(LIVER_ENZYMES) & (graded["phase"] == "on treatment")]
    text = lessons.liver_enzyme_grades(case)
    assert not liver.empty
    for (analyte, period), values in liver.groupby(["analyte", "period"]):
        assert f"- {analyte}, {period}: worst grade {values['ctcae_grade'].max()}," in text
    # A value before the first dose is never given as a worst grade.
    for _, before in graded[graded["loinc"].isin(LIVER_ENZYMES) & (graded["phase"] == "pre-treatment")].iterrows():
        assert f"from {before['value']:g} {before['unit']}" not in text


def test_the_baseline_rule_names_exactly_the_enzymes_high_at_baseline(case_dir):
    case = casereport.load_case(case_dir)
    graded = grade_labs(case)
    liver = graded[graded["loinc"].isin(LIVER_ENZYMES)]
    high = set(liver.loc[liver["baseline_value"] > liver["upper_limit"], "analyte"])
    text = lessons.baseline_rule(case)
    for analyte in set(liver["analyte"]):
        assert (f"- {analyte}:" in text) is (analyte in high)


def test_the_late_afp_rise_appears_only_after_the_stop():
    case = casereport.load_case(CASES[SEED])
    stop = case.events[case.events["kind"] == "regimen_stop"].iloc[0]
    afp = case.labs[(case.labs["loinc"] == AFP) & (case.labs["date_earliest"] > stop["date_latest"])]
    peak = afp["value"].max()
    assert f"{peak:g}" in lessons.afp_late_rise(case)
    assert lessons.afp_late_rise(reveal_case(case, "staging_2010_04")).startswith(lessons.NOT_YET)


def test_afp_answers_mark_illustrative_values(case_dir):
    case = casereport.load_case(case_dir)
    afp = case.labs[case.labs["loinc"] == AFP].sort_values("date_earliest")
    text = lessons.afp_course(case)
    if afp.empty:
        assert "no AFP" in text
    else:
        first = afp.iloc[0]
        marked = f"{first['value']:g} {first['unit']}, {lessons.format_when(first['date_earliest'], first['date_latest'])} (illustrative, not measured)"
        assert (marked in text) is (first["provenance"] == "illustrative")


def test_response_answer_gives_each_stagings_category(case_dir):
    case = casereport.load_case(case_dir)
    text = lessons.recist_by_staging(case)
    for _, row in recist_response(case).iterrows():
        line = next(line for line in text.splitlines() if line.startswith(f"- {row['label']} ("))
        if row["category"] is None or row["category"] != row["category"]:
            assert "no category" in line
        else:
            assert f"**{row['category']}**" in line


def test_dose_counts_are_the_expanded_administrations(case_dir):
    case = casereport.load_case(case_dir)
    for _, until in revealable_steps(case)[1:]:
        known = reveal_case(case, until)
        text = lessons.doses_so_far(known)
        for drug, doses in known.administrations.groupby("drug"):
            assert f"- {drug}: at most {len(doses)} planned dose day" in text
        assert "given" not in text.replace("not confirmed as given", "")


def test_audit_answers_follow_the_audit():
    case = casereport.load_case(CASES[SEED])
    for _, until in revealable_steps(case):
        known = reveal_case(case, until)
        found = audit_case(known)
        text = lessons.audit_so_far(known)
        for disagreement in found:
            assert disagreement.quotes[0] in text
        if not found:
            assert "no disagreement" in text
        readings = lessons.cycle_readings(known)
        counts = ("statement_vs_dates", "statements_at_same_event", "statements_out_of_order")
        if any(d.kind in counts for d in found):
            lenient = [d for d in audit_case(known, cycle_reading="last_dose") if d.kind in counts]
            assert f"at its last dose: {len(lenient)}." in readings
    assert audit_case(case), "the seed case's counts disagree; the audit should say so"
