"""The audit: the case checked against its own statements.

The paper states counts and intervals (cycles completed at a staging, weeks of
therapy, the highest value of a lab), courses of labs (normal by, fell during,
rose after) and claims in words (no new toxicity, partial remission). The
audit compares each with what the regimen rules, the dates, the findings and
the adverse events give, and the statements with each other. It reports; it
never edits.

Every check ends in one status:

- ``agrees``: the data the paper states bear it out;
- ``consistent_by_construction``: it holds, but only because illustrative
  values or dates were made to satisfy it, so it is no evidence;
- ``undetermined``: the dates allow it and its opposite;
- ``tension``: both statements hold only under a reading the check names;
- ``disagrees``: they cannot both hold.

Counting cycles has two readings. ``full`` (the default): a cycle counts once
all its days have passed. ``last_dose``: a cycle counts once its last dose is
given, which is when a staging "after three cycles" is often done. Each
disagreement about cycles says whether it stands under the other reading too.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal, get_args

import pandas as pd

from casereport.data.case import Case
from casereport.data.catalogue import LABORATORY_TERMS
from casereport.data.schema import StatementKind
from casereport.derive.memo import per_case
from casereport.derive.tables import format_when
from casereport.derive.timeline import days_since

CycleReading = Literal["full", "last_dose"]
Interval = tuple[int, int]
Status = Literal["agrees", "consistent_by_construction", "undetermined", "tension", "disagrees"]
DisagreementKind = Literal[
    "statement_vs_dates",
    "statements_at_same_event",
    "statements_out_of_order",
    "statement_vs_labs",
    "statements_in_tension",
    "statement_vs_findings",
    "statement_vs_adverse_events",
]


@dataclass(frozen=True)
class Disagreement:
    """One disagreement between the case's statements and its data or each other.

    ``severity`` is ``contradiction`` when both cannot hold, ``tension`` when
    they hold together only under the reading that ``detail`` names.
    """

    kind: DisagreementKind
    statements: tuple[str, ...]
    quotes: tuple[str, ...]
    detail: str
    also_under_other_reading: bool | None = None
    severity: Literal["contradiction", "tension"] = "contradiction"


@dataclass(frozen=True)
class Check:
    """One check of the audit and how it ended; ``relies_on`` names the illustrative records it rests on."""

    kind: DisagreementKind
    statements: tuple[str, ...]
    quotes: tuple[str, ...]
    status: Status
    detail: str
    relies_on: tuple[str, ...] = ()


def implied_elapsed(case: Case, statement: pd.Series, reading: CycleReading = "full") -> Interval:
    """The days since the regimen's start that an ``elapsed`` statement allows (inclusive)."""
    value = int(statement["value"])
    if statement["unit"] == "weeks":
        return 7 * value, 7 * value + 6
    regimen = case.regimen(statement["regimen"])
    length = int(regimen["cycle_length_days"])
    if reading == "full":
        return value * length, (value + 1) * length - 1
    last = max(regimen["dose_days"]) - 1  # offset of the last dose day within a cycle
    return (value - 1) * length + last, value * length + last - 1


def dated_elapsed(case: Case, regimen: str, event: str) -> Interval:
    """The days since the regimen's start that the event's date allows (inclusive)."""
    return days_since(case, event, reference=case.regimen(regimen)["start"])


def _certainly_before(case: Case, first: str, second: str) -> bool:
    return days_since(case, second, reference=first)[0] > 0


def _disjoint(a: Interval, b: Interval) -> bool:
    return a[1] < b[0] or b[1] < a[0]


def _phrase(statement: pd.Series) -> str:
    return f"{statement['value']:g} {statement['unit']} of {statement['regimen']} at {statement['at']}"


