"""The figures and the dashboard choose their panels from the case: its own tumour marker, its liver enzymes.

Three cases: the seed case (hepatocellular carcinoma: AFP and GOT, GPT,
gamma-GT), the synthetic one (ALT and leukocytes, no marker) and the example
``casereport new`` writes (colorectal cancer: CEA alone), plus a case that
declares a marker the catalogue lacks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import casereport
from casereport import charts
from casereport.apps.dashboard import CaseDashboard, chart_data_html
from casereport.apps.figures import Figure, figure_factories, write_figures
from casereport.charts.placement import text_width
from casereport.data.catalogue import known_analytes
from casereport.data.new_case import new_case_folder
from casereport.derive.panels import analyte_title, liver_enzymes, tumour_markers

from .conftest import CASES, SEED, SYNTHETIC, replace
from .test_own_analytes import HEADER, SCC, _add_lab, _declare

AFP, CEA, SCC_AG = "1834-1", "2039-6", "9679-2"
OWN_HEADER = "loinc,loinc_name,name,unit,lower_limit,upper_limit,panel,provenance,quote,rule\n"
SCC_MARKER = (
    "9679-2,Squamous cell carcinoma Ag [Mass/volume] in Serum or Plasma,SCC antigen,ng/mL,,1.5,tumour marker,"
    "derived,,The laboratory's limit as the authors cite it.\n"
)


@pytest.fixture(scope="module")
def cea_case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example case `casereport new` writes: metastatic colorectal cancer followed by CEA."""
    folder = tmp_path_factory.mktemp("new") / "cea-case"
    new_case_folder(folder)
    return folder


def _view_titles(spec: dict) -> list[str]:
    return [v["title"] if isinstance(v.get("title"), str) else v.get("title", {}).get("text") for v in spec["vconcat"]]


def _scales(spec: object) -> list[dict]:
    if isinstance(spec, dict):
        found = [spec["scale"]] if isinstance(spec.get("scale"), dict) else []
        return found + [s for value in spec.values() for s in _scales(value)]
    if isinstance(spec, list):
        return [s for item in spec for s in _scales(item)]
    return []


def test_the_catalogue_knows_the_common_tumour_markers_and_liver_enzymes():
    panels = {loinc: analyte.panel for loinc, analyte in known_analytes().items()}
    assert {panels[c] for c in (AFP, CEA, "24108-3", "10334-1", "2857-1")} == {"tumour marker"}
    assert {panels[c] for c in ("1920-8", "1742-6", "2324-2", "6768-6")} == {"liver enzymes"}
    assert panels["2160-0"] != "tumour marker"  # creatinine: a value followed, not a marker


@pytest.mark.parametrize(
    ("name", "markers", "enzymes"),
    [(SEED, [AFP], ["1920-8", "1742-6", "2324-2"]), (SYNTHETIC, [], ["1742-6"])],
)
def test_markers_and_enzymes_of_the_bundled_cases_come_from_the_catalogue(name, markers, enzymes):
    case = casereport.load_case(CASES[name])
    assert tumour_markers(case) == markers
    assert liver_enzymes(case) == enzymes


def test_the_new_case_example_has_cea_and_no_liver_enzymes(cea_case_dir):
    case = casereport.load_case(cea_case_dir)
    assert tumour_markers(case) == [CEA]
    assert liver_enzymes(case) == []
    assert analyte_title(case, CEA) == "Carcinoembryonic antigen (CEA)"


def test_a_marker_declared_without_values_gets_no_view(editable_case):
    case_dir = editable_case(SEED)
    labs = case_dir / "labs.csv"
    labs.write_text(
        "".join(line for line in labs.read_text(encoding="utf-8").splitlines(True) if f",{AFP}," not in line),
        encoding="utf-8",
    )
    case = casereport.load_case(case_dir)
    assert AFP in set(case.analytes["loinc"])
    assert tumour_markers(case) == []
    assert "afp" not in figure_factories(case, axis="calendar", width_points=240)


def test_a_declared_analyte_is_a_marker_when_the_case_says_so(editable_case):
    case_dir = editable_case(SYNTHETIC)
    (case_dir / "own_analytes.csv").write_text(OWN_HEADER + SCC_MARKER, encoding="utf-8")
    _add_lab(case_dir, SCC_AG, "2.4", "ng/mL")
    assert casereport.validate_case(case_dir) == []
    case = casereport.load_case(case_dir)
    assert tumour_markers(case) == [SCC_AG]
    assert analyte_title(case, SCC_AG) == "SCC antigen"  # the case's name: the catalogue has none
    figures = figure_factories(case, axis="calendar", width_points=240)
    assert isinstance(figures["scc_antigen"], Figure)
    assert isinstance(figures["scc_antigen_log"], Figure)
    assert "SCC antigen" in _view_titles(charts.dashboard_chart(case).to_dict())


def test_a_declared_analyte_without_a_panel_is_no_marker_and_the_column_may_be_left_out(editable_case):
    case_dir = editable_case(SYNTHETIC)
    _declare(case_dir, SCC)  # the header without 'panel', as files written before the column was
    _add_lab(case_dir, SCC_AG, "2.4", "ng/mL")
    assert HEADER.count(",panel,") == 0
    assert casereport.validate_case(case_dir) == []
    case = casereport.load_case(case_dir)
    assert tumour_markers(case) == []
    assert SCC_AG in set(case.analytes["loinc"])


def test_a_panel_that_is_not_one_is_named(editable_case):
    case_dir = editable_case(SYNTHETIC)
    (case_dir / "own_analytes.csv").write_text(
        OWN_HEADER + SCC_MARKER.replace("tumour marker", "tumor markers"), encoding="utf-8"
    )
    (problem,) = casereport.validate_case(case_dir)
    assert (problem.file, problem.field) == ("own_analytes.csv", "panel")
    assert problem.hint is not None
    assert "tumour marker" in problem.hint


