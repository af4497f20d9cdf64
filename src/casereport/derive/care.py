"""The CARE checklist against a case: for each item, where the case's data cover it, or that they do not.

CARE (Gagnier et al. 2013) lists what a case report should tell. An author
bringing a case wants to know, item by item, which file and fields hold it,
how much of it, and what is missing. Everything here is computed from the
case: the records for the clinical items, and the paper's text (the source
text the quotes are checked against) for the items that are prose, such as
the abstract or the statement of informed consent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from casereport.data.case import Case
from casereport.derive.tables import format_when, regimen_text

Status = Literal["covered", "partly covered", "not covered"]


@dataclass(frozen=True)
class CareItem:
    """One CARE item: what it asks, whether the case covers it, where, and what would cover it."""

    number: int
    item: str
    asks: str
    status: Status
    where: tuple[str, ...]
    missing: str | None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "where": list(self.where)}


@dataclass(frozen=True)
class _Paper:
    """The paper's text as lines, to find its sections (a line 'Discussion') and its phrases ('informed consent')."""

    name: str | None
    lines: tuple[str, ...]

    def heading(self, *names: str) -> str | None:
        """Where a line is one of ``names`` (alone, or followed by ':'), as 'source.txt line 11: "Introduction"'."""
        wanted = tuple(n.casefold() for n in names)
        for number, line in enumerate(self.lines, start=1):
            text = line.strip().casefold()
            if text in wanted or any(text.startswith(f"{n}:") for n in wanted):
                return f"{self.name} line {number}: \u201c{line.strip()[:60]}\u201d"
        return None

    def phrase(self, *phrases: str) -> str | None:
        """Where one of ``phrases`` stands (a line break, a hyphen or case in between does not matter)."""
        letters = [re.sub(r"[^a-z0-9]", "", line.casefold()) for line in self.lines]
        joined = "".join(letters)
        for phrase in phrases:
            found = joined.find(re.sub(r"[^a-z0-9]", "", phrase.casefold()))
            if found < 0:
                continue
            position = 0
            for number, part in enumerate(letters, start=1):
                position += len(part)
                if position > found:
                    return f"{self.name} line {number}: \u201c{phrase}\u201d"
        return None


def _paper(case: Case) -> _Paper:
    name = case.source.get("text")
    if not name:
        return _Paper(None, ())
    return _Paper(name, tuple((Path(case.path) / name).read_text(encoding="utf-8-sig").splitlines()))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _when(rows: pd.DataFrame) -> str:
    return format_when(rows["date_earliest"].min(), rows["date_latest"].max())


def _stated(frame: pd.DataFrame) -> str:
    stated = int((frame["provenance"] == "reported").sum())
    return "all stated by the paper" if stated == len(frame) else f"{stated} stated by the paper"


def _item(number: int, item: str, asks: str, where: list[str], status: Status, missing: str | None) -> CareItem:
    return CareItem(number, item, asks, status, tuple(where), None if status == "covered" else missing)


def _from_paper(number: int, item: str, asks: str, paper: _Paper, found: str | None, lacks: str) -> CareItem:
    """An item the case's records cannot hold: covered where the paper's text has it (``lacks``: what it would be)."""
    if paper.name is None:
        return _item(number, item, asks, [], "not covered", "the case has no source text (case.yaml source.text)")
    if found is None:
        return _item(number, item, asks, [], "not covered", f"{paper.name} has no {lacks}")
    return _item(number, item, asks, [found], "covered", None)


def _title(case: Case, _: _Paper) -> CareItem:
    asks = "the diagnosis or intervention of primary focus, and the words 'case report'"
    title = case.title.casefold()
    drugs = [d for d in case.regimens["drug"] if str(d).casefold() in title]
    words = [w for w in re.findall(r"[a-z]{5,}", str(case.diagnosis["name"]).casefold()) if w in title]
    named = ", ".join([*drugs, *words])
    where = [f"case.yaml title: \u201c{case.title}\u201d" + (f" (names {named})" if named else "")]
    return _item(
        1,
        "title",
        asks,
        where,
        "covered" if named else "partly covered",
        "the title names neither the diagnosis nor a drug of the regimens",
    )


