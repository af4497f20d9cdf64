"""The printed lab figures say what they draw: captions against the drawn spec, units and titles as clinicians write
them (the figure editor's review of the PDF prints, issue 14)."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterator

import pandas as pd
import pytest

import casereport
from casereport import charts
from casereport.apps.figures import Figure
from casereport.charts import labs
from casereport.charts.placement import Box, text_box
from casereport.charts.style import FONT_SIZE, OKABE_ITO, XPoints, _positions
from casereport.data.catalogue import AFP
from casereport.derive import captions

from .conftest import CASES, SEED, SYNTHETIC, replace
from .printed import factories, printed_figure
from .test_charts import _walk

LAB_FIGURES = ("liver_enzymes", "afp", "afp_log", "all_labs")


def _marks(spec: dict | list) -> Iterator[dict]:
    """Every unit chart of a spec (a layer's, a concat's), each with its mark and encoding."""
    if isinstance(spec, dict):
        if "mark" in spec:
            yield spec
        for value in spec.values():
            yield from _marks(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from _marks(item)


def _mark_type(chart: dict) -> str:
    mark = chart["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def _drawn(spec: dict) -> dict[str, bool]:
    """What a lab figure's spec draws, in the words its caption would use."""
    charts = list(_marks(spec))
    rules = [c for c in charts if _mark_type(c) == "rule"]
    rects = [c for c in charts if _mark_type(c) == "rect"]
    return {
        "dotted limits": any(isinstance(c["mark"], dict) and c["mark"].get("strokeDash") for c in rules),
        # A treatment period spans time (x to x2); a reference range spans values (y to y2).
        "treatment shading": any("x2" in c.get("encoding", {}) for c in rects),
        "reference shading": any("y2" in c.get("encoding", {}) for c in rects),
    }


def _figures(case_name: str, width_mm: float = 85) -> dict[str, Figure]:
    return {name: f for name, f in factories(case_name, width_mm).items() if name in LAB_FIGURES}


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_each_lab_caption_names_only_what_its_figure_draws(case_name):
    """The caption's key (dotted lines, shading) matches the figure's marks: all_labs shades reference ranges and
    draws no limit lines or treatment periods, so its caption may not say it does."""
    figures = _figures(case_name)
    assert "all_labs" in figures
    for name, figure in figures.items():
        drawn = _drawn(figure.draw(200).to_dict())
        caption = figure.caption
        assert ("Dotted lines" in caption) == drawn["dotted limits"], (name, caption)
        assert ("the time on" in caption) == drawn["treatment shading"], (name, caption)
        assert ("reference range" in caption) == drawn["reference shading"], (name, caption)


def test_the_all_labs_caption_says_why_a_value_above_its_limit_is_grade_0():
    case = casereport.load_case(CASES[SEED])
    caption = captions.all_labs_caption(case, "calendar")
    assert "CTCAE v5.0's rule for an abnormal baseline" in caption
    assert "GOT (AST) at 130\u00a0U/L" in caption  # the baseline it is graded against, as stated
    assert "1.5\u00d7 that value for GOT (AST) and GPT (ALT), 2\u00d7 for gamma-GT" in caption
    assert "Not graded: values before the first dose (the baseline) and AFP (which CTCAE does not grade)." in caption
    # No value of the synthetic case is above its limit yet grade 0: nothing to explain.
    assert "abnormal baseline" not in captions.all_labs_caption(casereport.load_case(CASES[SYNTHETIC]), "calendar")


def test_captions_write_units_as_clinicians_do():
    caption = captions.all_labs_caption(casereport.load_case(CASES[SYNTHETIC]), "calendar")
    assert "10\u00b3/\u00b5L" in caption
    assert "10*3/uL" not in caption


