"""Figures printed as ``casereport figures`` prints them, for the tests that measure them.

Each case is printed by :func:`~casereport.apps.figures.write_figures`, the
command's own path (each figure's spec built, laid out by Vega once, drawn
again only when it missed its width, and written), once a test process for
each width and resolution asked; a test reads the files it wrote and the
manifest's plot widths, and gets each figure's spec by building it again
at that plot width (as the command built it).
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

import casereport
from casereport.apps.figures import Figure, figure_factories, figure_file, write_figures
from casereport.apps.rendering import points, print_vega_lite
from casereport.data.case import Case

from .conftest import CASES

_FOLDERS: list[tempfile.TemporaryDirectory] = []  # removed when the test process ends


class PrintedFigure(NamedTuple):
    """One figure as printed: its spec, SVG and PNG, the width it was printed at and the width asked for."""

    spec: dict
    svg: str
    png: bytes
    width_mm: float
    asked_mm: float
    plot_width: int


@cache
def _loaded(case: str) -> Case:
    return casereport.load_case(CASES[case])


@cache
def factories(case: str, width_mm: float) -> dict[str, Figure]:
    """The case's figures (those it has) at a width, as the command makes them."""
    made = figure_factories(_loaded(case), axis="calendar", width_points=points(width_mm))
    return {name: figure for name, figure in made.items() if isinstance(figure, Figure)}


@cache
def _printed(case: str, width_mm: float, dpi: int) -> tuple[Path, dict]:
    folder = tempfile.TemporaryDirectory(prefix=f"printed-{case}-{width_mm}mm-")
    _FOLDERS.append(folder)
    out = Path(folder.name)
    write_figures(case_dir=CASES[case], output_dir=out, formats="svg,png", width_mm=width_mm, dpi=dpi)
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def printed_figure(case: str, name: str, width_mm: float, *, dpi: int = 150) -> PrintedFigure:
    """The ``name`` figure of ``case`` printed at ``width_mm`` (its PNG at ``dpi``)."""
    out, manifest = _printed(case, width_mm, dpi)
    parameters = manifest["parameters"]
    plot_width = parameters["plot_width_points"][name]
    files = {fmt: out / figure_file(_loaded(case), name, "calendar", fmt) for fmt in ("svg", "png")}
    return PrintedFigure(
        spec=print_vega_lite(factories(case, width_mm)[name].draw(plot_width)),
        svg=files["svg"].read_text(encoding="utf-8"),
        png=files["png"].read_bytes(),
        width_mm=parameters["figure_width_mm"][name],
        asked_mm=width_mm,
        plot_width=plot_width,
    )
