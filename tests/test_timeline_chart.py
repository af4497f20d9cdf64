"""The timeline as printed and on the dashboard: dose days drawn as whole runs, month-precise dates explained,
legends that match their marks, drug names in one place, and only the month labels that are drawn."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest
import vl_convert as vlc

import casereport
from casereport import charts
from casereport.charts.dashboard import NOMINAL_WIDTH
from casereport.charts.timeline import RANGE_TEXT
from casereport.derive import captions

from .conftest import CASES, SEED, SYNTHETIC, replace

# Plot widths in points: the figures' at 85 and 174 mm, and between them.
PLOT_WIDTHS = (230, 330, 483)


def _datasets(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _dose_bars(case) -> pd.DataFrame:
    rows = [r for r in _datasets(charts.timeline_chart(case).to_dict()) if "cycle_parity" in r]
    return pd.DataFrame(rows).assign(
        x_start=lambda f: pd.to_datetime(f["x_start"], format="ISO8601"),
        x_end=lambda f: pd.to_datetime(f["x_end"], format="ISO8601"),
    )


def test_consecutive_dose_days_are_one_bar_and_no_two_bars_overlap(case_dir):
    """A bar per day printed its seams as stripes, and squeezed pale days overlapping printed a third tone."""
    case = casereport.load_case(case_dir)
    bars = _dose_bars(case)
    for lane, drawn in bars.groupby("lane"):
        drawn = drawn.sort_values("x_start")
        assert (drawn["x_end"].iloc[:-1].to_numpy() <= drawn["x_start"].iloc[1:].to_numpy()).all(), lane
        # Every planned day is in one bar.
        assert drawn["days"].sum() == (case.administrations["drug"].str.capitalize() == lane).sum()
    if case_dir == CASES[SEED]:
        # Sorafenib daily: one bar of certain days, one of days that may follow the end of observation.
        sorafenib = bars[bars["lane"] == "Sorafenib"]
        assert sorted(sorafenib["certainty"]) == ["certain", "possible"]
        # Panobinostat on days 1, 4, 8 and 11: no two are consecutive, so each has a bar.
        assert (bars.loc[bars["lane"] == "Panobinostat", "days"] == 1).all()


def test_a_date_known_only_to_the_month_has_a_line_and_a_legend_entry(case_dir):
    """The seed case's month-precise dates are explained on the figure; the synthetic case gives every day."""
    case = casereport.load_case(case_dir)
    vega = vlc.vegalite_to_vega(charts.timeline_chart(case).to_dict())
    labelled = [legend for legend in vega.get("legends", []) if "stroke" in legend]
    month_precise = (case.events["date_earliest"] != case.events["date_latest"]).any()
    assert bool(labelled) == month_precise
    ranged = [r for r in _datasets(charts.timeline_chart(case).to_dict()) if r.get("range") == RANGE_TEXT]
    assert {r["id"] for r in ranged} == set(case.events.loc[case.events["precision"] == "month", "id"])


def test_the_dose_legends_show_the_marks_as_drawn():
    """Vega-Lite draws a legend's swatches at 0.7 opacity unless told: paler than the bars they stand for."""
    case = casereport.load_case(CASES[SEED])
    vega = vlc.vegalite_to_vega(charts.timeline_chart(case).to_dict())
    swatches = [legend for legend in vega["legends"] if legend.get("title") in ("Planned dose days", "Planned dose")]
    assert len(swatches) == 2
    assert all(legend["symbolOpacity"] == 1 and "encode" not in legend for legend in swatches)
    opacity = next(s for s in vega["scales"] if s["name"].endswith("opacity"))
    assert opacity["range"][0] == 1


@pytest.mark.parametrize("width", PLOT_WIDTHS)
def test_each_drug_is_named_above_its_lane_at_every_width(case_dir, width):
    case = casereport.load_case(case_dir)
    spec = charts.timeline_chart(case, width=width).to_dict()
    names = [r for r in _datasets(spec) if r.get("kind") == "lane"]
    assert {r["text"] for r in names} == {d.capitalize() for d in case.regimens["drug"]}
    assert all(r["row"] == f"{r['text']} name" and r["align"] == "left" for r in names)


@pytest.mark.parametrize("width", PLOT_WIDTHS)
def test_no_month_label_is_hidden(case_dir, width):
    """Vega hides labels that overlap, but keeps them in the drawing (and a PDF's text): none should need it."""
    case = casereport.load_case(case_dir)
    svg = vlc.vegalite_to_svg(charts.timeline_chart(case, width=width).to_dict())
    axis = svg[svg.find("role-axis-label") :]
    labels = re.findall(r'opacity="([^"]*)">([^<]*)<', axis[: axis.find("</g>")])
    assert labels
    assert [text for opacity, text in labels if opacity == "0"] == []


