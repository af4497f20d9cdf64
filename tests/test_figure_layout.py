"""The printed figures as a journal's figure editor looks at them (issue 14): measured in the drawn SVG.

Each figure of both bundled cases is printed by the package's own figure code
(``write_figures``, as ``casereport figures`` prints it: ``tests/printed.py``) at one column (85 mm) and at a page's width (174 mm), loaded into
Chromium, and measured there: every text's box and size, the plot areas (the
views' backgrounds), the whole figure. Then, from the same drawing as a PNG
in greyscale, each legend's symbols must still differ from one another.
"""

from __future__ import annotations

import io
import itertools
from functools import cache
from typing import Any, NamedTuple

import altair as alt
import pandas as pd
import pytest
from PIL import Image, ImageChops, ImageStat

from casereport.apps import printing
from casereport.apps.rendering import points, print_vega_lite

from .conftest import CASES
from .printed import factories, printed_figure

WIDTHS_MM = (85, 174)
MIN_TEXT_PT = 6
MIN_PLOT_SHARE = 0.5  # of the figure's area, at one column
OTHER_FIGURES = {"imaging", "all_labs", "rationale"}  # the rest (timeline, enzymes, markers) no taller than wide
GREY_DPI = 150
MIN_GREY_DIFFERENCE = 12  # mean absolute difference of two legend symbols, in grey levels (of 255)
OVERLAP_PT = 0.5  # text boxes may touch (their line boxes include the font's spacing), not overlap

# Every text Vega drew and can be seen, in points on the page; each view's background (the plot
# areas); the legends' entries; the rules drawn as marks (the rationale's edges) and the marks'
# symbols, by layer.
MEASURE = """
() => {
  const svg = document.querySelector('svg');
  const shown = el => {
    for (let e = el; e && e !== svg; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden' || Number(style.opacity) === 0) return false;
      if (e.getAttribute('opacity') === '0' || e.getAttribute('fill-opacity') === '0') return false;
    }
    return true;
  };
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const texts = [...svg.querySelectorAll('text')]
    .filter(t => t.textContent.trim() && shown(t))
    .map(t => ({
      text: t.textContent,
      box: box(t),
      size: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b),
      role: t.parentElement.getAttribute('class') || '',
    }));
  // A single view's background is the root's; concatenated views each have a group of their own.
  const views = [...svg.querySelectorAll('g.role-frame.root, g.role-scope[class*="concat_"][class$="_group"]')]
    .map(g => g.querySelector(':scope > g > path.background'))
    .filter(Boolean)
    .map(box);
  const legends = [...svg.querySelectorAll('g.role-legend')].map(g => ({
    title: [...g.querySelectorAll('.role-legend-title text')].map(t => t.textContent).join(' '),
    entries: [...g.querySelectorAll('.role-legend-symbol path')].map((p, i) => ({
      label: g.querySelectorAll('.role-legend-label text')[i]?.textContent,
      box: box(p),
    })),
  }));
  const rules = [...svg.querySelectorAll('g.mark-rule.role-mark line')].map(l => {
    const m = l.getScreenCTM();
    const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    const n = a => parseFloat(l.getAttribute(a) || '0');
    return [at(n('x1'), n('y1')), at(n('x2'), n('y2'))];
  });
  const symbols = [...svg.querySelectorAll('g.mark-symbol.role-mark')].map(g => ({
    layer: g.getAttribute('class'),
    boxes: [...g.querySelectorAll('path')].filter(shown).map(box),
  }));
  return {width: svg.width.baseVal.value, height: svg.height.baseVal.value, texts, views, legends, rules, symbols};
}
"""


class Drawn(NamedTuple):
    """One figure as the package draws it for print: its name, width on the page, SVG, and PNG in greyscale."""

    case: str
    name: str
    width_mm: float
    asked_mm: float
    svg: str
    grey: Image.Image


@cache
def _drawn(case: str, name: str, width_mm: float) -> Drawn:
    printed = printed_figure(case, name, width_mm, dpi=GREY_DPI)
    grey = Image.open(io.BytesIO(printed.png)).convert("L")
    return Drawn(case, name, printed.width_mm, width_mm, printed.svg, grey)


FIGURES = [
    (case, name, width) for case in sorted(CASES) for width in WIDTHS_MM for name in sorted(factories(case, width))
]


