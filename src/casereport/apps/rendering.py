"""What a printed figure is made of: its spec in the print font, the plot width that fits it to a width, its page.

A figure is compiled from Vega-Lite to Vega once and laid out by Vega once,
as SVG, and every static format is written from that SVG
(:mod:`casereport.apps.printing`). Its whole drawing (legends and axis
labels too) must be as wide as asked: never wider (a journal's column
width is a limit), and short of it by less than
:data:`~casereport.apps.printing.WIDTH_TOLERANCE` a column, as plots are
whole points wide. Axis labels, legends and titles take a width only Vega
knows: so a figure is first drawn at the plot width its margin leaves
(:func:`first_plot_width`), measured, and only when that missed drawn
again with the difference shared among its columns
(:func:`second_plot_width`; :mod:`casereport.apps.figures` does this).

Text is set in Liberation Sans (metrically Arial and Helvetica, which
journals ask for), whose files travel with the package (``fonts/``, SIL Open
Font License) and are registered with vl-convert before anything is drawn:
so a figure is laid out alike on every machine, and its PDF embeds the font
(a subset) instead of dropping text a machine has no font for, as
vl-convert does. The SVG names the family, then Arial, Helvetica and
sans-serif, for the editor's machine.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
from importlib import metadata
from pathlib import Path

import altair as alt
import platformdirs
import vl_convert
from altair.utils.html import INLINE_HTML_TEMPLATE

from casereport import charts
from casereport.apps.offline import vega_lite_version
from casereport.apps.printing import POINTS_PER_INCH

FONT_FAMILY = "Liberation Sans"
PRINT_FONT = f"{FONT_FAMILY}, Arial, Helvetica, sans-serif"
MM_PER_INCH = 25.4
AXIS_ALLOWANCE = 55  # points beside a plot for its y axis, title and padding, for a figure that does not say
MIN_PLOT_WIDTH = 60  # points: the narrowest plot a figure is drawn with, however narrow the width asked
# The script every HTML file carries: Vega, Vega-Lite and vega-embed, which sets window.vegaEmbed.
BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed;"


def points(width_mm: float) -> float:
    """A width in millimetres as points, the unit vl-convert lays figures out in."""
    return float(width_mm) / MM_PER_INCH * POINTS_PER_INCH


def print_vega_lite(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec for print (:func:`casereport.charts.print_spec`), its text in the package's font."""
    spec = charts.print_spec(chart)
    spec.setdefault("config", {})["font"] = PRINT_FONT
    return spec


def first_plot_width(*, columns: int, width_points: float, margin: float | None) -> int:
    """The plot width a figure is first drawn at: what its ``margin`` (or :data:`AXIS_ALLOWANCE` a column) leaves."""
    beside = AXIS_ALLOWANCE * columns if margin is None else margin
    return max(MIN_PLOT_WIDTH, math.floor((width_points - beside) / columns))


def second_plot_width(first: int, drawn_width: float, *, columns: int, width_points: float) -> int:
    """The plot width to draw again at, when the drawing at ``first`` was ``drawn_width`` points wide: the
    difference shared among the columns."""
    return max(MIN_PLOT_WIDTH, math.floor(first + (width_points - drawn_width) / columns))


def html_page(spec: dict, bundle: str) -> bytes:
    """A page that draws the spec in a browser, offline, with its tooltips: ``bundle`` is inline (Altair's template)."""
    return INLINE_HTML_TEMPLATE.render(
        vegaembed_script=bundle,
        vegalite_version=alt.SCHEMA_VERSION.removeprefix("v"),
        spec=json.dumps(spec),
        embed_options=json.dumps({"mode": "vega-lite"}),
        output_div="figure",
    ).encode("utf-8")


def bundle_cache() -> Path:
    """Where the built script is kept: the user's cache folder, named by the versions that build it."""
    name = f"vega-embed-vlconvert{metadata.version('vl-convert-python')}-vegalite{vega_lite_version()}"
    digest = hashlib.sha256(BUNDLE_SNIPPET.encode()).hexdigest()[:8]
    return Path(platformdirs.user_cache_dir("casereport")) / f"{name}-{digest}.js"


@functools.cache
def vega_embed_bundle() -> str:
    """Vega, Vega-Lite (the version Altair writes specs for) and vega-embed as one script (about 0.9 MB).

    vl-convert takes about two seconds to bundle it, the same every time
    for one version of vl-convert and Vega-Lite: so it is built once and
    kept in the user's cache folder under those versions' names, and a
    later run (or another process of this one) reads it. Where the folder
    cannot be written, it is built each run.
    """
    path = bundle_cache()
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    script = str(vl_convert.javascript_bundle(BUNDLE_SNIPPET, vl_version=vega_lite_version()))
    # Written aside, then renamed: a reader (another run) never finds half a script.
    part = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part.write_text(script, encoding="utf-8")
        part.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return script
