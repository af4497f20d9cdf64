"""Drawing the figures (on the command line, without a kernel, and with papermill), and the parameters refused."""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from altair.vegalite.v6.schema.core import Root
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

import casereport
from casereport.apps import printing, rendering
from casereport.apps.cli import main
from casereport.apps.explorer import explorer_spec
from casereport.apps.figures import (
    FORMATS,
    WIDTH_RANGE_MM,
    Figure,
    case_hash,
    check_parameters,
    figure_factories,
    figure_width_mm,
    write_figures,
)
from casereport.apps.notebooks import run_figures_notebook
from casereport.apps.parameters import WIDTHS_MM
from casereport.charts import print_spec
from casereport.derive import captions
from casereport.derive.panels import tumour_markers
from casereport.exceptions import ParameterError

from .conftest import CASES, SEED, SYNTHETIC, replace
from .test_care import _header_only

TCP_WARNING = "running over TCP without encryption"


@pytest.mark.parametrize("axis", ["calendar", "relative"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_figures_notebook_writes_every_figure(name, axis, tmp_path, capfd):
    executed = run_figures_notebook(
        case_dir=str(CASES[name]),  # a path as text, as an author may give it
        output_dir=tmp_path,
        formats=",".join(FORMATS),
        axis=axis,
        width_mm=85,
        dpi=150,
        progress_bar=False,
    )
    assert executed.is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["case_sha256"] == case_hash(casereport.load_case(CASES[name]))
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
    assert set(manifest["captions"]) == figures
    # The kernel reached over a socket file, not TCP: its warning never reaches the author's terminal.
    assert TCP_WARNING not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("overrides", "parameter"),
    [
        ({"formats": "svg,gif"}, "formats"),
        ({"axis": "sideways"}, "axis"),
        ({"width_mm": 5}, "width_mm"),
        ({"width_mm": "huge"}, "width_mm"),
        ({"width_mm": float("nan")}, "width_mm"),
        ({"dpi": 10}, "dpi"),
        ({"dpi": "high"}, "dpi"),
        ({"dpi": None}, "dpi"),
        ({"formats": None}, "formats"),
        ({"formats": ["svg", 3]}, "formats"),
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


def test_a_format_asked_twice_is_one_format(tmp_path):
    _, _, chosen = check_parameters(
        case_dir=CASES[SEED], output_dir=tmp_path, formats="png, SVG,svg,png", axis="calendar", width_mm=85, dpi=300
    )
    assert chosen == ("png", "svg")


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


# The command line: no kernel, every figure in every format, side by side on the cores there are.


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``casereport figures`` for the seed case, run as an author runs it: its own process, every format."""
    out = tmp_path_factory.mktemp("figures")
    command = [sys.executable, "-m", "casereport.apps.cli", "figures", "--case", str(CASES[SEED]), "--out", str(out)]
    return out, subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


def test_the_command_draws_every_figure_in_every_format_without_a_kernel(seed_run):
    out, run = seed_run
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    figures = {
        name
        for name, f in figure_factories(casereport.load_case(CASES[SEED]), axis="calendar", width_points=241).items()
        if not isinstance(f, str)
    }
    assert {(f["figure"], f["format"]) for f in manifest["files"]} == {(n, fmt) for n in figures for fmt in FORMATS}
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    assert not list(out.glob("*.ipynb")), "no notebook was run"
    assert TCP_WARNING not in run.stderr
    # The progress bar counts the figures and the explorer page, not notebook cells.
    assert f"{len(figures) + 1}/{len(figures) + 1}" in run.stderr
    assert "figure" in run.stderr


def _fonts(resources: DictionaryObject, seen: set[int]) -> list[DictionaryObject]:
    """Every font a page's resources use, in its form XObjects too (svg2pdf puts text in them)."""
    fonts = [font.get_object() for font in resources.get("/Font", {}).values()]
    for xobject in resources.get("/XObject", {}).values():
        if id(xobject.get_object()) not in seen and "/Resources" in xobject.get_object():
            seen.add(id(xobject.get_object()))
            fonts += _fonts(xobject.get_object()["/Resources"].get_object(), seen)
    return fonts


def _embedded(font: DictionaryObject) -> bool:
    descriptor = font.get("/FontDescriptor")
    if descriptor is None and "/DescendantFonts" in font:  # a composite font: its one descendant says
        descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_every_pdf_embeds_its_fonts(seed_run):
    out, _ = seed_run
    pdfs = sorted(out.glob("*.pdf"))
    assert pdfs
    for path in pdfs:
        fonts = [
            font
            for page in PdfReader(io.BytesIO(path.read_bytes())).pages
            for font in _fonts(page["/Resources"].get_object(), set())
        ]
        assert fonts, f"{path.name}: no font, so no text"  # vl-convert drops text it has no font for
        for font in fonts:
            assert _embedded(font), f"{path.name}: {font.get('/BaseFont')} is not embedded"
            assert "LiberationSans" in str(font["/BaseFont"]), f"{path.name}: {font['/BaseFont']}"


def test_the_captions_say_what_is_illustrative_and_why_from_the_data(seed_run):
    out, _ = seed_run
    manifest = json.loads((out / "manifest.json").read_text())
    case = casereport.load_case(CASES[SEED])
    assert set(manifest["captions"]) == {f["figure"] for f in manifest["files"]}
    pasted = (out / "captions.md").read_text(encoding="utf-8")
    for name, caption in manifest["captions"].items():
        assert f"## {name}" in pasted
        assert caption in pasted
        assert case.source["identifier"] in caption, name  # the source, cited
    [marker] = tumour_markers(case)
    values = case.labs[case.labs["loinc"] == marker]
    made = values[values["provenance"] == "illustrative"]
    for name in ("afp", "afp_log"):
        caption = manifest["captions"][name]
        assert f"{len(made)} values are illustrative" in caption
        for rule in made["rule"].unique():  # the case's own reason, in its words
            assert rule.rstrip(".") in caption
    pale = values[(values["provenance"] == "reported") & (values["date_provenance"] == "illustrative")]
    stated = "stated value" if len(pale) == 1 else "stated values"
    assert f"{len(pale)} {stated} at a date the paper does not give" in manifest["captions"]["afp"]
    assert "log scale" in manifest["captions"]["afp_log"]
    assert "log scale" not in manifest["captions"]["afp"]


def test_a_caption_follows_the_case_data(editable_case):
    case_dir = editable_case(SYNTHETIC)
    labs = case_dir / "labs.csv"
    text = labs.read_text(encoding="utf-8")
    assert "Synthetic series shaped to peak at the stated 96 U/L." in text
    labs.write_text(text.replace("Synthetic series shaped to peak", "Drawn by hand to peak"), encoding="utf-8")
    case = casereport.load_case(case_dir)
    [alt] = case.labs.loc[case.labs["analyte"] == "ALT", "loinc"].unique()
    caption = captions.labs_caption(case, [alt], "relative")
    assert "Drawn by hand to peak at the stated 96 U/L" in caption
    assert "Synthetic series" not in caption
    assert "in days since" in caption


def test_the_parallel_command_draws_what_one_process_draws(seed_run, tmp_path):
    """Figures drawn side by side (the command) and one after another (here) are the same, byte for byte.

    PDF files are left out: vl-convert's PDF writer orders its objects differently from one call to the next.
    """
    out, _ = seed_run
    manifest = write_figures(
        case_dir=CASES[SEED], output_dir=tmp_path, formats="svg,png,html", only="imaging,afp", workers=1
    )
    for entry in manifest["files"]:
        assert (tmp_path / entry["file"]).read_bytes() == (out / entry["file"]).read_bytes(), entry["file"]


@pytest.mark.parametrize(("preset", "mm"), sorted(WIDTHS_MM.items()))
def test_a_journal_width_is_its_millimetres(preset, mm):
    assert figure_width_mm(preset) == figure_width_mm(preset.upper()) == figure_width_mm(str(mm)) == mm
    assert figure_width_mm(f"{mm:g} mm") == mm


def test_the_double_preset_draws_a_page_wide_png(tmp_path, capsys):
    code = main(
        ["figures", "--out", str(tmp_path), "--width", "double", "--only", "afp", "--format", "png", "--dpi", "100"]
    )
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["parameters"]["width_mm"] == WIDTHS_MM["double"]
    assert manifest["parameters"]["width"] == "double"
    [entry] = manifest["files"]
    width_px, _ = _png_size(tmp_path / entry["file"])
    assert width_px / 100 * 25.4 == pytest.approx(WIDTHS_MM["double"], abs=1)


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--width", "0", "single (85 mm), onehalf (114 mm), double (174 mm) or millimetres from 20 to 500"),
        ("--width", "huge", "single (85 mm), onehalf (114 mm), double (174 mm) or millimetres from 20 to 500"),
        ("--width", "9000", "millimetres from 20 to 500"),
        ("--only", "nosuch", "this case has timeline, liver_enzymes, afp, afp_log, imaging, all_labs, rationale"),
        ("--only", "timeline,,afp", "unknown figure(s)"),
    ],
)
def test_a_bad_width_or_figure_name_is_named_with_what_is_allowed(flag, value, named, tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), flag, value]) == 2
    err = capsys.readouterr().err
    assert f"casereport figures: {flag}: " in err
    assert named in err
    assert not list(tmp_path.iterdir())