@pytest.fixture(scope="module")
def measure(browser):
    """A function measuring a drawn figure in Chromium (each figure once)."""
    page = browser.new_page()
    measured: dict[tuple, dict] = {}

    def of(drawn: Drawn) -> dict:
        key = (drawn.case, drawn.name, drawn.asked_mm)
        if key not in measured:
            page.set_content(f"<!doctype html><body style='margin:0'>{drawn.svg}</body>")
            measured[key] = page.evaluate(MEASURE)
        return measured[key]

    yield of
    page.close()


def _ids(figure: tuple) -> str:
    case, name, width = figure
    return f"{case.split('-')[0]}-{name}-{width}mm"


def _area(box: list[float]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def _overlap(a: list[float], b: list[float]) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > OVERLAP_PT and min(a[3], b[3]) - max(a[1], b[1]) > OVERLAP_PT


def _crosses(box: list[float], segment: list[list[float]]) -> bool:
    """Whether a straight line passes through a box (shrunk by the tolerance): sampled along the line."""
    (x1, y1), (x2, y2) = segment
    left, top, right, bottom = box[0] + OVERLAP_PT, box[1] + OVERLAP_PT, box[2] - OVERLAP_PT, box[3] - OVERLAP_PT
    steps = max(2, int(max(abs(x2 - x1), abs(y2 - y1)) * 2))
    return any(
        left < x1 + (x2 - x1) * i / steps < right and top < y1 + (y2 - y1) * i / steps < bottom
        for i in range(steps + 1)
    )


@pytest.mark.parametrize("figure", FIGURES, ids=_ids)
def test_every_text_is_at_least_6_pt_at_the_printed_width(figure, measure):
    drawn = _drawn(*figure)
    found = measure(drawn)
    # The SVG is in points; a figure printed at another width than drawn would scale its text.
    scale = points(drawn.width_mm) / found["width"]
    small = [(t["text"], round(t["size"] * scale, 2)) for t in found["texts"] if t["size"] * scale < MIN_TEXT_PT - 0.01]
    assert not small, f"text under {MIN_TEXT_PT} pt: {small}"


@pytest.mark.parametrize("figure", FIGURES, ids=_ids)
def test_no_text_overlaps_another(figure, measure):
    found = measure(_drawn(*figure))
    clashes = [
        (a["text"], b["text"]) for a, b in itertools.combinations(found["texts"], 2) if _overlap(a["box"], b["box"])
    ]
    assert not clashes, f"overlapping texts: {clashes}"


@pytest.mark.parametrize("figure", [f for f in FIGURES if f[2] == 85], ids=_ids)
def test_at_one_column_the_plot_takes_at_least_half_the_figure(figure, measure):
    found = measure(_drawn(*figure))
    plots = sum(_area(view) for view in found["views"])
    share = plots / (found["width"] * found["height"])
    assert share >= MIN_PLOT_SHARE, f"plot area {share:.2f} of the figure ({found['width']} x {found['height']} pt)"


def _is_time_plot(name: str) -> bool:
    """The timeline, the liver enzymes and each tumour marker (named as the case names it, on either scale)."""
    return name not in OTHER_FIGURES


@pytest.mark.parametrize("figure", [f for f in FIGURES if f[2] == 85 and _is_time_plot(f[1])], ids=_ids)
def test_at_one_column_the_time_plots_are_no_taller_than_wide(figure, measure):
    found = measure(_drawn(*figure))
    assert found["height"] <= found["width"] + 0.5, f"{found['width']} pt wide, {found['height']} pt high"


@pytest.mark.parametrize("figure", [f for f in FIGURES if f[1] == "rationale"], ids=_ids)
def test_the_rationale_writes_no_label_over_a_line(figure, measure):
    found = measure(_drawn(*figure))
    over = [
        t["text"]
        for t in found["texts"]
        if "role-mark" in t["role"] and any(_crosses(t["box"], rule) for rule in found["rules"])
    ]
    assert not over, f"labels over an edge: {over}"


@pytest.mark.parametrize("figure", [f for f in FIGURES if f[1] == "timeline"], ids=_ids)
def test_the_timeline_marks_hide_no_mark_or_name(figure, measure):
    """Within a layer no two symbols overlap (an event's mark and its key are two layers), and no name
    of an event or drug lies on a mark."""
    found = measure(_drawn(*figure))
    for layer in found["symbols"]:
        hidden = [(a, b) for a, b in itertools.combinations(layer["boxes"], 2) if _overlap(a, b)]
        assert not hidden, f"{layer['layer']}: overlapping marks at {hidden}"
    names = [t for t in found["texts"] if "role-mark" in t["role"]]
    marks = [box for layer in found["symbols"] for box in layer["boxes"]]
    covered = [t["text"] for t in names if any(_overlap(t["box"], mark) for mark in marks)]
    assert not covered, f"names on a mark: {covered}"


def _symbol(grey: Image.Image, box: list[float]) -> Image.Image:
    """A legend symbol cut from the greyscale figure (its box in points, a point's margin around it)."""
    scale = GREY_DPI / 72
    left, top, right, bottom = (round(v * scale) for v in (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1))
    return grey.crop((left, top, right, bottom))


def _difference(a: Image.Image, b: Image.Image) -> float:
    size = (max(a.width, b.width), max(a.height, b.height))
    pad = [Image.new("L", size, 255) for _ in (a, b)]
    pad[0].paste(a, ((size[0] - a.width) // 2, (size[1] - a.height) // 2))
    pad[1].paste(b, ((size[0] - b.width) // 2, (size[1] - b.height) // 2))
    return ImageStat.Stat(ImageChops.difference(*pad)).mean[0]


@pytest.mark.parametrize("figure", FIGURES, ids=_ids)
def test_in_greyscale_each_legend_still_tells_its_entries_apart(figure, measure):
    """Each pair of a legend's symbols differs in the greyscale PNG: by shape, dash or lightness, not hue."""
    drawn = _drawn(*figure)
    found: dict[str, Any] = measure(drawn)
    alike = []
    for legend in found["legends"]:
        symbols = [(e["label"], _symbol(drawn.grey, e["box"])) for e in legend["entries"]]
        for (label_a, a), (label_b, b) in itertools.combinations(symbols, 2):
            if _difference(a, b) < MIN_GREY_DIFFERENCE:
                alike.append((legend["title"], label_a, label_b, round(_difference(a, b), 1)))
    assert not alike, f"legend entries alike in greyscale: {alike}"


def _measured(browser, chart: alt.TopLevelMixin) -> tuple[dict, Image.Image]:
    """A chart of a test's own, drawn as the figures are, measured as they are, and its greyscale PNG."""
    svg = printing.lay_out(print_vega_lite(chart.properties(width=200)))
    page = browser.new_page()
    page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
    found = page.evaluate(MEASURE)
    page.close()
    return found, Image.open(io.BytesIO(printing.static_files(svg, ["png"], GREY_DPI)["png"])).convert("L")


def test_the_checks_find_text_on_text_and_a_label_on_a_line(browser):
    """The checks above can fail: two labels at one place overlap, and a label written on a rule crosses it."""
    labels = pd.DataFrame({"x": [1, 1.05], "y": [1, 1], "text": ["inhibits", "activates"]})
    text = alt.Chart(labels).mark_text(fontSize=8).encode(x="x:Q", y="y:Q", text="text:N")
    rule = alt.Chart(pd.DataFrame({"y": [1]})).mark_rule().encode(y="y:Q")
    found, _ = _measured(browser, alt.layer(rule, text).properties(height=60))
    marked = [t for t in found["texts"] if "role-mark" in t["role"]]
    assert _overlap(marked[0]["box"], marked[1]["box"])
    assert any(_crosses(marked[0]["box"], line) for line in found["rules"])


def test_the_greyscale_check_fails_on_hue_alone(browser):
    """The check above can fail: two entries that differ only in hue of equal lightness (orange and pink,
    as the timeline's cycles were) are found alike."""
    data = pd.DataFrame({"x": [1, 2], "cycle": ["odd", "even"]})
    chart = (
        alt.Chart(data)
        .mark_square(size=80)
        .encode(x="x:Q", color=alt.Color("cycle:N", scale=alt.Scale(range=["#E69F00", "#CC79A7"])))
        .properties(height=40)
    )
    found, grey = _measured(browser, chart)
    a, b = (_symbol(grey, e["box"]) for e in found["legends"][0]["entries"])
    assert _difference(a, b) < MIN_GREY_DIFFERENCE
