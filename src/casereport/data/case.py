"""The ``Case``: a validated case report as pandas tables, each with provenance."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from casereport.data.schedule import administrations_frame, expand_regimen
from casereport.data.schema import (
    AdverseEventRecord,
    AnalyteRecord,
    CaseRecord,
    Dated,
    EventRecord,
    FindingRecord,
    LabRecord,
    MechanismRecord,
    MetastaticSite,
    PatientFact,
    Provenanced,
    RegimenRecord,
    StatementRecord,
)

if TYPE_CHECKING:
    from casereport.data.dates import ResolvedDate

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
    intervals along one chain stay exact. ``analytes`` gives each analyte's
    name in the catalogue (``loinc_name``; LOINC's own for a declared one) and
    its clinical ``panel`` (``None`` for none).
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
        if event_id not in self._event_rows:
            raise KeyError(f"case '{self.case_id}' has no event '{event_id}'")
        return self.events.iloc[self._event_rows[event_id]]

    @functools.cached_property
    def _event_rows(self) -> dict[str, int]:
        """Each event id's row number: a lookup charts make hundreds of times."""
        return _first_rows(self.events["id"])

    def regimen(self, regimen_id: str) -> pd.Series:
        """One regimen's row; ``KeyError`` naming the id when there is none."""
        if regimen_id not in self._regimen_rows:
            raise KeyError(f"case '{self.case_id}' has no regimen '{regimen_id}'")
        return self.regimens.iloc[self._regimen_rows[regimen_id]]

    @functools.cached_property
    def _regimen_rows(self) -> dict[str, int]:
        """Each regimen id's row number: a lookup the report and its audit make fifty times."""
        return _first_rows(self.regimens["id"])


def _first_rows(ids: pd.Series) -> dict[str, int]:
    """Each id's row number, the first were one repeated."""
    rows: dict[str, int] = {}
    for number, record_id in enumerate(ids):
        rows.setdefault(record_id, number)
    return rows


@dataclass(frozen=True)
class CaseParts:
    """A case folder's validated records, each dated record with its resolved date: what ``build_case`` assembles."""

    case: CaseRecord
    events: list[tuple[EventRecord, ResolvedDate]]
    regimens: list[RegimenRecord]
    analytes: list[AnalyteRecord]
    labs: list[tuple[LabRecord, ResolvedDate]]
    findings: list[FindingRecord]
    adverse_events: list[tuple[AdverseEventRecord, ResolvedDate]]
    statements: list[StatementRecord]
    mechanisms: list[MechanismRecord]
    analyte_names: dict[str, str]
    analyte_panels: dict[str, str | None]


def _own_columns(model: type[BaseModel]) -> list[str]:
    """A record model's own columns, in the file's order, without the provenance and date columns it inherits."""
    inherited = set(Dated.model_fields) if issubclass(model, Dated) else set(Provenanced.model_fields)
    if not issubclass(model, Provenanced):
        inherited = set()
    return [info.alias or name for name, info in model.model_fields.items() if name not in inherited]


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


def _record(record: BaseModel, *exclude: str) -> dict[str, Any]:
    return {k: v for k, v in record.model_dump().items() if k not in exclude}


DATED = ("date", "relative_to", "offset", "date_provenance", "date_rule")


def _dated_frame(
    pairs: list[tuple[Any, ResolvedDate]],
    model: type[BaseModel],
    extra: dict[str, Any] | None = None,
    extra_columns: tuple[str, ...] = (),
    **kw: Any,
) -> pd.DataFrame:
    """The records of a dated file as a table: their own columns, ``extra_columns``, the date as resolved, provenance.

    ``extra`` holds each record's ``extra_columns`` by id; the columns are named
    apart from it, so that a file with no records still has them.
    """
    rows = [{**_record(r, *DATED), **(extra or {}).get(r.id, {}), **_date_columns(d)} for r, d in pairs]
    return _frame(rows, [*_own_columns(model), *extra_columns, *DATE_COLUMNS, *PROVENANCE_COLUMNS], **kw)


