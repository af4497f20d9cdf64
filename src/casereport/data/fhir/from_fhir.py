"""A bundle written by ``casereport fhir export`` read back into a case folder, or an error naming every problem.

Each resource says which record of which file it is (its identifier's
system), so each becomes that record again. Nothing is dropped silently: the
folder is written aside, checked by the case loader (a problem names the
bundle entry it came from), exported again and compared with the bundle; any
element the case cannot hold (a note added by another tool, an edited
Provenance) is named, and only a folder that gives back the same bundle is
moved into place.
"""

from __future__ import annotations

import base64
import binascii
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from casereport.data.fhir.compare import compare_bundles
from casereport.data.fhir.dating import offset_text
from casereport.data.fhir.folder import write_folder
from casereport.data.fhir.provenance import read_provenance
from casereport.data.fhir.to_fhir import ATTACHED, COMPONENTS, NATIVE, canonical, case_bundle
from casereport.data.fhir.vocabulary import (
    ATC,
    BASE,
    CASE_IDENTIFIER,
    CTCAE,
    EVENT_KIND,
    EXT_ADVERSE_EVENT,
    EXT_CASE,
    EXT_DATE,
    EXT_DIAGNOSIS_EVENT,
    EXT_REGIMEN,
    FACT,
    FINDING,
    LOINC,
    SITE_KIND,
    SOURCE_IDENTIFIER,
    TRIAL_IDENTIFIER,
    UCUM,
    extension_parts,
    first,
    identifiers,
    own_identifier,
    record_system,
    resource_label,
)
from casereport.data.formats import ALL_FILES, CASE_FILE
from casereport.data.load import validate_case
from casereport.exceptions import BundleError, BundleProblem, ParameterError


@dataclass
class _Entry:
    number: int
    resource: dict[str, Any]
    system: str | None
    key: str | None

    @property
    def label(self) -> str | None:
        return resource_label(self.resource)


def _dig(value: Any, *path: str | int) -> Any:
    """``value[path[0]][path[1]]...``, or ``None`` where any step is missing."""
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def _code(concept: Any, system: str) -> str | None:
    return next((c.get("code") for c in _dig(concept, "coding") or [] if c.get("system") == system), None)


@dataclass
class CaseContents:
    """What a bundle gives for each file of a case folder, and the entry each record came from."""

    case: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {n: [] for n in NATIVE})
    texts: dict[str, bytes] = field(default_factory=dict)
    # (file, row from 1) or (case.yaml, part such as "patient.0") -> the entry
    origins: dict[tuple[str, str], _Entry] = field(default_factory=dict)


@dataclass
class _Reader:
    source: str
    problems: list[BundleProblem] = field(default_factory=list)
    by_url: dict[str, _Entry] = field(default_factory=dict)

    def problem(self, entry: _Entry | None, element: str | None, reason: str) -> None:
        self.problems.append(
            BundleProblem(entry.number if entry else None, entry.label if entry else None, element, reason)
        )

    def event(self, entry: _Entry, element: str, ref: Any) -> str | None:
        """The id of the event a reference points to (a problem if it points to no event of the bundle)."""
        if ref is None:
            return None
        target = self.by_url.get(str(_dig(ref, "reference")))
        if target is None or target.system != record_system("events.csv"):
            self.problem(entry, element, f"'{_dig(ref, 'reference')}' is no event of this bundle")
            return None
        return target.key

    def dates(self, entry: _Entry) -> dict[str, Any]:
        parts = extension_parts(entry.resource, EXT_DATE)
        offset = first(parts, "offset")
        try:
            offset = offset_text(offset) if offset is not None else None
        except (ValueError, KeyError, TypeError) as err:
            self.problem(entry, f"extension[{EXT_DATE}].offset", str(err))
        return {
            "date": first(parts, "date"),
            "relative_to": self.event(entry, f"extension[{EXT_DATE}].relativeTo", first(parts, "relativeTo")),
            "offset": offset,
            "date_provenance": first(parts, "provenance"),
            "date_rule": first(parts, "rule"),
        }

    def attachment(self, entry: _Entry) -> tuple[str | None, bytes | None]:
        attached = _dig(entry.resource, "content", 0, "attachment") or {}
        data = attached.get("data")
        if data is None:
            return attached.get("title"), None
        try:
            return attached.get("title"), base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            self.problem(entry, "content[0].attachment.data", "is not base64")
            return None, None


