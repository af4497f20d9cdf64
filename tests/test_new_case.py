"""`casereport new`: a folder an author fills, valid from the start, and never written over another."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import casereport
from casereport.apps.cli import main
from casereport.data.formats import ALL_FILES, CSV_FILES, OPTIONAL_CSV_FILES


def test_a_new_folder_validates_and_loads(tmp_path: Path, capsys):
    folder = tmp_path / "Smith 2021 CRC"
    assert main(["new", str(folder)]) == 0
    assert "casereport validate" in capsys.readouterr().out
    assert casereport.validate_case(folder) == []
    case = casereport.load_case(folder)
    assert case.case_id == "smith-2021-crc"
    assert main(["validate", str(folder)]) == 0


def test_a_new_folder_has_every_file_with_its_header_and_one_example(tmp_path: Path):
    folder = tmp_path / "case"
    main(["new", str(folder)])
    assert {p.name for p in folder.iterdir()} == {*ALL_FILES, "source.txt", "README.md"}
    for name, model in {**CSV_FILES, **OPTIONAL_CSV_FILES}.items():
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        assert set(header) == {info.alias or field for field, info in model.model_fields.items()}, name
        # One example record in each file; the optional file of the case's own analytes has its header only.
        assert len(rows) == (0 if name in OPTIONAL_CSV_FILES else 1) or name == "events.csv", name
    # events.csv needs three: case.yaml names a diagnosis, a day 0 and an end of observation.
    assert [row.split(",")[1] for row in (folder / "events.csv").read_text(encoding="utf-8").splitlines()[1:]] == [
        "diagnosis",
        "regimen_start",
        "observation_end",
    ]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "no comment syntax" in readme
    assert "own_analytes.csv" in readme


def test_an_example_replaced_badly_is_reported(tmp_path: Path):
    """The examples are real records: an author's slip in one of them is a problem like any other."""
    folder = tmp_path / "case"
    main(["new", str(folder)])
    labs = folder / "labs.csv"
    labs.write_text(labs.read_text(encoding="utf-8").replace(",12.4,", ",twelve,"), encoding="utf-8")
    problems = casereport.validate_case(folder)
    assert [(p.file, p.row, p.field) for p in problems] == [("labs.csv", 1, "value")]


def test_a_folder_with_files_is_refused_and_left_as_it_was(tmp_path: Path, capsys):
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "labs.csv").write_text("my own work\n", encoding="utf-8")
    assert main(["new", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is not empty" in err
    assert "nothing was written" in err
    assert [p.name for p in folder.iterdir()] == ["labs.csv"]
    assert (folder / "labs.csv").read_text(encoding="utf-8") == "my own work\n"


def test_an_empty_folder_is_filled(tmp_path: Path):
    folder = tmp_path / "case"
    folder.mkdir()
    assert main(["new", str(folder)]) == 0
    assert casereport.validate_case(folder) == []


def test_a_file_is_not_a_folder(tmp_path: Path, capsys):
    path = tmp_path / "case"
    path.write_text("x", encoding="utf-8")
    assert main(["new", str(path)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize(
    ("name", "case_id"), [("gahr2012-hcc", "gahr2012-hcc"), ("Müller & Co 2024", "muller-co-2024"), ("__", "new-case")]
)
def test_the_case_id_comes_from_the_folder_name(tmp_path: Path, name: str, case_id: str):
    folder = tmp_path / name
    main(["new", str(folder)])
    assert casereport.load_case(folder).case_id == case_id
