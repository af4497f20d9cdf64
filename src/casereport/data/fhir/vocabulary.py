"""The words a casereport bundle speaks: code systems, extensions, identifiers and how to build and read them.

FHIR's own elements carry the clinical meaning (LOINC, UCUM, ATC, dates);
what FHIR has no element for (a value's provenance and the paper's quote, a
date counted from an event, a regimen's cycle) travels in the extensions named
here. Each resource says which record of which file it is by an identifier
whose system names the file, so that the bundle can be read back into a folder.
"""

from __future__ import annotations

import uuid
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"
# HL7's security label for test data: every resource of a synthetic case carries it.
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"

# casereport's own code systems and extensions. URNs: they name, they do not resolve.
BASE = "urn:casereport"
PROVENANCE_CODES = f"{BASE}:codesystem:provenance"
PROVENANCE_ACTIVITY = f"{BASE}:codesystem:provenance-activity"
EVENT_KIND = f"{BASE}:codesystem:event-kind"
CONDITION_ROLE = f"{BASE}:codesystem:condition-role"
FACT = f"{BASE}:codesystem:patient-fact"
FACT_CATEGORY = f"{BASE}:codesystem:fact-category"
FINDING = f"{BASE}:codesystem:finding"
SITE_KIND = f"{BASE}:codesystem:site-kind"
CTCAE = f"{BASE}:codesystem:ctcae-v5-term"

EXT_PROVENANCE = f"{BASE}:extension:provenance"
EXT_DATE = f"{BASE}:extension:case-date"
EXT_CASE = f"{BASE}:extension:case"
EXT_REGIMEN = f"{BASE}:extension:regimen"
EXT_ADVERSE_EVENT = f"{BASE}:extension:adverse-event"
EXT_DIAGNOSIS_EVENT = f"{BASE}:extension:diagnosis-event"

CASE_IDENTIFIER = f"{BASE}:case"
SOURCE_IDENTIFIER = f"{BASE}:source:identifier"
TRIAL_IDENTIFIER = f"{BASE}:source:trial"

PROVENANCE_DISPLAY = {
    "reported": "Stated in the paper",
    "derived": "Derived from the paper's statements by a rule",
    "illustrative": "Illustrative: made up to show a course, never a measurement",
}
# SNOMED CT routes of administration; "other" stays text only.
ROUTES = {"oral": "26643006", "intravenous": "47625008", "subcutaneous": "34206005", "intramuscular": "78421000"}

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def record_system(file: str, part: str | None = None) -> str:
    """The identifier system naming a file of the case folder (and a part of ``case.yaml``)."""
    return f"{BASE}:{file}" + (f"#{part}" if part else "")


def resource_uuid(case_id: str, system: str, value: str) -> str:
    """A resource's id, the same in every export of the case: FHIR ids allow no ``_``, record ids do."""
    return str(uuid.uuid5(_NAMESPACE, f"{case_id}|{system}|{value}"))


def reference(resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    return {"system": system, "code": code} | ({"display": display} if display else {})


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM quantity: the unit as the case writes it is its UCUM code."""
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def extension(url: str, parts: dict[str, Any]) -> dict[str, Any]:
    """A complex extension from ``{name: {"valueX": ...}}``; parts that are ``None`` are left out.

    A list of values gives the part once per value (a repeating part).
    """
    inner = []
    for name, value in parts.items():
        for one in value if isinstance(value, list) else [value]:
            if one is not None:
                inner.append({"url": name, **one})
    return {"url": url, "extension": inner}


def extension_parts(resource: dict[str, Any], url: str) -> dict[str, list[Any]] | None:
    """The parts of the complex extension ``url`` on ``resource``: ``{name: [value, ...]}``; ``None`` if absent."""
    for ext in resource.get("extension") or []:
        if ext.get("url") == url:
            parts: dict[str, list[Any]] = {}
            for part in ext.get("extension") or []:
                value = next((v for k, v in part.items() if k.startswith("value")), None)
                parts.setdefault(part.get("url", ""), []).append(value)
            return parts
    return None


def first(parts: dict[str, list[Any]] | None, name: str) -> Any:
    """The first value of a part, or ``None``."""
    values = (parts or {}).get(name) or [None]
    return values[0]


def identifiers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = resource.get("identifier") or []
    return found if isinstance(found, list) else [found]


def own_identifier(resource: dict[str, Any]) -> dict[str, Any]:
    """The identifier that says which record of which file the resource is (empty if none)."""
    return next((i for i in identifiers(resource) if str(i.get("system", "")).startswith(f"{BASE}:")), {})


def resource_label(resource: Any) -> str | None:
    """A resource as a reader finds it in the bundle: ``Observation labs.csv lab005``."""
    if not isinstance(resource, dict):
        return None
    own = own_identifier(resource)
    where = str(own.get("system") or "").removeprefix(f"{BASE}:") or None
    return " ".join(str(p) for p in (resource.get("resourceType"), where, own.get("value")) if p) or None
