"""Nothing in a case folder can crash the loader, escape the folder, or pass for a plausible case when it is not."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import papermill as pm
import pytest

import casereport
from casereport.apps.cli import main
from casereport.apps.parameters import FIGURES, TEACHING, checked
from casereport.exceptions import ParameterError

from .conftest import CASES, SEED, SYNTHETIC, replace


def _problems(case_dir: Path) -> list[casereport.Problem]:
    problems = casereport.validate_case(case_dir)  # never raises
    for problem in problems:
        assert problem.file, problem
        assert problem.reason, problem
    return problems


def _errors(case_dir: Path) -> list[casereport.Problem]:
    return [p for p in _problems(case_dir) if p.severity == "error"]


def _names(problems) -> str:
    return "\n".join(map(str, problems))


@pytest.mark.parametrize("file", ["labs.csv", "case.yaml", "source.txt"])
def test_bytes_that_are_not_utf8_are_named_not_a_traceback(editable_case, file):
    case_dir = editable_case(SEED)
    path = case_dir / file
    path.write_bytes(path.read_bytes().replace(b"e", b"\xe9", 1))
    errors = _errors(case_dir)
    assert any(p.file == file and "not UTF-8" in p.reason and p.line for p in errors), _names(errors)


def test_a_byte_order_mark_is_read_as_what_it_is(editable_case):
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert _errors(case_dir) == []


def test_a_semicolon_file_is_told_to_use_commas(editable_case):
    case_dir = editable_case(SYNTHETIC)
    path = case_dir / "labs.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    errors = _errors(case_dir)
    (problem,) = [p for p in errors if p.file == "labs.csv"]
    assert problem.reason == "this file uses ';' between cells"
    assert problem.hint is not None
    assert problem.hint.startswith("save it as comma-separated (CSV)")


@pytest.mark.parametrize(
    ("old", "new", "file", "reason"),
    [
        (",sorafenib_start,+6w,", ",sorafenib_start,+99999999999w,", "events.csv", "more than 100 years"),
        (
            "panobinostat_stop,regimen_stop,Panobinostat stopped at the patient's request,2010-05,",
            "panobinostat_stop,regimen_stop,Panobinostat stopped at the patient's request,9999-12,",
            "events.csv",
            "lies in the future",
        ),
        ("lab002,1920-8,46,U/L,2009-10,", "lab002,1920-8,46,U/L,0001-01-01,", "labs.csv", "before 1900"),
        ("lab002,1920-8,46,U/L,2009-10,", "lab002,1920-8,46,U/L,9999-12-31,", "labs.csv", "lies in the future"),
        ("lab002,1920-8,46,U/L,2009-10,", "lab002,1920-8,46,U/L,2015-10,", "labs.csv", "after the end of observation"),
        (
            "lab002,1920-8,46,U/L,2009-10,",
            "lab002,1920-8,46,U/L,1990-10,",
            "labs.csv",
            "years before the case's first event",
        ),
        ("lab002,1920-8,46,", "lab002,1920-8,inf,", "labs.csv", "finite number"),
        ("lab002,1920-8,46,", "lab002,1920-8,Infinity,", "labs.csv", "finite number"),
        ("lab002,1920-8,46,", "lab002,1920-8,1e308,", "labs.csv", "more than a person can have"),
        ("lab035,1834-1,8.4,ng/mL", "lab035,1834-1,84000000,ng/mL", "labs.csv", "more than a person can have"),
    ],
    ids=[
        "huge offset",
        "stop in 9999",
        "lab in year 1",
        "lab in 9999",
        "lab after the end",
        "lab long before",
        "inf",
        "Infinity",
        "1e308",
        "AFP impossible",
    ],
)
def test_implausible_dates_and_values_are_refused(editable_case, old, new, file, reason):
    case_dir = editable_case(SEED)
    replace(case_dir / file, old, new)
    errors = _errors(case_dir)
    assert any(p.file == file and reason in p.reason for p in errors), _names(errors)
    with pytest.raises(casereport.CaseValidationError):
        casereport.load_case(case_dir)


def test_an_unusual_value_is_a_warning_and_the_case_still_loads(editable_case, capsys):
    case_dir = editable_case(SEED)
    replace(case_dir / "labs.csv", "lab002,1920-8,46,", "lab002,1920-8,6000,")
    problems = _problems(case_dir)
    assert [p.severity for p in problems] == ["warning"]
    assert "unusual" in problems[0].reason
    assert problems[0].field == "value"
    assert casereport.load_case(case_dir).labs.set_index("id").at["lab002", "value"] == 6000
    assert main(["validate", str(case_dir)]) == 0
    assert "warning: labs.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("    value: 68\n", "    value: -3\n", "age_years must be"),
        ("synthetic: false\n", "synthetic: false\nsynthetic: true\n", "given twice"),
        ("case_id: gahr2012-hcc", "case_id: ../escaped", "should match pattern"),
    ],
    ids=["negative age", "key twice", "case id as a path"],
)
def test_case_yaml_facts_must_be_plausible(editable_case, old, new, reason):
    case_dir = editable_case(SEED)
    replace(case_dir / "case.yaml", old, new)
    errors = _errors(case_dir)
    assert any(p.file == "case.yaml" and reason in p.reason for p in errors), _names(errors)


def test_a_link_out_of_the_folder_is_refused_and_nothing_of_it_is_shown(editable_case, tmp_path):
    case_dir = editable_case(SEED)
    outside = tmp_path / "secret.csv"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (case_dir / "labs.csv").unlink()
    (case_dir / "labs.csv").symlink_to(outside)
    errors = _errors(case_dir)
    assert any(p.file == "labs.csv" and "link" in p.reason for p in errors), _names(errors)
    assert "root:x" not in _names(errors)


def test_a_source_text_outside_the_folder_is_refused(editable_case):
    case_dir = editable_case(SEED)
    replace(case_dir / "case.yaml", "text: source.txt", "text: ../../../../etc/passwd")
    errors = _errors(case_dir)
    assert any("outside the case folder" in p.reason for p in errors), _names(errors)
    assert "root:" not in _names(errors)


# -- notebook parameters ------------------------------------------------------------


TEACHING_NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01-presentation-and-timeline.ipynb"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"show_answers": "false"}, (None, None, False)),
        ({"show_answers": "True"}, (None, None, True)),
        ({"case_dir": "data/x", "reveal_until": "staging_2010_01"}, (Path("data/x"), "staging_2010_01", True)),
    ],
)
def test_teaching_parameters_are_read_as_meant(given, expected):
    namespace = {"case_dir": None, "reveal_until": None, "show_answers": True, "In": [], "Out": {}} | given
    assert checked(namespace, TEACHING) == expected


@pytest.mark.parametrize(
    ("spec", "given", "named"),
    [
        ("teaching", {"case_dir": 5}, "case_dir"),
        ("teaching", {"reveal_until": ["staging_2010_01"]}, "reveal_until"),
        ("teaching", {"show_answers": "maybe"}, "show_answers"),
        ("teaching", {"show_anwsers": False}, "show_anwsers"),
        ("figures", {"formats": 5}, "formats"),
        ("figures", {"width_mm": "wide"}, "width_mm"),
        ("figures", {"dpi": 300.5}, "dpi"),
    ],
)
def test_a_parameter_it_cannot_use_is_named(spec, given, named):
    defaults = {
        "teaching": {"case_dir": None, "reveal_until": None, "show_answers": True},
        "figures": {
            "case_dir": None,
            "output_dir": None,
            "formats": "svg",
            "axis": "calendar",
            "width_mm": 85,
            "dpi": 300,
        },
    }[spec]
    with pytest.raises(ParameterError) as raised:
        checked(defaults | given, TEACHING if spec == "teaching" else FIGURES)
    assert raised.value.parameter == named


def test_a_handout_with_false_as_text_hides_its_answers(tmp_path):
    out = tmp_path / "handout.ipynb"
    pm.execute_notebook(
        TEACHING_NOTEBOOK,
        out,
        parameters={"show_answers": "false"},
        kernel_name="python3",
        cwd=TEACHING_NOTEBOOK.parent,
        progress_bar=False,
    )
    text = out.read_text(encoding="utf-8")
    assert "Answer hidden" in text
    assert "**Answer.**" not in text


def test_an_unknown_notebook_parameter_stops_the_run(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as raised:
        pm.execute_notebook(
            TEACHING_NOTEBOOK,
            tmp_path / "out.ipynb",
            parameters={"show_anwsers": False},
            kernel_name="python3",
            cwd=TEACHING_NOTEBOOK.parent,
            progress_bar=False,
        )
    assert "show_anwsers" in str(raised.value)


# -- the command line -------------------------------------------------------------------


@pytest.mark.parametrize("port", ["-1", "99999", "http"])
def test_a_port_that_is_no_port_is_refused(port, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["dashboard", "--port", port])
    assert exited.value.code == 2
    assert "is not a port number" in capsys.readouterr().err


def test_a_busy_port_is_said_not_silently_replaced(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err


def test_slides_of_a_file_that_is_not_a_notebook_are_refused(capsys):
    readme = Path(__file__).resolve().parents[1] / "README.md"
    assert main(["slides", str(readme)]) == 2
    assert "is not a Jupyter notebook" in capsys.readouterr().err


def test_figure_errors_name_the_flag_the_user_typed(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--format", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "--format:" in err
    assert "formats" not in err.replace("format(s)", "")


def test_version_and_help_say_what_they_should(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert casereport.__version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "CASEREPORT_CASE" in out
    assert "CASEREPORT_ROOT" in out


def test_the_case_not_found_page_is_short_and_only_that():
    from casereport.apps.dashboard import READING_GUIDE, dashboard_page

    page = dashboard_page("case=" + "x" * 20_000, default=CASES[SEED])
    html = page.value
    assert "Case not found" in html
    assert len(html) < 2_000
    assert READING_GUIDE not in html
    assert "Reading the page" not in html


def test_an_impossible_date_in_yaml_is_a_message(editable_case):
    """Found by the fuzzing harness: YAML read 2009-02-30 as a timestamp and failed with a traceback."""
    case_dir = editable_case(SEED)
    replace(case_dir / "case.yaml", "title: Sorafenib", "title: 2009-02-30\nsubtitle: Sorafenib")
    errors = _errors(case_dir)
    assert any(p.file == "case.yaml" for p in errors), _names(errors)


def test_a_date_in_yaml_stays_text(editable_case):
    case_dir = editable_case(SEED)
    replace(
        case_dir / "case.yaml",
        "title: Sorafenib plus panobinostat in metastatic hepatocellular carcinoma",
        "title: 2009-09-15",
    )
    assert casereport.load_case(case_dir).title == "2009-09-15"


def test_a_reader_closing_the_pipe_gets_no_traceback():
    cli = Path(sys.executable).with_name("casereport")
    result = subprocess.run(
        f"'{cli}' report '{CASES[SEED]}' | head -1", shell=True, capture_output=True, text=True, check=False
    )
    assert result.stdout.startswith("# ")
    assert "Traceback" not in result.stderr


def test_a_case_that_does_not_load_gets_a_page_naming_its_problems_not_a_traceback(editable_case):
    from casereport.apps.dashboard import dashboard_page, prebuild

    case_dir = editable_case(SYNTHETIC)
    labs = case_dir / "labs.csv"
    labs.write_text(labs.read_text(encoding="utf-8").replace("1742-6", "1742-X", 1), encoding="utf-8")
    assert prebuild(case_dir) is None  # the preheated kernel starts anyway
    html = dashboard_page(None, default=case_dir).value
    assert "This case cannot be shown" in html
    assert "labs.csv" in html
    assert "1742-X" in html
    assert "Traceback" not in html


def test_a_valid_case_whose_labs_file_has_only_its_header_loads(editable_case):
    """Found in review: build_case named a lab's added columns from its first row, and there was none."""
    case_dir = editable_case(SYNTHETIC)
    labs = case_dir / "labs.csv"
    labs.write_text(labs.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    case = casereport.load_case(case_dir)
    assert case.labs.empty
    assert {"analyte", "lower_limit", "upper_limit", "limits_provenance"} <= set(case.labs.columns)


def test_a_case_without_a_regimen_is_shown_graded_and_drawn_as_one(editable_case, tmp_path, capsys):
    """A natural history (or a case whose regimens are still to be written): every command works on it, and
    what it shows says there is no treatment rather than imply one: no dose legend, no value graded on one."""
    from casereport import charts
    from casereport.apps import lessons
    from casereport.apps.case_html import clinical_html
    from casereport.apps.dashboard import CaseDashboard
    from casereport.derive.grading import NO_TREATMENT_NOTE, grade_labs

    from .test_care import _no_regimens

    case_dir = editable_case(SEED)
    _no_regimens(case_dir)
    case = casereport.load_case(case_dir)
    assert case.administrations.columns.tolist() == casereport.load_case(CASES[SEED]).administrations.columns.tolist()
    graded = grade_labs(case)
    assert graded["ctcae_grade"].isna().all()
    # Not called a baseline, nor "before the first dose": there is no dose.
    assert set(graded["phase"]) == {"no treatment"}
    assert graded["baseline_value"].isna().all()
    said = " ".join([*graded["grade_basis"], *graded["grade_note"]])
    assert "baseline" not in said, said
    assert "first dose" not in said, said
    assert "with no treatment recorded" in said  # the high values' reading says what they are
    # Nor do the views of toxicity state their rule for a baseline.
    for view in (lessons.liver_enzyme_grades(case), clinical_html(case)):
        assert NO_TREATMENT_NOTE in view
        assert "first dose" not in view
    spec = charts.timeline_chart(case).to_dict()
    assert "Planned dose days" not in str(spec)
    for command in (["report", str(case_dir)], ["explorer", str(case_dir), "--out", str(tmp_path / "page.html")]):
        assert main(command) == 0, command
    report = capsys.readouterr().out
    assert NO_TREATMENT_NOTE in report
    assert "first dose" not in report
    assert main(["figures", "--case", str(case_dir), "--out", str(tmp_path / "figs"), "--format", "svg"]) == 0
    captions = (tmp_path / "figs" / "captions.md").read_text(encoding="utf-8")
    assert "The case records no regimen." in captions
    assert "Not graded: the case records no treatment." in captions
    assert "Planned dose days" not in captions
    dashboard = CaseDashboard(case)
    dashboard._change(axis="relative")
    assert "Traceback" not in capsys.readouterr().err


def test_the_functions_an_author_calls_take_a_path_as_text(tmp_path):
    """From Python, an author gives a folder or a file as text as often as a Path: each writes the same."""
    from casereport.apps.explorer import explorer_html, write_explorer
    from casereport.data.fhir import case_bundle, write_bundle
    from casereport.data.new_case import new_case_folder

    case = casereport.load_case(str(CASES[SEED]))
    page = write_explorer(case, str(tmp_path / "explorer.html"))
    assert page == tmp_path / "explorer.html"
    assert page.read_text(encoding="utf-8") == explorer_html(case)
    assert write_bundle(str(CASES[SEED]), str(tmp_path / "bundle.json")) == case_bundle(CASES[SEED])
    assert json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8")) == case_bundle(CASES[SEED])
    written = new_case_folder(str(tmp_path / "Müller 2024"))
    assert written
    assert all(path.parent == tmp_path / "Müller 2024" and path.is_file() for path in written)
    assert "case_id: muller-2024" in (tmp_path / "Müller 2024" / "case.yaml").read_text(encoding="utf-8")
