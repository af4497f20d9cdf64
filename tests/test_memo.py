"""Derivations kept on their case (derive/memo.py): asked once however the options are given, copies handed out."""

from __future__ import annotations

import pandas as pd

import casereport
from casereport.derive.grading import grade_labs
from casereport.derive.memo import per_case

from .conftest import CASES, SEED


def test_a_derivation_is_worked_out_once_a_case_however_its_options_are_given():
    calls: list[tuple] = []

    @per_case
    def labs_above(case, limit: float = 100, *, unit: str = "U/L") -> pd.DataFrame:
        calls.append((limit, unit))
        return case.labs[(case.labs["value"] > limit) & (case.labs["unit"] == unit)]

    case = casereport.load_case(CASES[SEED])
    first = labs_above(case)
    assert labs_above(case, 100) is not first
    pd.testing.assert_frame_equal(labs_above(case, limit=100, unit="U/L"), first)
    assert calls == [(100, "U/L")]
    labs_above(case, 50)
    assert calls == [(100, "U/L"), (50, "U/L")]
    # Another case (the same files loaded again) asks afresh.
    labs_above(casereport.load_case(CASES[SEED]))
    assert len(calls) == 3


def test_a_caller_changing_its_answer_changes_no_one_elses():
    case = casereport.load_case(CASES[SEED])
    mine = grade_labs(case)
    expected = mine.copy()
    mine["value"] = -1.0
    mine.loc[mine.index[0], "analyte"] = "changed"
    pd.testing.assert_frame_equal(grade_labs(case), expected)
