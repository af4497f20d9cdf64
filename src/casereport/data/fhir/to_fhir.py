"""A case folder as a FHIR R4B Bundle: one resource per record, each with its provenance.

| file | resource |
|---|---|
| case.yaml | Patient (the case: title, synthetic, reference event), Condition (diagnosis; metastatic sites), Observation (patient facts, outcome), DocumentReference (the paper, with its text) |
| events.csv | DiagnosticReport (stagings and diagnoses: the findings are its results), Basic (other events) |
| regimens.yaml | MedicationStatement (the regimen as the paper states it; the cycle in an extension) |
| analytes.csv | ObservationDefinition (LOINC, UCUM unit, reference limits) |
| labs.csv | Observation (laboratory; LOINC, UCUM quantity, reference range) |
| findings.csv | Observation (imaging) |
| adverse_events.csv | AdverseEvent |
| statements.yaml, mechanisms.csv | DocumentReference with the file attached as it is (FHIR has no resource for them) |

Provenance resources close the bundle. Ids are UUIDs made from the case id and
the record's key, and ``Provenance.recorded`` is the last day of observation,
so two exports of one case are equal.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from fhir.resources.R4B.bundle import Bundle

from casereport.data.case import Case
from casereport.data.catalogue import known_analytes
from casereport.data.fhir.dating import date_extension, partial_date, when
from casereport.data.fhir.folder import FolderRecords, read_records
from casereport.data.fhir.provenance import annotate, mark_synthetic, provenance_resources
from casereport.data.fhir.vocabulary import (
    ATC,
    CASE_IDENTIFIER,
    CONDITION_ROLE,
    CTCAE,
    DIAGNOSTIC_SERVICE,
    EVENT_KIND,
    EXT_ADVERSE_EVENT,
    EXT_CASE,
    EXT_DIAGNOSIS_EVENT,
    EXT_REGIMEN,
    FACT,
    FACT_CATEGORY,
    FINDING,
    LOINC,
    OBSERVATION_CATEGORY,
    ROUTES,
    SITE_KIND,
    SNOMED,
    SOURCE_IDENTIFIER,
    TRIAL_IDENTIFIER,
    UCUM,
    coding,
    extension,
    quantity,
    record_system,
    reference,
    resource_uuid,
)
from casereport.data.formats import CASE_FILE, FILE_MODELS
from casereport.data.load import load_case

# The files whose records become FHIR resources; every other file of the format that a folder holds
# (statements.yaml, mechanisms.csv, ...) has no FHIR resource and travels attached, byte for byte.
NATIVE = ("events.csv", "regimens.yaml", "analytes.csv", "labs.csv", "findings.csv", "adverse_events.csv")
ATTACHED = tuple(name for name in FILE_MODELS if name not in NATIVE)
CONTENT_TYPES = {".yaml": "application/yaml", ".csv": "text/csv"}
SINGLE_IDENTIFIER = {"AdverseEvent"}
# Events whose findings are a report's results.
REPORTED_EVENTS = ("staging", "diagnosis")


@dataclass(frozen=True)
class Span:
    """A record's date as resolved by the loader: the first and last day it may mean, and where it comes from."""

    earliest: date
    latest: date
    provenance: str


def _spans(frame: pd.DataFrame) -> dict[str, Span]:
    return {
        str(key): Span(pd.Timestamp(earliest).date(), pd.Timestamp(latest).date(), str(made))
        for key, earliest, latest, made in zip(
            frame["id"], frame["date_earliest"], frame["date_latest"], frame["date_provenance"], strict=True
        )
    }


