"""`casereport dashboard`: the case check before serving, the case chooser, and what the server hands out."""

from __future__ import annotations

import re
import urllib.request

import pytest

from casereport.app import choose_case
from casereport.cli import main
from casereport.exceptions import UnknownCaseError
from casereport.paths import default_case_dir

from .conftest import CASES, SYNTHETIC
from .voila_server import dashboard_server


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


@pytest.mark.server
def test_the_page_links_no_cdn_and_font_awesome_is_served_locally(tmp_path):
    with dashboard_server(None, tmp_path / "voila.log") as url:
        with urllib.request.urlopen(url, timeout=120) as response:
            page = response.read().decode("utf-8")
        with urllib.request.urlopen(url + "voila/templates/casereport/static/fontawesome/css/all.min.css") as css:
            assert b"Font Awesome" in css.read()
    assert "cdn.jsdelivr.net/npm/@fortawesome" not in page
    assert "voila/templates/casereport/static/fontawesome/css/all.min.css" in page
    assert not re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", page)
