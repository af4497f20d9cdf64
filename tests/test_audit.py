"""The audit reports the paper's own disagreements and invents none."""

from __future__ import annotations

import casereport
from casereport.apps.cli import main
from casereport.derive.audit import audit_checks, dated_elapsed, implied_elapsed

from .conftest import CASES, SEED, SYNTHETIC, replace


def _pairs(disagreements):
    return {(d.kind, frozenset(d.statements)) for d in disagreements}


def test_seed_case_cycle_count_disagreements():
    case = casereport.load_case(CASES[SEED])
    found = _pairs(casereport.audit_case(case))
    assert ("statements_at_same_event", frozenset({"cycles_at_january_staging", "weeks_at_january_staging"})) in found
    assert ("statement_vs_dates", frozenset({"cycles_in_total"})) in found
    assert ("statements_out_of_order", frozenset({"cycles_at_april_staging", "cycles_in_total"})) in found


def _quote_of(case, reference):
    """The paper's words behind a statement id or a record named as ``file:id``."""
    if ":" not in reference:
        return case.statements.set_index("id").at[reference, "quote"]
    file, record = reference.split(":")
    table = {"adverse_events.csv": case.adverse_events, "findings.csv": case.findings, "labs.csv": case.labs}[file]
    row = table.set_index("id").loc[record]
    return row["quote"] if isinstance(row["quote"], str) else row["rule"]


def test_each_disagreement_is_real(case_dir):
    """Recompute each reported conflict from the data: the audit must not invent one."""
    case = casereport.load_case(case_dir)
    statements = case.statements.set_index("id", drop=False)
    for d in casereport.audit_case(case):
        assert [_quote_of(case, s) for s in d.statements] == list(d.quotes)
        rows = [statements.loc[s] for s in d.statements if ":" not in s]
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


def test_cli_audit_prints_both_quotes_and_exits_like_a_linter(capsys):
    assert main(["audit", str(CASES[SEED])]) == 1
    out = capsys.readouterr().out
    assert "Staging was performed after three cycles in January 2010" in out
    assert "Staging after 8 weeks of sorafenib and panobinostat combination therapy" in out
    found = casereport.audit_case(casereport.load_case(CASES[SEED]))
    assert f"{len(found)} disagreement(s)" in out
    assert main(["audit", str(CASES[SYNTHETIC])]) == 0
    assert "0 disagreement(s)" in capsys.readouterr().out


def test_cli_audit_of_a_broken_case_exits_2(editable_case, capsys):
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "labs.csv", "l02,", "l01,")
    assert main(["audit", str(case_dir)]) == 2
    assert "used more than once" in capsys.readouterr().err


def _by_statements(checks):
    return {c.statements: c for c in checks}


def test_qualitative_contradictions_of_the_seed_paper():
    case = casereport.load_case(CASES[SEED])
    found = {d.statements: d for d in casereport.audit_case(case)}
    severity = {frozenset(k): d.severity for k, d in found.items()}
    # "All other laboratory parameters remained in the normal range" and "no additional ... toxicities"
    # against the hypocalcaemia reported in the last cycle.
    assert severity[frozenset({"other_labs_normal", "adverse_events.csv:ae03"})] == "contradiction"
    assert severity[frozenset({"no_additional_toxicities", "adverse_events.csv:ae03"})] == "contradiction"
    # Albumin and prothrombin time low throughout: not "additional", so a tension, not a contradiction.
    assert (
        severity[frozenset({"no_additional_toxicities", "albumin_low_throughout", "prothrombin_time_low_throughout"})]
        == "tension"
    )
    # AFP normal already under sorafenib, yet said to fall under the combination.
    assert severity[frozenset({"afp_normal_under_sorafenib_alone", "afp_fall_under_combination"})] == "tension"
    # "Partial remission" against lesions described as constant in January and April.
    remission = next(d for k, d in found.items() if k[0] == "partial_remission_five_months")
    assert {"findings.csv:f13", "findings.csv:f14"} <= set(remission.statements)
    assert remission.severity == "contradiction"
    # "Lack of radiologic response" against a lesion more than 75% necrotic at that staging.
    necrosis = next(d for k, d in found.items() if k[0] == "no_radiologic_response_at_6w")
    assert "findings.csv:f11" in necrosis.statements
    assert necrosis.severity == "tension"


def test_a_check_resting_on_illustrative_values_is_not_agreement():
    case = casereport.load_case(CASES[SEED])
    checks = _by_statements(audit_checks(case))
    # The stated maximum is reported, but the values it is compared with were drawn below it.
    assert checks[("got_maximum",)].status == "consistent_by_construction"
    assert "lab002" in checks[("got_maximum",)].relies_on
    # The 6-week staging is exactly 42 days after a stated start: agreement from stated facts alone.
    assert checks[("weeks_at_sorafenib_staging",)].status == "agrees"
    # The dates allow the 6-week staging on either side of panobinostat's start (Figure 3 places it before).
    assert checks[("staging_6w_before_panobinostat",)].status == "undetermined"


def test_a_stated_fact_with_reported_values_agrees(editable_case):
    case_dir = editable_case(SYNTHETIC)
    # Every ALT value stated: the maximum then agrees from evidence, not by construction.
    for lab in ("l01", "l02", "l03"):
        text = (case_dir / "labs.csv").read_text(encoding="utf-8")
        line = next(line for line in text.splitlines() if line.startswith(f"{lab},"))
        replace(
            case_dir / "labs.csv",
            line,
            line.replace(
                ",illustrative,,Synthetic series shaped to peak at the stated 96 U/L.",
                ",reported,ALT peaked at 96 U/L,",
            ),
        )
    checks = _by_statements(audit_checks(casereport.load_case(case_dir)))
    assert checks[("alt_maximum",)].status == "agrees"


def test_order_of_events_is_checked(editable_case):
    case_dir = editable_case(SEED)
    # Panobinostat started on 1 October: the 6-week staging (13 Oct - 11 Nov) then comes certainly after it.
    replace(
        case_dir / "events.csv",
        "panobinostat_start,regimen_start,Panobinostat 20 mg added,2009-11,",
        "panobinostat_start,regimen_start,Panobinostat 20 mg added,2009-10-01,",
    )
    checks = _by_statements(audit_checks(casereport.load_case(case_dir)))
    assert checks[("staging_6w_before_panobinostat",)].status == "disagrees"


def test_a_course_statement_the_values_break_is_found(editable_case):
    case_dir = editable_case(SEED)
    # An illustrative AFP that rises under the combination breaks "decreased under the combination".
    replace(case_dir / "labs.csv", "lab042,1834-1,3.8,", "lab042,1834-1,9.5,")
    found = {d.statements for d in casereport.audit_case(casereport.load_case(case_dir))}
    assert ("afp_fall_under_combination",) in found
