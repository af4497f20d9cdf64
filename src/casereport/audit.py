"""The audit: the case checked against its own statements.

The paper states counts and intervals (cycles completed at a staging, weeks of
therapy, the highest value of a lab). The audit compares each with what the
regimen rules and the dates give, and the statements with each other, and
lists every disagreement with the paper's words. It reports; it never edits.

Counting cycles has two readings. ``full`` (the default): a cycle counts once
all its days have passed. ``last_dose``: a cycle counts once its last dose is
given, which is when a staging "after three cycles" is often done. Each
disagreement says whether it stands under the other reading too.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import pandas as pd

from .case import Case
from .timeline import relative_days

CycleReading = Literal["full", "last_dose"]
Interval = tuple[int, int]


@dataclass(frozen=True)
class Disagreement:
    """One disagreement between the case's statements and its data or each other."""

    kind: Literal["statement_vs_dates", "statements_at_same_event", "statements_out_of_order", "statement_vs_labs"]
    statements: tuple[str, ...]
    quotes: tuple[str, ...]
    detail: str
    also_under_other_reading: bool | None = None


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
    start = case.regimen(regimen)["start"]
    days = relative_days(case, case.events[case.events["id"] == event], reference=start).iloc[0]
    return int(days["day_earliest"]), int(days["day_latest"])


def _certainly_before(case: Case, first: str, second: str) -> bool:
    days = relative_days(case, case.events[case.events["id"] == second], reference=first).iloc[0]
    return bool(days["day_earliest"] > 0)


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


def _lab_disagreements(case: Case) -> list[Disagreement]:
    found = []
    labs = case.labs
    for _, s in case.statements.iterrows():
        if not s["kind"].startswith("lab_"):
            continue
        values = labs[labs["loinc"] == s["loinc"]].sort_values(["date_earliest", "date_latest"])
        name = case.analytes.set_index("loinc").at[s["loinc"], "name"]
        problem = None
        if s["kind"] == "lab_maximum" and values["value"].max() != s["value"]:
            problem = f"the highest {name} in the data is {values['value'].max():g}, the paper says {s['value']:g}"
        elif s["kind"] == "lab_last" and values["value"].iloc[-1] != s["value"]:
            problem = f"the last {name} in the data is {values['value'].iloc[-1]:g}, the paper says {s['value']:g}"
        elif s["kind"] in ("lab_within_limits", "lab_above_limit"):
            start = case.event(s["from"] if s["kind"] == "lab_within_limits" else s["at"])
            stop = case.event(s["to"] if s["kind"] == "lab_within_limits" else s["at"])
            # Any value that may fall in the window must satisfy the statement.
            window = values[
                (values["date_latest"] >= start["date_earliest"]) & (values["date_earliest"] <= stop["date_latest"])
            ]
            if s["kind"] == "lab_within_limits":
                outside = window[(window["value"] > window["upper_limit"]) | (window["value"] < window["lower_limit"])]
                if not outside.empty:
                    problem = f"{name} outside its limits in the window: " + ", ".join(
                        f"{r.value:g} ({r.date_text}, {r.id})" for r in outside.itertuples()
                    )
            elif window.empty or not (window["value"] > window["upper_limit"]).any():
                problem = f"no {name} value above its upper limit at {s['at']}"
        if problem:
            found.append(Disagreement("statement_vs_labs", (s["id"],), (s["quote"],), problem))
    return found


def audit_case(case: Case, *, cycle_reading: CycleReading = "full") -> list[Disagreement]:
    """Every disagreement between the case's statements, its dates, its regimen rules and its labs."""
    other: CycleReading = "last_dose" if cycle_reading == "full" else "full"
    under_other = {(d.kind, d.statements) for d in _elapsed_disagreements(case, other)}
    found = [
        Disagreement(d.kind, d.statements, d.quotes, d.detail, (d.kind, d.statements) in under_other)
        for d in _elapsed_disagreements(case, cycle_reading)
    ]
    return found + _lab_disagreements(case)


def audit_frame(disagreements: list[Disagreement]) -> pd.DataFrame:
    """The audit as a table, one row per disagreement."""
    return pd.DataFrame(
        [
            {
                "kind": d.kind,
                "statements": " / ".join(d.statements),
                "detail": d.detail,
                "quotes": " / ".join(f"\u201c{q}\u201d" for q in d.quotes),
                "also_under_other_reading": d.also_under_other_reading,
            }
            for d in disagreements
        ],
        columns=["kind", "statements", "detail", "quotes", "also_under_other_reading"],
    )
