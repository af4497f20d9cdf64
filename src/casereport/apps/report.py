"""The case as a clinician summarises it, in one document: Markdown, HTML or JSON.

``case_report`` gathers the derivations the dashboard and the notebooks use
(baseline, regimens with planned doses, stagings with response categories and
their reasons, on-treatment toxicity, adverse events, outcome, the audit) into
sections of tables; ``render`` writes them for people (Markdown, HTML) or for
machines (JSON). Every table keeps its provenance column, so a reader can
tell what the paper states from what was derived or made up for illustration.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import mistune
import pandas as pd

from casereport.data.case import Case
from casereport.derive.audit import audit_case, audit_checks
from casereport.derive.clinical import (
    adverse_event_table,
    baseline_assessment,
    exposure,
    outcome_summary,
    toxicity_table,
)
from casereport.derive.grading import NO_TREATMENT_NOTE, on_treatment_grades
from casereport.derive.response import response_assessments
from casereport.derive.summary import staging_findings
from casereport.derive.tables import case_summary, timeline_table

ReportFormat = Literal["md", "html", "json"]
FORMATS: tuple[ReportFormat, ...] = ("md", "html", "json")
PROVENANCE_LEGEND = (
    "**reported**: the paper states it (its words are quoted); **derived**: it follows from stated facts by the"
    " rule given; **illustrative**: not in the paper, made up to show a course the paper describes in words,"
    " never a measurement. A value can be stated while its date is derived or illustrative; such dates say so."
)


@dataclass(frozen=True)
class Section:
    """A heading, a few sentences and the tables under it."""

    title: str
    text: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def case_report(case: Case) -> list[Section]:
    """The sections of the case report, built from the same derivations as the dashboard and notebooks."""
    source = case.source
    intro = [f"{source['citation']}" + (f" ({source['identifier']})" if source.get("identifier") else "")]
    if case.synthetic:
        intro.append("**Synthetic case**: made up to exercise the software; not a patient.")
    intro.append(PROVENANCE_LEGEND)

    stagings = []
    for staging in case.events.loc[case.events["kind"] == "staging"].sort_values("date_earliest")["id"]:
        if staging in set(case.findings["staging"]):
            stagings.append((f"Findings: {case.event(staging)['label']}", staging_findings(case, staging)))
    response = response_assessments(case)
    response_table = pd.DataFrame(
        {
            "read for": response["regimen"],
            "staging": response["label"],
            "compared with": [case.event(e)["label"] for e in response["compared_with"]],
            "RECIST 1.1": response["category"],
            "why": response["reason"],
            "mRECIST": response["mrecist_note"],
        }
    )
    literal = on_treatment_grades(case)
    rebaselined = on_treatment_grades(case, baseline="each_added_drug")
    toxicity_text = [
        NO_TREATMENT_NOTE
        if case.regimens.empty
        else (
            "Values before the first dose are the baseline, not adverse events. Grades follow CTCAE v5.0 read"
            " literally (against the value before the first dose; when that value was above the upper limit, as a"
            " multiple of it). The second table re-baselines at the start of each added drug."
        ),
    ]
    disagreements = audit_case(case)
    checks = audit_checks(case)
    audit_text = [
        (
            f"{len(disagreements)} disagreement(s) among the paper's statements and its data; of the other checks,"
            f" {sum(c.status == 'agrees' for c in checks)} agree with stated data,"
            f" {sum(c.status == 'consistent_by_construction' for c in checks)} hold only by construction (they rest"
            " on illustrative values made to satisfy them), and"
            f" {sum(c.status == 'undetermined' for c in checks)} the dates leave undetermined."
        )
    ]
    audit_table = pd.DataFrame(
        {
            "severity": [d.severity for d in disagreements],
            "what": [d.detail for d in disagreements],
            "the paper's words": [
                " / ".join(f"\u201c{q}\u201d" for q in d.quotes if isinstance(q, str)) for d in disagreements
            ],
        }
    )
    counts = pd.DataFrame(
        [
            {"table": name, **getattr(case, name)["provenance"].value_counts().to_dict()}
            for name in ("events", "labs", "findings", "adverse_events", "regimens")
        ]
    ).fillna(0)
    for column in ("reported", "derived", "illustrative"):
        counts[column] = counts.get(column, 0)
    counts = counts[["table", "reported", "derived", "illustrative"]].astype(
        {"reported": int, "derived": int, "illustrative": int}
    )
    return [
        Section(case.title, intro),
        Section("Presentation", tables=[("", case_summary(case))]),
        Section("Baseline", tables=[("", baseline_assessment(case))]),
        Section(
            "Regimens and planned doses",
            [
                (
                    "Doses are expanded from the regimen rules: they are planned doses, at most the number shown. The"
                    " paper reports no holds or reductions."
                )
            ],
            [("", exposure(case))],
        ),
        Section("Timeline", tables=[("", timeline_table(case))]),
        Section("Stagings and response", tables=[*stagings, ("Response categories", response_table)]),
        Section(
            "Toxicity on treatment",
            toxicity_text,
            []  # no treatment to grade on
            if case.regimens.empty
            else [
                ("CTCAE v5.0, baseline before the first dose", toxicity_table(literal)),
                ("Re-baselined at each added drug", toxicity_table(rebaselined)),
            ],
        ),
        Section("Adverse events", tables=[("", adverse_event_table(case))]),
        Section("Outcome", tables=[("", outcome_summary(case))]),
        Section("Audit: the paper against itself", audit_text, [("", audit_table)]),
        Section("Provenance", [PROVENANCE_LEGEND], [("Records by provenance", counts)]),
    ]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


def render(sections: list[Section], report_format: ReportFormat) -> str:
    """The report as Markdown, as a standalone HTML page, or as JSON."""
    if report_format == "json":
        document = {
            "title": sections[0].title,
            "sections": [
                {
                    "title": s.title,
                    "text": s.text,
                    "tables": [{"title": t, "rows": _records(frame)} for t, frame in s.tables],
                }
                for s in sections
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)
    lines = [f"# {sections[0].title}", "", *[f"{t}\n" for t in sections[0].text]]
    for section in sections[1:]:
        lines += [f"## {section.title}", ""]
        lines += [f"{t}\n" for t in section.text]
        for title, frame in section.tables:
            if title:
                lines += [f"### {title}", ""]
            lines += [_markdown_table(frame), ""] if not frame.empty else ["*None.*", ""]
    markdown = "\n".join(lines)
    if report_format == "md":
        return markdown
    body = mistune.html(markdown)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(sections[0].title)}</title>"
        "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}"
        "th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
        "@media print{body{max-width:none;margin:0}}</style></head><body>\n"
        f"{body}</body></html>\n"
    )


def _markdown_table(frame: pd.DataFrame) -> str:
    # Pipes and line breaks inside cells would break a Markdown table.
    clean = frame.astype(object).where(frame.notna(), "").map(lambda v: str(v).replace("|", "\\|").replace("\n", " "))
    return clean.to_markdown(index=False)