def _patient(case: Case, _: _Paper) -> CareItem:
    asks = "de-identified demographics, main concerns, medical, family and psychosocial history, past interventions"
    facts = list(case.patient["field"])
    demographics = [f for f in ("age_years", "sex") if f in facts]
    history = [f for f in facts if f not in demographics]
    where = (
        [f"case.yaml patient: {', '.join(facts)} ({_count(len(facts), 'fact')}, {_stated(case.patient)})"]
        if facts
        else []
    )
    if len(demographics) == 2 and history:
        status: Status = "covered"
    else:
        status = "partly covered" if facts else "not covered"
    lacking = [f for f in ("age_years", "sex") if f not in demographics] + ([] if history else ["a history fact"])
    return _item(5, "patient information", asks, where, status, f"case.yaml patient lacks {', '.join(lacking)}")


def _findings(case: Case, _: _Paper) -> CareItem:
    asks = "the significant physical examination and important clinical findings"
    findings, sites = case.findings, case.metastatic_sites
    where = []
    if not findings.empty:
        modalities = ", ".join(dict.fromkeys(findings["modality"]))
        where.append(
            f"findings.csv: {_count(len(findings), 'finding')} at {_count(findings['staging'].nunique(), 'staging')}"
            f" ({modalities}), {_stated(findings)}"
        )
    if not sites.empty:
        where.append(f"case.yaml metastatic_sites: {', '.join(sites['site'])}")
    status: Status = "covered" if not findings.empty else "partly covered" if where else "not covered"
    return _item(6, "clinical findings", asks, where, status, "findings.csv has no findings")


def _timeline(case: Case, _: _Paper) -> CareItem:
    asks = "the episode of care as a timeline"
    events = case.events.sort_values("date_earliest", kind="stable")
    dated = events[events["date_provenance"] != "illustrative"]
    where = []
    if not dated.empty:
        first, last = dated.iloc[0], dated.iloc[-1]
        where.append(
            f"events.csv: {_count(len(dated), 'event')}, from {format_when(first['date_earliest'], first['date_latest'])}"
            f" to {format_when(last['date_earliest'], last['date_latest'])}"
        )
    if len(dated) < len(events):
        where.append(f"events.csv: {len(events) - len(dated)} more at illustrative dates")
    status: Status = "covered" if len(dated) >= 2 else "partly covered" if len(events) else "not covered"
    return _item(7, "timeline", asks, where, status, "fewer than two events at dates the paper gives or implies")


def _before_treatment(case: Case, frame: pd.DataFrame) -> pd.DataFrame:
    start = case.event(case.reference_event)
    return frame[frame["date_latest"] <= start["date_latest"]]


def _diagnostic(case: Case, _: _Paper) -> CareItem:
    asks = "diagnostic testing, challenges and reasoning, and prognosis (such as staging)"
    diagnosis = case.diagnosis
    event = case.event(diagnosis["event"])
    where = [f"case.yaml diagnosis: {diagnosis['name']} ({format_when(event['date_earliest'], event['date_latest'])})"]
    baseline = case.findings[case.findings["change"] == "baseline"] if not case.findings.empty else case.findings
    if not baseline.empty:
        where.append(
            f"findings.csv: {_count(len(baseline), 'baseline finding')} ({', '.join(dict.fromkeys(baseline['modality']))})"
        )
    labs = _before_treatment(case, case.labs)
    if not labs.empty:
        where.append(f"labs.csv: {_count(len(labs), 'value')} dated at or before {case.reference_event}")
    staging = [f for f in case.patient["field"] if f in ("child_pugh_class", "bclc_stage", "ecog_performance_status")]
    if staging:
        where.append(f"case.yaml patient: {', '.join(staging)} (prognosis)")
    status: Status = "covered" if len(where) > 1 else "partly covered"
    return _item(
        8, "diagnostic assessment", asks, where, status, "no baseline findings, pre-treatment labs or staging facts"
    )


def _intervention(case: Case, _: _Paper) -> CareItem:
    asks = "types of intervention, their administration (dose, strength, duration) and changes, with the rationale"
    where = [
        f"regimens.yaml: {regimen_text(r)}"
        + (f"; stopped: {r['stop_reason']}" if isinstance(r["stop_reason"], str) else "")
        for _, r in case.regimens.iterrows()
    ]
    if not case.mechanisms.empty:
        where.append(f"mechanisms.csv: {_count(len(case.mechanisms), 'step')} of the rationale")
    status: Status = "covered" if not case.regimens.empty else "not covered"
    return _item(9, "therapeutic intervention", asks, where, status, "regimens.yaml has no regimen")


