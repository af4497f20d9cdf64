"""Chart specs: marks, encodings, named params, limits from the case, compiled and rendered."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import vl_convert as vlc

import casereport
from casereport import charts
from casereport.charts.imaging import NO_FINDINGS
from casereport.charts.style import _positions
from casereport.data.catalogue import AFP, LIVER_ENZYMES
from casereport.derive.response import recist_response

from .conftest import CASES, SEED

AXES = ["calendar", "relative"]


def _datasets(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _walk(spec, key):
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(spec, list):
        for item in spec:
            yield from _walk(item, key)


def _all_charts(case, axis):
    made = {
        "timeline": charts.timeline_chart(case, axis=axis),
        "imaging": charts.imaging_chart(case, axis=axis),
        "all_labs": charts.all_labs_chart(case, axis=axis),
    }
    if set(case.labs["loinc"]) & set(LIVER_ENZYMES):
        made["liver_enzymes"] = charts.liver_enzymes_chart(case, axis=axis)
    if AFP in set(case.labs["loinc"]):
        made["afp"] = charts.afp_chart(case, axis=axis, scale="log")
    return made


@pytest.mark.parametrize("axis", AXES)
def test_every_spec_compiles(case_dir, axis):
    case = casereport.load_case(case_dir)
    for name, chart in _all_charts(case, axis).items():
        vega = vlc.vegalite_to_vega(chart.to_dict())
        assert vega["marks"], name


def test_timeline_names_its_selections(case_dir):
    spec = charts.timeline_chart(casereport.load_case(case_dir)).to_dict()
    names = {p["name"] for p in _walk(spec, "params") for p in p}
    assert {charts.BRUSH, charts.STAGING_PICK} <= names


def test_timeline_has_a_lane_per_drug_and_every_event(case_dir):
    case = casereport.load_case(case_dir)
    rows = _datasets(charts.timeline_chart(case).to_dict())
    lanes = {r.get("lane") for r in rows}
    assert {d.capitalize() for d in case.regimens["drug"]} <= lanes
    assert set(case.events["id"]) <= {r.get("id") for r in rows}


def test_limit_rules_are_the_cases_own(case_dir):
    case = casereport.load_case(case_dir)
    loincs = [loinc for loinc in LIVER_ENZYMES if loinc in set(case.labs["loinc"])]
    spec = charts.liver_enzymes_chart(case).to_dict()
    limits = {(r["analyte"], r["limit_value"]) for r in _datasets(spec) if "limit_value" in r}
    expected = {
        (a, u) for a, u in case.analytes.set_index("loinc").loc[loincs, ["name", "upper_limit"]].itertuples(index=False)
    }
    assert expected <= limits
    assert "rule" in {m if isinstance(m, str) else m.get("type") for m in _walk(spec, "mark")}


def test_illustrative_values_are_drawn_hollow():
    case = casereport.load_case(CASES[SEED])
    spec = charts.afp_chart(case).to_dict()
    conditions = [c for c in _walk(spec, "fill") if isinstance(c, dict) and "condition" in c]
    assert any(
        "illustrative" in json.dumps(c["condition"]) and c["condition"].get("value") == "white" for c in conditions
    )
    provenance = {r["provenance"] for r in _datasets(spec) if "value" in r and "provenance" in r}
    assert {"reported", "illustrative"} <= provenance


def test_tooltips_give_value_unit_date_grade_provenance(case_dir):
    spec = charts.all_labs_chart(casereport.load_case(case_dir)).to_dict()
    fields = {t.get("field") for tips in _walk(spec, "tooltip") if isinstance(tips, list) for t in tips}
    assert {"value", "unit", "when", "grade", "provenance", "source"} <= fields


def test_afp_log_scale():
    spec = charts.afp_chart(casereport.load_case(CASES[SEED]), scale="log").to_dict()
    assert any(s.get("type") == "log" for s in _walk(spec, "scale") if isinstance(s, dict))


@pytest.mark.parametrize("axis", AXES)
def test_rendered_svg_carries_titles_and_axis_labels(case_dir, axis):
    case = casereport.load_case(case_dir)
    svg = vlc.vegalite_to_svg(charts.timeline_chart(case, axis=axis).to_dict())
    assert "Case timeline" in svg
    reference = case.event(case.reference_event)["label"]
    # A figure's calendar axis is untitled, its first label giving the year; the dashboard's says "Date".
    first_year = str(min(case.events["date_earliest"]).year)
    title = [first_year] if axis == "calendar" else f"Days since {reference}".split()
    assert all(word in svg for word in title)
    if axis == "calendar":
        assert "Date" in vlc.vegalite_to_svg(charts.timeline_chart(case, axis=axis, labelled=False).to_dict())
    labs_svg = vlc.vegalite_to_svg(charts.all_labs_chart(case, axis=axis).to_dict())
    for analyte in case.analytes["name"]:
        assert analyte in labs_svg
    # Every printed figure's calendar is untitled alike (the lab figures' too); a chart within a page says "Date".
    loinc = case.labs["loinc"].iloc[0]
    figure_svg = vlc.vegalite_to_svg(charts.lab_chart(case, [loinc], axis=axis).to_dict())
    within_svg = vlc.vegalite_to_svg(charts.lab_chart(case, [loinc], axis=axis, standalone=False).to_dict())
    for svg in (labs_svg, figure_svg):
        assert ">Date</text>" not in svg
    assert (">Date</text>" in within_svg) == (axis == "calendar")


@pytest.mark.parametrize("axis", AXES)
def test_every_record_lies_inside_the_shared_x_extent(case_dir, axis):
    """The padded extent keeps the first and last marks whole, not cut in half at the plot edge."""
    case = casereport.load_case(case_dir)
    low, high = (
        charts.x_extent(case, axis)
        if axis == "relative"
        else [pd.Timestamp(d.year, d.month, d.date) for d in charts.x_extent(case, axis)]
    )
    for frame in (case.events, case.labs, case.findings, case.administrations):
        positions = _positions(case, frame, axis)
        assert (positions["x_start"] > low).all()
        assert (positions["x_end"] < high).all()


def test_imaging_grid_has_a_cell_per_finding_and_the_recist_row(case_dir):
    case = casereport.load_case(case_dir)
    spec = charts.imaging_chart(case, table=False).to_dict()
    rows = _datasets(spec)
    assert set(case.findings["id"]) <= {r.get("id") for r in rows}
    categories = {r["staging"]: r["category_text"] for r in rows if "category_text" in r}
    response = recist_response(case)
    assert set(categories) == set(response["staging"])
    for staging, category in zip(response["staging"].iloc[1:], response["category"].iloc[1:], strict=True):
        assert categories[staging].replace("\n", "") == category  # drawn on two lines where long
    sites = next(y for y in _walk(spec, "y") if isinstance(y, dict) and y.get("field") == "site_kind")
    assert sites["scale"]["domain"] == [charts.RECIST_ROW, *dict.fromkeys(case.findings["site_kind"])]


def test_imaging_table_has_each_finding_in_its_cell_and_the_recist_row(case_dir):
    """The printed imaging figure: a cell per site and staging holding its findings, the categories in a row."""
    case = casereport.load_case(case_dir)
    rows = _datasets(charts.imaging_chart(case).to_dict())
    cells = {(r["site_kind"], r["staging"]): r["ids"].split(", ") for r in rows if r.get("kind") == "finding"}
    for finding in case.findings.itertuples():
        assert finding.id in cells[(finding.site_kind, finding.staging)]
    categories = {r["staging"]: r["category"] for r in rows if r.get("kind") == "category"}
    response = recist_response(case)
    assert categories == dict(zip(response["staging"], response["category"].fillna("none"), strict=True))
    sites = [r["text"] for r in sorted((r for r in rows if r.get("kind") == "site"), key=lambda r: r["y"])]
    assert " ".join(sites) == " ".join([charts.RECIST_ROW, *dict.fromkeys(case.findings["site_kind"])])


def test_month_precise_staging_keeps_its_precision_in_the_heading():
    """6 weeks after a start in September 2009 is 13 Oct to 11 Nov: headed by those months and its week."""
    case = casereport.load_case(CASES[SEED])
    labels = {r["staging_label"] for r in _datasets(charts.imaging_chart(case).to_dict()) if "staging_label" in r}
    assert "Oct\u2013Nov 2009|week 6" in labels
    assert "Jan 2010" in labels


def test_a_standalone_lab_chart_zooms_along_time_and_a_linked_one_follows_the_brush():
    case = casereport.load_case(CASES[SEED])
    alone = charts.afp_chart(case).to_dict()
    zoom = [p for params in _walk(alone, "params") for p in params if p["name"] == charts.LAB_ZOOM]
    assert zoom
    assert zoom[0]["bind"] == "scales"
    linked = charts.afp_chart(case, domain_param=charts.BRUSH, standalone=False).to_dict()
    assert not [p for params in _walk(linked, "params") for p in params if p["name"] == charts.LAB_ZOOM]
    assert {"param": charts.BRUSH} in list(_walk(linked, "domain"))


@pytest.mark.parametrize("table", [True, False])
@pytest.mark.parametrize("axis", AXES)
def test_imaging_of_a_case_without_findings_says_so(no_imaging_case, table, axis):
    """An author's case may have no imaging: the grid and the table say there is none, and still compile."""
    case = casereport.load_case(no_imaging_case)
    assert case.findings.empty
    spec = charts.imaging_chart(case, axis=axis, table=table).to_dict()
    assert [row["text"] for row in _datasets(spec)] == [NO_FINDINGS]
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert "no imaging findings" in svg
    # The brushed grid of the linked views, too.
    charts.imaging_chart(case, axis=axis, brush="b", standalone=False).to_dict()


