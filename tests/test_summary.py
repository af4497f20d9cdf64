"""The Python answers to a brushed range and a clicked staging, checked against the case's own tables."""

from __future__ import annotations

import pandas as pd
import pytest

import casereport
from casereport.derive.grading import grade_labs
from casereport.derive.summary import dose_summary, lab_summary, positions, staging_findings

from .conftest import CASES, SEED


def _whole(case):
    return pd.Timestamp("1900-01-01"), pd.Timestamp("2100-01-01")


def test_the_whole_course_summarises_every_value(case_dir):
    case = casereport.load_case(case_dir)
    summary = lab_summary(case, *_whole(case)).set_index("analyte")
    graded = grade_labs(case)
    for analyte, values in graded.groupby("analyte"):
        row = summary.loc[analyte]
        assert row["values"] == len(values)
        assert row["lowest"] == values["value"].min()
        assert row["highest"] == values["value"].max()
        # Only values on treatment are graded: the baseline before the first dose is no adverse event.
        on_treatment = values.loc[values["phase"] == "on treatment", "ctcae_grade"]
        assert values.loc[values["phase"] == "pre-treatment", "ctcae_grade"].isna().all()
        worst = on_treatment.max()
        assert (pd.isna(row["worst_grade"]) and pd.isna(worst)) or row["worst_grade"] == worst
    doses = dose_summary(case, *_whole(case)).set_index("drug")
    for drug, planned in case.administrations.groupby("drug"):
        assert doses.loc[drug, "planned_at_most"] == len(planned)
        assert doses.loc[drug, "planned_possible"] == (planned["certainty"] == "possible").sum()
        assert "not confirmed as given" in doses.loc[drug, "note"]


def test_counts_up_to_an_illustrative_end_say_so():
    case = casereport.load_case(CASES[SEED])
    doses = dose_summary(case, *_whole(case)).set_index("drug")
    # Sorafenib runs to the end of observation, which the paper does not date; panobinostat stops in May 2010.
    assert "illustrative" in doses.loc["sorafenib", "note"]
    assert "illustrative" not in doses.loc["panobinostat", "note"]
    before_the_end = dose_summary(case, pd.Timestamp("2009-01-01"), pd.Timestamp("2010-01-01")).set_index("drug")
    assert "illustrative" not in before_the_end.loc["sorafenib", "note"]


@pytest.mark.parametrize("axis", ["calendar", "relative"])
def test_a_range_keeps_only_what_lies_inside_it(axis):
    case = casereport.load_case(CASES[SEED])
    at = positions(case, case.labs, axis).sort_values()
    start, end = at.iloc[2], at.iloc[5]
    inside = case.labs.loc[(at >= start) & (at <= end)]
    summary = lab_summary(case, end, start, axis=axis)  # either order
    assert summary["values"].sum() == len(inside)
    first = inside.sort_values("date_earliest", kind="stable").groupby("analyte").first()["value"]
    assert summary.set_index("analyte")["first"].to_dict() == first.to_dict()


def test_an_empty_range_says_so():
    case = casereport.load_case(CASES[SEED])
    assert lab_summary(case, pd.Timestamp("1990-01-01"), pd.Timestamp("1990-02-01")).empty
    assert dose_summary(case, pd.Timestamp("1990-01-01"), pd.Timestamp("1990-02-01")).empty


def test_staging_findings_keep_the_papers_words():
    case = casereport.load_case(CASES[SEED])
    found = staging_findings(case, "staging_2010_01")
    expected = case.findings.loc[case.findings["staging"] == "staging_2010_01", "quote"].fillna("")
    assert list(found["paper's words"]) == list(expected)
    with pytest.raises(KeyError, match="not a staging"):
        staging_findings(case, "panobinostat_stop")
