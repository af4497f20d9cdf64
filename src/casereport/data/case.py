"""The ``Case``: a validated case report as pandas tables, each with provenance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from casereport.data.schedule import expand_regimen

if TYPE_CHECKING:
    from casereport.data.load import ResolvedDate
    from casereport.data.schema import CaseRecord

PROVENANCE_COLUMNS = ["provenance", "quote", "rule"]
DATE_COLUMNS = [
    "date_text",
    "precision",
    "date_earliest",
    "date_latest",
    "anchor",
    "anchor_offset_days",
    "date_provenance",
    "date_rule",
]


@dataclass(frozen=True)
class Case:
    """A case report as data.

    Every table is a pandas DataFrame with ``provenance``, ``quote`` and
    ``rule`` columns. Dated tables carry the date as written (``date_text``),
    its ``precision`` and the first and last day it may mean
    (``date_earliest``, ``date_latest``); ``anchor`` and
    ``anchor_offset_days`` say which event a date was counted from, so that
    intervals along one chain stay exact.
    """

    path: Path
    case_id: str
    title: str
    synthetic: bool
    source: dict[str, Any]
    reference_event: str
    observation_end: str
    patient: pd.DataFrame
    diagnosis: dict[str, Any]
    metastatic_sites: pd.DataFrame
    outcome: pd.DataFrame
    events: pd.DataFrame
    regimens: pd.DataFrame
    administrations: pd.DataFrame
    analytes: pd.DataFrame
    labs: pd.DataFrame
    findings: pd.DataFrame
    adverse_events: pd.DataFrame
    statements: pd.DataFrame
    mechanisms: pd.DataFrame

    def event(self, event_id: str) -> pd.Series:
        """One event's row; ``KeyError`` naming the id when there is none."""
        matches = self.events[self.events["id"] == event_id]
        if matches.empty:
            raise KeyError(f"case '{self.case_id}' has no event '{event_id}'")
        return matches.iloc[0]

    def regimen(self, regimen_id: str) -> pd.Series:
        """One regimen's row; ``KeyError`` naming the id when there is none."""
        matches = self.regimens[self.regimens["id"] == regimen_id]
        if matches.empty:
            raise KeyError(f"case '{self.case_id}' has no regimen '{regimen_id}'")
        return matches.iloc[0]


def _date_columns(resolved: ResolvedDate) -> dict[str, Any]:
    date = resolved.date
    return {
        "date_text": date.text,
        "precision": date.precision,
        "date_earliest": pd.Timestamp(date.earliest),
        "date_latest": pd.Timestamp(date.latest),
        "anchor": resolved.anchor,
        "anchor_offset_days": resolved.anchor_offset,
        "date_provenance": resolved.provenance,
        "date_rule": resolved.rule,
    }


