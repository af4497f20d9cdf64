"""Reading a case folder: every file, every record, every cross-reference.

``validate_case`` returns every problem it finds (file, row, line, field and
reason); ``load_case`` returns a :class:`~casereport.data.case.Case` or raises
:class:`~casereport.exceptions.CaseValidationError` with all of them. Nothing
is dropped or coerced silently: a record is either in the case or in an error.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from casereport.data.case import Case, build_case
from casereport.data.catalogue import known_analytes
from casereport.data.dates import CaseDate
from casereport.data.quotes import normalise_source, quote_in_source
from casereport.data.schema import (
    AdverseEventRecord,
    AnalyteRecord,
    CaseRecord,
    EventRecord,
    FindingRecord,
    LabRecord,
    MechanismRecord,
    RegimenRecord,
    StatementRecord,
)
from casereport.exceptions import CaseValidationError, Problem

CSV_FILES: dict[str, type[BaseModel]] = {
    "events.csv": EventRecord,
    "analytes.csv": AnalyteRecord,
    "labs.csv": LabRecord,
    "findings.csv": FindingRecord,
    "adverse_events.csv": AdverseEventRecord,
    "mechanisms.csv": MechanismRecord,
}
YAML_LISTS: dict[str, type[BaseModel]] = {
    "regimens.yaml": RegimenRecord,
    "statements.yaml": StatementRecord,
}
CASE_FILE = "case.yaml"


@dataclass(frozen=True)
class Located:
    """A validated record and where it stood."""

    record: Any
    row: int | None
    line: int | None


# From the surest to the least sure: a date is as sure as the least sure thing it rests on.
_SURENESS = ("reported", "derived", "illustrative")


@dataclass(frozen=True)
class ResolvedDate:
    """An event's date with the chain it hangs from: ``anchor`` + ``anchor_offset`` days.

    ``provenance`` is where the date comes from (``rule``: how it was placed,
    where it was not stated).
    """

    date: CaseDate
    anchor: str
    anchor_offset: int
    provenance: str = "reported"
    rule: str | None = None

    def shifted(self, record: Any, base_name: str) -> ResolvedDate:
        """The date of ``record``, dated ``record.offset`` days from this one (the event ``base_name``)."""
        return ResolvedDate(
            self.date.shifted(record.offset),
            self.anchor,
            self.anchor_offset + record.offset,
            *_inherit(record, self, base_name),
        )


def _own_date_provenance(record: Any) -> tuple[str, str | None]:
    """Where an absolutely dated record's date comes from: said in ``date_provenance``, or as the record."""
    if record.date_provenance is not None:
        return record.date_provenance, record.date_rule
    return record.provenance, record.rule if record.provenance != "reported" else None


def _inherit(record: Any, base: ResolvedDate, base_name: str) -> tuple[str, str | None]:
    """A relative date is no surer than its own placing or the event it hangs from."""
    own, rule = _own_date_provenance(record)
    if _SURENESS.index(base.provenance) > _SURENESS.index(own):
        return base.provenance, f"Dated from '{base_name}', whose date is {base.provenance}" + (
            f": {base.rule}" if base.rule else ""
        )
    return own, rule