def test_the_seed_case_figures_are_its_liver_enzymes_and_afp():
    case = casereport.load_case(CASES[SEED])
    figures = figure_factories(case, axis="calendar", width_points=240)
    drawn = {name for name, figure in figures.items() if isinstance(figure, Figure)}
    assert {"liver_enzymes", "afp", "afp_log"} <= drawn
    assert not {name for name in figures if name.startswith("cea")}


def test_the_new_case_figures_are_cea_and_no_liver_enzymes(cea_case_dir, tmp_path):
    manifest = write_figures(case_dir=cea_case_dir, output_dir=tmp_path, formats="svg")
    figures = {entry["figure"] for entry in manifest["files"]}
    assert {"cea", "cea_log"} <= figures
    assert not figures & {"afp", "afp_log", "liver_enzymes"}
    assert "liver_enzymes" in {entry["figure"] for entry in manifest["skipped"]}
    written = {path.name for path in tmp_path.glob("*.svg")}
    assert "cea-case-cea-calendar.svg" in written
    assert not [name for name in written if "afp" in name or "liver" in name]  # no placeholder either
    assert "Carcinoembryonic antigen (CEA)" in (tmp_path / "cea-case-cea-calendar.svg").read_text(encoding="utf-8")


def test_the_dashboard_of_the_new_case_has_a_cea_view_and_no_afp_view(cea_case_dir):
    case = casereport.load_case(cea_case_dir)
    spec = charts.dashboard_chart(case, marker_scale="log").to_dict()
    titles = _view_titles(spec)
    assert "Carcinoembryonic antigen (CEA)" in titles
    assert not [t for t in titles if t and ("Alpha-fetoprotein" in t or t.startswith("Labs"))]
    assert "AFP" not in spec["description"]
    assert any(s.get("type") == "log" for s in _scales(spec))
    printed = _view_titles(charts.print_summary_chart(case).to_dict())
    assert "Carcinoembryonic antigen (CEA)" in printed


def test_the_seed_dashboard_keeps_its_afp_view():
    titles = _view_titles(charts.dashboard_chart(casereport.load_case(CASES[SEED])).to_dict())
    assert "Alpha-fetoprotein (AFP)" in titles
    assert "Labs (brush the timeline to zoom)" in titles


def test_the_dashboard_page_names_the_cases_marker(cea_case_dir):
    case = casereport.load_case(cea_case_dir)
    dashboard = CaseDashboard(case)
    assert dashboard.widget() is not None
    assert dashboard.marker_scale.description == "CEA scale"
    assert dashboard.analyte_boxes == {}  # CEA is no checkbox of the lab view: it has a view of its own
    data = chart_data_html(case, dashboard._analytes())
    assert "Carcinoembryonic antigen (CEA) (1 rows)" in data
    assert "Alpha-fetoprotein" not in data
    assert "Labs (" not in data


def test_the_manifest_says_why_a_case_without_a_marker_has_no_marker_figure():
    case = casereport.load_case(CASES[SYNTHETIC])
    figures = figure_factories(case, axis="calendar", width_points=240)
    assert isinstance(figures["tumour_marker"], str)
    assert "no tumour marker" in figures["tumour_marker"]
    assert not [name for name in figures if "afp" in name]


@pytest.fixture
def zero_afp_case(editable_case) -> Path:
    """The seed case with one AFP value of 0 (a marker below detection, as a paper may give it)."""
    case_dir = editable_case(SEED)
    replace(case_dir / "labs.csv", "lab038,1834-1,4.3,", "lab038,1834-1,0,")
    return case_dir


def test_a_marker_with_a_zero_value_gets_no_log_figure_and_says_why(zero_afp_case):
    case = casereport.load_case(zero_afp_case)
    figures = figure_factories(case, axis="calendar", width_points=241)
    assert isinstance(figures["afp"], Figure)
    assert figures["afp_log"] == (
        "a log scale cannot show AFP 0\u00a0ng/mL in Jan 2010 (date illustrative); the afp figure shows it on a"
        " linear scale"
    )


@pytest.mark.parametrize("standalone", [True, False])
def test_a_marker_asked_on_a_log_scale_with_a_zero_value_is_drawn_linear_and_says_why(zero_afp_case, standalone):
    """The dashboard's log toggle (and a notebook's log chart): the zero is kept, on a linear scale, and the
    view's title says why; Vega would leave it out of a log scale unsaid."""
    chart = charts.marker_chart(casereport.load_case(zero_afp_case), "1834-1", scale="log", standalone=standalone)
    spec = chart.to_dict()
    assert "log" not in str([layer.get("encoding", {}).get("y", {}).get("scale") for layer in spec["layer"]])
    assert spec["title"]["text"] == "Alpha-fetoprotein (AFP): linear scale"
    assert (
        " ".join(spec["title"]["subtitle"])
        == "A log scale cannot show AFP 0\u00a0ng/mL in Jan 2010 (date illustrative)."
    )
    # The why in lines no wider than the plot: a narrow view has more of them.
    for width in (320, 120):
        narrow = charts.marker_chart(
            casereport.load_case(zero_afp_case), "1834-1", scale="log", standalone=standalone, width=width
        ).to_dict()["title"]["subtitle"]
        assert all(text_width(line, charts.FONT_SIZE) <= width for line in narrow), narrow
    assert len(narrow) > len(spec["title"]["subtitle"])
    seed = charts.marker_chart(casereport.load_case(CASES[SEED]), "1834-1", scale="log", standalone=standalone)
    assert "'type': 'log'" in str(seed.to_dict()["layer"])