def test_a_figure_the_case_cannot_have_is_refused_with_the_reason(tmp_path, capsys):
    args = ["figures", "--case", str(CASES[SYNTHETIC]), "--out", str(tmp_path), "--only", "afp"]
    assert main(args) == 2
    assert "--only: unknown figure(s) ['afp']" in capsys.readouterr().err
    args[-1] = "tumour_marker"
    assert main(args) == 2
    assert "the case has no tumour marker values" in capsys.readouterr().err


def test_only_redraws_a_subset_and_the_folder_keeps_its_record(tmp_path):
    full = write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats="svg", workers=1)
    drawn = {f["figure"] for f in full["files"]}
    assert len(drawn) > 2
    again = write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats="svg", only="timeline", workers=1)
    assert again["parameters"]["only"] == ["timeline"]
    assert again["files"] == full["files"]  # the others kept, in the same order; the timeline drawn alike
    assert again["captions"] == full["captions"]
    assert again["parameters"]["plot_width_points"] == full["parameters"]["plot_width_points"]
    # A file changed since it was listed is no longer vouched for.
    imaging = next(f for f in full["files"] if f["figure"] == "imaging")
    (tmp_path / imaging["file"]).write_text("<svg/>", encoding="utf-8")
    third = write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats="svg", only="timeline", workers=1)
    assert "imaging" not in {f["figure"] for f in third["files"]}
    assert "imaging" not in third["captions"]
    assert (tmp_path / "captions.md").read_text(encoding="utf-8").count("## ") == len(drawn) - 1
    # Drawn on another axis, the earlier record is not this one's.
    other = write_figures(
        case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats="svg", axis="relative", only="timeline", workers=1
    )
    assert {f["figure"] for f in other["files"]} == {"timeline"}