def _lane_domain(chart) -> list[str]:
    """The timeline's lanes, top to bottom: the y domain its layers share."""
    spec = chart.to_dict()
    domains = [
        layer["encoding"]["y"]["scale"]["domain"]
        for layer in spec["layer"]
        if "domain" in layer.get("encoding", {}).get("y", {}).get("scale", {})
    ]
    assert domains, "the timeline names its lanes in a y domain"
    return domains[0]


def test_a_case_without_stagings_has_no_empty_stagings_lane(no_imaging_case):
    with_stagings = casereport.load_case(no_imaging_case)
    assert "Stagings" in _lane_domain(charts.timeline_chart(with_stagings, standalone=False))
    events = no_imaging_case / "events.csv"
    rows = events.read_text(encoding="utf-8").splitlines()
    events.write_text("\n".join(r for r in rows if ",staging," not in r) + "\n", encoding="utf-8")
    (no_imaging_case / "statements.yaml").write_text("[]\n", encoding="utf-8")  # its statements are at stagings
    without = casereport.load_case(no_imaging_case)
    lanes = _lane_domain(charts.timeline_chart(without, standalone=False))
    assert "Stagings" not in lanes
    assert lanes[-1] == "Events"


CHART_FUNCTIONS = {
    "timeline": lambda case, **options: charts.timeline_chart(case, **options),
    "liver_enzymes": lambda case, **options: charts.liver_enzymes_chart(case, **options),
    "afp": lambda case, **options: charts.afp_chart(case, **options),
    "all_labs": lambda case, **options: charts.all_labs_chart(case, **options),
    "imaging": lambda case, **options: charts.imaging_chart(case, **options),
    "rationale": lambda case, **options: charts.rationale_chart(case, **options),
    "dashboard": lambda case, **options: charts.dashboard_chart(case, **options),
    "print_summary": lambda case, **options: charts.dashboard.print_summary_chart(case, **options),
}
BAD_OPTIONS = [
    ("timeline", {"axis": "days"}, "axis"),
    ("dashboard", {"axis": "Calendar"}, "axis"),
    ("imaging", {"axis": None}, "axis"),
    ("timeline", {"width": 0}, "width"),
    ("liver_enzymes", {"width": -320}, "width"),
    ("imaging", {"width": float("nan")}, "width"),
    ("rationale", {"width": "560"}, "width"),
    ("print_summary", {"width": float("inf")}, "width"),
    ("all_labs", {"height": 0}, "height"),
    ("timeline", {"text_size": -9}, "text_size"),
    ("rationale", {"row_height": 0}, "row_height"),
    ("afp", {"scale": "ln"}, "scale"),
    ("dashboard", {"marker_scale": "Log"}, "scale"),
    ("print_summary", {"marker_scale": "symlog"}, "scale"),
    ("all_labs", {"columns": 0}, "columns"),
    ("all_labs", {"columns": 1.5}, "columns"),
    ("all_labs", {"columns": True}, "columns"),
]


@pytest.mark.parametrize(("chart", "options", "named"), BAD_OPTIONS)
def test_a_chart_option_no_chart_can_be_drawn_with_is_named(chart, options, named):
    """A misspelt axis or scale, a width of nothing: the chart function says which option, where it drew a chart
    on the other axis, a spec Vega-Lite refuses, or divided by zero."""
    case = casereport.load_case(CASES[SEED])
    with pytest.raises(casereport.ParameterError) as raised:
        CHART_FUNCTIONS[chart](case, **options)
    assert raised.value.parameter == named
