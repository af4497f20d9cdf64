"""Which values the paper states, which are derived, which are illustrative: on every resource and in Provenance.

Each resource made from a record carries the record's provenance three ways:
the provenance extension (kind, the paper's quote, the rule), a ``meta.tag``
any FHIR tool shows, and, where the resource has notes, a note a reader sees
("Illustrative, not a measurement: ..."). Provenance resources then group the
resources by where their values, and their dates, come from; stated values
name the paper as the entity quoted. A synthetic case's resources carry HL7's
security label for test data.
"""

from __future__ import annotations

from typing import Any

from casereport.data.fhir.vocabulary import (
    ACT_REASON,
    EXT_PROVENANCE,
    PARTICIPANT_TYPE,
    PROVENANCE_ACTIVITY,
    PROVENANCE_CODES,
    PROVENANCE_DISPLAY,
    coding,
    extension,
    extension_parts,
    first,
    reference,
    resource_uuid,
)

# Resources of R4B that have ``note`` (Annotation): there a reader sees the provenance in words.
WITH_NOTE = {"Observation", "Condition", "MedicationStatement"}

_ACTIVITY = {
    (
        "value",
        "reported",
    ): "Values the paper states; each resource keeps the paper's words (provenance extension, quote).",
    (
        "value",
        "derived",
    ): "Values derived from the paper's statements; each resource's provenance extension gives the rule.",
    ("value", "illustrative"): "Illustrative values, made up to show a course: never measurements. Each resource's rule"
    " says what it was made to satisfy.",
    (
        "date",
        "derived",
    ): "Dates the paper does not give, derived by a rule (case-date extension, or the event counted from).",
    ("date", "illustrative"): "Dates placed for illustration; the paper does not give them.",
}


def note_text(record: Any) -> str:
    """The record's provenance as a reader should read it beside the value."""
    if record.provenance == "reported":
        return f"Stated in the paper: \u201c{record.quote}\u201d"
    if record.provenance == "derived":
        return f"Derived: {record.rule}"
    return f"Illustrative, not a measurement: {record.rule}"


def annotate(resource: dict[str, Any], record: Any, *, synthetic: bool) -> dict[str, Any]:
    """``resource`` with ``record``'s provenance in its extension, tag and note (and the test-data label)."""
    kind = record.provenance
    resource.setdefault("extension", []).insert(
        0,
        extension(
            EXT_PROVENANCE,
            {
                "kind": {"valueCode": kind},
                "quote": {"valueString": record.quote} if record.quote else None,
                "rule": {"valueString": record.rule} if record.rule else None,
            },
        ),
    )
    mark_synthetic(resource, synthetic=synthetic)
    resource.setdefault("meta", {})["tag"] = [coding(PROVENANCE_CODES, kind, PROVENANCE_DISPLAY[kind])]
    if resource["resourceType"] in WITH_NOTE:
        resource["note"] = [{"text": note_text(record)}]
    return resource


def mark_synthetic(resource: dict[str, Any], *, synthetic: bool) -> None:
    if synthetic:
        resource.setdefault("meta", {})["security"] = [coding(ACT_REASON, "HTEST", "test health data")]


def read_provenance(resource: dict[str, Any]) -> dict[str, Any]:
    """The record's ``provenance``, ``quote`` and ``rule`` from its extension (``provenance`` ``None`` if absent)."""
    parts = extension_parts(resource, EXT_PROVENANCE)
    return {"provenance": first(parts, "kind"), "quote": first(parts, "quote"), "rule": first(parts, "rule")}


def provenance_resources(
    case_id: str,
    grouped: dict[tuple[str, str], list[str]],
    *,
    paper: str,
    citation: str,
    recorded: str,
    synthetic: bool,
) -> list[dict[str, Any]]:
    """One Provenance per group: (``value`` or ``date``, kind) -> the ids of the resources it covers."""
    out = []
    for (aspect, kind), description in _ACTIVITY.items():
        targets = grouped.get((aspect, kind))
        if not targets:
            continue
        stated = kind == "reported"
        resource: dict[str, Any] = {
            "resourceType": "Provenance",
            "id": resource_uuid(case_id, PROVENANCE_ACTIVITY, f"{aspect}-{kind}"),
            "target": [reference(t) for t in targets],
            "recorded": recorded,
            "activity": {"coding": [coding(PROVENANCE_ACTIVITY, f"{aspect}-{kind}")], "text": description},
            "agent": [
                {
                    "type": {"coding": [coding(PARTICIPANT_TYPE, "author" if stated else "assembler")]},
                    "who": {"display": citation if stated else "casereport"},
                }
            ],
        }
        if kind != "illustrative":
            resource["entity"] = [{"role": "quotation" if stated else "derivation", "what": reference(paper)}]
        mark_synthetic(resource, synthetic=synthetic)
        out.append(resource)
    return out