def test_figures_written_into_the_case_folder_keep_its_record_when_one_is_redrawn(editable_case):
    """An author who writes the figures beside the case files: what the folder holds besides them (the figures,
    whose PDFs differ from run to run; an editor's backup) is not the case, and does not void the record."""
    case_dir = editable_case(SYNTHETIC)
    full = write_figures(case_dir=case_dir, output_dir=case_dir, formats="svg,pdf", workers=1)
    (case_dir / "labs.csv~").write_text("an editor's backup", encoding="utf-8")
    again = write_figures(case_dir=case_dir, output_dir=case_dir, formats="svg,pdf", only="timeline", workers=1)
    assert again["case_sha256"] == full["case_sha256"]
    assert {f["figure"] for f in again["files"]} == {f["figure"] for f in full["files"]}


@pytest.mark.parametrize(
    ("file", "old", "new"), [("labs.csv", "l01,1742-6,31,", "l01,1742-6,32,"), ("source.txt", "a", "A")]
)
def test_the_case_hash_follows_each_file_the_case_is_read_from(editable_case, file, old, new):
    case_dir = editable_case(SYNTHETIC)
    before = case_hash(casereport.load_case(case_dir))
    path = case_dir / file
    replace(path, old, new)
    assert case_hash(casereport.load_case(case_dir)) != before


def test_a_case_without_lab_values_draws_the_other_figures_and_says_why_not_the_labs(editable_case, tmp_path):
    """An author's case with no lab values yet (labs.csv only its header): the labs' figures are skipped with the
    reason, the timeline and the others drawn."""
    case_dir = editable_case(SYNTHETIC)
    _header_only(case_dir / "labs.csv")
    manifest = write_figures(case_dir=case_dir, output_dir=tmp_path, formats="svg", workers=1)
    skipped = {entry["figure"]: entry["reason"] for entry in manifest["skipped"]}
    assert skipped["all_labs"] == "the case records no lab values (labs.csv has no rows)"
    assert "liver_enzymes" in skipped
    assert {entry["figure"] for entry in manifest["files"]} == {"timeline", "imaging", "rationale"}


