"""The files of a case folder, each with the model of its records: the one source of the format.

The loader reads by this registry; the field reference in
``docs/data-format.md`` and the JSON Schemas in ``docs/json-schema/`` are
generated from the same models (``casereport schema``), and a test checks
that the committed files match them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from casereport.data.catalogue import known_analytes
from casereport.data.schema import (
    KNOWN_FACTS,
    OWN_ANALYTES,
    AdverseEventRecord,
    AnalyteRecord,
    CaseRecord,
    EventRecord,
    FindingRecord,
    LabRecord,
    MechanismRecord,
    OwnAnalyteRecord,
    PatientFact,
    References,
    RegimenRecord,
    StatementRecord,
)

CASE_FILE = "case.yaml"
CSV_FILES: dict[str, type[BaseModel]] = {
    "events.csv": EventRecord,
    "analytes.csv": AnalyteRecord,
    "labs.csv": LabRecord,
    "findings.csv": FindingRecord,
    "adverse_events.csv": AdverseEventRecord,
    "mechanisms.csv": MechanismRecord,
}
# Files a case may leave out: it then has none of their records.
OPTIONAL_CSV_FILES: dict[str, type[BaseModel]] = {
    OWN_ANALYTES: OwnAnalyteRecord,
}
YAML_LISTS: dict[str, type[BaseModel]] = {
    "regimens.yaml": RegimenRecord,
    "statements.yaml": StatementRecord,
}
FILE_MODELS: dict[str, type[BaseModel]] = CSV_FILES | OPTIONAL_CSV_FILES | YAML_LISTS
# Each record's key is its id, or the field named here.
KEYS = {"analytes.csv": "loinc", OWN_ANALYTES: "loinc"}
ALL_FILES: dict[str, type[BaseModel]] = {CASE_FILE: CaseRecord, **YAML_LISTS, **CSV_FILES, **OPTIONAL_CSV_FILES}

BEGIN = "<!-- field reference: generated from the record models by `casereport schema`; edit the models, not this -->"
END = "<!-- end of the field reference -->"


def json_schemas() -> dict[str, dict[str, Any]]:
    """One JSON Schema per file: of the whole ``case.yaml``, of one record of each other file."""
    schemas = {}
    for name, model in ALL_FILES.items():
        schema = model.model_json_schema(by_alias=True)
        what = "the case" if name == CASE_FILE else f"one record of {name}"
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"casereport/{name}.schema.json",
            "description": f"{what}: {(model.__doc__ or '').strip().splitlines()[0] if model.__doc__ else name}",
            **schema,
        }
        schemas[name] = schema
    return schemas


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A property's type or allowed values, as a reader writes them."""
    options = prop.get("anyOf", [prop])
    parts = []
    for option in options:
        if "$ref" in option:
            parts.append(f"see {option['$ref'].rsplit('/', 1)[-1]}")
        elif "enum" in option:
            parts.append(", ".join(f"`{v}`" for v in option["enum"]))
        elif "const" in option:
            parts.append(f"`{option['const']}`")
        elif option.get("type") == "array":
            item = option.get("items", {})
            parts.append(f"list of {_kind(item, defs).removeprefix('see ')}")
        elif "pattern" in option:
            parts.append(f"text like `{option['pattern']}`")
        elif option.get("type") == "boolean":
            parts.append("`true`, `false`")
        elif option.get("type") not in (None, "null"):
            parts.append(str(option["type"]))
    bounds = (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"))
    limits = [f"{word} {option[key]:g}" for option in options for key, word in bounds if key in option]
    return " or ".join(dict.fromkeys(parts)) + (f" ({', '.join(limits)})" if limits else "")


def _references(model: type[BaseModel]) -> dict[str, References]:
    return {
        info.alias or name: meta
        for name, info in model.model_fields.items()
        for meta in info.metadata
        if isinstance(meta, References)
    }


def _table(model: type[BaseModel], schema: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    refs = _references(model)
    lines = ["| field | required | value | meaning |", "|---|---|---|---|"]
    for column, prop in schema["properties"].items():
        meaning = prop.get("description", "").replace("|", "\\|")
        if column in refs:
            ref = refs[column]
            kinds = f" of kind {' or '.join(ref.kinds)}" if ref.kinds else ""
            meaning += f" Refers to `{ref.key}` in {' or '.join((ref.file, *ref.also))}{kinds}."
        value = _kind(prop, defs).replace("|", "\\|")
        lines.append(f"| `{column}` | {'yes' if column in required else ''} | {value} | {meaning.strip()} |")
    return lines


def _opening(marker: str, heading: str, intro: str) -> list[str]:
    """How a generated part of a document begins: its marker, its heading and a paragraph saying where it is from."""
    return [marker, "", f"## {heading}", "", intro]


def field_reference() -> str:
    """Every file's fields, with whether each is required, its allowed values and its meaning (Markdown)."""
    out = _opening(
        BEGIN,
        "Field reference",
        "Every field of every file, generated from the record models in `src/casereport/data/schema.py`. A blank"
        " cell is a field not given. The JSON Schemas in `docs/json-schema/` say the same for tools and editors.",
    )
    for name, schema in json_schemas().items():
        model = ALL_FILES[name]
        defs = schema.get("$defs", {})
        out += ["", f"### {name}", ""]
        out += _table(model, schema, defs)
        for sub in sorted(defs):
            sub_model = _model_named(model, sub)
            if sub_model is None or "properties" not in defs[sub]:
                continue
            out += ["", f"#### {name}: {sub}", ""]
            out += _table(sub_model, defs[sub], defs)
            if sub_model is PatientFact:
                out += ["", "Facts the derivations read; any other `field` is shown as given:", "", *_facts_table()]
    out += ["", END]
    return "\n".join(out) + "\n"


def _facts_table() -> list[str]:
    lines = ["| `field` | `value` | meaning |", "|---|---|---|"]
    for name, fact in KNOWN_FACTS.items():
        allowed = ", ".join(f"`{v}`" for v in fact.allowed) if fact.allowed else fact.allowed_text()
        lines.append(f"| `{name}` | {allowed} | {fact.meaning} |")
    return lines


def _model_named(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The nested model called ``name`` among ``model``'s fields (``Schedule`` of a regimen)."""
    for info in model.model_fields.values():
        for candidate in (info.annotation, *getattr(info.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate.__name__ == name:
                return candidate
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner.__name__ == name:
                    return inner
    return None


def with_field_reference(document: str) -> str:
    """``document`` with its generated field reference replaced by the current one (appended if absent)."""
    return _with_generated(document, BEGIN, END, field_reference())


# -- the author's reference in docs/add-your-case.md: every allowed value, and the analyte catalogue ----------

AUTHOR_BEGIN = (
    "<!-- allowed values and catalogue: generated by `casereport schema` from the record models and"
    " src/casereport/data/reference/analytes.csv; edit those, not this -->"
)
AUTHOR_END = "<!-- end of the generated reference -->"


def _walk(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any], bool]]:
    """Every leaf field of a schema, nested models followed: (dotted name, property, required)."""
    leaves = []
    required = set(schema.get("required", []))
    for column, prop in schema["properties"].items():
        options = [*prop.get("anyOf", [prop]), *([prop["items"]] if "items" in prop else [])]
        options += [o["items"] for o in options if "items" in o]
        nested = next((o["$ref"].rsplit("/", 1)[-1] for o in options if "$ref" in o), None)
        if nested is not None and "properties" in defs.get(nested, {}):
            leaves += _walk(defs[nested], defs, f"{prefix}{column}.")
        else:
            leaves.append((prefix + column, prop, column in required))
    return leaves


def _closed(prop: dict[str, Any]) -> bool:
    """Whether a field takes only some values (a list, true/false, a range, a shape), not any text or number."""
    options = prop.get("anyOf", [prop])
    keys = ("enum", "const", "pattern", "minimum", "maximum", "exclusiveMinimum")
    return any(any(k in o for k in keys) or o.get("type") == "boolean" for o in options)


def allowed_values() -> list[str]:
    """Every field that takes only some values, with those values and the files it stands in (Markdown lines).

    A field shared by many files (``provenance``, ``date``) is one row naming
    them all, so that the table reads as a list of choices, not of files.
    """
    rows: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for name, schema in json_schemas().items():
        defs = schema.get("$defs", {})
        for column, prop, _ in _walk(schema, defs):
            if _closed(prop):
                parent, _, leaf = column.rpartition(".")
                key = (leaf, _kind(prop, defs), prop.get("description", ""))
                places = rows.setdefault(key, {}).setdefault(name, [])
                if parent and parent not in places:
                    places.append(parent)
    lines = ["| field | allowed values | in | meaning |", "|---|---|---|---|"]
    for (leaf, value, meaning), files in rows.items():
        where = ", ".join(
            f + (f" ({', '.join(f'`{p}`' for p in parents)})" if parents else "") for f, parents in files.items()
        )
        lines.append(f"| `{leaf}` | {_cell(value)} | {where} | {_cell(meaning)} |")
    for fact, known in KNOWN_FACTS.items():
        allowed = ", ".join(f"`{v}`" for v in known.allowed) if known.allowed else known.allowed_text()
        lines.append(
            f"| `value` of the fact `{fact}` | {allowed} | {CASE_FILE} (`patient`, `outcome`) | {known.meaning} |"
        )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def catalogue_table() -> list[str]:
    """The analytes casereport knows (Markdown lines): what analytes.csv may name without declaring it, and
    the panel that gives it its figure and view."""
    lines = [
        "| LOINC | analyte | LOINC name | panel | units (UCUM) | typical adult limits |",
        "|---|---|---|---|---|---|",
    ]
    for a in known_analytes().values():
        low, high = a.typical_lower, a.typical_upper
        if low is None and high is None:
            limits = ""
        else:
            limits = f"{low:g} to {high:g}" if low is not None and high is not None else f"below {high:g}"
            if low is not None and high is None:
                limits = f"above {low:g}"
            limits += f" {a.units[0]}"
        if a.typical_note:
            limits += f" ({a.typical_note})" if limits else a.typical_note
        units = ", ".join(f"`{u}`" for u in a.units)
        lines.append(f"| `{a.loinc}` | {a.name} | {a.loinc_name} | {a.panel or ''} | {units} | {limits} |")
    return lines


def author_reference() -> str:
    """The generated part of ``docs/add-your-case.md``: every allowed value, and the analyte catalogue."""
    out = _opening(
        AUTHOR_BEGIN,
        "Every allowed value",
        "The fields that take only some values, generated from the record models (the field reference in"
        " [data-format.md](data-format.md) has every field). Any other field takes text or a number.",
    )
    out += ["", *allowed_values(), "", "## The analyte catalogue", ""]
    out.append(
        "The LOINC codes `analytes.csv` may name, with the UCUM units that fit each. A code not listed here goes"
        f" in `{OWN_ANALYTES}` (see above). A tumour marker gets a figure and a dashboard view of its own; the"
        " liver enzymes share one. The typical adult limits are for orientation only, in the first"
        " unit: laboratories differ, so `analytes.csv` gives the limits the paper (or its laboratory) used, with"
        " their provenance."
    )
    out += ["", *catalogue_table(), "", AUTHOR_END]
    return "\n".join(out) + "\n"


def _with_generated(document: str, begin: str, end: str, generated: str) -> str:
    """``document`` with the part between ``begin`` and ``end`` replaced by ``generated`` (appended if absent)."""
    if begin in document and end in document:
        before, rest = document.split(begin, 1)
        _, after = rest.split(end, 1)
        return before + generated.rstrip("\n") + after
    return document.rstrip("\n") + "\n\n" + generated


def with_author_reference(document: str) -> str:
    """``docs/add-your-case.md`` with its generated reference replaced by the current one."""
    return _with_generated(document, AUTHOR_BEGIN, AUTHOR_END, author_reference())


def write_format_docs(docs: Path) -> list[Path]:
    """Write the field reference into ``docs/data-format.md``, the allowed values and the catalogue into
    ``docs/add-your-case.md``, and the JSON Schemas into ``docs/json-schema``."""
    written = []
    guide = docs / "data-format.md"
    guide.write_text(with_field_reference(guide.read_text(encoding="utf-8")), encoding="utf-8")
    written.append(guide)
    author = docs / "add-your-case.md"
    if author.is_file():
        author.write_text(with_author_reference(author.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(author)
    folder = docs / "json-schema"
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