def _elapsed_disagreements(case: Case, reading: CycleReading) -> list[Disagreement]:
    elapsed = [s for _, s in case.statements.iterrows() if s["kind"] == "elapsed"]
    found = []
    for s in elapsed:
        implied = implied_elapsed(case, s, reading)
        dated = dated_elapsed(case, s["regimen"], s["at"])
        if _disjoint(implied, dated):
            found.append(
                Disagreement(
                    "statement_vs_dates",
                    (s["id"],),
                    (s["quote"],),
                    f"{_phrase(s)} means {implied[0]}-{implied[1]} days after {s['regimen']} started, "
                    f"but the dates put {s['at']} {dated[0]}-{dated[1]} days after it",
                )
            )
    for a, b in combinations(elapsed, 2):
        if a["regimen"] != b["regimen"]:
            continue
        ia, ib = implied_elapsed(case, a, reading), implied_elapsed(case, b, reading)
        if a["at"] == b["at"] and _disjoint(ia, ib):
            found.append(
                Disagreement(
                    "statements_at_same_event",
                    (a["id"], b["id"]),
                    (a["quote"], b["quote"]),
                    f"at {a['at']}: {_phrase(a)} means {ia[0]}-{ia[1]} days after {a['regimen']} started, "
                    f"{_phrase(b)} means {ib[0]}-{ib[1]} days; they cannot both hold",
                )
            )
        elif a["at"] != b["at"]:
            if _certainly_before(case, b["at"], a["at"]):
                a, b, ia, ib = b, a, ib, ia
            if _certainly_before(case, a["at"], b["at"]) and ia[0] > ib[1]:
                found.append(
                    Disagreement(
                        "statements_out_of_order",
                        (a["id"], b["id"]),
                        (a["quote"], b["quote"]),
                        f"{a['at']} comes before {b['at']}, yet {_phrase(a)} is more than {_phrase(b)}",
                    )
                )
    return found


# -- labs ---------------------------------------------------------------------


def _illustrative(frame: pd.DataFrame) -> tuple[str, ...]:
    """Ids of the records whose value or date is illustrative."""
    made = (frame["provenance"] == "illustrative") | (frame["date_provenance"] == "illustrative")
    return tuple(frame.loc[made, "id"])


def _judged(holds: bool, relied: tuple[str, ...]) -> Status:
    if not holds:
        return "disagrees"
    return "consistent_by_construction" if relied else "agrees"


def _may_fall_between(frame: pd.DataFrame, start: pd.Series, stop: pd.Series) -> pd.DataFrame:
    return frame[(frame["date_latest"] >= start["date_earliest"]) & (frame["date_earliest"] <= stop["date_latest"])]


def _when(row: pd.Series) -> str:
    """A record's date as a reader says it, marked where the date is not the paper's."""
    text = format_when(row["date_earliest"], row["date_latest"])
    made = row["date_provenance"]
    return text if made == "reported" else f"{text}, date {made}"


def _listing(frame: pd.DataFrame) -> str:
    return ", ".join(f"{r['value']:g} ({_when(r)}, {r['id']})" for _, r in frame.iterrows())