@pytest.mark.parametrize("standalone", [True, False], ids=["figure", "dashboard"])
@pytest.mark.parametrize(("diagnosed", "ended"), [(2021, 2022), (2021, 2023), (2021, 2024), (2021, 2026), (2013, 2026)])
def test_a_long_course_ticks_the_same_months_every_year(editable_case, diagnosed, ended, standalone):
    """Month ticks are a step that divides the year, or whole years, in a figure and on the dashboard: every 11
    months ticked January and December (a course of about nine years), every 5 Jan, Jun, Nov and then Apr."""
    case_dir = editable_case(SYNTHETIC)
    events = case_dir / "events.csv"
    text = events.read_text(encoding="utf-8")
    moved = ",illustrative,,moved to test a long course"
    text = re.sub(r"(Cholangiocarcinoma diagnosed),2021-02-15,.*", rf"\1,{diagnosed}-02-15,,,,{moved}", text)
    text = re.sub(r"(End of observation),2021-08-30,.*", rf"\1,{ended}-08-30,,,,{moved}", text)
    events.write_text(text, encoding="utf-8")
    # The dashboard's timeline at the width its text is wrapped for (it is as wide as the page).
    chart = charts.timeline_chart(casereport.load_case(case_dir), standalone=standalone, width=NOMINAL_WIDTH)
    svg = vlc.vegalite_to_svg(chart.to_dict())
    axis = svg[svg.find("role-axis-label") :]
    shown = [t for opacity, t in re.findall(r'opacity="([^"]*)">([^<]*)<', axis[: axis.find("</g>")]) if opacity != "0"]
    # A label names its year where the year turns ("Sep 2021", "Jan 2022", "May"): months counted from year 0.
    months: list[int] = []
    year = 0
    for label in shown:
        name, _, named_year = label.partition(" ")
        month = pd.Timestamp(f"1 {name} 2000").month
        year = int(named_year) if named_year else year + (bool(months) and month <= months[-1] % 12 + 1)
        months.append(year * 12 + month - 1)
    steps = {b - a for a, b in itertools.pairwise(months)}
    assert len(steps) == 1, shown
    (step,) = steps
    assert 12 % step == 0 or step % 12 == 0, shown


def _texts(svg: str) -> dict[str, str]:
    """Each text element of an SVG drawing, by its words (its lines joined by a space): its markup."""
    markups = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.DOTALL)
    return {" ".join(re.sub(r"<[^>]+>", " ", markup).split()): markup for markup in markups}


def _at_width(spec: object, width: int) -> object:
    """The dashboard's spec with every view ``width`` wide (on the page, each takes the page's width)."""
    if isinstance(spec, dict):
        return {k: width if v == "container" else _at_width(v, width) for k, v in spec.items()}
    return [_at_width(v, width) for v in spec] if isinstance(spec, list) else spec


def test_a_long_drug_name_is_named_whole_on_the_dashboards_timeline(editable_case):
    """A lane's name longer than the axis has room for (trastuzumab deruxtecan) is set on two lines, where Vega
    cut it short ("Trastuzumab deru…"); a name that fits keeps its one line."""
    case_dir = editable_case(SEED)
    for name in ("regimens.yaml", "mechanisms.csv"):
        path = case_dir / name
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(drug: |,)sorafenib(,|\n)", r"\1trastuzumab deruxtecan\2", text), "utf-8")
    spec = charts.dashboard_chart(casereport.load_case(case_dir)).to_dict()
    svg = vlc.vegalite_to_svg(_at_width(spec, NOMINAL_WIDTH))
    texts = _texts(svg)
    assert not [t for t in texts if t.endswith("\u2026")]
    assert texts["Trastuzumab deruxtecan"].count("<tspan") == 2
    assert "<tspan" not in texts["Panobinostat"]
    # Its lanes made room for the second line: the timeline is taller than the seed's, with as many lanes.
    seed = charts.dashboard_chart(casereport.load_case(CASES[SEED])).to_dict()
    assert spec["vconcat"][0]["height"] > seed["vconcat"][0]["height"]


def test_a_date_known_only_to_the_year_spans_its_year_and_the_legend_says_so(editable_case):
    """The legend said "known only to the month" of every date drawn as a span, a year-dated event's too."""
    case_dir = editable_case(SEED)
    events = case_dir / "events.csv"
    replace(
        events,
        "weight_loss_from,symptom,Weight loss begins,2010-02,",
        "weight_loss_from,symptom,Weight loss begins,2010,",
    )
    case = casereport.load_case(case_dir)
    ranged = {r["id"]: r for r in _datasets(charts.timeline_chart(case).to_dict()) if "range" in r}
    assert {r["range"] for r in ranged.values()} == {"date known only to the month or year"}
    year = ranged["weight_loss_from"]
    assert (year["x_start"][:10], year["x_end"][:10]) == ("2010-01-01", "2011-01-01")
    assert "a date the paper gives only to the month or year spans it" in captions.timeline_caption(case, "calendar")
    # A stop dated only to its year: the dose days it leaves in doubt are said to be so.
    replace(
        events,
        ",Panobinostat stopped at the patient's request,2010-05,",
        ",Panobinostat stopped at the patient's request,2010,",
    )
    assert "after a stop the paper dates only to the year." in captions.timeline_caption(
        casereport.load_case(case_dir), "calendar"
    )
    seed = casereport.load_case(CASES[SEED])
    assert "a date the paper gives only to the month spans its month" in captions.timeline_caption(seed, "calendar")
