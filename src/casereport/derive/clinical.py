"""The case as a clinician summarises it: baseline, adverse events, exposure and outcome.

Every answer says how sure it is. A fact the paper states keeps its quote; a
fact derived by a rule (BCLC stage from extrahepatic spread) names the rule;
what the paper does not give is said to be "not reported" rather than left
out, because an absent ECOG is information for the reader.
"""

from __future__ import annotations

import pandas as pd

from casereport.data.case import Case
from casereport.derive.response import is_hcc
from casereport.derive.tables import when_text, when_texts
from casereport.derive.timeline import days_since

NOT_REPORTED = "not reported"
NOT_GRADED = "not graded in the paper"
ADVERSE_EVENT_COLUMNS = [
    "adverse event",
    "CTCAE v5.0 term",
    "grade",
    "when",
    "attribution",
    "action taken",
    "outcome",
    "provenance",
    "paper's words",
]
# Child-Pugh components and the words that name them in a case's findings and adverse events.
CHILD_PUGH_COMPONENTS = {
    "bilirubin": ("bilirubin",),
    "albumin": ("albumin", "hypoalbuminemia"),
    "INR or prothrombin time": ("inr", "prothrombin"),
    "ascites": ("ascites",),
    "encephalopathy": ("encephalopathy",),
}


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and value is not pd.NA


def adverse_event_table(case: Case) -> pd.DataFrame:
    """The adverse events as a clinician lists them: term, grade, when, attribution, action, outcome."""
    rows = []
    for _, ae in case.adverse_events.sort_values(["date_earliest", "date_latest"], kind="stable").iterrows():
        grade = f"grade {int(ae['grade'])}" if _given(ae["grade"]) else NOT_GRADED
        rows.append(
            {
                "adverse event": ae["term"],
                "CTCAE v5.0 term": ae["ctcae_term"] if _given(ae["ctcae_term"]) else "no CTCAE term",
                "grade": grade,
                "when": when_text(ae),
                "attribution": ae["attribution"] if _given(ae["attribution"]) else "not stated",
                "action taken": ae["action"] if _given(ae["action"]) else "not stated",
                "outcome": ae["outcome"] if _given(ae["outcome"]) else "not stated",
                "provenance": ae["provenance"],
                "paper's words": ae["quote"] if _given(ae["quote"]) else ae["rule"],
            }
        )
    return pd.DataFrame(rows, columns=ADVERSE_EVENT_COLUMNS)


def _fact(case: Case, field: str) -> pd.Series | None:
    facts = case.patient[case.patient["field"] == field]
    return facts.iloc[0] if not facts.empty else None


def _row(item: str, value: str, provenance: str, source: str) -> dict[str, str]:
    return {"item": item, "value": value, "provenance": provenance, "source": source}


def _source(record: pd.Series) -> str:
    quote, rule = record.get("quote"), record.get("rule")
    return str(quote) if _given(quote) and quote else str(rule) if _given(rule) and rule else ""


