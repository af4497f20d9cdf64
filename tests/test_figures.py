"""Regenerating the figures with papermill, and the parameters that must be refused."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

import pytest

import casereport
from casereport.apps.cli import main
from casereport.apps.figures import FORMATS, case_hash, check_parameters, figure_factories, write_figures
from casereport.apps.notebooks import run_figures_notebook
from casereport.exceptions import ParameterError

from .conftest import CASES, SEED


@pytest.mark.parametrize("axis", ["calendar", "relative"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_figures_notebook_writes_every_figure(name, axis, tmp_path):
    executed = run_figures_notebook(
        case_dir=CASES[name],
        output_dir=tmp_path,
        formats=",".join(FORMATS),
        axis=axis,
        width_mm=85,
        dpi=150,
        progress_bar=False,
    )
    assert executed.is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["case_sha256"] == case_hash(CASES[name])
    assert manifest["parameters"]["axis"] == axis
    written = {(f["figure"], f["format"]) for f in manifest["files"]}
    figures = {f["figure"] for f in manifest["files"]}
    assert written == {(figure, fmt) for figure in figures for fmt in FORMATS}
    assert {"timeline", "imaging", "all_labs"} <= figures
    for entry in manifest["files"]:
        path = tmp_path / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        if entry["format"] == "html":
            html = path.read_text(encoding="utf-8")
            assert not re.search(r"<script[^>]+src=", html), "HTML must not load scripts"
            assert "vegaEmbed" in html
    assert {"altair", "vl-convert-python", "vega-lite"} <= set(manifest["packages"])


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"formats": "svg,gif"}, "formats"),
        ({"axis": "sideways"}, "axis"),
        ({"width_mm": 5}, "width_mm"),
        ({"dpi": 10}, "dpi"),
        ({"case_dir": "/nonexistent/case"}, "case_dir"),
        ({"output_dir": "/proc/cannot-write-here"}, "output_dir"),
    ],
)
def test_bad_parameters_name_the_parameter(overrides, parameter, tmp_path):
    arguments = {
        "case_dir": CASES[SEED],
        "output_dir": tmp_path,
        "formats": "svg",
        "axis": "calendar",
        "width_mm": 85,
        "dpi": 300,
    } | overrides
    with pytest.raises(ParameterError) as raised:
        check_parameters(**arguments)
    assert raised.value.parameter == parameter


def test_cli_refuses_an_unknown_format(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--format", "svg,gif"]) == 2
    assert "--format: unknown format(s)" in capsys.readouterr().err  # the flag the user typed
    assert not list(tmp_path.iterdir())


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.parametrize(("width_mm", "dpi"), [(85, 300), (174, 150)])
def test_every_png_is_the_width_asked_for(width_mm, dpi, tmp_path):
    """A figure drawn for one column at 300 dpi is one column wide, legends and axis labels included."""
    manifest = write_figures(case_dir=CASES[SEED], output_dir=tmp_path, formats="png", width_mm=width_mm, dpi=dpi)
    case = casereport.load_case(CASES[SEED])
    for entry in manifest["files"]:
        width_px, _ = _png_size(tmp_path / entry["file"])
        # A figure that needs more room than one column (the rationale diagram) says how wide it was drawn.
        wanted = manifest["parameters"]["figure_width_mm"][entry["figure"]]
        assert wanted == max(
            width_mm, figure_factories(case, axis="calendar", width_points=1)[entry["figure"]].min_width_mm
        )
        assert width_px / dpi * 25.4 == pytest.approx(wanted, abs=1), entry["figure"]