def parse_bundle(text: str, source: str) -> dict[str, Any]:
    """The bundle's JSON, checked against R4B's models; :class:`BundleError` naming what is wrong and where."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise BundleError(
            source, [BundleProblem(None, None, None, f"not JSON: {err.msg} (line {err.lineno}, column {err.colno})")]
        ) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise BundleError(source, [BundleProblem(None, None, "resourceType", f"not a FHIR Bundle (it is {kind!r})")])
    try:
        canonical(data)
    except ValidationError as err:
        entries = data.get("entry") if isinstance(data.get("entry"), list) else []
        problems = []
        for error in err.errors():
            loc = list(error["loc"])
            if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
                element = ".".join(str(step) for step in loc[3:]) or None
                label = resource_label(_dig(entries, loc[1], "resource"))
                problems.append(BundleProblem(loc[1] + 1, label, element, f"{error['msg']} (FHIR R4B)"))
            else:
                problems.append(
                    BundleProblem(None, None, ".".join(map(str, loc)) or None, f"{error['msg']} (FHIR R4B)")
                )
        raise BundleError(source, problems) from None
    return data


def _index(reader: _Reader, bundle: dict[str, Any]) -> list[_Entry]:
    entries = []
    for number, item in enumerate(bundle.get("entry") or [], start=1):
        resource = item.get("resource") or {}
        own = own_identifier(resource)
        entry = _Entry(number, resource, own.get("system"), own.get("value"))
        if item.get("fullUrl"):
            reader.by_url[item["fullUrl"]] = entry
        entries.append(entry)
    return entries


def read_case(bundle: dict[str, Any], source: str) -> CaseContents:
    """A parsed bundle as the files of a case folder; :class:`BundleError` for what cannot be placed."""
    reader = _Reader(source)
    entries = _index(reader, bundle)
    out = CaseContents()
    reports = {e.key: e for e in entries if e.system == record_system("events.csv")}
    staging_of = {
        str(_dig(ref, "reference")): key for key, e in reports.items() for ref in e.resource.get("result") or []
    }
    url_of = {id(e): url for url, e in reader.by_url.items()}
    for entry in entries:
        kind = entry.resource.get("resourceType")
        if kind == "Provenance":
            continue  # made again from each resource's own provenance, and compared
        if entry.system is None or entry.key is None:
            reader.problem(entry, "identifier", f"no identifier of a casereport record ({BASE}:...): cannot place it")
            continue
        reading = _READERS.get(entry.system)
        if reading is None:
            reader.problem(entry, "identifier", f"'{entry.system}' names no file of a case folder")
            continue
        reading(reader, entry, out, staging_of.get(url_of.get(id(entry), "")))
    if reader.problems:
        raise BundleError(source, reader.problems)
    return out


def _record(reader: _Reader, entry: _Entry, out: CaseContents, file: str, fields: dict[str, Any]) -> None:
    row = {**fields, **read_provenance(entry.resource)}
    if row["provenance"] is None and "provenance" in _fields(file):
        reader.problem(entry, "extension", "no provenance extension: whether the paper states it cannot be told")
    table = out.tables[file]
    table.append({k: v for k, v in row.items() if k in _fields(file)})
    out.origins[(file, str(len(table)))] = entry


def _fields(file: str) -> set[str]:
    model = ALL_FILES[file]
    return {info.alias or name for name, info in model.model_fields.items()}


def _case(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    parts = extension_parts(entry.resource, EXT_CASE)
    out.case = {
        "case_id": entry.key,
        "title": first(parts, "title"),
        "synthetic": first(parts, "synthetic"),
        **out.case,
        "reference_event": reader.event(entry, "extension.referenceEvent", first(parts, "referenceEvent")),
        "observation_end": reader.event(entry, "extension.observationEnd", first(parts, "observationEnd")),
    }
    out.origins[(CASE_FILE, "")] = entry


def _part(out: CaseContents, entry: _Entry, part: str, value: Any) -> None:
    """A part of case.yaml: a mapping (``source``, ``diagnosis``) or an item of a list (``patient``)."""
    if part in ("source", "diagnosis"):
        out.case[part] = value
        out.origins[(CASE_FILE, part)] = entry
    else:
        items = out.case.setdefault(part, [])
        out.origins[(CASE_FILE, f"{part}.{len(items)}")] = entry
        items.append(value)


def _provenanced(entry: _Entry, fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in {**fields, **read_provenance(entry.resource)}.items() if v is not None}


def _source(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    ids = {i.get("system"): i.get("value") for i in identifiers(entry.resource)}
    title, data = reader.attachment(entry)
    if data is not None:
        if not title or Path(title).name != title or title in ALL_FILES or title.startswith("."):
            reader.problem(entry, "content[0].attachment.title", f"{title!r} is not a file name for the paper's text")
        else:
            out.texts[title] = data
    source = {
        "citation": entry.resource.get("description"),
        "identifier": ids.get(SOURCE_IDENTIFIER),
        "trial": ids.get(TRIAL_IDENTIFIER),
        "text": title if data is not None else None,
    }
    _part(out, entry, "source", {k: v for k, v in source.items() if v is not None})


def _diagnosis(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    ref = next(
        (e.get("valueReference") for e in entry.resource.get("extension") or [] if e.get("url") == EXT_DIAGNOSIS_EVENT),
        None,
    )
    fields = {"name": _dig(entry.resource, "code", "text"), "event": reader.event(entry, "extension", ref)}
    _part(out, entry, "diagnosis", _provenanced(entry, fields))


def _site(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    fields = {"site": _dig(entry.resource, "bodySite", 0, "text"), "detail": _dig(entry.resource, "code", "text")}
    _part(out, entry, "metastatic_sites", _provenanced(entry, fields))


def _fact(part: str) -> Any:
    def read(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
        r = entry.resource
        value = r.get("valueInteger", r.get("valueString", _dig(r, "valueQuantity", "value")))
        _part(out, entry, part, _provenanced(entry, {"field": _code(r.get("code"), FACT), "value": value}))

    return read


def _event(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    code = entry.resource.get("code")
    fields = {"id": entry.key, "kind": _code(code, EVENT_KIND), "label": _dig(code, "text"), **reader.dates(entry)}
    _record(reader, entry, out, "events.csv", fields)


def _regimen(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    r = entry.resource
    parts = extension_parts(r, EXT_REGIMEN)
    dosage = _dig(r, "dosage", 0) or {}
    dose = _dig(dosage, "doseAndRate", 0, "doseQuantity") or {}
    schedule = {
        "kind": first(parts, "schedule"),
        "cycle_length_days": first(parts, "cycleLength"),
        "dose_days": [d for d in (parts or {}).get("doseDay", []) if d is not None] or None,
    }
    fields = {
        "id": entry.key,
        "drug": _dig(r, "medicationCodeableConcept", "text"),
        "atc": _code(r.get("medicationCodeableConcept"), ATC),
        "dose": dose.get("value"),
        "dose_unit": dose.get("code") or dose.get("unit"),
        "route": _dig(dosage, "route", "text"),
        "schedule": {k: v for k, v in schedule.items() if v is not None},
        "start": reader.event(entry, "extension.start", first(parts, "start")),
        "stop": reader.event(entry, "extension.stop", first(parts, "stop")),
        "stop_reason": _dig(r, "statusReason", 0, "text"),
    }
    _record(reader, entry, out, "regimens.yaml", fields)


def _loinc(reader: _Reader, entry: _Entry) -> str | None:
    loinc = _code(entry.resource.get("code"), LOINC)
    if loinc is None:
        reader.problem(entry, "code.coding", f"no LOINC code (a coding with system {LOINC}): which analyte is it?")
    return loinc


def _analyte(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    r = entry.resource
    limits = _dig(r, "qualifiedInterval", 0, "range") or {}
    fields = {
        "loinc": _loinc(reader, entry),
        "name": _dig(r, "code", "text"),
        "unit": _code(_dig(r, "quantitativeDetails", "unit"), UCUM),
        "lower_limit": _dig(limits, "low", "value"),
        "upper_limit": _dig(limits, "high", "value"),
    }
    _record(reader, entry, out, "analytes.csv", fields)


def _lab(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    value = entry.resource.get("valueQuantity")
    if value is None:
        reader.problem(entry, "valueQuantity", "a lab value needs valueQuantity (a number and its UCUM unit)")
    fields = {
        "id": entry.key,
        "loinc": _loinc(reader, entry),
        "value": _dig(value, "value"),
        "unit": _dig(value, "code") or _dig(value, "unit"),
        **reader.dates(entry),
    }
    _record(reader, entry, out, "labs.csv", fields)


def _finding(reader: _Reader, entry: _Entry, out: CaseContents, staging: str | None) -> None:
    r = entry.resource
    if staging is None:
        reader.problem(entry, None, "no staging's DiagnosticReport lists this finding among its results")
    fields: dict[str, Any] = {
        "id": entry.key,
        "staging": staging,
        "modality": _dig(r, "method", "text"),
        "site_kind": _code(r.get("bodySite"), SITE_KIND),
        "site": _dig(r, "bodySite", "text"),
        "description": _dig(r, "code", "text"),
    }
    for component in r.get("component") or []:
        name = _code(component.get("code"), FINDING)
        if name not in COMPONENTS:
            reader.problem(entry, "component", f"'{name}' is not a part of a finding ({', '.join(COMPONENTS)})")
            continue
        value = component.get(COMPONENTS[name])
        fields[name] = _dig(value, "value") if COMPONENTS[name] == "valueQuantity" else value
        if COMPONENTS[name] == "valueCodeableConcept":
            fields[name] = _dig(value, "text")
    _record(reader, entry, out, "findings.csv", fields)


def _adverse_event(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
    r = entry.resource
    parts = extension_parts(r, EXT_ADVERSE_EVENT)
    fields = {
        "id": entry.key,
        "term": _dig(r, "event", "text"),
        "ctcae_term": _code(r.get("event"), CTCAE),
        **reader.dates(entry),
        "grade": first(parts, "grade"),
        "attribution": first(parts, "attribution"),
        "action": first(parts, "action"),
        "outcome": _dig(r, "outcome", "text"),
        "outcome_known_at": reader.event(entry, "extension.outcomeKnownAt", first(parts, "outcomeKnownAt")),
        "value": first(parts, "amount"),
        "unit": first(parts, "unit"),
    }
    _record(reader, entry, out, "adverse_events.csv", fields)


def _attached(name: str) -> Any:
    def read(reader: _Reader, entry: _Entry, out: CaseContents, _: str | None) -> None:
        _, data = reader.attachment(entry)
        if data is None:
            reader.problem(entry, "content[0].attachment.data", f"{name} is not attached")
        else:
            out.texts[name] = data

    return read


_READERS = {
    CASE_IDENTIFIER: _case,
    record_system(CASE_FILE, "source"): _source,
    record_system(CASE_FILE, "diagnosis"): _diagnosis,
    record_system(CASE_FILE, "metastatic_sites"): _site,
    record_system(CASE_FILE, "patient"): _fact("patient"),
    record_system(CASE_FILE, "outcome"): _fact("outcome"),
    record_system("events.csv"): _event,
    record_system("regimens.yaml"): _regimen,
    record_system("analytes.csv"): _analyte,
    record_system("labs.csv"): _lab,
    record_system("findings.csv"): _finding,
    record_system("adverse_events.csv"): _adverse_event,
    **{record_system(name): _attached(name) for name in ATTACHED},
}


def _origin(contents: CaseContents, file: str, row: int | None, fld: str | None) -> _Entry | None:
    if file != CASE_FILE:
        return contents.origins.get((file, str(row)))
    steps = (fld or "").split(".")
    for length in (2, 1):
        found = contents.origins.get((CASE_FILE, ".".join(steps[:length])))
        if found is not None:
            return found
    return contents.origins.get((CASE_FILE, ""))


def import_bundle(bundle_path: str | Path, out: str | Path) -> Path:
    """Read a bundle from ``casereport fhir export`` into a new case folder ``out``; returns it.

    Raises :class:`BundleError` naming each problem (nothing is written), and
    :class:`ParameterError` when ``out`` already holds files.
    """
    source, folder = Path(bundle_path), Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ParameterError("out", f"{folder} already holds files; nothing was written. Choose a new folder.")
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise ParameterError("bundle", f"cannot read {source}: {err.strerror}") from None
    except UnicodeDecodeError as err:
        raise BundleError(
            str(source), [BundleProblem(None, None, None, f"not UTF-8 text (byte {err.start})")]
        ) from None
    bundle = parse_bundle(text, str(source))
    contents = read_case(bundle, str(source))
    folder.parent.mkdir(parents=True, exist_ok=True)
    aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        write_folder(aside, contents.case, contents.tables, contents.texts)
        errors = [p for p in validate_case(aside) if p.severity == "error"]
        if errors:
            problems = []
            for p in errors:
                origin = _origin(contents, p.file, p.row, p.field)
                where = f"as {p.file}" + (f", field '{p.field}'" if p.field else "")
                problems.append(
                    BundleProblem(
                        origin.number if origin else None,
                        origin.label if origin else None,
                        None,
                        f"{where}: {p.reason}",
                    )
                )
            raise BundleError(str(source), problems)
        compare_bundles(bundle, case_bundle(aside), str(source))
        if folder.exists():
            folder.rmdir()
        aside.rename(folder)
    finally:
        if aside.exists():
            shutil.rmtree(aside)
    return folder