def _lab_check(case: Case, s: pd.Series) -> Check:
    """One statement about a lab's values, judged against them."""
    values = case.labs[case.labs["loinc"] == s["loinc"]].sort_values(["date_earliest", "date_latest"], kind="stable")
    name = str(case.analytes.set_index("loinc").at[s["loinc"], "name"])
    kind = s["kind"]
    used, holds, detail = values, True, ""
    if values.empty:
        return Check("statement_vs_labs", (s["id"],), (s["quote"],), "disagrees", f"the case has no {name} value")
    if kind == "lab_maximum":
        highest = values["value"].max()
        holds = highest == s["value"]
        detail = f"the highest {name} in the data is {highest:g}, the paper says {s['value']:g}"
    elif kind == "lab_last":
        last = values["value"].iloc[-1]
        holds = last == s["value"]
        detail = f"the last {name} in the data is {last:g}, the paper says {s['value']:g}"
    elif kind in ("lab_within_limits", "lab_above_limit"):
        start = case.event(s["from"] if kind == "lab_within_limits" else s["at"])
        stop = case.event(s["to"] if kind == "lab_within_limits" else s["at"])
        # Any value that may fall in the window must satisfy the statement.
        used = _may_fall_between(values, start, stop)
        if kind == "lab_within_limits":
            outside = used[(used["value"] > used["upper_limit"]) | (used["value"] < used["lower_limit"])]
            holds = outside.empty
            detail = (
                f"every {name} that may fall in the window lies within its limits ({len(used)} values)"
                if holds
                else f"{name} outside its limits in the window: {_listing(outside)}"
            )
        else:
            above = used[used["value"] > used["upper_limit"]]
            holds = not above.empty
            used = above if holds else used
            detail = (
                f"{name} above its upper limit at {s['at']}: {_listing(above)}"
                if holds
                else (f"no {name} value above its upper limit at {s['at']}")
            )
    elif kind == "lab_normal_by":
        at = case.event(s["at"])
        by_then = values[values["date_earliest"] <= at["date_latest"]]
        normal = by_then[(by_then["value"] <= by_then["upper_limit"]) & ~(by_then["value"] < by_then["lower_limit"])]
        holds = not normal.empty
        used = normal.iloc[:1] if holds else by_then
        detail = (
            f"{name} within its limits by {s['at']}: {_listing(used)}"
            if holds
            else f"no {name} within its limits by {s['at']}"
        )
    elif kind == "lab_fall_during":
        used = _may_fall_between(values, case.event(s["from"]), case.event(s["to"]))
        holds = len(used) >= 2 and used["value"].iloc[-1] < used["value"].iloc[0]
        detail = (
            f"{name} from {s['from']} to {s['to']}: {_listing(used)}"
            if not used.empty
            else f"no {name} value between {s['from']} and {s['to']}"
        )
    elif kind == "lab_rise_after":
        at = case.event(s["at"])
        before = values[values["date_earliest"] <= at["date_latest"]]
        after = values[values["date_earliest"] > at["date_latest"]]
        peak = after.loc[after["value"].idxmax()] if not after.empty else None
        holds = (
            peak is not None
            and not before.empty
            and peak["value"] > before["value"].iloc[-1]
            and peak["value"] > peak["upper_limit"]
        )
        used = pd.concat([before.iloc[-1:], after]) if not before.empty else after
        detail = (
            f"{name} after {s['at']}: {_listing(after)}; last before: {_listing(before.iloc[-1:])}"
            if peak is not None and not before.empty
            else f"no {name} value on both sides of {s['at']}"
        )
    relied = _illustrative(used)
    status = _judged(holds, relied)
    if status == "consistent_by_construction":
        detail += f"; rests on illustrative values ({', '.join(relied)}) made to satisfy the paper's words"
    return Check("statement_vs_labs", (s["id"],), (s["quote"],), status, detail, relied)


# -- events, findings, adverse events and words ---------------------------------


def _order_check(case: Case, s: pd.Series) -> Check:
    low, high = days_since(case, s["to"], reference=s["at"])
    relied = _illustrative(case.events[case.events["id"].isin([s["at"], s["to"]])])
    if low > 0:
        status: Status = _judged(True, relied)
        detail = f"{s['at']} comes {low} to {high} days before {s['to']}"
    elif high <= 0:
        status, detail = "disagrees", f"the dates put {s['at']} {-high} to {-low} days after {s['to']}, not before"
    else:
        status = "undetermined"
        detail = (
            f"the dates allow either order: {s['to']} falls {low} to {high} days after {s['at']} (negative: before it)"
        )
    return Check("statements_out_of_order", (s["id"],), (s["quote"],), status, detail, relied)


def _ref(file: str, record_id: str) -> str:
    return f"{file}:{record_id}"


def _mentioned(s: pd.Series) -> set[str]:
    mentioned = s["mentioned"]
    return {m.lower() for m in mentioned} if isinstance(mentioned, tuple | list) else set()


def _claims(case: Case, claim: str) -> pd.DataFrame:
    statements = case.statements
    return statements[(statements["kind"] == "claim") & (statements["claim"] == claim)]


def _adverse_in(case: Case, start: pd.Series, stop: pd.Series, terms: frozenset[str]) -> pd.DataFrame:
    events = case.adverse_events
    return _may_fall_between(events[events["ctcae_term"].isin(terms)], start, stop)


