"""FHIR R4B out and in: the bundle validates, keeps dates as precise as the paper and says what is illustrative;
a bundle read back is the same case; a damaged bundle is refused with the problem named."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from casereport.apps.cli import main
from casereport.data.fhir import case_bundle, import_bundle, write_bundle
from casereport.data.fhir.vocabulary import EXT_DATE, EXT_PROVENANCE, LOINC, extension_parts, first
from casereport.data.load import load_case, validate_case
from casereport.exceptions import BundleError, ParameterError

from .conftest import CASES, SEED, SYNTHETIC


@pytest.fixture(scope="module")
def bundles() -> dict[str, dict[str, Any]]:
    return {name: case_bundle(path) for name, path in CASES.items()}


def _resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def _of(bundle: dict[str, Any], file: str, key: str) -> dict[str, Any]:
    """The resource made from the record ``key`` of ``file``."""
    for resource in _resources(bundle):
        found = resource.get("identifier") or []
        for identifier in found if isinstance(found, list) else [found]:
            if identifier.get("system") == f"urn:casereport:{file}" and identifier.get("value") == key:
                return resource
    raise KeyError(f"{file} {key}")


def _labs(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r
        for r in _resources(bundle, "Observation")
        if any(c["code"] == "laboratory" for cat in r.get("category", []) for c in cat["coding"])
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_resource_parses_with_the_r4b_models(bundles, name):
    bundle = bundles[name]
    Bundle.model_validate(bundle)
    for resource in _resources(bundle):
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = {r["resourceType"] for r in _resources(bundle)}
    assert {"Patient", "Condition", "MedicationStatement", "Observation", "DiagnosticReport", "AdverseEvent"} <= kinds
    assert {"Provenance", "ObservationDefinition", "DocumentReference"} <= kinds


@pytest.mark.parametrize("name", sorted(CASES))
def test_one_laboratory_observation_per_lab_row_with_loinc_and_ucum(bundles, name):
    case = load_case(CASES[name])
    labs = _labs(bundles[name])
    assert len(labs) == len(case.labs)
    for _, row in case.labs.iterrows():
        observation = _of(bundles[name], "labs.csv", row["id"])
        assert observation in labs
        assert {"system": LOINC, "code": row["loinc"]}.items() <= observation["code"]["coding"][0].items()
        quantity = observation["valueQuantity"]
        assert (quantity["value"], quantity["code"], quantity["system"]) == (
            row["value"],
            row["unit"],
            "http://unitsofmeasure.org",
        )
    # The other Observations are the imaging findings and the patient's facts, nothing else.
    others = len(case.findings) + len(case.patient) + len(case.outcome)
    assert len(_resources(bundles[name], "Observation")) == len(labs) + others


def test_a_month_stays_a_month(bundles):
    case = load_case(CASES[SEED])
    bundle = bundles[SEED]
    monthly = case.labs[(case.labs["precision"] == "month") & case.labs["anchor"].str.startswith("labs.csv:")]
    assert not monthly.empty
    for _, row in monthly.iterrows():
        observation = _of(bundle, "labs.csv", row["id"])
        assert observation["effectiveDateTime"] == row["date_text"]
        assert len(observation["effectiveDateTime"]) == len("2009-09")
        assert first(extension_parts(observation, EXT_DATE), "date") == row["date_text"]
    # A value dated from an event known only to the month spans its possible days, never one invented day.
    shifted = case.labs[(case.labs["precision"] == "month") & ~case.labs["anchor"].str.startswith("labs.csv:")]
    for _, row in shifted.iterrows():
        observation = _of(bundle, "labs.csv", row["id"])
        assert "effectiveDateTime" not in observation
        assert observation["effectivePeriod"] == {
            "start": row["date_earliest"].date().isoformat(),
            "end": row["date_latest"].date().isoformat(),
        }
    # An adverse event has only a dateTime: the span goes to the extension, no date is made up.
    ae = case.adverse_events[case.adverse_events["date_earliest"] != case.adverse_events["date_latest"]].iloc[0]
    resource = _of(bundle, "adverse_events.csv", ae["id"])
    span = first(extension_parts(resource, EXT_DATE), "period")
    if span is not None:
        assert "date" not in resource
        assert span == {"start": ae["date_earliest"].date().isoformat(), "end": ae["date_latest"].date().isoformat()}
    else:
        assert len(resource["date"]) < len("2009-09-01")


def _provenance_targets(bundle: dict[str, Any], activity: str) -> set[str]:
    for resource in _resources(bundle, "Provenance"):
        if resource["activity"]["coding"][0]["code"] == activity:
            return {t["reference"].removeprefix("urn:uuid:") for t in resource["target"]}
    return set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_illustrative_values_never_look_like_measurements(bundles, name):
    case = load_case(CASES[name])
    bundle = bundles[name]
    illustrative = _provenance_targets(bundle, "value-illustrative")
    stated = _provenance_targets(bundle, "value-reported")
    assert (case.labs["provenance"] == "illustrative").any()
    for _, row in case.labs.iterrows():
        observation = _of(bundle, "labs.csv", row["id"])
        parts = extension_parts(observation, EXT_PROVENANCE)
        assert first(parts, "kind") == row["provenance"]
        assert observation["meta"]["tag"][0]["code"] == row["provenance"]
        if row["provenance"] == "illustrative":
            assert observation["note"][0]["text"].startswith("Illustrative, not a measurement")
            assert observation["id"] in illustrative
            assert observation["id"] not in stated
            assert first(parts, "rule") == row["rule"]
        if row["provenance"] == "reported":
            assert first(parts, "quote") == row["quote"]
            assert observation["id"] in stated
            assert observation["id"] not in illustrative
    # A value the paper states at a date it does not give: the date's own provenance is said.
    placed = case.labs[(case.labs["provenance"] == "reported") & (case.labs["date_provenance"] != "reported")]
    for resource_id in (_of(bundle, "labs.csv", i)["id"] for i in placed["id"]):
        assert resource_id in _provenance_targets(bundle, "date-derived") | _provenance_targets(
            bundle, "date-illustrative"
        )


def test_a_synthetic_case_is_labelled_test_data(bundles):
    for name, bundle in bundles.items():
        labelled = [r.get("meta", {}).get("security", [{}])[0].get("code") == "HTEST" for r in _resources(bundle)]
        assert all(labelled) if load_case(CASES[name]).synthetic else not any(labelled)


@pytest.mark.parametrize("name", sorted(CASES))
def test_export_import_export_is_stable_and_the_case_is_the_same(name, tmp_path):
    first_bundle = write_bundle(CASES[name], tmp_path / "bundle.json")
    folder = import_bundle(tmp_path / "bundle.json", tmp_path / "imported")
    assert [p for p in validate_case(folder) if p.severity == "error"] == []
    original, imported = load_case(CASES[name]), load_case(folder)
    for table in ("events", "regimens", "labs", "findings", "adverse_events", "analytes", "patient", "statements"):
        pd.testing.assert_frame_equal(getattr(imported, table), getattr(original, table), obj=table)
    assert case_bundle(folder) == first_bundle


@pytest.fixture
def bundle_file(bundles, tmp_path):
    """A function writing a changed copy of the synthetic case's bundle, returning its path."""

    def write(change) -> Path:
        bundle = copy.deepcopy(bundles[SYNTHETIC])
        change(bundle)
        path = tmp_path / "damaged.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        return path

    return write