@dataclass
class _Reader:
    case_dir: Path
    problems: list[Problem] = field(default_factory=list)
    # Ids of every record read, valid or not: a reference to a record that is
    # itself invalid is not reported a second time as a missing id.
    seen: dict[str, set[str]] = field(default_factory=dict)

    def missing(self, name: str, key: str | None, valid: dict[str, Any]) -> bool:
        """True when ``key`` names no record of file ``name`` at all."""
        return key is not None and key not in valid and key not in self.seen.get(name, set())

    def add(self, file: str, row: int | None, line: int | None, fld: str | None, reason: str) -> None:
        self.problems.append(Problem(file, row, line, fld, reason))

    # -- files -------------------------------------------------------------
    def read_csv(self, name: str, model: type[BaseModel]) -> list[Located] | None:
        path = self.case_dir / name
        if not path.is_file():
            self.add(name, None, None, None, "file is missing")
            return None
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            expected = [f.alias or n for n, f in model.model_fields.items()]
            missing = [c for c in expected if c not in header]
            unknown = [c for c in header if c not in expected]
            for column in missing:
                self.add(name, None, 1, column, "column is missing")
            for column in unknown:
                self.add(name, None, 1, column, "column is not part of this file's format")
            if missing or unknown:
                return None
            located: list[Located] = []
            line = reader.line_num + 1
            for row_number, raw in enumerate(reader, start=1):
                self.seen.setdefault(name, set()).add(raw.get("id") or raw.get("loinc"))
                if None in raw:
                    self.add(name, row_number, line, None, "row has more cells than the header")
                elif any(v is None for v in raw.values()):
                    self.add(name, row_number, line, None, "row has fewer cells than the header")
                else:
                    record = self.validate(model, raw, name, row_number, line)
                    if record is not None:
                        located.append(Located(record, row_number, line))
                line = reader.line_num + 1
        return located

    def read_yaml(self, name: str) -> tuple[Any, yaml.Node | None] | None:
        path = self.case_dir / name
        if not path.is_file():
            self.add(name, None, None, None, "file is missing")
            return None
        text = path.read_text(encoding="utf-8")
        try:
            return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            self.add(name, None, mark.line + 1 if mark else None, None, f"not valid YAML: {err}")
            return None

    def read_yaml_list(self, name: str, model: type[BaseModel]) -> list[Located] | None:
        loaded = self.read_yaml(name)
        if loaded is None:
            return None
        data, node = loaded
        if not isinstance(data, list):
            self.add(name, None, 1, None, "must be a list of records")
            return None
        located = []
        for index, item in enumerate(data):
            item_node = node.value[index] if isinstance(node, yaml.SequenceNode) else None
            line = item_node.start_mark.line + 1 if item_node else None
            if not isinstance(item, dict):
                self.add(name, index + 1, line, None, "must be a mapping of field: value")
                continue
            self.seen.setdefault(name, set()).add(str(item.get("id")))
            record = self.validate(model, item, name, index + 1, line, item_node)
            if record is not None:
                located.append(Located(record, index + 1, line))
        return located

    def validate(
        self,
        model: type[BaseModel],
        raw: dict[str, Any],
        name: str,
        row: int | None,
        line: int | None,
        node: yaml.Node | None = None,
    ) -> BaseModel | None:
        try:
            return model.model_validate(raw)
        except ValidationError as err:
            for error in err.errors():
                loc = error["loc"]
                reason = error["msg"].removeprefix("Value error, ")
                if error["type"] == "missing":
                    reason = "is required"
                self.add(name, row, _line_of(node, loc) or line, ".".join(map(str, loc)) or None, reason)
            return None