def _mentions(case: Case, words: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Where the case speaks of a Child-Pugh component: (what is said, when, the paper's words)."""
    said = []
    for _, f in case.findings.iterrows():
        if any(w in f["description"].lower() for w in words):
            said.append((f["description"], when_text(f), _source(f)))
    for _, ae in case.adverse_events.iterrows():
        text = f"{ae['term']} {ae['ctcae_term'] or ''}".lower()
        if any(w in text for w in words):
            said.append((ae["term"], when_text(ae), _source(ae)))
    for _, lab in case.labs.drop_duplicates("loinc").iterrows():
        if any(w in str(lab["analyte"]).lower() for w in words):
            said.append((f"{lab['analyte']} values given", "", ""))
    return said


def toxicity_table(grades: pd.DataFrame) -> pd.DataFrame:
    """:func:`~casereport.derive.grading.on_treatment_grades` as a clinician reads it: one line per analyte and period."""
    return pd.DataFrame(
        {
            "analyte": grades["analyte"],
            "drug period": grades["period"],
            "worst grade": grades["worst_grade"].map(lambda g: "not graded" if pd.isna(g) else f"grade {g}"),
            "value": [f"{v:g} {u}" for v, u in zip(grades["value"], grades["unit"], strict=True)],
            "when": when_texts(grades),
            "value is": grades["provenance"],
            "graded against": [
                f"{v:g} ({i})" for v, i in zip(grades["baseline_value"], grades["baseline_id"], strict=True)
            ],
            "reading": grades["grade_note"],
        }
    )


def baseline_assessment(case: Case) -> pd.DataFrame:
    """Child-Pugh (and which of its components the paper gives), BCLC, ECOG and the metastatic sites.

    Columns: ``item``, ``value``, ``provenance`` (reported, derived, or
    ``not reported``) and ``source`` (the paper's words, or the rule).
    """
    rows = []
    child_pugh = _fact(case, "child_pugh_class")
    if child_pugh is not None:
        rows.append(_row("Child-Pugh class", f"{child_pugh['value']}", child_pugh["provenance"], _source(child_pugh)))
        for component, words in CHILD_PUGH_COMPONENTS.items():
            said = _mentions(case, words)
            if said:
                value = "; ".join(f"{what}, {when}" if when else what for what, when, _ in said)
                rows.append(_row(f"  Child-Pugh component: {component}", value, "reported", said[0][2]))
            else:
                rows.append(_row(f"  Child-Pugh component: {component}", NOT_REPORTED, NOT_REPORTED, ""))
        rows.append(
            _row(
                "  Child-Pugh score",
                "cannot be recomputed: the paper gives no value for its components at baseline",
                "derived",
                "Child-Pugh sums bilirubin, albumin, INR, ascites and encephalopathy (1-3 points each)",
            )
        )
    ecog = _fact(case, "ecog_performance_status")
    rows.append(
        _row("ECOG performance status", str(ecog["value"]), ecog["provenance"], _source(ecog))
        if ecog is not None
        else _row("ECOG performance status", NOT_REPORTED, NOT_REPORTED, "")
    )
    if is_hcc(case):
        rows.append(_bclc(case, ecog))
    for _, site in case.metastatic_sites.iterrows():
        detail = f": {site['detail']}" if _given(site["detail"]) and site["detail"] else ""
        rows.append(_row("metastatic site", f"{site['site']}{detail}", site["provenance"], _source(site)))
    return pd.DataFrame(rows, columns=["item", "value", "provenance", "source"])


def _bclc(case: Case, ecog: pd.Series | None) -> dict[str, str]:
    stated = _fact(case, "bclc_stage")
    if stated is not None:
        return _row("BCLC stage", str(stated["value"]), stated["provenance"], _source(stated))
    outside = case.metastatic_sites[~case.metastatic_sites["site"].str.lower().str.contains("liver")]
    if outside.empty:
        return _row(
            "BCLC stage", "not derivable: the case states no extrahepatic spread or vascular invasion", "derived", ""
        )
    rule = (
        "BCLC 2022: extrahepatic spread ("
        + ", ".join(outside["site"])
        + ") with preserved liver function is stage C (advanced)"
    )
    if ecog is None:
        rule += "; ECOG is not reported, and ECOG 3-4 would make it D"
    return _row("BCLC stage", "C (advanced)", "derived", rule)


def _span(case: Case, start: str, end: str) -> tuple[int, int]:
    return days_since(case, end, reference=start)


def _duration(low: int, high: int) -> str:
    months = (low / 30.44, high / 30.44)
    if low == high:
        return f"{low} days ({months[0]:.1f} months)"
    return f"{low}\u2013{high} days ({months[0]:.1f}\u2013{months[1]:.1f} months)"


def exposure(case: Case) -> pd.DataFrame:
    """Per regimen: start, stop, time on the drug (a range where dates are months) and planned doses at most."""
    rows = []
    end_event = case.event(case.observation_end)
    for _, regimen in case.regimens.iterrows():
        start = case.event(regimen["start"])
        stopped = isinstance(regimen["stop"], str)
        stop = case.event(regimen["stop"]) if stopped else end_event
        low, high = _span(case, regimen["start"], stop["id"])
        doses = case.administrations[case.administrations["regimen"] == regimen["id"]]
        until = when_text(stop) if stopped else f"continued to the end of observation, {when_text(stop)}"
        notes = []
        if stop["date_provenance"] == "illustrative":
            notes.append("the end of this span is illustrative, so the time and dose count are too")
        possible = int((doses["certainty"] == "possible").sum())
        within = "before the stop" if stopped else "within the observation"
        planned = f"at most {len(doses)}" + (f" ({possible} of them only possibly {within})" if possible else "")
        rows.append(
            {
                "drug": regimen["drug"],
                "dose": f"{regimen['dose']:g} {regimen['dose_unit']} {regimen['route']}",
                "started": when_text(start),
                "stopped": until,
                "time on drug": _duration(low, high),
                "planned doses": planned,
                "stop reason": regimen["stop_reason"] if stopped else "",
                "note": "; ".join(notes),
            }
        )
    return pd.DataFrame(
        rows, columns=["drug", "dose", "started", "stopped", "time on drug", "planned doses", "stop reason", "note"]
    )


def outcome_summary(case: Case) -> pd.DataFrame:
    """Follow-up, survival and the course at the end, as stated or as "not reported"."""
    end = case.event(case.observation_end)
    low, high = _span(case, case.diagnosis["event"], case.observation_end)
    follow_up = _duration(low, high)
    rows = [
        _row(
            "follow-up from diagnosis",
            follow_up
            + (" (the end of observation is illustrative)" if end["date_provenance"] == "illustrative" else ""),
            "derived" if end["date_provenance"] != "illustrative" else "illustrative",
            _source(end) or "from the dates of diagnosis and end of observation",
        )
    ]
    for _, fact in case.outcome.iterrows():
        rows.append(_row(fact["field"], str(fact["value"]), fact["provenance"], _source(fact)))
    if not case.outcome["field"].str.contains("surviv", case=False).any():
        rows.append(_row("survival", NOT_REPORTED, NOT_REPORTED, ""))
    return pd.DataFrame(rows, columns=["item", "value", "provenance", "source"])
