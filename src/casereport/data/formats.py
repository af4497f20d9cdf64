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

from casereport.data.schema import (
    AdverseEventRecord,
    AnalyteRecord,
    CaseRecord,
    EventRecord,
    FindingRecord,
    LabRecord,
    MechanismRecord,
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
YAML_LISTS: dict[str, type[BaseModel]] = {
    "regimens.yaml": RegimenRecord,
    "statements.yaml": StatementRecord,
}
FILE_MODELS: dict[str, type[BaseModel]] = CSV_FILES | YAML_LISTS
# Each record's key is its id, or the field named here.
KEYS = {"analytes.csv": "loinc"}
ALL_FILES: dict[str, type[BaseModel]] = {CASE_FILE: CaseRecord, **YAML_LISTS, **CSV_FILES}

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
            meaning += f" Refers to `{ref.key}` in {ref.file}{kinds}."
        value = _kind(prop, defs).replace("|", "\\|")
        lines.append(f"| `{column}` | {'yes' if column in required else ''} | {value} | {meaning.strip()} |")
    return lines


def field_reference() -> str:
    """Every file's fields, with whether each is required, its allowed values and its meaning (Markdown)."""
    out = [BEGIN, "", "## Field reference", ""]
    out.append(
        "Every field of every file, generated from the record models in `src/casereport/data/schema.py`. A blank"
        " cell is a field not given. The JSON Schemas in `docs/json-schema/` say the same for tools and editors."
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
    out += ["", END]
    return "\n".join(out) + "\n"


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
    reference = field_reference()
    if BEGIN in document and END in document:
        before, rest = document.split(BEGIN, 1)
        _, after = rest.split(END, 1)
        return before + reference.rstrip("\n") + after
    return document.rstrip("\n") + "\n\n" + reference


def write_format_docs(docs: Path) -> list[Path]:
    """Write the field reference into ``docs/data-format.md`` and the JSON Schemas into ``docs/json-schema``."""
    written = []
    guide = docs / "data-format.md"
    guide.write_text(with_field_reference(guide.read_text(encoding="utf-8")), encoding="utf-8")
    written.append(guide)
    folder = docs / "json-schema"
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
