"""The teaching notebooks under papermill: each starting step hides what came later; answers can be hidden."""

from __future__ import annotations

import json

import papermill as pm
import pytest

import casereport
from casereport.reveal import case_steps
from casereport.teaching import revealable_steps

from .conftest import CASES

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
        for label in steps.loc[steps["step"] > cut, "label"]:
            assert json.dumps(label)[1:-1] not in outputs, label
    # The step control names the step it starts at: reveal_until, or the last event.
    shown = case.event(reveal_until)["label"] if reveal_until else steps["label"].iloc[-1]
    assert json.dumps(shown)[1:-1] in outputs
    assert (ANSWER_HIDDEN in outputs) is (not show_answers)
    assert ("**Answer.**" in outputs) is show_answers
