"""Reading a case folder: every file, every record, every cross-reference.

``validate_case`` returns every problem it finds (file, row, line, field and
reason); ``load_case`` returns a :class:`~casereport.data.case.Case` or raises
:class:`~casereport.exceptions.CaseValidationError` with all of them. Nothing
is dropped or coerced silently: a record is either in the case or in an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from casereport.data.analytes import check_analytes
from casereport.data.case import Case, CaseParts, build_case
from casereport.data.catalogue import known_analytes, plausible_ranges
from casereport.data.dates import ResolvedDate, own_date_provenance
from casereport.data.formats import CASE_FILE, CSV_FILES, FILE_MODELS, KEYS, OPTIONAL_CSV_FILES, YAML_LISTS
from casereport.data.quotes import normalise_source, quote_in_source
from casereport.data.read import CaseReader, Located, nearest
from casereport.data.schema import (
    OWN_ANALYTES,
    CaseRecord,
    Diagnosis,
    EventRecord,
    LabRecord,
    References,
    RegimenRecord,
    StatementRecord,
    article,
)
from casereport.exceptions import CaseValidationError, Problem


def _ids(reader: CaseReader, name: str, items: list[Located], attr: str = "id") -> dict[str, Located]:
    counts = Counter(getattr(i.record, attr) for i in items)
    for item in items:
        if counts[getattr(item.record, attr)] > 1:
            reader.add(name, item.row, item.line, attr, f"'{getattr(item.record, attr)}' is used more than once")
    return {getattr(i.record, attr): i for i in items}


def _resolve_events(reader: CaseReader, events: dict[str, Located]) -> dict[str, ResolvedDate]:
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

# How a reference that finds nothing is said, by the file it points into, and how to put it right.
_NOT_FOUND = {
    "events.csv": ("no event has the id '{value}'", "events.csv gives"),
    "regimens.yaml": ("no regimen has the id '{value}'", "regimens.yaml gives"),
    "analytes.csv": (
        "LOINC {value} has no reference limits in analytes.csv",
        f"add a row for it to analytes.csv (or to {OWN_ANALYTES} when casereport's catalogue lacks it); the case has",
    ),
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


def _targets(reader: CaseReader, ref: References, files: dict[str, _Keyed]) -> _Keyed | None:
    """The records a reference may name (its file's, and those of the files it names ``also``), with what was seen
    of them; ``None`` when one of those files could not be read, so that nothing can be said missing from it."""
    names = (ref.file, *ref.also)
    read = [n for n in names if n in files]
    if len(read) < len(names):
        return None
    records = {k: v for n in read for k, v in files[n].records.items()}
    return _Keyed(records, all(files[n].complete for n in read))


def _check_reference(
    reader: CaseReader,
    file: str,
    where: Located | None,
    column: str,
    value: Any,
    ref: References,
    files: dict[str, _Keyed],
) -> None:
    target = _targets(reader, ref, files)
    if value is None or target is None:
        return
    row, line = (where.row, where.line) if where else (None, None)
    if ref.key == KEYS.get(ref.file, "id"):
        seen = set().union(*(reader.seen.get(n, set()) for n in (ref.file, *ref.also)))
        if value in target.records:
            kind = getattr(target.records[value].record, "kind", None)
            if ref.kinds and kind not in ref.kinds:
                wanted = " or ".join(ref.kinds)
                reader.add(
                    file,
                    row,
                    line,
                    column,
                    f"event '{value}' is {article(str(kind))} {kind}, not {article(wanted)} {wanted}",
                    hint=_kinds_hint(value, ref, target),
                )
        elif value not in seen and not _unknown_lab_code(file, ref, value, files):  # an invalid record: reported itself
            reason, listing = _NOT_FOUND[ref.file]
            hint = nearest(str(value), target.records) or (
                f"{listing}: {', '.join(target.records)}" if target.records else None
            )
            reader.add(file, row, line, column, reason.format(value=value), hint=hint)
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
            hint=nearest(str(value), given),
        )


def _unknown_lab_code(file: str, ref: References, value: Any, files: dict[str, _Keyed]) -> bool:
    """A lab's code that neither the catalogue nor own_analytes.csv knows: reported once, as an unknown code
    (analytes.check_analytes), not a second time as one without reference limits."""
    own = files[OWN_ANALYTES].records if OWN_ANALYTES in files else {}
    unknown = value not in known_analytes() and value not in own
    return file == "labs.csv" and ref.file == "analytes.csv" and unknown


def _kinds_hint(value: str, ref: References, target: _Keyed) -> str:
    fitting = [k for k, item in target.records.items() if getattr(item.record, "kind", None) in ref.kinds]
    if fitting:
        return f"events of that kind: {', '.join(fitting)}"
    return f"give the event '{value}' the kind {' or '.join(ref.kinds)} in events.csv, or name another event"


def _check_references(reader: CaseReader, case: CaseRecord | None, files: dict[str, _Keyed]) -> None:
    """Every reference from one record to another, as the schema declares them, among the files that were read."""
    for file, keyed in files.items():
        model = FILE_MODELS[file]
        for name, column, ref in references(model):
            for item in keyed.records.values():
                _check_reference(reader, file, item, column, getattr(item.record, name), ref, files)
    if case is None:
        return
    for name, column, ref in references(CaseRecord):
        _check_reference(reader, CASE_FILE, None, column, getattr(case, name), ref, files)
    for name, column, ref in references(Diagnosis):
        _check_reference(reader, CASE_FILE, None, f"diagnosis.{column}", getattr(case.diagnosis, name), ref, files)


# -- rules across records that are not references -----------------------------------------


def _check_regimens(reader: CaseReader, regimens: dict[str, Located], dates: dict[str, ResolvedDate]) -> None:
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


# A case's records lie within its own span: from a few years before its first event to its end of observation.
YEARS_BEFORE_FIRST_EVENT = 5


def _check_span(
    reader: CaseReader,
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


def _check_plausible(reader: CaseReader, labs: dict[str, Located]) -> None:
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


def _check_statements(reader: CaseReader, statements: dict[str, Located], regimens: dict[str, Located]) -> None:
    for item in statements.values():
        s: StatementRecord = item.record
        if s.regimen in regimens and s.unit == "cycles" and regimens[s.regimen].record.schedule.kind != "cyclic":
            reader.add("statements.yaml", item.row, item.line, "unit", f"regimen '{s.regimen}' has no cycles")


# -- quotes ----------------------------------------------------------------------------------


def _source_text(reader: CaseReader, name: str | None) -> str | None:
    if not name:
        return None
    return reader.read_text(name, what=f"the source text named by {CASE_FILE} (source.text)")


def _quoted(case: CaseRecord | None, tables: dict[str, list[Located]]) -> Iterator[tuple[str, Located, str, str]]:
    """Every quote in the case: (file, where, field, quote)."""
    for name, items in tables.items():
        for item in items:
            if getattr(item.record, "quote", None):
                yield name, item, "quote", item.record.quote
    if case is None:
        return
    case_quotes = [("diagnosis.quote", case.diagnosis.quote)]
    case_quotes += [(f"patient.{i}.quote", p.quote) for i, p in enumerate(case.patient)]
    case_quotes += [(f"metastatic_sites.{i}.quote", m.quote) for i, m in enumerate(case.metastatic_sites)]
    case_quotes += [(f"outcome.{i}.quote", o.quote) for i, o in enumerate(case.outcome)]
    for fld, quote in case_quotes:
        if quote:
            yield CASE_FILE, Located(None, None, None), fld, quote


def _check_quotes(reader: CaseReader, source: str | None, found: Iterator[tuple[str, Located, str, str]]) -> None:
    if source is None:
        return
    normalised = normalise_source(source)
    for name, item, fld, quote in found:
        if not quote_in_source(quote, normalised):
            reader.add(
                name,
                item.row,
                item.line,
                fld,
                f'quote not found in the source text: "{quote}"',
                hint="copy the words from source.txt as they stand there; mark your own insertions [like this]"
                " and omissions with ...",
            )


# -- reading a folder ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Files:
    """What was read of a folder: ``case.yaml`` (``None`` when invalid), every table (``None`` when its file or
    header could not be read), and the name of the source text, even from a ``case.yaml`` that is otherwise invalid."""

    case: CaseRecord | None
    tables: dict[str, list[Located] | None]
    source: str | None


def _source_name(data: Any) -> str | None:
    source = data.get("source") if isinstance(data, dict) else None
    text = source.get("text") if isinstance(source, dict) else None
    return text if isinstance(text, str) else None


def _read_files(reader: CaseReader) -> _Files:
    """``case.yaml`` and every table, each record validated on its own; one file's trouble stops no other."""
    case: CaseRecord | None = None
    source = None
    loaded = reader.read_yaml(CASE_FILE)
    if loaded is not None:
        data, node = loaded
        source = _source_name(data)
        if isinstance(data, dict):
            case = reader.validate(CaseRecord, data, CASE_FILE, None, None, node)  # type: ignore[assignment]
        else:
            reader.add(CASE_FILE, None, 1, None, "must be a mapping of field: value")
    tables: dict[str, list[Located] | None] = {name: reader.read_csv(name, model) for name, model in CSV_FILES.items()}
    tables |= {name: reader.read_csv(name, model, optional=True) for name, model in OPTIONAL_CSV_FILES.items()}
    tables |= {name: reader.read_yaml_list(name, model) for name, model in YAML_LISTS.items()}
    return _Files(case, tables, source)


def _read(case_dir: Path) -> tuple[list[Problem], CaseParts | None]:
    """Every problem of the folder (warnings too), and the validated parts of the case when no error.

    Every file that can be read is checked against every other that can: a
    broken header in one file does not hide the others' problems. Only the
    references into a file that could not be read wait until it can.
    """
    reader = CaseReader(case_dir)
    if not case_dir.is_dir():
        # A file given where the folder belongs (its case.yaml, say) is named as such, not as missing.
        reason = (
            "is a file, not a case folder; give the folder that holds case.yaml"
            if case_dir.exists()
            else "case folder does not exist"
        )
        reader.add(str(case_dir), None, None, None, reason)
        return reader.problems, None
    read = _read_files(reader)
    case = read.case
    tables = {name: items for name, items in read.tables.items() if items is not None}
    keyed = {name: _ids(reader, name, items, KEYS.get(name, "id")) for name, items in tables.items()}
    files = {
        name: _Keyed(records, not (reader.seen.get(name, set()) - set(records))) for name, records in keyed.items()
    }
    events, labs = keyed.get("events.csv", {}), keyed.get("labs.csv", {})
    dates = _resolve_events(reader, events)
    _check_references(reader, case, files)
    _check_regimens(reader, keyed.get("regimens.yaml", {}), dates)
    check_analytes(reader, keyed.get("analytes.csv", {}), keyed.get(OWN_ANALYTES), labs)
    _check_statements(reader, keyed.get("statements.yaml", {}), keyed.get("regimens.yaml", {}))
    lab_dates = _dated("labs.csv", labs, dates)
    ae_dates = _dated("adverse_events.csv", keyed.get("adverse_events.csv", {}), dates)
    if case is not None:
        _check_span(
            reader,
            case,
            {
                "events.csv": (events, dates),
                "labs.csv": (labs, lab_dates),
                "adverse_events.csv": (keyed.get("adverse_events.csv", {}), ae_dates),
            },
            dates,
        )
    _check_plausible(reader, labs)
    _check_quotes(reader, _source_text(reader, case.source.text if case else read.source), _quoted(case, tables))
    if reader.errors or case is None or len(tables) < len(read.tables):
        return reader.problems, None
    own = [i.record for i in keyed[OWN_ANALYTES].values()]
    return reader.problems, CaseParts(
        case=case,
        events=[(i.record, dates[key]) for key, i in keyed["events.csv"].items()],
        regimens=[i.record for i in keyed["regimens.yaml"].values()],
        analytes=[*(i.record for i in keyed["analytes.csv"].values()), *own],
        labs=[(i.record, lab_dates[key]) for key, i in keyed["labs.csv"].items()],
        findings=[i.record for i in keyed["findings.csv"].values()],
        adverse_events=[(i.record, ae_dates[key]) for key, i in keyed["adverse_events.csv"].items()],
        statements=[i.record for i in keyed["statements.yaml"].values()],
        mechanisms=[i.record for i in keyed["mechanisms.csv"].values()],
        analyte_names={k: v.name for k, v in known_analytes().items()} | {a.loinc: a.loinc_name for a in own},
        analyte_panels={k: v.panel for k, v in known_analytes().items()} | {a.loinc: a.panel for a in own},
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
