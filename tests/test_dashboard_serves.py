"""`casereport dashboard`: the case check before serving, the case chooser, and what the server hands out."""

from __future__ import annotations

import pytest

from casereport.app import choose_case
from casereport.cli import main
from casereport.exceptions import UnknownCaseError
from casereport.paths import default_case_dir

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