def _grey(colour: str) -> float:
    """A colour's lightness in greyscale (0 black to 255 white), as PIL's "L" conversion weighs it."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_each_ctcae_grade_prints_visibly_and_darker_than_the_grade_below():
    """A grade 1 mark stays visible in greyscale on white and on the pale reference band (yellow was grey 213,
    nearly white), and the grades from 1 to 4 darken in turn, so that their rank reads without colour."""
    greys = [_grey(labs.GRADES[f"grade {n}"]) for n in range(1, 5)]
    assert max(greys) <= 170, greys
    assert greys == sorted(greys, reverse=True), greys
    assert set(labs.GRADES.values()) - {"#999999"} <= set(OKABE_ITO)


def _panel_titles(spec: dict) -> list[str]:
    return [panel["title"]["text"] for panel in spec["concat"]]


def test_the_panels_are_titled_by_analyte_and_unit_as_clinicians_write_them():
    """No LOINC code in the printed titles (clutter for a clinical reader); the code stays in the tooltip."""
    case = casereport.load_case(CASES[SYNTHETIC])
    spec = charts.all_labs_chart(case, columns=2).to_dict()
    assert _panel_titles(spec) == ["ALT, U/L", "leukocytes, 10\u00b3/\u00b5L"]
    tooltips = [t for chart in _marks(spec) for t in chart.get("encoding", {}).get("tooltip", [])]
    assert {"field": "loinc", "type": "nominal", "title": "LOINC"} in tooltips
    marker = charts.lab_chart(case, ["6690-2"], width=200).to_dict()
    assert {c["encoding"]["y"]["title"] for c in _marks(marker) if "title" in c.get("encoding", {}).get("y", {})} == {
        "leukocytes (10\u00b3/\u00b5L)"
    }


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_every_panel_axis_ends_at_a_labelled_round_value(case_name):
    """Each small multiple's y axis labels its top (the seed's GOT stopped at an unlabelled 140), all its values
    drawn (Vega thins given values beyond tickCount), in steps of 1, 2 or 5 times a power of ten."""
    spec = charts.all_labs_chart(casereport.load_case(CASES[case_name]), columns=1, width=200).to_dict()
    for panel in spec["concat"]:
        [y] = {json.dumps(c["encoding"]["y"], sort_keys=True) for c in _marks(panel) if "y2" not in c["encoding"]}
        axis, domain = json.loads(y)["axis"], json.loads(y)["scale"]["domain"]
        values = axis["values"]
        assert (values[0], values[-1]) == (0, domain[1]) == tuple(domain), panel["title"]
        assert axis["tickCount"] >= len(values)
        step = values[1]
        assert f"{step / 10 ** math.floor(math.log10(step)):.6g}" in {"1", "2", "5"}
        assert values == pytest.approx([n * step for n in range(len(values))])


def test_a_limit_label_names_whose_limit_it_is():
    assert labs.limit_words(["GOT (AST)", "GPT (ALT)"], "upper limit", 50.0) == ("GOT, GPT", "ULN 50")
    assert labs.limit_words(["leukocytes"], "lower limit", 4.0) == ("leukocytes", "LLN 4")


def _limit_labels(spec: dict) -> list[dict]:
    [layer] = [c for c in _marks(spec) if c["encoding"].get("text", {}).get("field") == "limit_text"]
    return spec["datasets"][layer["data"]["name"]]


PLOT_WIDTHS = (194, 447)  # points: the lab figures' plots at 85 and 174 mm


def test_the_limit_labels_say_the_same_words_at_every_width():
    """The seed's liver enzymes: "GOT, GPT ULN 50" at both widths (it was "ULN 50" at one column and "upper limit
    50" at a page's width, and named no analyte, so that in greyscale a reader could not tell whose limit it was);
    on two lines where one has no room."""
    case = casereport.load_case(CASES[SEED])
    worded = {
        width: sorted(
            row["limit_text"].replace("\n", " ")
            for row in _limit_labels(charts.liver_enzymes_chart(case, width=width).to_dict())
        )
        for width in PLOT_WIDTHS
    }
    assert worded[PLOT_WIDTHS[0]] == worded[PLOT_WIDTHS[1]] == ["GOT, GPT ULN 50", "gamma-GT ULN 60"]


@pytest.mark.parametrize("width", PLOT_WIDTHS)
@pytest.mark.parametrize("scale", ["linear", "log"])
def test_a_limit_label_keeps_clear_of_the_line(width, scale):
    """The seed's AFP: its label sat 0.3 mm (under a point) from the rising line at one column."""
    case = casereport.load_case(CASES[SEED])
    spec = charts.afp_chart(case, scale=scale, width=width).to_dict()
    [label] = _limit_labels(spec)
    height = labs.figure_height(width)
    values = case.labs[case.labs["loinc"] == AFP]
    x = XPoints(case, "calendar", width)
    placed = _positions(case, values, "calendar").sort_values("x")
    y = labs._YPoints(scale, [*values["value"], 10.0], height)
    points = list(zip(x.points(placed["x"]), map(y.points, placed["value"]), strict=True))
    centre_x = float(x.points(pd.Series([pd.Timestamp(label["x"])])).iloc[0])
    box = text_box(centre_x, y.points(label["y"]), [label["limit_text"]], FONT_SIZE - 2, align="center")
    grown = Box(box.left - 1.5, box.top - 1.5, box.right + 1.5, box.bottom + 1.5)
    assert not any(grown.crosses(segment) for segment in itertools.pairwise(points)), (label, box)


def test_the_lab_figures_say_what_they_draw_in_their_titles():
    """A log scale says so on its axis; the liver enzymes' figure of one enzyme is titled by it."""
    seed, synthetic = (casereport.load_case(CASES[name]) for name in (SEED, SYNTHETIC))
    log = charts.afp_chart(seed, scale="log", width=200).to_dict()
    assert {c["encoding"]["y"]["title"] for c in _marks(log) if "title" in c["encoding"].get("y", {})} == {
        "AFP (ng/mL, log scale)"
    }
    assert charts.liver_enzymes_chart(synthetic, width=200).to_dict()["title"] == "Alanine aminotransferase (ALT; GPT)"
    assert charts.liver_enzymes_chart(seed, width=200).to_dict()["title"] == "Liver enzymes"