def _claim_checks(case: Case) -> list[Check]:
    checks: list[Check] = []
    statements = case.statements
    # "normal already under A" against "fell under A + B": the fall from abnormal happened before B began.
    normal_by = statements[statements["kind"] == "lab_normal_by"]
    falls = statements[statements["kind"] == "lab_fall_during"]
    for _, normal in normal_by.iterrows():
        for _, fall in falls[falls["loinc"] == normal["loinc"]].iterrows():
            if normal["at"] == fall["from"] or _certainly_before(case, normal["at"], fall["from"]):
                checks.append(
                    Check(
                        "statements_in_tension",
                        (normal["id"], fall["id"]),
                        (normal["quote"], fall["quote"]),
                        "tension",
                        f"one statement has the value back within its limits by {normal['at']}, the other has it"
                        f" falling from {fall['from']}: both hold only if it fell further inside the normal range,"
                        " so the return to normal cannot be credited to what began at"
                        f" {fall['from']}",
                    )
                )
    for _, s in _claims(case, "others_normal").iterrows():
        start, stop, mentioned = case.event(s["from"]), case.event(s["to"]), _mentioned(s)
        found = []
        adverse = _adverse_in(case, start, stop, LABORATORY_TERMS)
        for _, ae in adverse.iterrows():
            if {ae["term"].lower(), str(ae["ctcae_term"]).lower()} & mentioned:
                continue
            found.append((_ref("adverse_events.csv", ae["id"]), ae["quote"], f"{ae['term']} ({ae['ctcae_term']})"))
        for _, other in _claims(case, "abnormal_low").iterrows():
            if other["subject"].lower() not in mentioned:
                found.append((other["id"], other["quote"], f"{other['subject']} low"))
        labs = _may_fall_between(case.labs, start, stop)
        abnormal = labs[(labs["value"] > labs["upper_limit"]) | (labs["value"] < labs["lower_limit"])]
        unnamed = abnormal[~abnormal["analyte"].str.lower().isin(mentioned) & ~abnormal["loinc"].isin(mentioned)]
        for _, lab in unnamed.iterrows():
            found.append(
                (_ref("labs.csv", lab["id"]), lab["quote"] or lab["rule"], f"{lab['analyte']} {lab['value']:g}")
            )
        if found:
            checks.append(
                Check(
                    "statement_vs_adverse_events",
                    (s["id"], *(f[0] for f in found)),
                    (s["quote"], *(f[1] for f in found)),
                    "disagrees",
                    "laboratory values not among those named before were abnormal in that span: "
                    + "; ".join(f[2] for f in found),
                )
            )
        else:
            checks.append(
                Check("statement_vs_adverse_events", (s["id"],), (s["quote"],), "agrees", "no other abnormal value")
            )
    for _, s in _claims(case, "no_new_toxicity").iterrows():
        start, stop = case.event(s["from"]), case.event(s["to"])
        adverse = _adverse_in(case, start, stop, LABORATORY_TERMS)
        new = adverse[adverse["date_earliest"] > start["date_latest"]]
        if not new.empty:
            checks.append(
                Check(
                    "statement_vs_adverse_events",
                    (s["id"], *(_ref("adverse_events.csv", i) for i in new["id"])),
                    (s["quote"], *new["quote"]),
                    "disagrees",
                    f"laboratory toxicity that began after {s['from']}: "
                    + ", ".join(f"{r['term']} ({r['ctcae_term']}, {_when(r)})" for _, r in new.iterrows()),
                )
            )
        present = _claims(case, "abnormal_low")
        began = s["from"]
        present = present[[e == began or _certainly_before(case, e, began) for e in present["from"]]]
        if not present.empty:
            checks.append(
                Check(
                    "statements_in_tension",
                    (s["id"], *present["id"]),
                    (s["quote"], *present["quote"]),
                    "tension",
                    "abnormal throughout, from before "
                    f"{s['from']}: {', '.join(present['subject'])}; both hold only if 'additional' means begun after"
                    f" {s['from']}",
                )
            )
        if new.empty and present.empty:
            checks.append(Check("statement_vs_adverse_events", (s["id"],), (s["quote"],), "agrees", "no new toxicity"))
    for _, s in _claims(case, "partial_remission").iterrows():
        start = case.event(s["from"])
        months = pd.DateOffset(months=int(s["value"]))
        window = pd.Series({"date_earliest": start["date_earliest"], "date_latest": start["date_latest"] + months})
        # Stagings that may fall in the span, and not before its start.
        stagings = _may_fall_between(case.events[case.events["kind"] == "staging"], start, window)
        stagings = stagings[stagings["date_earliest"] >= start["date_earliest"]]
        constant = case.findings[case.findings["staging"].isin(stagings["id"]) & (case.findings["change"] == "stable")]
        if constant.empty:
            checks.append(
                Check(
                    "statement_vs_findings",
                    (s["id"],),
                    (s["quote"],),
                    "agrees",
                    "no staging in that span describes constant lesions",
                )
            )
            continue
        checks.append(
            Check(
                "statement_vs_findings",
                (s["id"], *(_ref("findings.csv", i) for i in constant["id"])),
                (s["quote"], *constant["quote"]),
                "disagrees",
                "a partial remission needs the tumour burden down by at least 30% (RECIST 1.1; 50% by WHO or EASL),"
                " but within that span "
                + "; ".join(f"{r.staging} describes {r.site} as constant" for r in constant.itertuples()),
            )
        )
    for _, s in _claims(case, "no_radiologic_response").iterrows():
        findings = case.findings[(case.findings["staging"] == s["at"]) & case.findings["necrosis"].notna()]
        if findings.empty:
            continue
        checks.append(
            Check(
                "statement_vs_findings",
                (s["id"], *(_ref("findings.csv", i) for i in findings["id"])),
                (s["quote"], *findings["quote"]),
                "tension",
                "at the same staging the paper describes necrosis ("
                + "; ".join(f"{r.site}: {r.necrosis}" for r in findings.itertuples())
                + "): no response by size (RECIST 1.1), but a response of that lesion by the viable, enhancing"
                " tumour that mRECIST and EASL measure",
            )
        )
    return checks


