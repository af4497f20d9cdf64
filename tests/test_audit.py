"""The audit reports the paper's own disagreements and invents none."""

from __future__ import annotations

import casereport
from casereport.audit import dated_elapsed, implied_elapsed
from casereport.cli import main

from .conftest import CASES, SEED, SYNTHETIC
from .test_bad_input import replace


def _pairs(disagreements):
    return {(d.kind, frozenset(d.statements)) for d in disagreements}


def test_seed_case_cycle_count_disagreements():
    case = casereport.load_case(CASES[SEED])
    found = _pairs(casereport.audit_case(case))
    assert ("statements_at_same_event", frozenset({"cycles_at_january_staging", "weeks_at_january_staging"})) in found
    assert ("statement_vs_dates", frozenset({"cycles_in_total"})) in found
    assert ("statements_out_of_order", frozenset({"cycles_at_april_staging", "cycles_in_total"})) in found


def test_each_disagreement_is_real(case_dir):
    """Recompute each reported conflict from the data: the audit must not invent one."""
    case = casereport.load_case(case_dir)
    statements = case.statements.set_index("id", drop=False)
    for d in casereport.audit_case(case):
        rows = [statements.loc[s] for s in d.statements]
        assert [r["quote"] for r in rows] == list(d.quotes)
        if d.kind == "statement_vs_dates":
            lo, hi = implied_elapsed(case, rows[0])
            dlo, dhi = dated_elapsed(case, rows[0]["regimen"], rows[0]["at"])
            assert hi < dlo or dhi < lo
        elif d.kind == "statements_at_same_event":
            (alo, ahi), (blo, bhi) = (implied_elapsed(case, r) for r in rows)
            assert ahi < blo or bhi < alo


def test_other_reading_of_a_cycle():
    case = casereport.load_case(CASES[SEED])
    by_pair = {frozenset(d.statements): d for d in casereport.audit_case(case)}
    january = by_pair[frozenset({"cycles_at_january_staging", "weeks_at_january_staging"})]
    assert january.also_under_other_reading is False
    assert by_pair[frozenset({"cycles_in_total"})].also_under_other_reading is True
    lenient = _pairs(casereport.audit_case(case, cycle_reading="last_dose"))
    assert (
        "statements_at_same_event",
        frozenset({"cycles_at_january_staging", "weeks_at_january_staging"}),
    ) not in lenient


def test_consistent_case_has_no_disagreement():
    assert casereport.audit_case(casereport.load_case(CASES[SYNTHETIC])) == []


def test_audit_finds_a_planted_disagreement(editable_case):
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "statements.yaml", "  value: 6\n", "  value: 4\n")
    found = _pairs(casereport.audit_case(casereport.load_case(case_dir)))
    assert ("statement_vs_dates", frozenset({"cycles_in_total"})) in found


def test_audit_checks_the_reconstruction_against_the_text(editable_case):
    case_dir = editable_case(SEED)
    # An illustrative GOT above its limit under panobinostat breaks a stated fact.
    replace(case_dir / "labs.csv", "lab005,1920-8,31,", "lab005,1920-8,71,")
    disagreements = casereport.audit_case(casereport.load_case(case_dir))
    lab = [d for d in disagreements if d.kind == "statement_vs_labs"]
    assert [d.statements for d in lab] == [("got_normal_under_panobinostat",)]
    assert "lab005" in lab[0].detail


def test_audit_never_edits_the_data():
    case = casereport.load_case(CASES[SEED])
    before = {name: getattr(case, name).copy() for name in ("events", "labs", "statements", "administrations")}
    casereport.audit_case(case)
    for name, frame in before.items():
        assert frame.equals(getattr(case, name)), name


def test_cli_audit_prints_both_quotes(capsys):
    assert main(["audit", str(CASES[SEED])]) == 0
    out = capsys.readouterr().out
    assert "Staging was performed after three cycles in January 2010" in out
    assert "Staging after 8 weeks of sorafenib and panobinostat combination therapy" in out
    assert "3 disagreement(s)" in out
