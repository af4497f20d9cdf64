"""`casereport dashboard`: the case check before serving, the case chooser, and what the server hands out."""

from __future__ import annotations

import pytest

from casereport.apps.cli import main
from casereport.apps.dashboard import choose_case
from casereport.apps.serve import prepare_slides_template
from casereport.data.bundled import default_case_dir
from casereport.exceptions import MissingAssetError, UnknownCaseError

from .conftest import CASES, SYNTHETIC


def test_an_invalid_case_is_refused_before_serving(editable_case, capsys):
    broken = editable_case()
    (broken / "labs.csv").write_text("id,loinc\n", encoding="utf-8")
    assert main(["dashboard", str(broken), "--port", "1"]) == 1
    assert "labs.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", None), ("case=", None), (f"case={SYNTHETIC}", SYNTHETIC), (f"other=1&case={SYNTHETIC}", SYNTHETIC)],
)
def test_the_query_chooses_among_bundled_cases(query, expected):
    chosen = choose_case(query, default_case_dir())
    assert chosen == (CASES[expected] if expected else default_case_dir())


@pytest.mark.parametrize("asked", ["nope", "../data/gahr2012-hcc", "/etc", str(CASES[SYNTHETIC]), "gahr2012-hcc/"])
def test_anything_else_is_an_unknown_case_never_a_path(asked):
    with pytest.raises(UnknownCaseError) as raised:
        choose_case(f"case={asked}", default_case_dir())
    assert raised.value.asked == asked
    assert raised.value.known == sorted(CASES)


def test_slides_need_a_notebook_that_exists(capsys):
    assert main(["slides", "notebooks/no-such-notebook.ipynb", "--port", "1"]) == 2
    assert "no notebook at notebooks/no-such-notebook.ipynb" in capsys.readouterr().err


def test_the_slides_template_says_how_to_fetch_reveal_js_when_it_is_missing(tmp_path):
    with pytest.raises(MissingAssetError) as raised:
        prepare_slides_template(tmp_path)
    assert raised.value.asset == "reveal.js"
    assert "make setup" in raised.value.fix


def test_the_slides_template_takes_reveal_js_style_sheets_from_the_package(tmp_path):
    import io
    import tarfile

    cache = tmp_path / "dashboards" / "jupyter" / "cache"
    cache.mkdir(parents=True)
    with tarfile.open(cache / "reveal.js-9.9.9.tgz", "w:gz") as package:
        for name in ("package/dist/reveal.css", "package/dist/theme/white.css"):
            data = f"/* {name} */".encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            package.addfile(info, io.BytesIO(data))
    static = prepare_slides_template(tmp_path)
    assert (static / "dist" / "reveal.css").read_text() == "/* package/dist/reveal.css */"
    assert (static / "dist" / "theme" / "white.css").read_text() == "/* package/dist/theme/white.css */"
    # Font Awesome is served by the dashboard's template, which the slides share.
    assert (
        tmp_path / "dashboards" / "jupyter" / "voila" / "templates" / "casereport" / "static" / "fontawesome"
    ).is_dir()