def build_case(path: Path, parts: CaseParts) -> Case:
    """Assemble a :class:`Case` from validated records (see ``load.py``); columns follow the record models."""
    case = parts.case
    events = _dated_frame(
        parts.events,
        EventRecord,
        {r.id: {"relative_to": r.relative_to, "offset_days": r.offset} for r, _ in parts.events},
        extra_columns=("relative_to", "offset_days"),
    )
    event_dates = {r.id: d for r, d in parts.events}

    regimen_rows, administrations = [], []
    for r in parts.regimens:
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
    regimen_columns = [c for c in _own_columns(RegimenRecord) if c != "schedule"]
    at = regimen_columns.index("route") + 1
    regimen_columns[at:at] = ["schedule_kind", "cycle_length_days", "dose_days"]
    regimens = _frame(regimen_rows, [*regimen_columns, *PROVENANCE_COLUMNS], numeric=("dose",))
    regimens["cycle_length_days"] = regimens["cycle_length_days"].astype("Int64")

    analytes = _frame(
        [
            {**_record(a), "loinc_name": parts.analyte_names[a.loinc], "panel": parts.analyte_panels[a.loinc]}
            for a in parts.analytes
        ],
        [*_own_columns(AnalyteRecord), "loinc_name", "panel", *PROVENANCE_COLUMNS],
        numeric=("lower_limit", "upper_limit"),
    )
    limits = analytes.set_index("loinc")
    labs = _dated_frame(
        parts.labs,
        LabRecord,
        {
            r.id: {
                "analyte": limits.at[r.loinc, "name"],
                "lower_limit": limits.at[r.loinc, "lower_limit"],
                "upper_limit": limits.at[r.loinc, "upper_limit"],
                "limits_provenance": limits.at[r.loinc, "provenance"],
            }
            for r, _ in parts.labs
        },
        extra_columns=("analyte", "lower_limit", "upper_limit", "limits_provenance"),
        numeric=("value", "lower_limit", "upper_limit"),
    )

    # Each finding dated by its staging; a case without findings has the date columns all the same.
    findings = _frame([_record(f) for f in parts.findings], [*_own_columns(FindingRecord), *PROVENANCE_COLUMNS])
    findings = findings.merge(
        events[["id", *DATE_COLUMNS]].rename(columns={"id": "staging"}),
        on="staging",
        how="left",
        validate="many_to_one",
    )
    adverse_events = _dated_frame(parts.adverse_events, AdverseEventRecord, numeric=("value",))
    adverse_events["grade"] = adverse_events["grade"].astype("Int64")

    statements = _frame(
        [s.model_dump(by_alias=True) for s in parts.statements],
        _own_columns(StatementRecord),
        numeric=("value",),
    )
    mechanisms = _frame([_record(m) for m in parts.mechanisms], [*_own_columns(MechanismRecord), *PROVENANCE_COLUMNS])
    return Case(
        path=path,
        case_id=case.case_id,
        title=case.title,
        synthetic=case.synthetic,
        source=case.source.model_dump(),
        reference_event=case.reference_event,
        observation_end=case.observation_end,
        patient=_frame([_record(p) for p in case.patient], [*_own_columns(PatientFact), *PROVENANCE_COLUMNS]),
        diagnosis=case.diagnosis.model_dump(),
        metastatic_sites=_frame(
            [_record(m) for m in case.metastatic_sites], [*_own_columns(MetastaticSite), *PROVENANCE_COLUMNS]
        ),
        outcome=_frame([_record(p) for p in case.outcome], [*_own_columns(PatientFact), *PROVENANCE_COLUMNS]),
        events=events,
        regimens=regimens,
        administrations=pd.concat(administrations, ignore_index=True) if administrations else administrations_frame([]),
        analytes=analytes,
        labs=labs,
        findings=findings,
        adverse_events=adverse_events,
        statements=statements,
        mechanisms=mechanisms,
    )