@dataclass
class _Export:
    case: Case
    records: FolderRecords
    resources: list[dict[str, Any]] = field(default_factory=list)
    grouped: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.case.synthetic

    def uid(self, system: str, value: str) -> str:
        return resource_uuid(self.case.case_id, system, value)

    def ref(self, file: str, key: str) -> dict[str, str]:
        return reference(self.uid(record_system(file), key))

    @property
    def patient(self) -> dict[str, str]:
        return reference(self.uid(CASE_IDENTIFIER, self.case.case_id))

    def add(
        self, resource: dict[str, Any], system: str, key: str, record: Any = None, span: Span | None = None
    ) -> None:
        """Add a resource made from ``record`` (identified as ``key`` in ``system``), with its provenance."""
        resource_id = self.uid(system, key)
        resource["id"] = resource_id
        if system != CASE_IDENTIFIER:
            own = {"system": system, "value": key}
            # R4B's AdverseEvent has one identifier, the others a list.
            single = resource["resourceType"] in SINGLE_IDENTIFIER
            resource["identifier"] = own if single else [own, *resource.get("identifier", [])]
        if record is not None:
            annotate(resource, record, synthetic=self.synthetic)
            self.grouped.setdefault(("value", record.provenance), []).append(resource_id)
        else:
            mark_synthetic(resource, synthetic=self.synthetic)
        if span is not None and span.provenance != "reported":
            self.grouped.setdefault(("date", span.provenance), []).append(resource_id)
        self.resources.append(_ordered(resource))

    def dated(self, record: Any, span: Span, element: str, *, allows_period: bool = True) -> dict[str, Any]:
        """The resource's date element(s) and the case-date extension for a record dated on its own."""
        native, left = when(span.earliest, span.latest, element, allows_period=allows_period)
        relative = self.ref("events.csv", record.relative_to) if record.relative_to else None
        return {**native, "extension": [date_extension(record, relative_to=relative, span=left)]}


# Resource keys in the order FHIR's JSON examples give them, for a bundle a person can read.
_ORDER = ("resourceType", "id", "meta", "extension", "identifier")


def _ordered(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: resource[k] for k in (*_ORDER, *resource) if k in resource}


def _case_resources(ex: _Export, path: Path) -> None:
    case, c = ex.records.case, ex.case
    sex = {r.field: r.value for r in case.patient}.get("sex")
    gender = {"male": "male", "female": "female", "other": "other"}.get(str(sex), "unknown") if sex else None
    events = _spans(c.events)
    ex.add(
        {
            "resourceType": "Patient",
            "identifier": [{"system": CASE_IDENTIFIER, "value": case.case_id}],
            "extension": [
                extension(
                    EXT_CASE,
                    {
                        "title": {"valueString": case.title},
                        "synthetic": {"valueBoolean": case.synthetic},
                        "referenceEvent": {"valueReference": ex.ref("events.csv", case.reference_event)},
                        "observationEnd": {"valueReference": ex.ref("events.csv", case.observation_end)},
                    },
                )
            ],
            **({"gender": gender} if gender else {}),
        },
        CASE_IDENTIFIER,
        case.case_id,
    )
    source = case.source
    text = (path / source.text).read_bytes() if source.text else None
    attachment = (
        {"contentType": "text/plain; charset=utf-8", "title": source.text, "data": base64.b64encode(text).decode()}
        if text is not None
        else {"title": "The paper's text is not part of the case"}
    )
    ex.add(
        {
            "resourceType": "DocumentReference",
            "identifier": [
                {"system": system, "value": value}
                for system, value in ((SOURCE_IDENTIFIER, source.identifier), (TRIAL_IDENTIFIER, source.trial))
                if value
            ],
            "status": "current",
            "description": source.citation,
            "subject": ex.patient,
            "content": [{"attachment": attachment}],
        },
        record_system(CASE_FILE, "source"),
        "source",
    )
    diagnosis = case.diagnosis
    span = events[diagnosis.event]
    onset, _ = when(span.earliest, span.latest, "onset")
    ex.add(
        {
            "resourceType": "Condition",
            "extension": [{"url": EXT_DIAGNOSIS_EVENT, "valueReference": ex.ref("events.csv", diagnosis.event)}],
            "code": {"coding": [coding(CONDITION_ROLE, "diagnosis")], "text": diagnosis.name},
            "subject": ex.patient,
            **onset,
        },
        record_system(CASE_FILE, "diagnosis"),
        "diagnosis",
        diagnosis,
    )
    for number, site in enumerate(case.metastatic_sites, start=1):
        code: dict[str, Any] = {"coding": [coding(CONDITION_ROLE, "metastasis")]}
        ex.add(
            {
                "resourceType": "Condition",
                "code": code | ({"text": site.detail} if site.detail else {}),
                "bodySite": [{"text": site.site}],
                "subject": ex.patient,
            },
            record_system(CASE_FILE, "metastatic_sites"),
            str(number),
            site,
        )
    _facts(ex, "patient", case.patient)