def test_text_the_print_font_cannot_print_is_named_and_kept_in_the_record(editable_case, tmp_path, capsys):
    """A label in a script the embedded font lacks prints as empty boxes in the PDF and PNG: the author is told
    which characters, in which figure and text, and the manifest keeps it (also after another figure is redrawn)."""
    case_dir = editable_case(SYNTHETIC)
    replace(case_dir / "events.csv", ",Baseline CT,", ",Baseline CT 中文 ✓,")
    command = ["figures", "--case", str(case_dir), "--out", str(tmp_path), "--format", "svg,pdf"]
    assert main(command) == 0
    err = capsys.readouterr().err
    assert (
        "casereport figures: timeline: the print font has no glyph for 中, 文, ✓ (in \u201cBaseline CT 中文 ✓\u201d)"
        in err
    )
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unprintable"] == [{"figure": "timeline", "characters": "中文✓", "texts": ["Baseline CT 中文 ✓"]}]
    assert main([*command, "--only", "rationale"]) == 0
    again = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert again["unprintable"] == manifest["unprintable"]
    assert "no glyph" not in capsys.readouterr().err  # told when the timeline was drawn
    # The SVG alone leaves the text to the reader's fonts: nothing to say.
    assert main([*command[:-1], "svg", "--only", "timeline"]) == 0
    assert "no glyph" not in capsys.readouterr().err