def test_a_legend_inside_the_plot_leaves_the_shading_whole():
    """No white box behind a legend inside a lab figure: it took a notch out of the treatment period."""
    spec = charts.liver_enzymes_chart(casereport.load_case(CASES[SEED]), width=PLOT_WIDTHS[0]).to_dict()
    inside = [legend for legend in _walk(spec, "legend") if isinstance(legend, dict) and legend.get("orient") == "none"]
    assert inside
    assert all("fillColor" not in legend for legend in inside)


@pytest.mark.parametrize("width_mm", [85, 174])
@pytest.mark.parametrize("case_name", sorted(CASES))
def test_the_small_multiples_are_no_taller_than_half_the_figure_for_plots_needs(case_name, width_mm):
    """The panels' plots take at least half the figure (a journal's rule) and not much more, so that one column
    of the seed's four panels is not most of a page (it was 193 mm tall); and the provenance legend starts at the
    left over the grades' (under the last panel it sat under the right column, apart from them)."""
    figure = _figures(case_name, width_mm)["all_labs"]
    drawing = printed_figure(case_name, "all_labs", width_mm)
    spec = drawing.spec
    panels = spec["concat"]
    plots = sum(panel["width"] * panel["height"] for panel in panels)
    width, height = (float(re.search(rf'<svg[^>]* {side}="([\d.]+)"', drawing.svg)[1]) for side in ("width", "height"))
    assert 0.5 <= plots / (width * height) <= 0.56, (plots / (width * height), height * 25.4 / 72)
    with_values_legend = [n for n, panel in enumerate(panels) if "Values" in json.dumps(panel)]
    last_row = (len(panels) - 1) // figure.columns * figure.columns
    assert with_values_legend == [last_row]


def test_a_page_lab_view_names_each_limit_once_and_close_limits_on_either_side_of_their_rules():
    """The dashboard's lab view (no figure layout): the seed's GOT and GPT share ULN 50, one label; gamma-GT's 60
    is written above its rule and the 50 below its own, so the two names do not cover each other."""
    case = casereport.load_case(CASES[SEED])
    chart = charts.lab_chart(case, ["1920-8", "1742-6", "2324-2"], standalone=False, domain_param=charts.BRUSH)
    spec = chart.to_dict()
    named = {}
    for layer in spec["layer"]:
        mark = layer.get("mark", {})
        if (
            isinstance(mark, dict)
            and mark.get("type") == "text"
            and layer["encoding"].get("y", {}).get("field") == ("limit_value")
        ):
            rows = spec["datasets"][layer["data"]["name"]]
            named |= {row["limit_text"]: (row["limit_value"], mark["baseline"]) for row in rows}
    assert named == {"gamma-GT ULN 60": (60, "bottom"), "GOT, GPT ULN 50": (50, "top")}


@pytest.fixture
def year_dated_afp(editable_case):
    """The seed case with one AFP value dated only to its year (lab038, "2010"), as a paper may give it."""
    case_dir = editable_case(SEED)
    replace(case_dir / "labs.csv", "lab038,1834-1,4.3,ng/mL,2010-01,", "lab038,1834-1,4.3,ng/mL,2010,")
    return casereport.load_case(case_dir)


def _rows(spec: dict, chart: dict) -> list[dict]:
    return spec["datasets"][chart["data"]["name"]]


def test_a_value_dated_only_to_a_year_is_drawn_across_it_and_not_joined(year_dated_afp):
    """At its year's middle and joined by the line, AFP "2010" read as a July value between June's and July's;
    it is drawn across the year between two caps, the line passing it by, and the caption says why."""
    case = year_dated_afp
    for chart in (charts.afp_chart(case, width=300), charts.all_labs_chart(case, width=200, columns=2)):
        spec = chart.to_dict()
        drawn = list(_marks(spec))
        lines = [c for c in drawn if _mark_type(c) == "line"]
        assert lines
        assert not [row for c in lines for row in _rows(spec, c) if row["when"].startswith("2010")]
        across = [c for c in drawn if _mark_type(c) == "rule" and "x2" in c["encoding"]]
        [rule] = [row for c in across for row in _rows(spec, c)]
        assert (rule["when"], rule["value"]) == ("2010 (date illustrative)", 4.3)
        assert (rule["x_start"][:10], rule["x_end"][:10]) == ("2010-01-01", "2011-01-01")
        caps = [row for c in drawn if _mark_type(c) == "tick" for row in _rows(spec, c)]
        assert sorted(row["x_cap"][:10] for row in caps) == ["2010-01-01", "2011-01-01"]
    caption = captions.labs_caption(case, [AFP], "calendar")
    assert "not joined by the line" in caption
    assert "AFP in 2010 (date illustrative)" in caption
    # The seed's values, dated to the month, are all joined: nothing is drawn across.
    seed = charts.afp_chart(casereport.load_case(CASES[SEED]), width=300).to_dict()
    assert not [c for c in _marks(seed) if _mark_type(c) == "tick"]
    assert "not joined" not in captions.labs_caption(casereport.load_case(CASES[SEED]), [AFP], "calendar")