def _facts(ex: _Export, part: str, facts: list[Any]) -> None:
    for number, fact in enumerate(facts, start=1):
        value = fact.value
        if isinstance(value, bool | str):
            valued: dict[str, Any] = {"valueString": str(value)}
        elif isinstance(value, int):
            valued = {"valueInteger": value}
        else:
            valued = {"valueQuantity": {"value": value}}
        ex.add(
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [{"coding": [coding(FACT_CATEGORY, part)]}],
                "code": {"coding": [coding(FACT, fact.field)], "text": fact.field},
                "subject": ex.patient,
                **valued,
            },
            record_system(CASE_FILE, part),
            str(number),
            fact,
        )


def _events(ex: _Export) -> None:
    spans = _spans(ex.case.events)
    results: dict[str, list[dict[str, str]]] = {}
    for finding in ex.records.tables["findings.csv"]:
        results.setdefault(finding.staging, []).append(ex.ref("findings.csv", finding.id))
    for event in ex.records.tables["events.csv"]:
        span = spans[event.id]
        code = {"coding": [coding(EVENT_KIND, event.kind)], "text": event.label}
        if event.kind in REPORTED_EVENTS:
            resource = {
                "resourceType": "DiagnosticReport",
                **ex.dated(event, span, "effective"),
                "status": "final",
                "code": code,
                "subject": ex.patient,
                "result": results.get(event.id) or None,
            }
            if event.kind == "staging":
                resource["category"] = [{"coding": [coding(DIAGNOSTIC_SERVICE, "RAD", "Radiology")]}]
        else:
            resource = {
                "resourceType": "Basic",
                **ex.dated(event, span, "created", allows_period=False),
                "code": code,
                "subject": ex.patient,
            }
        ex.add({k: v for k, v in resource.items() if v is not None}, record_system("events.csv"), event.id, event, span)


def _dosage_text(regimen: Any) -> str:
    schedule = regimen.schedule
    dose = f"{regimen.dose:g} {regimen.dose_unit} {regimen.route}"
    if schedule.kind == "continuous":
        return f"{dose}, every day"
    days = [str(d) for d in schedule.dose_days]
    listed = days[0] if len(days) == 1 else ", ".join(days[:-1]) + f" and {days[-1]}"
    return f"{dose} on day{'s' if len(days) > 1 else ''} {listed} of each {schedule.cycle_length_days}-day cycle"


def _regimens(ex: _Export) -> None:
    spans = _spans(ex.case.events)
    for regimen in ex.records.tables["regimens.yaml"]:
        schedule = regimen.schedule
        period = {
            "start": partial_date(spans[regimen.start].earliest, spans[regimen.start].latest),
            "end": partial_date(spans[regimen.stop].earliest, spans[regimen.stop].latest) if regimen.stop else None,
        }
        period = {k: v for k, v in period.items() if v}
        route: dict[str, Any] = {"text": regimen.route}
        if regimen.route in ROUTES:
            route["coding"] = [coding(SNOMED, ROUTES[regimen.route], regimen.route)]
        per = (1, 1) if schedule.kind == "continuous" else (len(schedule.dose_days), schedule.cycle_length_days)
        resource: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "extension": [
                extension(
                    EXT_REGIMEN,
                    {
                        "schedule": {"valueCode": schedule.kind},
                        "cycleLength": {"valueInteger": schedule.cycle_length_days}
                        if schedule.cycle_length_days
                        else None,
                        "doseDay": [{"valueInteger": d} for d in schedule.dose_days or ()],
                        "start": {"valueReference": ex.ref("events.csv", regimen.start)},
                        "stop": {"valueReference": ex.ref("events.csv", regimen.stop)} if regimen.stop else None,
                    },
                )
            ],
            "status": "completed" if regimen.stop else "active",
            "statusReason": [{"text": regimen.stop_reason}] if regimen.stop_reason else None,
            "medicationCodeableConcept": {
                "coding": [coding(ATC, regimen.atc)] if regimen.atc else None,
                "text": regimen.drug,
            },
            "subject": ex.patient,
            "effectivePeriod": period or None,
            "dosage": [
                {
                    "text": _dosage_text(regimen),
                    "timing": {"repeat": {"frequency": per[0], "period": per[1], "periodUnit": "d"}},
                    "route": route,
                    "doseAndRate": [{"doseQuantity": quantity(regimen.dose, regimen.dose_unit)}],
                }
            ],
        }
        ex.add(_without_none(resource), record_system("regimens.yaml"), regimen.id, regimen)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _limits(lower: float | None, upper: float | None, unit: str) -> dict[str, Any]:
    given = {"low": lower, "high": upper}
    return {k: quantity(float(v), unit) for k, v in given.items() if v is not None and not pd.isna(v)}