def _line_of(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The line of the deepest YAML node that ``loc`` reaches."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            matches = [v for k, v in node.value if k.value == key]
            if not matches:
                break
            node = matches[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _ids(reader: _Reader, name: str, items: list[Located], attr: str = "id") -> dict[str, Located]:
    counts = Counter(getattr(i.record, attr) for i in items)
    for item in items:
        if counts[getattr(item.record, attr)] > 1:
            reader.add(name, item.row, item.line, attr, f"'{getattr(item.record, attr)}' is used more than once")
    return {getattr(i.record, attr): i for i in items}


def _resolve_events(reader: _Reader, events: dict[str, Located]) -> dict[str, ResolvedDate]:
    resolved: dict[str, ResolvedDate] = {}

    def resolve(event_id: str, chain: tuple[str, ...]) -> ResolvedDate | None:
        if event_id in resolved:
            return resolved[event_id]
        item = events[event_id]
        record: EventRecord = item.record
        if record.date is not None:
            resolved[event_id] = ResolvedDate(record.date, event_id, 0, *_own_date_provenance(record))
            return resolved[event_id]
        target = record.relative_to
        assert target is not None
        assert record.offset is not None
        if target not in events:
            if reader.missing("events.csv", target, events):
                reader.add("events.csv", item.row, item.line, "relative_to", f"no event has the id '{target}'")
            return None
        if target in chain:
            loop = " -> ".join((*chain, target))
            reader.add(
                "events.csv",
                item.row,
                item.line,
                "relative_to",
                f"events are dated relative to each other in a loop: {loop}",
            )
            return None
        base = resolve(target, (*chain, target))
        if base is None:
            return None
        resolved[event_id] = base.shifted(record, target)
        return resolved[event_id]

    for event_id in events:
        resolve(event_id, (event_id,))
    return resolved


def _date_relative(
    reader: _Reader, name: str, item: Located, events: dict[str, ResolvedDate], all_events: dict[str, Located]
) -> ResolvedDate | None:
    """The date of a lab or adverse event record, absolute or relative to an event."""
    record = item.record
    if record.date is not None:
        return ResolvedDate(record.date, f"{name}:{record.id}", 0, *_own_date_provenance(record))
    if record.relative_to not in all_events:
        if reader.missing("events.csv", record.relative_to, all_events):
            reader.add(name, item.row, item.line, "relative_to", f"no event has the id '{record.relative_to}'")
        return None
    base = events.get(record.relative_to)
    if base is None:  # the event itself is broken and already reported
        return None
    return base.shifted(record, record.relative_to)


def _check_quotes(reader: _Reader, source: str | None, found: Iterator[tuple[str, Located, str, str]]) -> None:
    if source is None:
        return
    normalised = normalise_source(source)
    for name, item, fld, quote in found:
        if not quote_in_source(quote, normalised):
            reader.add(name, item.row, item.line, fld, f'quote not found in the source text: "{quote}"')


def _read(case_dir: Path) -> tuple[list[Problem], dict[str, Any] | None]:
    reader = _Reader(case_dir)
    if not case_dir.is_dir():
        reader.add(str(case_dir), None, None, None, "case folder does not exist")
        return reader.problems, None

    case_item: Located | None = None
    loaded = reader.read_yaml(CASE_FILE)
    if loaded is not None:
        data, node = loaded
        if isinstance(data, dict):
            record = reader.validate(CaseRecord, data, CASE_FILE, None, None, node)
            case_item = Located(record, None, None) if record is not None else None
        else:
            reader.add(CASE_FILE, None, 1, None, "must be a mapping of field: value")
    tables = {name: reader.read_csv(name, model) for name, model in CSV_FILES.items()}
    tables |= {name: reader.read_yaml_list(name, model) for name, model in YAML_LISTS.items()}
    if case_item is None or any(t is None for t in tables.values()):
        return reader.problems, None
    case: CaseRecord = case_item.record

    events = _ids(reader, "events.csv", tables["events.csv"])
    regimens = _ids(reader, "regimens.yaml", tables["regimens.yaml"])
    analytes = _ids(reader, "analytes.csv", tables["analytes.csv"], "loinc")
    labs = _ids(reader, "labs.csv", tables["labs.csv"])
    findings = _ids(reader, "findings.csv", tables["findings.csv"])
    adverse = _ids(reader, "adverse_events.csv", tables["adverse_events.csv"])
    statements = _ids(reader, "statements.yaml", tables["statements.yaml"])
    mechanisms = _ids(reader, "mechanisms.csv", tables["mechanisms.csv"])
    dates = _resolve_events(reader, events)

    def need_event(
        name: str, item: Located | None, fld: str, event_id: str | None, kinds: tuple[str, ...] = ()
    ) -> None:
        row, line = (item.row, item.line) if item else (None, None)
        if event_id is None or (event_id not in events and not reader.missing("events.csv", event_id, events)):
            return
        if event_id not in events:
            reader.add(name, row, line, fld, f"no event has the id '{event_id}'")
        elif kinds and events[event_id].record.kind not in kinds:
            reader.add(
                name,
                row,
                line,
                fld,
                f"event '{event_id}' is a {events[event_id].record.kind}, not a {' or '.join(kinds)}",
            )

    need_event(CASE_FILE, None, "reference_event", case.reference_event)
    need_event(CASE_FILE, None, "observation_end", case.observation_end, ("observation_end",))
    need_event(CASE_FILE, None, "diagnosis.event", case.diagnosis.event, ("diagnosis",))

    for item in regimens.values():
        r: RegimenRecord = item.record
        need_event("regimens.yaml", item, "start", r.start)
        need_event("regimens.yaml", item, "stop", r.stop)
        if r.stop and not r.stop_reason:
            reader.add(
                "regimens.yaml", item.row, item.line, "stop_reason", "a stopped regimen needs the reason it was stopped"
            )
        start, stop = dates.get(r.start), dates.get(r.stop) if r.stop else None
        if start and stop and stop.date.latest < start.date.earliest:
            reader.add(
                "regimens.yaml",
                item.row,
                item.line,
                "stop",
                f"stops ({stop.date.text}) before it starts ({start.date.text})",
            )

    catalogue = known_analytes()
    for item in analytes.values():
        a: AnalyteRecord = item.record
        if a.loinc not in catalogue:
            reader.add("analytes.csv", item.row, item.line, "loinc", f"unknown LOINC code '{a.loinc}'")
        elif a.unit not in catalogue[a.loinc].units:
            reader.add(
                "analytes.csv",
                item.row,
                item.line,
                "unit",
                f"'{a.unit}' does not fit {catalogue[a.loinc].name} (LOINC {a.loinc}); use {' or '.join(catalogue[a.loinc].units)}",
            )

    lab_dates: dict[str, ResolvedDate] = {}
    for item in labs.values():
        lab: LabRecord = item.record
        if lab.loinc not in catalogue:
            reader.add("labs.csv", item.row, item.line, "loinc", f"unknown LOINC code '{lab.loinc}'")
        elif reader.missing("analytes.csv", lab.loinc, analytes):
            reader.add(
                "labs.csv", item.row, item.line, "loinc", f"LOINC {lab.loinc} has no reference limits in analytes.csv"
            )
        elif lab.loinc in analytes and lab.unit != analytes[lab.loinc].record.unit:
            fits = lab.unit in catalogue[lab.loinc].units
            reader.add(
                "labs.csv",
                item.row,
                item.line,
                "unit",
                f"'{lab.unit}' "
                + ("differs from the unit of its reference limits" if fits else "does not fit")
                + f" {catalogue[lab.loinc].name}; analytes.csv gives '{analytes[lab.loinc].record.unit}'",
            )
        resolved = _date_relative(reader, "labs.csv", item, dates, events)
        if resolved:
            lab_dates[lab.id] = resolved

    ae_dates: dict[str, ResolvedDate] = {}
    for item in adverse.values():
        need_event("adverse_events.csv", item, "outcome_known_at", item.record.outcome_known_at)
        resolved = _date_relative(reader, "adverse_events.csv", item, dates, events)
        if resolved:
            ae_dates[item.record.id] = resolved

    for item in findings.values():
        need_event("findings.csv", item, "staging", item.record.staging, ("staging", "diagnosis"))

    for item in statements.values():
        s: StatementRecord = item.record
        if s.regimen is not None:
            if reader.missing("regimens.yaml", s.regimen, regimens):
                reader.add("statements.yaml", item.row, item.line, "regimen", f"no regimen has the id '{s.regimen}'")
            elif s.regimen in regimens and s.unit == "cycles" and regimens[s.regimen].record.schedule.kind != "cyclic":
                reader.add("statements.yaml", item.row, item.line, "unit", f"regimen '{s.regimen}' has no cycles")
        for fld in ("at", "from_", "to"):
            need_event("statements.yaml", item, fld.rstrip("_"), getattr(s, fld))
        if reader.missing("analytes.csv", s.loinc, analytes):
            reader.add(
                "statements.yaml", item.row, item.line, "loinc", f"LOINC {s.loinc} is not among this case's analytes"
            )

    drugs = {item.record.drug for item in regimens.values()}
    every_regimen_valid = not (reader.seen.get("regimens.yaml", set()) - set(regimens))
    for item in mechanisms.values():
        if item.record.drug not in drugs and every_regimen_valid:
            reader.add(
                "mechanisms.csv",
                item.row,
                item.line,
                "drug",
                f"'{item.record.drug}' is not the drug of any regimen; regimens give: " + ", ".join(sorted(drugs)),
            )

    source_text = None
    if case.source.text:
        source_path = case_dir / case.source.text
        if source_path.is_file():
            source_text = source_path.read_text(encoding="utf-8")
        else:
            reader.add(CASE_FILE, None, None, "source.text", f"source text '{case.source.text}' is missing")

    def quoted() -> Iterator[tuple[str, Located, str, str]]:
        for name, items in tables.items():
            for item in items:
                if getattr(item.record, "quote", None):
                    yield name, item, "quote", item.record.quote
        case_quotes = [("diagnosis.quote", case.diagnosis.quote)]
        case_quotes += [(f"patient.{i}.quote", p.quote) for i, p in enumerate(case.patient)]
        case_quotes += [(f"metastatic_sites.{i}.quote", m.quote) for i, m in enumerate(case.metastatic_sites)]
        case_quotes += [(f"outcome.{i}.quote", o.quote) for i, o in enumerate(case.outcome)]
        for fld, quote in case_quotes:
            if quote:
                yield CASE_FILE, Located(None, None, None), fld, quote

    _check_quotes(reader, source_text, quoted())
    if reader.problems:
        return reader.problems, None
    return [], {
        "case": case,
        "events": [(i.record, dates[i.record.id]) for i in events.values()],
        "regimens": [i.record for i in regimens.values()],
        "analytes": [i.record for i in analytes.values()],
        "labs": [(i.record, lab_dates[i.record.id]) for i in labs.values()],
        "findings": [i.record for i in findings.values()],
        "adverse_events": [(i.record, ae_dates[i.record.id]) for i in adverse.values()],
        "statements": [i.record for i in statements.values()],
        "mechanisms": [i.record for i in mechanisms.values()],
        "analyte_names": {k: v.name for k, v in catalogue.items()},
    }


def validate_case(case_dir: str | Path) -> list[Problem]:
    """Every problem in the case folder; an empty list for a valid case."""
    problems, _ = _read(Path(case_dir))
    return problems


def load_case(case_dir: str | Path) -> Case:
    """Load and validate a case folder into a :class:`Case` of pandas tables.

    Raises :class:`CaseValidationError` listing every problem when the folder
    does not hold a valid case.
    """
    path = Path(case_dir)
    problems, parts = _read(path)
    if parts is None:
        raise CaseValidationError(str(path), problems)
    return build_case(path, parts)


__all__ = ["ResolvedDate", "load_case", "validate_case"]
