"""One schema as the source of truth: the files, the docs and the JSON Schemas follow the record models."""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import casereport
from casereport.data.formats import (
    ALL_FILES,
    CASE_FILE,
    CSV_FILES,
    json_schemas,
    with_author_reference,
    with_field_reference,
)
from casereport.data.load import references

from .conftest import SEED

DOCS = Path(__file__).resolve().parents[1] / "docs"
PUBLIC_API = {
    "Case",
    "CaseDate",
    "CaseReportError",
    "CaseValidationError",
    "Check",
    "Disagreement",
    "ParameterError",
    "Problem",
    "UnknownCaseError",
    "audit_case",
    "audit_checks",
    "audit_frame",
    "cycle_of",
    "grade_labs",
    "load_case",
    "on_treatment_grades",
    "parse_date",
    "relative_days",
    "response_assessments",
    "validate_case",
}


def test_the_public_api_is_what_it_says():
    """The stable names, each imported on first use from the module that defines it."""
    assert set(casereport.__all__) == PUBLIC_API == set(casereport._WHERE)
    for name in casereport.__all__:
        assert getattr(casereport, name) is getattr(importlib.import_module(casereport._WHERE[name]), name)
    with pytest.raises(AttributeError, match="no_such_name"):
        casereport.no_such_name  # noqa: B018


def test_committed_field_reference_is_generated_from_the_models():
    committed = (DOCS / "data-format.md").read_text(encoding="utf-8")
    assert with_field_reference(committed) == committed, "run `casereport schema` and commit docs/"


def test_committed_json_schemas_are_generated_from_the_models():
    for name, schema in json_schemas().items():
        committed = json.loads((DOCS / "json-schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert committed == schema, f"{name}: run `casereport schema` and commit docs/"
    assert {p.name for p in (DOCS / "json-schema").glob("*.json")} == {f"{n}.schema.json" for n in ALL_FILES}


def test_every_documented_field_is_a_column_of_the_bundled_files(case_dir):
    for name, model in CSV_FILES.items():
        with (case_dir / name).open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert set(header) == {info.alias or field for field, info in model.model_fields.items()}, name


def test_the_bundled_yaml_files_satisfy_the_published_schemas(case_dir):
    schemas = json_schemas()
    jsonschema.validate(yaml.safe_load((case_dir / CASE_FILE).read_text(encoding="utf-8")), schemas[CASE_FILE])
    for name in ("regimens.yaml", "statements.yaml"):
        for record in yaml.safe_load((case_dir / name).read_text(encoding="utf-8")):
            jsonschema.validate(record, schemas[name])


def _references():
    for name, model in CSV_FILES.items():
        for _, column, ref in references(model):
            yield name, column, ref


@pytest.mark.parametrize(("file", "column"), [(f, c) for f, c, _ in _references()], ids=lambda v: str(v))
def test_every_declared_reference_is_checked(editable_case, file, column):
    """Point each reference of the seed case's files at nothing: the loader names the file and the column."""
    case_dir = editable_case(SEED)
    path = case_dir / file
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    target = next((r for r in rows if r[column]), None)
    if target is None:
        pytest.fail(f"the seed case gives no {file} {column} to break; add one")
    target[column] = "nothing_by_this_name"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    problems = casereport.validate_case(case_dir)
    assert any(p.file == file and p.field == column and "nothing_by_this_name" in p.reason for p in problems), problems


def test_committed_author_reference_is_generated_from_the_models():
    committed = (DOCS / "add-your-case.md").read_text(encoding="utf-8")
    assert with_author_reference(committed) == committed, "run `casereport schema` and commit docs/"


@pytest.mark.parametrize(
    ("field", "values"),
    [
        (
            "modality",
            [
                "sonography",
                "contrast-enhanced sonography",
                "MRI",
                "CT",
                "PET-CT",
                "radiography",
                "bone scintigraphy",
                "not stated",
            ],
        ),
        ("site_kind", ["liver", "soft tissue", "bone", "thyroid", "lung", "lymph node", "other"]),
        ("route", ["oral", "intravenous", "subcutaneous", "intramuscular", "other"]),
        ("value` of the fact `sex", ["male", "female", "other", "not stated"]),
        ("value` of the fact `child_pugh_class", ["A", "B", "C"]),
    ],
)
def test_the_author_reference_lists_every_allowed_value(field, values):
    committed = (DOCS / "add-your-case.md").read_text(encoding="utf-8")
    (row,) = [line for line in committed.splitlines() if line.startswith(f"| `{field}` |")]
    assert row.split(" | ")[1] == ", ".join(f"`{v}`" for v in values)


def test_the_author_reference_gives_ages_and_the_catalogue():
    committed = (DOCS / "add-your-case.md").read_text(encoding="utf-8")
    assert "| `value` of the fact `age_years` | a number from 0 to 120 |" in committed
    assert "| `2039-6` | Carcinoembryonic antigen (CEA) in serum |" in committed
    assert "typical adult limits" in committed
