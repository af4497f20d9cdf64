"""The teaching notebooks under papermill: each starting step hides what came later; answers can be hidden."""

from __future__ import annotations

import json

import papermill as pm
import pytest

import casereport
from casereport.charts import timeline_chart
from casereport.reveal import case_steps, reveal_case
from casereport.teaching import as_html, revealable_steps, step_through

from .conftest import CASES, SEED

ROOT = CASES[next(iter(CASES))].parents[1]
SERIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ANSWER_HIDDEN = "Answer hidden"


def _runs():
    for notebook in SERIES:
        for name, case_dir in sorted(CASES.items()):
            case = casereport.load_case(case_dir)
            ids = [value for _, value in revealable_steps(case)]
            for reveal_until, show_answers in ((ids[0], False), (ids[len(ids) // 2], True), (None, True)):
                yield pytest.param(
                    notebook, case_dir, reveal_until, show_answers, id=f"{notebook.stem}-{name}-{reveal_until}"
                )


@pytest.mark.parametrize(("notebook", "case_dir", "reveal_until", "show_answers"), list(_runs()))
def test_nothing_after_reveal_until_appears(notebook, case_dir, reveal_until, show_answers, tmp_path):
    out = tmp_path / notebook.name
    pm.execute_notebook(
        notebook,
        out,
        parameters={"case_dir": str(case_dir), "reveal_until": reveal_until, "show_answers": show_answers},
        kernel_name="python3",
        cwd=notebook.parent,
        progress_bar=False,
    )
    executed = json.loads(out.read_text(encoding="utf-8"))
    outputs = json.dumps([c.get("outputs", []) for c in executed["cells"]]) + json.dumps(executed["metadata"])
    case = casereport.load_case(case_dir)
    steps = case_steps(case)
    if reveal_until is not None:
        cut = int(steps.loc[steps["id"] == reveal_until, "step"].iloc[0])
        later = steps.loc[steps["step"] > cut, "id"]
        shown = reveal_case(case, reveal_until).findings
        findings = case.findings[case.findings["staging"].isin(later)]
        words = [*steps.loc[steps["step"] > cut, "label"], *findings["description"], *findings["quote"].dropna()]
        for text in words:
            if text in set(shown["description"]) | set(shown["quote"].dropna()):
                continue  # also true of a staging already shown
            assert json.dumps(text)[1:-1] not in outputs, text
    # The step control names the step it starts at: reveal_until, or the last event.
    shown = case.event(reveal_until)["label"] if reveal_until else steps["label"].iloc[-1]
    assert json.dumps(shown)[1:-1] in outputs
    assert (ANSWER_HIDDEN in outputs) is (not show_answers)
    assert ("**Answer.**" in outputs) is show_answers


def _view(control):
    """The step control's slider and the HTML it draws into."""
    (_play, slider), view = control.children[0].children, control.children[1]
    return slider, view


def test_the_slider_redraws_the_case_as_it_stood(case_dir):
    case = casereport.load_case(case_dir)
    steps = revealable_steps(case)
    drawn = []

    def show(revealed):
        drawn.append(set(revealed.events["id"]))
        return [", ".join(revealed.events["label"])]

    slider, view = _view(step_through(case, show, reveal_until=steps[0][1]))
    assert (slider.min, slider.max, slider.value) == (1, len(steps), 1)
    assert f"Step 1 of {len(steps)}." in view.value
    for number, (_, event) in enumerate(steps, start=1):
        slider.value = number
        assert f"Step {number} of {len(steps)}." in view.value
        later = {e for _, e in steps[number:]}
        assert event in drawn[-1]
        assert not later & drawn[-1]
        for label in case.events.loc[case.events["id"].isin(later), "label"]:
            assert label not in view.value


def test_a_step_draws_charts_tables_and_text_and_refuses_anything_else():
    case = casereport.load_case(CASES[SEED])
    chart = timeline_chart(case)
    assert as_html(chart).startswith("<svg")
    assert "<table" in as_html(case.events[["id"]])
    assert as_html("a < b") == "<p>a &lt; b</p>"
    with pytest.raises(TypeError, match="not int"):
        as_html(3)