def _labs(ex: _Export) -> None:
    names = {loinc: a.name for loinc, a in known_analytes().items()}
    for analyte in ex.records.tables["analytes.csv"]:
        ex.add(
            {
                "resourceType": "ObservationDefinition",
                "code": {"coding": [coding(LOINC, analyte.loinc, names.get(analyte.loinc))], "text": analyte.name},
                "permittedDataType": ["Quantity"],
                "quantitativeDetails": {"unit": {"coding": [coding(UCUM, analyte.unit)], "text": analyte.unit}},
                "qualifiedInterval": [
                    {"category": "reference", "range": _limits(analyte.lower_limit, analyte.upper_limit, analyte.unit)}
                ],
            },
            record_system("analytes.csv"),
            analyte.loinc,
            analyte,
        )
    spans = _spans(ex.case.labs)
    # The analyte's name and limits as the loader joined them to each value.
    joined = ex.case.labs.set_index("id")
    for lab in ex.records.tables["labs.csv"]:
        row = joined.loc[lab.id]
        ex.add(
            {
                "resourceType": "Observation",
                **ex.dated(lab, spans[lab.id], "effective"),
                "status": "final",
                "category": [{"coding": [coding(OBSERVATION_CATEGORY, "laboratory", "Laboratory")]}],
                "code": {"coding": [coding(LOINC, lab.loinc, names.get(lab.loinc))], "text": row["analyte"]},
                "subject": ex.patient,
                "valueQuantity": quantity(lab.value, lab.unit),
                "referenceRange": [_limits(row["lower_limit"], row["upper_limit"], lab.unit)],
            },
            record_system("labs.csv"),
            lab.id,
            lab,
            spans[lab.id],
        )


# Finding fields that are an imaging Observation's components, and the value type of each.
COMPONENTS = {
    "lesion_count": "valueInteger",
    "dim1_mm": "valueQuantity",
    "dim2_mm": "valueQuantity",
    "dim3_mm": "valueQuantity",
    "necrosis": "valueString",
    "enhancement": "valueString",
    "new_lesion": "valueBoolean",
    "change": "valueCodeableConcept",
}


def _component(name: str, value: Any) -> dict[str, Any]:
    kind = COMPONENTS[name]
    if kind == "valueQuantity":
        value = quantity(value, "mm")
    elif kind == "valueCodeableConcept":
        value = {"text": value}
    return {"code": {"coding": [coding(FINDING, name)]}, kind: value}


def _findings(ex: _Export) -> None:
    spans = _spans(ex.case.events)
    for finding in ex.records.tables["findings.csv"]:
        span = spans[finding.staging]
        native, _ = when(span.earliest, span.latest, "effective")
        ex.add(
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [{"coding": [coding(OBSERVATION_CATEGORY, "imaging", "Imaging")]}],
                "code": {"coding": [coding(FINDING, "imaging-finding")], "text": finding.description},
                "subject": ex.patient,
                **native,
                "bodySite": {"coding": [coding(SITE_KIND, finding.site_kind)], "text": finding.site},
                "method": {"text": finding.modality},
                "component": [
                    _component(name, getattr(finding, name))
                    for name in COMPONENTS
                    if getattr(finding, name) is not None
                ],
            },
            record_system("findings.csv"),
            finding.id,
            finding,
        )