def _follow_up(case: Case, _: _Paper) -> CareItem:
    asks = "clinician- and patient-assessed outcomes, follow-up tests, adherence and tolerability, adverse events"
    where = []
    if not case.outcome.empty:
        where.append(f"case.yaml outcome: {_count(len(case.outcome), 'fact')} ({_stated(case.outcome)})")
    findings = case.findings
    later = findings[findings["change"] != "baseline"] if not findings.empty else findings
    if not later.empty:
        where.append(f"findings.csv: {_count(later['staging'].nunique(), 'follow-up staging')}, {_when(later)}")
    labs = case.labs.drop(_before_treatment(case, case.labs).index)
    if not labs.empty:
        where.append(f"labs.csv: {_count(len(labs), 'value')} on or after treatment ({_stated(labs)})")
    if not case.adverse_events.empty:
        where.append(f"adverse_events.csv: {_count(len(case.adverse_events), 'adverse event')}")
    end = case.event(case.observation_end)
    where.append(
        f"events.csv: end of observation {format_when(end['date_earliest'], end['date_latest'])} ({end['date_provenance']})"
    )
    outcomes = not case.outcome.empty or not later.empty
    status: Status = "covered" if outcomes else "partly covered" if len(where) > 1 else "not covered"
    return _item(
        10, "follow-up and outcomes", asks, where, status, "no outcome (case.yaml outcome) and no follow-up staging"
    )


def _discussion(case: Case, paper: _Paper) -> CareItem:
    asks = "strengths and limitations, the literature, the rationale for conclusions, the take-away lessons"
    where = [found] if (found := paper.heading("Discussion")) else []
    if not case.statements.empty:
        where.append(f"statements.yaml: {_count(len(case.statements), 'statement')} of the paper that the audit checks")
    if not case.mechanisms.empty:
        where.append(f"mechanisms.csv: the rationale in {_count(len(case.mechanisms), 'step')}")
    status: Status = "covered" if found else "partly covered" if where else "not covered"
    missing = "the source text has no 'Discussion' section" if paper.name else "the case has no source text"
    return _item(11, "discussion", asks, where, status, missing)


def _keywords(case: Case, paper: _Paper) -> CareItem:
    found = paper.heading("Keywords", "Key words")
    return _from_paper(2, "keywords", "two to five keywords", paper, found, "'Keywords' line")


def _abstract(case: Case, paper: _Paper) -> CareItem:
    found = paper.heading("Abstract", "Summary")
    return _from_paper(3, "abstract", "introduction, case presentation, conclusion", paper, found, "'Abstract' section")


def _introduction(case: Case, paper: _Paper) -> CareItem:
    found = paper.heading("Introduction", "Background")
    asks = "what is unique about the case, with references"
    return _from_paper(4, "introduction", asks, paper, found, "'Introduction' or 'Background' section")


def _perspective(case: Case, paper: _Paper) -> CareItem:
    names = ("Patient perspective", "Patient's perspective")
    found = paper.heading(*names) or paper.phrase(*names)
    asks = "the patient's own account of the treatment"
    return _from_paper(12, "patient perspective", asks, paper, found, "'Patient perspective' section or phrase")


def _consent(case: Case, paper: _Paper) -> CareItem:
    found = paper.phrase("informed consent")
    asks = "that the patient gave informed consent"
    return _from_paper(13, "informed consent", asks, paper, found, "mention of informed consent")


_ITEMS: tuple[Callable[[Case, _Paper], CareItem], ...] = (
    _title,
    _keywords,
    _abstract,
    _introduction,
    _patient,
    _findings,
    _timeline,
    _diagnostic,
    _intervention,
    _follow_up,
    _discussion,
    _perspective,
    _consent,
)


def care_checklist(case: Case) -> list[CareItem]:
    """Every CARE item (1-13) with where the case covers it, or that it does not."""
    paper = _paper(case)
    return sorted((item(case, paper) for item in _ITEMS), key=lambda i: i.number)