LAB_KINDS = tuple(kind for kind in get_args(StatementKind) if kind.startswith("lab_"))


@per_case
def audit_checks(case: Case, *, cycle_reading: CycleReading = "full") -> list[Check]:
    """Every check the audit makes and how it ended, agreements included."""
    checks: list[Check] = []
    found = _elapsed_disagreements(case, cycle_reading)
    flagged = {sid for d in found for sid in d.statements}
    checks += [Check(d.kind, d.statements, d.quotes, "disagrees", d.detail) for d in found]
    for _, s in case.statements.iterrows():
        if s["kind"] == "elapsed" and s["id"] not in flagged:
            dated = dated_elapsed(case, s["regimen"], s["at"])
            checks.append(
                Check(
                    "statement_vs_dates",
                    (s["id"],),
                    (s["quote"],),
                    "agrees",
                    f"{_phrase(s)}: the dates give {dated[0]}-{dated[1]} days",
                )
            )
        elif s["kind"] in LAB_KINDS:
            checks.append(_lab_check(case, s))
        elif s["kind"] == "event_before":
            checks.append(_order_check(case, s))
    return checks + _claim_checks(case)


def audit_case(case: Case, *, cycle_reading: CycleReading = "full") -> list[Disagreement]:
    """Every disagreement between the case's statements, its dates, rules, labs, findings and adverse events.

    Contradictions come first, then tensions; a check that holds only by
    construction is not a disagreement (see :func:`audit_checks`).
    """
    # Counts of cycles are the checks a reading of a cycle can change: they say whether the other reading agrees.
    counts = {(d.kind, d.statements) for d in _elapsed_disagreements(case, cycle_reading)}
    other: CycleReading = "last_dose" if cycle_reading == "full" else "full"
    under_other = {(d.kind, d.statements) for d in _elapsed_disagreements(case, other)}
    found = [
        Disagreement(
            c.kind,
            c.statements,
            c.quotes,
            c.detail,
            (c.kind, c.statements) in under_other if (c.kind, c.statements) in counts else None,
            "tension" if c.status == "tension" else "contradiction",
        )
        for c in audit_checks(case, cycle_reading=cycle_reading)
        if c.status in ("disagrees", "tension")
    ]
    return [d for d in found if d.severity == "contradiction"] + [d for d in found if d.severity == "tension"]


def audit_frame(disagreements: list[Disagreement]) -> pd.DataFrame:
    """The audit as a table, one row per disagreement."""
    return pd.DataFrame(
        [
            {
                "kind": d.kind,
                "statements": " / ".join(d.statements),
                "detail": d.detail,
                "quotes": " / ".join(f"\u201c{q}\u201d" for q in d.quotes),
                "severity": d.severity,
                "also_under_other_reading": d.also_under_other_reading,
            }
            for d in disagreements
        ],
        columns=["kind", "severity", "statements", "detail", "quotes", "also_under_other_reading"],
    )