def _adverse_events(ex: _Export) -> None:
    spans = _spans(ex.case.adverse_events)
    for ae in ex.records.tables["adverse_events.csv"]:
        dated = ex.dated(ae, spans[ae.id], "date", allows_period=False)
        details = extension(
            EXT_ADVERSE_EVENT,
            {
                "grade": {"valueInteger": ae.grade} if ae.grade is not None else None,
                "attribution": {"valueString": ae.attribution} if ae.attribution else None,
                "action": {"valueString": ae.action} if ae.action else None,
                "outcomeKnownAt": {"valueReference": ex.ref("events.csv", ae.outcome_known_at)}
                if ae.outcome_known_at
                else None,
                "amount": {"valueDecimal": ae.value} if ae.value is not None else None,
                "unit": {"valueString": ae.unit} if ae.unit else None,
            },
        )
        dated["extension"].append(details)
        ex.add(
            _without_none(
                {
                    "resourceType": "AdverseEvent",
                    **dated,
                    "actuality": "actual",
                    "event": {
                        "coding": [coding(CTCAE, ae.ctcae_term, ae.ctcae_term)] if ae.ctcae_term else None,
                        "text": ae.term,
                    },
                    "subject": ex.patient,
                    "outcome": {"text": ae.outcome} if ae.outcome else None,
                }
            ),
            record_system("adverse_events.csv"),
            ae.id,
            ae,
            spans[ae.id],
        )


def _attached(ex: _Export, path: Path) -> None:
    for name in ATTACHED:
        if not (path / name).is_file():
            continue  # a file the format lets a case leave out
        content_type = CONTENT_TYPES.get(Path(name).suffix, "text/plain")
        data = (path / name).read_bytes()
        ex.add(
            {
                "resourceType": "DocumentReference",
                "status": "current",
                "description": f"{name} of the case, as it is: FHIR has no resource for it",
                "subject": ex.patient,
                "content": [
                    {
                        "attachment": {
                            "contentType": content_type,
                            "title": name,
                            "data": base64.b64encode(data).decode(),
                        }
                    }
                ],
            },
            record_system(name),
            name,
        )
    _facts(ex, "outcome", ex.records.case.outcome)


def case_bundle(case_dir: str | Path) -> dict[str, Any]:
    """The case folder as a FHIR R4B Bundle (JSON-ready), validated by ``fhir.resources``' R4B models.

    Raises :class:`~casereport.exceptions.CaseValidationError` when the folder is not a valid case.
    """
    path = Path(case_dir)
    case = load_case(path)
    ex = _Export(case, read_records(path))
    _case_resources(ex, path)
    _events(ex)
    _regimens(ex)
    _labs(ex)
    _findings(ex)
    _adverse_events(ex)
    _attached(ex, path)
    end = case.event(case.observation_end)["date_latest"].date()
    resources = ex.resources + provenance_resources(
        case.case_id,
        ex.grouped,
        paper=ex.uid(record_system(CASE_FILE, "source"), "source"),
        citation=case.source["citation"],
        # FHIR requires when provenance was recorded; the bundle claims no clock time, only the case's end.
        recorded=f"{end.isoformat()}T00:00:00Z",
        synthetic=case.synthetic,
    )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ex.uid(CASE_IDENTIFIER, f"{case.case_id}/bundle"),
        "identifier": {"system": CASE_IDENTIFIER, "value": case.case_id},
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    mark_synthetic(bundle, synthetic=case.synthetic)
    return canonical(bundle)


def canonical(bundle: dict[str, Any]) -> dict[str, Any]:
    """A bundle as R4B reads it, back to JSON: what two bundles are compared as (raises pydantic's error)."""
    return json.loads(Bundle.model_validate(bundle).model_dump_json(exclude_none=True))


def write_bundle(case_dir: str | Path, out: str | Path) -> dict[str, Any]:
    """Export ``case_dir`` to ``out`` as indented JSON; returns the bundle."""
    bundle = case_bundle(case_dir)
    Path(out).write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return bundle
