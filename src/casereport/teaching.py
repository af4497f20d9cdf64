"""Helpers for the teaching series: a step control over the case's events, and answers a teacher can hide.

Charts are shown as SVG drawn by vl-convert: static, offline in JupyterLab,
in Voila's slides and in a handed-out notebook, and searchable in the outputs.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import ipywidgets as widgets
import vl_convert as vlc
from IPython.display import HTML, SVG, Markdown, display

from .case import Case
from .reveal import case_steps, reveal_case


def svg(chart: alt.TopLevelMixin) -> SVG:
    """The chart as an SVG image, drawn without a browser or the internet."""
    return SVG(vlc.vegalite_to_svg(chart.to_dict()))


def answer(text: str, *, show: bool) -> None:
    """Show the answer, or say it is hidden (``show_answers=False`` hands the notebook out without them)."""
    if show:
        display(Markdown(f"**Answer.** {text}"))
    else:
        display(HTML("<p><em>Answer hidden: discuss, then ask your teacher.</em></p>"))


def revealable_steps(case: Case) -> list[tuple[str, str]]:
    """``(label, event id)`` for each step a class can stop at, from the reference event on."""
    steps = case_steps(case)
    first = int(steps.loc[steps["id"] == case.reference_event, "step"].iloc[0])
    return [(f"{s.step}. {s.when}: {s.label}", s.id) for s in steps[steps["step"] >= first].itertuples()]


def step_through(case: Case, show: Callable[[Case], None], *, reveal_until: str | None) -> widgets.Widget:
    """A play button and slider over the case's events; ``show`` draws the case as revealed up to the step.

    The first view is ``reveal_until`` (the last event when ``None``). The
    slider shows step numbers only: its labels would otherwise name the
    events still to come.
    """
    options = revealable_steps(case)
    ids = [value for _, value in options]
    start = reveal_until or ids[-1]
    reveal_case(case, start)  # a bad reveal_until stops here, naming the parameter
    slider = widgets.IntSlider(
        min=1, max=len(ids), value=ids.index(start) + 1, description="Step", layout=widgets.Layout(width="60%")
    )
    play = widgets.Play(min=1, max=len(ids), value=slider.value, interval=2500, description="Play")
    widgets.jslink((play, "value"), (slider, "value"))
    out = widgets.Output()

    def redraw(step: int) -> None:
        out.clear_output(wait=True)
        with out:
            label = options[step - 1][0]
            display(Markdown(f"**Step {label}**"))
            show(reveal_case(case, ids[step - 1]))

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(slider.value)
    return widgets.VBox([widgets.HBox([play, slider]), out])