def test_a_case_without_imaging_draws_the_other_figures_and_says_why_not_imaging(no_imaging_case, tmp_path, capsys):
    case = casereport.load_case(no_imaging_case)
    assert captions.imaging_caption(case, "calendar").startswith("Imaging: the case records no imaging findings.")
    out = tmp_path / "figs"
    assert main(["figures", "--case", str(no_imaging_case), "--out", str(out), "--format", "svg"]) == 0
    err = capsys.readouterr().err
    [note] = [line for line in err.splitlines() if "imaging" in line]
    assert note.startswith("casereport figures: not drawn: imaging: the case records no imaging findings")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    drawn = {entry["figure"] for entry in manifest["files"]}
    assert {"timeline", "all_labs"} <= drawn
    assert "imaging" not in drawn | set(manifest["captions"])
    assert not list(out.glob("*-imaging-*"))
    [skipped] = [entry for entry in manifest["skipped"] if entry["figure"] == "imaging"]
    assert "no imaging findings" in skipped["reason"]
    pasted = (out / "captions.md").read_text(encoding="utf-8")
    assert f"- imaging: {skipped['reason']}" in pasted
    assert "## imaging" not in pasted
    # Asked for by name, it is refused with the reason, and nothing is drawn.
    again = tmp_path / "only"
    assert main(["figures", "--case", str(no_imaging_case), "--out", str(again), "--only", "imaging"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "casereport figures: --only: the case has no such figure: imaging: the case records no imaging findings"
        " (findings.csv has no rows)\n"
    )
    assert not list(again.iterdir())


def _jobs(monkeypatch) -> list[printing.PrintJob]:
    """Every print job this process sends (each figure's spec at a plot width), as it sends it."""
    sent: list[printing.PrintJob] = []
    submit = printing.Printers.submit
    monkeypatch.setattr(printing.Printers, "submit", lambda printers, job: sent.append(job) or submit(printers, job))
    return sent


def _svg_width(out: Path, manifest: dict, figure: str) -> float:
    """The width of the SVG file the manifest lists for ``figure``."""
    (name,) = (e["file"] for e in manifest["files"] if e["figure"] == figure and e["format"] == "svg")
    return printing.svg_width((out / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("width_mm", [85, 174])
@pytest.mark.parametrize("name", sorted(CASES))
def test_each_figure_of_a_bundled_case_is_drawn_once_at_the_width_asked(name, width_mm, monkeypatch, tmp_path):
    """The figures' margins (``charts.PRINT_MARGIN``) guess each plot width right: one drawing a figure."""
    sent = _jobs(monkeypatch)
    manifest = write_figures(case_dir=CASES[name], output_dir=tmp_path, formats="svg", width_mm=width_mm)
    assert sorted(job.name for job in sent) == sorted(manifest["parameters"]["plot_width_points"])
    for job in sent:
        asked = rendering.points(manifest["parameters"]["figure_width_mm"][job.name])
        drawn = _svg_width(tmp_path, manifest, job.name)
        assert 0 <= asked - drawn <= printing.WIDTH_TOLERANCE * job.columns, (job.name, drawn, asked)


def test_a_figure_whose_margin_is_guessed_wrong_is_drawn_again_at_the_width_asked(monkeypatch, tmp_path):
    from casereport.apps import figures

    made = figures.figure_factories
    monkeypatch.setattr(  # the AFP figure's margin guessed as none at all: its first plot is too wide
        figures,
        "figure_factories",
        lambda case, **options: {
            name: figure._replace(margin=0) if name == "afp" and isinstance(figure, Figure) else figure
            for name, figure in made(case, **options).items()
        },
    )
    sent = _jobs(monkeypatch)
    manifest = write_figures(case_dir=CASES[SEED], output_dir=tmp_path, formats="svg", only="afp")
    first, second = sent
    assert (first.redrawn, second.redrawn) == (False, True)
    assert second.plot_width < first.plot_width
    assert 0 <= rendering.points(85) - _svg_width(tmp_path, manifest, "afp") <= printing.WIDTH_TOLERANCE


def test_the_command_draws_without_importing_widgets(tmp_path):
    """``casereport figures`` writes files only: anywidget, ipywidgets and IPython stay out of its process."""
    script = (
        "import sys\nfrom casereport.apps.cli import main\n"
        f"code = main(['figures', '--only', 'afp,explorer', '--format', 'svg,html', '--out', {str(tmp_path)!r}])\n"
        "print(code, sorted(m for m in ('anywidget', 'ipywidgets', 'IPython') if sys.modules.get(m) is not None))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    assert run.stdout.split("\n")[-2] == "0 []", run.stderr
    assert {path.suffix for path in tmp_path.iterdir()} >= {".svg", ".html"}


def test_the_liver_enzymes_caption_names_what_the_figure_shows():
    """A case with one enzyme (the synthetic case: ALT) has a figure and a caption titled by it, not "Liver enzymes"."""
    for name, title in ((SYNTHETIC, "Alanine aminotransferase"), (SEED, "Liver enzymes")):
        case = casereport.load_case(CASES[name])
        figure = figure_factories(case, axis="calendar", width_points=rendering.points(85))["liver_enzymes"]
        assert not isinstance(figure, str)
        assert figure.caption.startswith(title), (name, figure.caption[:80])
        assert str(figure.draw(200).to_dict()["title"]).startswith(title)


def _schema_errors(spec: dict) -> str | None:
    """What is wrong with a Vega-Lite spec against the schema Altair carries, or ``None``."""
    try:
        Root.validate(spec)
    except jsonschema.ValidationError as err:
        return err.message
    return None


@pytest.mark.parametrize("axis", ["calendar", "relative"])
def test_every_spec_the_package_writes_is_valid_vega_lite(case_dir, axis):
    """The figures' and the explorer's specs are written unvalidated (validation took a third of the time to
    write them), so they are validated here: every figure drawn at one column and the explorer's chart, of both
    bundled cases on both axes, against the Vega-Lite schema. A spec with a mark Vega-Lite does not know fails."""
    case = casereport.load_case(case_dir)
    specs = {
        name: print_spec(figure.draw(200))
        for name, figure in figure_factories(case, axis=axis, width_points=rendering.points(85)).items()
        if isinstance(figure, Figure)
    }
    for spec in specs.values():
        # Vega's legend layout, which Vega-Lite passes on: not in Vega-Lite's schema (charts.print_spec).
        assert spec["config"]["legend"].pop("layout")
    specs["explorer"] = explorer_spec(case, axis=axis)
    assert {name: _schema_errors(spec) for name, spec in specs.items()} == dict.fromkeys(specs)
    broken = json.loads(json.dumps(specs["timeline"]).replace('"type": "bar"', '"type": "bars"'))
    assert _schema_errors(broken)


# A field an expression reads: ``datum.value``, ``datum['a field']``.
DATUM_FIELD = re.compile(r"datum\.([A-Za-z_]\w*)|datum\[['\"]([^'\"]+)['\"]\]")
# Parts of an encoding whose expressions read the axis's or legend's own datum (its value, its label), not the data.
NOT_DATA = {"axis", "legend", "scale", "title", "header"}


def _read_fields(node: object) -> set[str]:
    """The data fields an encoding or a transform reads: each ``field``, and each ``datum`` in an expression."""
    if isinstance(node, list):
        return set().union(*map(_read_fields, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    fields: set[str] = set()
    for key, value in node.items():
        if key in NOT_DATA:
            continue
        if key == "field" and isinstance(value, str):
            fields.add(value)
        elif key in ("test", "calculate", "filter") and isinstance(value, str):
            fields |= {a or b for a, b in DATUM_FIELD.findall(value)}
        else:
            fields |= _read_fields(value)
    return fields


def _unread_fields(spec: dict) -> list[str]:
    """Each field a mark of the spec reads that its data does not have, as "mark n: field"."""
    columns = {name: set().union(*(row.keys() for row in rows)) for name, rows in spec.get("datasets", {}).items()}
    missing: list[str] = []

    def visit(node: dict, data: str | None) -> None:
        data = node.get("data", {}).get("name", data) if isinstance(node.get("data"), dict) else data
        if "mark" in node and columns.get(data):  # an empty dataset has no columns to check against
            made = {step["as"] for step in node.get("transform", []) if isinstance(step.get("as"), str)}
            read = _read_fields(node.get("encoding", {})) | _read_fields(node.get("transform", []))
            missing.extend(f"mark {len(missing)}: {field}" for field in sorted(read - columns[data] - made))
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for child in node.get(key, []):
                visit(child, data)
        if isinstance(node.get("spec"), dict):
            visit(node["spec"], data)

    visit(spec, None)
    # A selection's fields (a staging picked by its id): in the data of some view (the view a lifted selection
    # names is not followed here).
    everywhere = set().union(*columns.values()) if columns else set()
    for param in _params(spec):
        chosen = param.get("select", {}).get("fields", []) if isinstance(param.get("select"), dict) else []
        missing.extend(f"selection {param['name']}: {field}" for field in chosen if field not in everywhere)
    return missing


def _params(node: object) -> list[dict]:
    """Every parameter a spec declares, at any level."""
    if isinstance(node, list):
        return [param for item in node for param in _params(item)]
    if not isinstance(node, dict):
        return []
    own = [p for p in node.get("params", []) if isinstance(p, dict) and "name" in p]
    return own + [param for key, value in node.items() if key != "params" for param in _params(value)]


@pytest.mark.parametrize("axis", ["calendar", "relative"])
def test_every_field_a_mark_reads_is_in_its_data(case_dir, axis):
    """Each layer's data carries the fields its marks read (encodings, tooltips, conditions, transforms) and may
    carry no more: the charts cut their records to the columns they draw, as Altair converts and writes every
    column of every layer. Checked on every figure and the explorer's chart; a field taken out must be missed."""
    case = casereport.load_case(case_dir)
    specs = {
        name: print_spec(figure.draw(200))
        for name, figure in figure_factories(case, axis=axis, width_points=rendering.points(85)).items()
        if isinstance(figure, Figure)
    }
    specs["explorer"] = explorer_spec(case, axis=axis)
    assert {name: _unread_fields(spec) for name, spec in specs.items()} == {name: [] for name in specs}
    for name in ("liver_enzymes", "explorer"):
        if name in specs:
            cut = json.loads(json.dumps(specs[name]))
            for rows in cut["datasets"].values():
                for row in rows:
                    row.pop("when", None)
            assert _unread_fields(cut)
    # The explorer's staging pick reads the records' ids: taken out, the pick is found missing.
    cut = json.loads(json.dumps(specs["explorer"]))
    for rows in cut["datasets"].values():
        for row in rows:
            row.pop("id", None)
    assert any(problem.startswith("selection ") for problem in _unread_fields(cut))


def test_the_narrowest_width_accepted_draws_every_figure(case_dir, tmp_path):
    """At the narrowest width the command accepts (20 mm), every figure is drawn: a lab figure's limit names,
    wider than its plot there, go to the plot's right end (they raised an IndexError)."""
    narrowest = WIDTH_RANGE_MM[0]
    manifest = write_figures(case_dir=case_dir, output_dir=tmp_path, formats="svg", width_mm=narrowest, workers=1)
    drawn = {entry["figure"] for entry in manifest["files"]}
    factories = figure_factories(casereport.load_case(case_dir), axis="calendar", width_points=1)
    assert drawn == {name for name, figure in factories.items() if isinstance(figure, Figure)}