def _first_lab_entry(bundle: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    labs = _labs(bundle)
    index = next(i for i, e in enumerate(bundle["entry"]) if e["resource"] is labs[0])
    return index, labs[0]


def _without_loinc(bundle):
    _, lab = _first_lab_entry(bundle)
    lab["code"]["coding"] = [{"system": "urn:other", "code": "x"}]


def _without_status(bundle):
    _, lab = _first_lab_entry(bundle)
    del lab["status"]


def _with_a_note(bundle):
    _, lab = _first_lab_entry(bundle)
    lab["note"].append({"text": "rechecked by phone"})


def _with_a_stranger(bundle):
    bundle["entry"].append({"resource": {"resourceType": "Basic", "code": {"text": "a stranger"}}})


def _with_a_changed_provenance(bundle):
    provenance = _resources(bundle, "Provenance")[0]
    provenance["target"] = provenance["target"][1:]


def _with_a_broken_quote(bundle):
    _, lab = next((i, r) for i, r in enumerate(_labs(bundle)) if first(extension_parts(r, EXT_PROVENANCE), "quote"))
    for part in lab["extension"][0]["extension"]:
        if part["url"] == "quote":
            part["valueString"] = "words the paper never wrote"


@pytest.mark.parametrize(
    ("change", "entry_named", "words"),
    [
        (_without_loinc, True, "no LOINC code"),
        (_without_status, True, "status"),
        (_with_a_note, True, "would be lost"),
        (_with_a_stranger, True, "cannot place it"),
        (_with_a_changed_provenance, True, "missing"),
        (_with_a_broken_quote, True, "quote not found in the source text"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_a_damaged_bundle_is_refused_naming_the_problem(bundle_file, tmp_path, change, entry_named, words):
    path = bundle_file(change)
    with pytest.raises(BundleError) as raised:
        import_bundle(path, tmp_path / "out")
    assert any(words in str(p) for p in raised.value.problems), raised.value
    assert all(p.entry is not None for p in raised.value.problems) == entry_named
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["damaged.json"]  # nothing left aside


@pytest.mark.parametrize(
    ("text", "words"),
    [("{not json", "not JSON"), ('{"resourceType": "Patient"}', "not a FHIR Bundle"), ("[1, 2]", "not a FHIR Bundle")],
)
def test_what_is_no_bundle_is_named(tmp_path, text, words):
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError, match=words):
        import_bundle(path, tmp_path / "out")


def test_the_command_line_names_the_problem_without_a_traceback(bundle_file, tmp_path, capsys):
    path = bundle_file(_without_loinc)
    assert main(["fhir", "import", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "no LOINC code" in err
    assert "entry " in err
    assert "Traceback" not in err


def test_import_writes_no_file_into_a_folder_that_holds_files(tmp_path, bundles):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundles[SYNTHETIC]), encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="already holds files"):
        import_bundle(path, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_the_command_line_exports_and_imports(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    assert main(["fhir", "export", str(CASES[SYNTHETIC]), "--out", str(out)]) == 0
    assert main(["fhir", "import", str(out), "--out", str(tmp_path / "case")]) == 0
    assert main(["validate", str(tmp_path / "case")]) == 0
    capsys.readouterr()
    assert main(["fhir", "export", str(tmp_path / "case")]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(out.read_text(encoding="utf-8"))


def test_a_case_with_its_own_analyte_keeps_it_through_export_and_import(editable_case, tmp_path):
    """An analyte the case declares in own_analytes.csv (not in the catalogue) comes back with its values, unit,
    limits, LOINC name, panel and provenance, and the labs of it with theirs."""
    case_dir = editable_case(SYNTHETIC)
    (case_dir / "own_analytes.csv").write_text(
        "loinc,loinc_name,name,unit,lower_limit,upper_limit,panel,provenance,quote,rule\n"
        "9679-2,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,ng/mL,,1.5,tumour marker,"
        "derived,,The laboratory's limit as the authors cite it.\n",
        encoding="utf-8",
    )
    with (case_dir / "labs.csv").open("a", encoding="utf-8") as labs:
        labs.write("own01,9679-2,2.4,ng/mL,2021-04-19,,,,,illustrative,,Synthetic value.\n")
        labs.write("own02,9679-2,1.1,ng/mL,2021-05-17,,,,,illustrative,,Synthetic value.\n")
    assert validate_case(case_dir) == []
    original = load_case(case_dir)
    assert original.analytes.set_index("loinc").at["9679-2", "panel"] == "tumour marker"
    assert len(original.labs[original.labs["loinc"] == "9679-2"]) == 2

    bundle = write_bundle(case_dir, tmp_path / "bundle.json")
    folder = import_bundle(tmp_path / "bundle.json", tmp_path / "imported")
    assert [p for p in validate_case(folder) if p.severity == "error"] == []
    imported = load_case(folder)
    for table in ("analytes", "labs"):
        pd.testing.assert_frame_equal(getattr(imported, table), getattr(original, table), obj=table)
    assert case_bundle(folder) == bundle


def test_a_bone_scan_finding_validates_and_keeps_its_modality_through_export_and_import(editable_case, tmp_path):
    """Bone scintigraphy, the usual staging scan of prostate cancer, is a modality a finding can have."""
    case_dir = editable_case(SYNTHETIC)
    findings = case_dir / "findings.csv"
    rows = findings.read_text(encoding="utf-8").splitlines()
    baseline = rows[1].split(",")  # a baseline finding, its staging kept
    scan = ["b01", baseline[1], "bone scintigraphy", "bone", "pelvis", "2", "", "", "", "", "", "false", "baseline"]
    scan += ["Pelvic bone metastases", "illustrative", "", "Synthetic finding."]
    findings.write_text("\n".join([*rows, ",".join(scan)]) + "\n", encoding="utf-8")
    assert validate_case(case_dir) == []
    original = load_case(case_dir)
    assert original.findings.set_index("id").at["b01", "modality"] == "bone scintigraphy"

    write_bundle(case_dir, tmp_path / "bundle.json")
    imported = load_case(import_bundle(tmp_path / "bundle.json", tmp_path / "imported"))
    assert imported.findings.set_index("id").at["b01", "modality"] == "bone scintigraphy"