def _frame(rows: list[dict[str, Any]], columns: list[str], numeric: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("date_earliest", "date_latest"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    for column in numeric:
        frame[column] = frame[column].astype("float64")
    return frame


def _record(record: Any, *exclude: str) -> dict[str, Any]:
    return {k: v for k, v in record.model_dump().items() if k not in exclude}


def build_case(path: Path, parts: dict[str, Any]) -> Case:
    """Assemble a :class:`Case` from validated records (see ``load.py``)."""
    case: CaseRecord = parts["case"]
    dated = ("date", "relative_to", "offset", "date_provenance", "date_rule")

    events = _frame(
        [
            {
                **_record(r, *dated),
                "relative_to": r.relative_to,
                "offset_days": r.offset,
                **_date_columns(d),
            }
            for r, d in parts["events"]
        ],
        ["id", "kind", "label", *DATE_COLUMNS, "relative_to", "offset_days", *PROVENANCE_COLUMNS],
    )
    event_dates = {r.id: d for r, d in parts["events"]}

    regimen_rows, administrations = [], []
    for r in parts["regimens"]:
        row = _record(r, "schedule")
        row |= {
            "schedule_kind": r.schedule.kind,
            "cycle_length_days": r.schedule.cycle_length_days,
            "dose_days": r.schedule.dose_days,
        }
        regimen_rows.append(row)
        end = event_dates[r.stop] if r.stop else event_dates[case.observation_end]
        administrations.append(
            expand_regimen(
                row,
                start=event_dates[r.start].date,
                end=end.date,
                end_is_stop=r.stop is not None,
                anchor=event_dates[r.start].anchor,
                anchor_offset=event_dates[r.start].anchor_offset,
                end_date_provenance=end.provenance,
            )
        )
    regimens = _frame(
        regimen_rows,
        [
            "id",
            "drug",
            "atc",
            "dose",
            "dose_unit",
            "route",
            "schedule_kind",
            "cycle_length_days",
            "dose_days",
            "start",
            "stop",
            "stop_reason",
            *PROVENANCE_COLUMNS,
        ],
        numeric=("dose",),
    )
    regimens["cycle_length_days"] = regimens["cycle_length_days"].astype("Int64")

    analytes = _frame(
        [{**_record(a), "loinc_name": parts["analyte_names"][a.loinc]} for a in parts["analytes"]],
        ["loinc", "name", "loinc_name", "unit", "lower_limit", "upper_limit", *PROVENANCE_COLUMNS],
        numeric=("lower_limit", "upper_limit"),
    )
    limits = analytes.set_index("loinc")
    labs = _frame(
        [
            {
                **_record(r, *dated),
                **_date_columns(d),
                "analyte": limits.at[r.loinc, "name"],
                "lower_limit": limits.at[r.loinc, "lower_limit"],
                "upper_limit": limits.at[r.loinc, "upper_limit"],
                "limits_provenance": limits.at[r.loinc, "provenance"],
            }
            for r, d in parts["labs"]
        ],
        [
            "id",
            "loinc",
            "analyte",
            "value",
            "unit",
            "lower_limit",
            "upper_limit",
            "limits_provenance",
            *DATE_COLUMNS,
            *PROVENANCE_COLUMNS,
        ],
        numeric=("value", "lower_limit", "upper_limit"),
    )

    finding_columns = list(type(parts["findings"][0]).model_fields) if parts["findings"] else []
    findings = _frame([_record(f) for f in parts["findings"]], finding_columns or ["id", "staging"])
    if not findings.empty:
        findings = findings.merge(
            events[["id", *DATE_COLUMNS]].rename(columns={"id": "staging"}),
            on="staging",
            how="left",
            validate="many_to_one",
        )
    adverse_events = _frame(
        [{**_record(r, *dated), **_date_columns(d)} for r, d in parts["adverse_events"]],
        [
            "id",
            "term",
            "ctcae_term",
            "grade",
            "attribution",
            "action",
            "outcome",
            "outcome_known_at",
            "value",
            "unit",
            *DATE_COLUMNS,
            *PROVENANCE_COLUMNS,
        ],
        numeric=("value",),
    )
    adverse_events["grade"] = adverse_events["grade"].astype("Int64")

    statements = _frame(
        [s.model_dump(by_alias=True) for s in parts["statements"]],
        [
            "id",
            "kind",
            "regimen",
            "at",
            "value",
            "unit",
            "loinc",
            "from",
            "to",
            "claim",
            "subject",
            "mentioned",
            "quote",
            "note",
        ],
        numeric=("value",),
    )
    mechanisms = _frame(
        [_record(m) for m in parts["mechanisms"]],
        ["id", "drug", "target", "action", "outcome", "evidence", *PROVENANCE_COLUMNS],
    )
    return Case(
        path=path,
        case_id=case.case_id,
        title=case.title,
        synthetic=case.synthetic,
        source=case.source.model_dump(),
        reference_event=case.reference_event,
        observation_end=case.observation_end,
        patient=_frame([_record(p) for p in case.patient], ["field", "value", *PROVENANCE_COLUMNS]),
        diagnosis=case.diagnosis.model_dump(),
        metastatic_sites=_frame([_record(m) for m in case.metastatic_sites], ["site", "detail", *PROVENANCE_COLUMNS]),
        outcome=_frame([_record(p) for p in case.outcome], ["field", "value", *PROVENANCE_COLUMNS]),
        events=events,
        regimens=regimens,
        administrations=pd.concat(administrations, ignore_index=True) if administrations else _frame([], []),
        analytes=analytes,
        labs=labs,
        findings=findings,
        adverse_events=adverse_events,
        statements=statements,
        mechanisms=mechanisms,
    )
