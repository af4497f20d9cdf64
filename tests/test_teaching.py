"""The teaching notebooks under papermill: each starting step hides what came later; answers can be hidden."""

from __future__ import annotations

import html
import json
import re

import papermill as pm
import pytest

import casereport
from casereport.apps.teaching import as_html, revealable_steps, step_through
from casereport.charts import timeline_chart
from casereport.derive.reveal import case_steps, reveal_case

from .conftest import CASES, SEED

ROOT = CASES[next(iter(CASES))].parents[1]
SERIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
ANSWER_HIDDEN = "Answer hidden"
# "Step 3 of 8": a count of the steps tells a class how many events remain.
STEP_TOTAL = re.compile(r"\bStep\s+\d+\s+of\s+\d+")


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
    assert not STEP_TOTAL.search(outputs), STEP_TOTAL.search(outputs)
    assert (ANSWER_HIDDEN in outputs) is (not show_answers)
    assert ("**Answer.**" in outputs) is show_answers


def _view(control):
    """The step control's slider and the HTML it draws into."""
    (_play, slider), view = control.children[0].children, control.children[1]
    return slider, view


def _states(widget):
    """The state of a widget and of every widget inside it, as the front end receives it."""
    yield widget.get_state()
    for child in getattr(widget, "children", ()):
        yield from _states(child)


def test_the_slider_redraws_the_case_as_it_stood(case_dir):
    case = casereport.load_case(case_dir)
    steps = revealable_steps(case)
    drawn = []

    def show(revealed):
        drawn.append(set(revealed.events["id"]))
        return [", ".join(revealed.events["label"])]

    control = step_through(case, show, reveal_until=steps[0][1])
    slider, view = _view(control)
    assert (slider.min, slider.max, slider.value) == (1, len(steps), 1)  # the end is known, not shown
    assert slider.readout is False  # a readout beside the track would show the step against the last
    for number, (label, event) in enumerate(steps, start=1):
        slider.value = number
        assert view.value.startswith(f"<p><strong>Step {number} \u00b7 ")
        assert html.escape(label, quote=False) in view.value
        later = {e for _, e in steps[number:]}
        assert event in drawn[-1]
        assert not later & drawn[-1]
        for later_label in case.events.loc[case.events["id"].isin(later), "label"]:
            assert later_label not in view.value
        # Nothing the class sees counts the steps: not the heading, not a label or a readout.
        shown = json.dumps(list(_states(control)), default=str)
        assert not STEP_TOTAL.search(shown), STEP_TOTAL.search(shown)
        assert f"of {len(steps)}" not in view.value


def test_a_step_is_named_by_its_number_date_and_event_never_the_total():
    case = casereport.load_case(CASES[SEED])
    labels = {event: label for label, event in revealable_steps(case)}
    assert labels["panobinostat_start"] == "Step 3 \u00b7 Nov 2009: Panobinostat 20 mg added"
    for label in labels.values():
        assert not STEP_TOTAL.search(label), label
        assert f"of {len(labels)}" not in label


def test_a_step_draws_charts_tables_and_text_and_refuses_anything_else():
    case = casereport.load_case(CASES[SEED])
    chart = timeline_chart(case)
    assert as_html(chart).startswith("<svg")
    assert "<table" in as_html(case.events[["id"]])
    assert as_html("a < b") == "<p>a &lt; b</p>"
    with pytest.raises(TypeError, match="not int"):
        as_html(3)
