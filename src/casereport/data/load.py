"""Reading a case folder: every file, every record, every cross-reference.

``validate_case`` returns every problem it finds (file, row, line, field and
reason); ``load_case`` returns a :class:`~casereport.data.case.Case` or raises
:class:`~casereport.exceptions.CaseValidationError` with all of them. Nothing
is dropped or coerced silently: a record is either in the case or in an error.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from casereport.data.case import Case, CaseParts, build_case
from casereport.data.catalogue import known_analytes, plausible_ranges
from casereport.data.dates import ResolvedDate, own_date_provenance
from casereport.data.formats import CASE_FILE, CSV_FILES, FILE_MODELS, KEYS, YAML_LISTS
from casereport.data.quotes import normalise_source, quote_in_source
from casereport.data.schema import (
    AnalyteRecord,
    CaseRecord,
    Diagnosis,
    EventRecord,
    LabRecord,
    References,
    RegimenRecord,
    StatementRecord,
)
from casereport.exceptions import CaseValidationError, Problem

MAX_FILE_BYTES = 16 * 2**20  # a case file larger than this is not a case report's data


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (PyYAML would keep the last one silently)."""


def _no_duplicate_keys(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the key '{key}' is given twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicate_keys)
# Dates stay text, checked by casereport's own parser: YAML would turn 2009-09-15 into a date object and
# fail on 2009-02-30 with a traceback of its own.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Located:
    """A validated record and where it stood."""

    record: Any
    row: int | None
    line: int | None


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

    def add(
        self, file: str, row: int | None, line: int | None, fld: str | None, reason: str, *, warning: bool = False
    ) -> None:
        self.problems.append(Problem(file, row, line, fld, reason, "warning" if warning else "error"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    # -- files -------------------------------------------------------------
    def read_text(self, name: str, *, what: str = "file") -> str | None:
        """A file of the case folder as text; ``None`` (and a problem) when it is missing, outside the folder,
        a link, too large or not UTF-8. Nothing outside the folder is ever read."""
        path = self.case_dir / name
        if path.is_symlink():
            self.add(name, None, None, None, f"{what} is a link; copy the file into the case folder instead")
            return None
        folder = self.case_dir.resolve()
        if not path.resolve().is_relative_to(folder):
            self.add(name, None, None, None, f"{what} lies outside the case folder; keep it inside")
            return None
        if not path.is_file():
            self.add(name, None, None, None, f"{what} is missing")
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self.add(name, None, None, None, f"{what} is larger than {MAX_FILE_BYTES // 2**20} MiB")
            return None
        data = path.read_bytes()
        try:
            # A byte-order mark (as spreadsheets write) is read as what it is, not as part of the first column.
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            self.add(
                name,
                None,
                line,
                None,
                f"is not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}); save it with UTF-8 encoding",
            )
            return None

    def read_csv(self, name: str, model: type[BaseModel]) -> list[Located] | None:
        text = self.read_text(name)
        if text is None:
            return None
        with io.StringIO(text, newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            if len(header) == 1 and ";" in header[0]:
                self.add(name, None, 1, None, "this file uses ';' between cells; save it as comma-separated (CSV)")
                return None
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
                self.seen.setdefault(name, set()).add(str(raw.get(KEYS.get(name, "id")) or ""))
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
        text = self.read_text(name)
        if text is None:
            return None
        try:
            return yaml.load(text, Loader=_StrictLoader), yaml.compose(text, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, ValueError) as err:
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
    """Every event's date, following ``relative_to`` chains; a loop is a problem, a missing event is reported
    by the reference check."""
    resolved: dict[str, ResolvedDate] = {}

    def resolve(event_id: str, chain: tuple[str, ...]) -> ResolvedDate | None:
        if event_id in resolved:
            return resolved[event_id]
        item = events[event_id]
        record: EventRecord = item.record
        if record.date is not None:
            resolved[event_id] = ResolvedDate(record.date, event_id, 0, *own_date_provenance(record))
            return resolved[event_id]
        target = record.relative_to
        if target is None or target not in events:
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


def _dated(name: str, items: dict[str, Located], events: dict[str, ResolvedDate]) -> dict[str, ResolvedDate]:
    """The dates of a file's records, absolute or relative to an event (a missing event is reported elsewhere)."""
    dates = {}
    for key, item in items.items():
        record = item.record
        if record.date is not None:
            dates[key] = ResolvedDate(record.date, f"{name}:{record.id}", 0, *own_date_provenance(record))
        elif record.relative_to in events:
            dates[key] = events[record.relative_to].shifted(record, record.relative_to)
    return dates


# -- references: declared on the fields (schema.References), checked here once --------------

# How a reference that finds nothing is said, by the file it points into.
_NOT_FOUND = {
    "events.csv": "no event has the id '{value}'",
    "regimens.yaml": "no regimen has the id '{value}'",
    "analytes.csv": "LOINC {value} has no reference limits in analytes.csv",
}


def references(model: type[BaseModel]) -> Iterator[tuple[str, str, References]]:
    """The fields of ``model`` that name a record of another file: (attribute, column, reference)."""
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if isinstance(meta, References):
                yield name, info.alias or name, meta


@dataclass(frozen=True)
class _Keyed:
    """A file's valid records by key, and whether every record of the file was valid."""

    records: dict[str, Located]
    complete: bool


def _check_reference(
    reader: _Reader,
    file: str,
    where: Located | None,
    column: str,
    value: Any,
    ref: References,
    files: dict[str, _Keyed],
) -> None:
    if value is None:
        return
    row, line = (where.row, where.line) if where else (None, None)
    target = files[ref.file]
    if ref.key == KEYS.get(ref.file, "id"):
        if value in target.records:
            kind = getattr(target.records[value].record, "kind", None)
            if ref.kinds and kind not in ref.kinds:
                reader.add(file, row, line, column, f"event '{value}' is a {kind}, not a {' or '.join(ref.kinds)}")
        elif value not in reader.seen.get(ref.file, set()):  # an invalid record is reported once, itself
            reader.add(file, row, line, column, _NOT_FOUND[ref.file].format(value=value))
        return
    given = sorted({str(getattr(item.record, ref.key)) for item in target.records.values()})
    if value not in given and target.complete:
        noun = ref.file.split(".")[0].rstrip("s")
        reader.add(
            file,
            row,
            line,
            column,
            f"'{value}' is not the {ref.key} of any {noun}; {ref.file} gives: {', '.join(given)}",
        )


def _check_references(reader: _Reader, case: CaseRecord, files: dict[str, _Keyed]) -> None:
    """Every reference from one record to another, as the schema declares them."""
    for file, keyed in files.items():
        model = FILE_MODELS[file]
        for name, column, ref in references(model):
            for item in keyed.records.values():
                _check_reference(reader, file, item, column, getattr(item.record, name), ref, files)
    for name, column, ref in references(CaseRecord):
        _check_reference(reader, CASE_FILE, None, column, getattr(case, name), ref, files)
    for name, column, ref in references(Diagnosis):
        _check_reference(reader, CASE_FILE, None, f"diagnosis.{column}", getattr(case.diagnosis, name), ref, files)


# -- rules across records that are not references -----------------------------------------


def _check_regimens(reader: _Reader, regimens: dict[str, Located], dates: dict[str, ResolvedDate]) -> None:
    for item in regimens.values():
        r: RegimenRecord = item.record
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


def _check_analytes(reader: _Reader, analytes: dict[str, Located], labs: dict[str, Located]) -> None:
    """LOINC codes the catalogue knows, with units that fit them, in analytes.csv and labs.csv."""
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
    for item in labs.values():
        lab: LabRecord = item.record
        if lab.loinc not in catalogue:
            reader.add("labs.csv", item.row, item.line, "loinc", f"unknown LOINC code '{lab.loinc}'")
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


# A case's records lie within its own span: from a few years before its first event to its end of observation.
YEARS_BEFORE_FIRST_EVENT = 5


def _check_span(
    reader: _Reader,
    case: CaseRecord,
    dated: dict[str, tuple[dict[str, Located], dict[str, ResolvedDate]]],
    events: dict[str, ResolvedDate],
) -> None:
    """Every dated record within the case's span: nothing after the end of observation, nothing years before."""
    end = events.get(case.observation_end)
    if end is None or not events:
        return
    first = min(d.date.earliest for d in events.values())
    earliest_allowed = first.replace(year=first.year - YEARS_BEFORE_FIRST_EVENT)
    for file, (items, dates) in dated.items():
        for key, date in dates.items():
            item = items[key]
            column = "date" if item.record.date is not None else "offset"
            if date.date.earliest > end.date.latest and key != case.observation_end:
                reader.add(
                    file,
                    item.row,
                    item.line,
                    column,
                    f"'{date.date.text}' falls after the end of observation ({end.date.text})",
                )
            elif date.date.latest < earliest_allowed:
                reader.add(
                    file,
                    item.row,
                    item.line,
                    column,
                    f"'{date.date.text}' lies more than {YEARS_BEFORE_FIRST_EVENT} years before the case's first event",
                )


def _check_plausible(reader: _Reader, labs: dict[str, Located]) -> None:
    """Lab values a human can have: unusual ones are warnings, impossible ones errors (often a wrong unit)."""
    ranges = plausible_ranges()
    for item in labs.values():
        lab: LabRecord = item.record
        bound = ranges.get((lab.loinc, lab.unit))
        if bound is None:
            continue
        if lab.value > bound.error_above:
            reader.add(
                "labs.csv",
                item.row,
                item.line,
                "value",
                f"{lab.value:g} {lab.unit} is above {bound.error_above:g} {lab.unit}, more than a person can have;"
                " check the value and its unit",
            )
        elif lab.value > bound.warn_above or (bound.warn_below is not None and lab.value < bound.warn_below):
            reader.add(
                "labs.csv",
                item.row,
                item.line,
                "value",
                f"{lab.value:g} {lab.unit} is unusual (outside {bound.warn_below or 0:g}-{bound.warn_above:g});"
                " check it against the paper",
                warning=True,
            )


def _check_statements(reader: _Reader, statements: dict[str, Located], regimens: dict[str, Located]) -> None:
    for item in statements.values():
        s: StatementRecord = item.record
        if s.regimen in regimens and s.unit == "cycles" and regimens[s.regimen].record.schedule.kind != "cyclic":
            reader.add("statements.yaml", item.row, item.line, "unit", f"regimen '{s.regimen}' has no cycles")


# -- quotes ----------------------------------------------------------------------------------


def _source_text(reader: _Reader, case: CaseRecord) -> str | None:
    if not case.source.text:
        return None
    return reader.read_text(case.source.text, what=f"the source text named by {CASE_FILE} (source.text)")


def _quoted(case: CaseRecord, tables: dict[str, list[Located]]) -> Iterator[tuple[str, Located, str, str]]:
    """Every quote in the case: (file, where, field, quote)."""
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


def _check_quotes(reader: _Reader, source: str | None, found: Iterator[tuple[str, Located, str, str]]) -> None:
    if source is None:
        return
    normalised = normalise_source(source)
    for name, item, fld, quote in found:
        if not quote_in_source(quote, normalised):
            reader.add(name, item.row, item.line, fld, f'quote not found in the source text: "{quote}"')


# -- reading a folder ------------------------------------------------------------------------


def _read_files(reader: _Reader) -> tuple[CaseRecord | None, dict[str, list[Located] | None]]:
    """``case.yaml`` and every table, each record validated on its own."""
    case: CaseRecord | None = None
    loaded = reader.read_yaml(CASE_FILE)
    if loaded is not None:
        data, node = loaded
        if isinstance(data, dict):
            case = reader.validate(CaseRecord, data, CASE_FILE, None, None, node)  # type: ignore[assignment]
        else:
            reader.add(CASE_FILE, None, 1, None, "must be a mapping of field: value")
    tables: dict[str, list[Located] | None] = {name: reader.read_csv(name, model) for name, model in CSV_FILES.items()}
    tables |= {name: reader.read_yaml_list(name, model) for name, model in YAML_LISTS.items()}
    return case, tables


def _read(case_dir: Path) -> tuple[list[Problem], CaseParts | None]:
    """Every problem of the folder (warnings too), and the validated parts of the case when no error."""
    reader = _Reader(case_dir)
    if not case_dir.is_dir():
        reader.add(str(case_dir), None, None, None, "case folder does not exist")
        return reader.problems, None
    case, read = _read_files(reader)
    if case is None or any(items is None for items in read.values()):
        return reader.problems, None
    tables = {name: items for name, items in read.items() if items is not None}
    keyed = {name: _ids(reader, name, items, KEYS.get(name, "id")) for name, items in tables.items()}
    files = {
        name: _Keyed(records, not (reader.seen.get(name, set()) - set(records))) for name, records in keyed.items()
    }
    dates = _resolve_events(reader, keyed["events.csv"])
    _check_references(reader, case, files)
    _check_regimens(reader, keyed["regimens.yaml"], dates)
    _check_analytes(reader, keyed["analytes.csv"], keyed["labs.csv"])
    _check_statements(reader, keyed["statements.yaml"], keyed["regimens.yaml"])
    lab_dates = _dated("labs.csv", keyed["labs.csv"], dates)
    ae_dates = _dated("adverse_events.csv", keyed["adverse_events.csv"], dates)
    _check_span(
        reader,
        case,
        {
            "events.csv": (keyed["events.csv"], dates),
            "labs.csv": (keyed["labs.csv"], lab_dates),
            "adverse_events.csv": (keyed["adverse_events.csv"], ae_dates),
        },
        dates,
    )
    _check_plausible(reader, keyed["labs.csv"])
    _check_quotes(reader, _source_text(reader, case), _quoted(case, tables))
    if reader.errors:
        return reader.problems, None
    return reader.problems, CaseParts(
        case=case,
        events=[(i.record, dates[key]) for key, i in keyed["events.csv"].items()],
        regimens=[i.record for i in keyed["regimens.yaml"].values()],
        analytes=[i.record for i in keyed["analytes.csv"].values()],
        labs=[(i.record, lab_dates[key]) for key, i in keyed["labs.csv"].items()],
        findings=[i.record for i in keyed["findings.csv"].values()],
        adverse_events=[(i.record, ae_dates[key]) for key, i in keyed["adverse_events.csv"].items()],
        statements=[i.record for i in keyed["statements.yaml"].values()],
        mechanisms=[i.record for i in keyed["mechanisms.csv"].values()],
        analyte_names={k: v.name for k, v in known_analytes().items()},
    )


def validate_case(case_dir: str | Path) -> list[Problem]:
    """Every problem in the case folder, errors and warnings (``Problem.severity``); none for a clean case."""
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


__all__ = ["load_case", "references", "validate_case"]
