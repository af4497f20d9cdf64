"""Drawing one figure for print: compile its chart once, fit it to a width, and write every format from that.

A figure is compiled from Vega-Lite to Vega once and laid out by Vega once,
as SVG; the PDF is made from that SVG (vl-convert's svg2pdf, the path
``vega_to_pdf`` takes after laying the chart out again), and the PNG is that
PDF printed at the resolution asked for, by PDFium (pypdfium2): what a
printer makes of the PDF, in a sixth of the time resvg takes to rasterise
the SVG at 300 dpi. A figure is drawn a second time only when its first
drawing is not the width asked for (see :func:`fit`).

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
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import altair as alt
import platformdirs
import pypdfium2
import vl_convert
from altair.utils.html import INLINE_HTML_TEMPLATE

from casereport import charts
from casereport.apps.offline import vega_lite_version

FONT_FAMILY = "Liberation Sans"
PRINT_FONT = f"{FONT_FAMILY}, Arial, Helvetica, sans-serif"
FONTS = Path(__file__).parent / "fonts"
# vl-convert lays figures out in points (72 to the inch) and rasterises at `ppi`, so a figure
# `width_mm` wide has that many points, fonts are true point sizes, and the PNG at `dpi` is
# `width_mm` wide (to a point).
POINTS_PER_INCH = 72
MM_PER_INCH = 25.4
AXIS_ALLOWANCE = 55  # points beside a plot for its y axis, title and padding, for a figure that does not say
WIDTH_TOLERANCE = 1  # points a drawing may fall short of the width asked for, a column (never more than asked)
# The script every HTML file carries: Vega, Vega-Lite and vega-embed, which sets window.vegaEmbed.
BUNDLE_SNIPPET = "window.vegaEmbed = vegaEmbed;"


def points(width_mm: float) -> float:
    """A width in millimetres as points, the unit vl-convert lays figures out in."""
    return float(width_mm) / MM_PER_INCH * POINTS_PER_INCH


@functools.cache
def use_package_fonts() -> None:
    """Register the package's fonts with vl-convert, once a process, before the first drawing."""
    vl_convert.register_font_directory(str(FONTS))


def print_vega_lite(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec for print (:func:`casereport.charts.print_spec`), its text in the package's font."""
    spec = charts.print_spec(chart)
    spec.setdefault("config", {})["font"] = PRINT_FONT
    return spec


class Drawing(NamedTuple):
    """One figure, compiled and laid out: its Vega-Lite spec, its SVG, and the plot width it was drawn at."""

    spec: dict
    svg: str
    plot_width: int


def svg_width(svg: str) -> float:
    """The width an SVG drawing takes, in points."""
    found = re.search(r'<svg[^>]* width="([0-9.]+)"', svg)
    if found is None:
        raise ValueError("vl-convert drew an SVG without a width")
    return float(found.group(1))


_CLIP = re.compile(r'(id="|url\(#)clip(\d+)')


def numbered_clips(svg: str) -> str:
    """The SVG with its clip paths numbered from 1 in the order they appear.

    Vega numbers clip paths with a counter that runs on over every chart a
    process draws, so the same figure's SVG would differ with what was drawn
    before it (and with which worker drew it); numbered within the figure,
    it is the same every time.
    """
    numbers: dict[str, int] = {}

    def renumbered(found: re.Match[str]) -> str:
        number = numbers.setdefault(found.group(2), len(numbers) + 1)
        return f"{found.group(1)}clip{number}"

    return _CLIP.sub(renumbered, svg)


def draw(chart_at: Callable[[int], alt.TopLevelMixin], plot_width: int) -> Drawing:
    """Draw the chart at one plot width: its spec compiled to Vega once, and laid out once as SVG."""
    use_package_fonts()
    spec = print_vega_lite(chart_at(plot_width))
    return Drawing(spec, numbered_clips(vl_convert.vega_to_svg(vl_convert.vegalite_to_vega(spec))), plot_width)


def fit(
    chart_at: Callable[[int], alt.TopLevelMixin],
    *,
    columns: int,
    width_points: float,
    margin: float | None = None,
) -> Drawing:
    """The figure drawn so that the whole of it (legends and axis labels too) is ``width_points`` wide.

    Never wider (a journal's column width is a limit), and short of it by
    less than :data:`WIDTH_TOLERANCE` a column, as plots are whole points
    wide. Axis labels, legends and titles take a width only Vega knows: so
    draw at the plot width the figure's ``margin`` (the points it takes
    beside its plots, :data:`casereport.charts.PRINT_MARGIN`) leaves,
    measure, and only when that missed redraw with the difference shared
    among the columns.
    """
    beside = AXIS_ALLOWANCE * columns if margin is None else margin
    guess = math.floor((width_points - beside) / columns)
    drawing = draw(chart_at, guess)
    if fits(drawing, columns=columns, width_points=width_points):
        return drawing
    missed = width_points - svg_width(drawing.svg)
    return draw(chart_at, max(60, math.floor(guess + missed / columns)))


def fits(drawing: Drawing, *, columns: int, width_points: float) -> bool:
    """Whether a drawing is as wide as asked: not wider, and short by less than a point a column."""
    return 0 <= width_points - svg_width(drawing.svg) <= WIDTH_TOLERANCE * columns


STATIC_FORMATS = ("svg", "pdf", "png")
WHITE = (255, 255, 255, 255)


def static_files(drawing: Drawing, formats: Iterable[str], dpi: int) -> dict[str, bytes]:
    """The drawing in each of ``formats``: SVG; PDF, the fonts embedded; PNG, ``dpi`` pixels to the inch.

    All from its one SVG: the PNG is the PDF printed (:func:`printed_png`),
    so the PDF is made once for both.
    """
    chosen = tuple(formats)
    unknown = [fmt for fmt in chosen if fmt not in STATIC_FORMATS]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} is not a static format")
    files: dict[str, bytes] = {}
    if "svg" in chosen:
        files["svg"] = drawing.svg.encode("utf-8")
    if "pdf" in chosen or "png" in chosen:
        pdf = bytes(vl_convert.svg_to_pdf(drawing.svg))
        if "pdf" in chosen:
            files["pdf"] = pdf
        if "png" in chosen:
            files["png"] = printed_png(pdf, dpi)
    return {fmt: files[fmt] for fmt in chosen}


def static_file(drawing: Drawing, fmt: str, dpi: int) -> bytes:
    """The drawing in one format (:func:`static_files`)."""
    return static_files(drawing, [fmt], dpi)[fmt]


def printed_png(pdf: bytes, dpi: int) -> bytes:
    """A one-page PDF printed on white at ``dpi`` by PDFium, as PNG (RGB, its resolution recorded).

    PDFium rounds the page up to whole pixels.
    """
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / POINTS_PER_INCH, fill_color=WHITE).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


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
