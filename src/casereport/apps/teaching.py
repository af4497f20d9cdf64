"""Helpers for the teaching series: a step control over the case's events, and answers a teacher can hide.

Charts are drawn as SVG by vl-convert: static, offline in JupyterLab, in
Voila's slides and in a handed-out notebook, and searchable in the outputs.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

import altair as alt
import ipywidgets as widgets
import pandas as pd
import vl_convert as vlc
from IPython.display import HTML, SVG, Markdown, display
from pandas.io.formats.style import Styler

from casereport.data.case import Case
from casereport.derive.reveal import case_steps, reveal_case

Part = alt.TopLevelMixin | pd.DataFrame | Styler | SVG | HTML | str


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
    """``(label, event id)`` for each step a class can stop at, from the reference event on.

    Labels give the step's number as the control counts it, its date and its
    event (``Step 3 · Nov 2009: Panobinostat 20 mg added``), never the number
    of steps: "3 of 8" would tell a class how much of the case is still to come.
    """
    steps = case_steps(case)
    first = int(steps.loc[steps["id"] == case.reference_event, "step"].iloc[0])
    shown = steps[steps["step"] >= first]
    return [
        (f"Step {number} \u00b7 {s['when']}: {s['label']}", str(s["id"]))
        for number, (_, s) in enumerate(shown.iterrows(), start=1)
    ]


def as_html(part: Part) -> str:
    """One part of a step's view as HTML: a chart (as SVG), a table, or a line of text."""
    if isinstance(part, alt.TopLevelMixin):
        return svg(part).data
    if isinstance(part, Styler):
        return part.to_html()
    if isinstance(part, pd.DataFrame):
        # Numbers as a reader writes them (130, 4.3), blanks where nothing is given.
        return part.to_html(index=False, float_format=lambda v: f"{v:g}", na_rep="")
    if isinstance(part, SVG | HTML):
        return str(part.data)
    if isinstance(part, str):
        return f"<p>{html.escape(part, quote=False)}</p>"
    raise TypeError(f"a step can show charts, tables, SVG, HTML or text, not {type(part).__name__}")


def step_through(case: Case, show: Callable[[Case], Iterable[Part]], *, reveal_until: str | None) -> widgets.Widget:
    """A play button and slider over the case's events; ``show`` gives what to draw of the case up to the step.

    The first view is ``reveal_until`` (the last event when ``None``). The
    heading names the step shown (its number, date and event) and nothing of
    what follows: the slider has no readout, and no label counts the steps
    ("3 of 8" tells a class how many events remain) or names events to come.
    Each step is drawn into one HTML widget rather than an ``Output``
    widget: papermill mimics an Output widget by sending messages back to
    the kernel mid-cell, which now and then left a run waiting forever
    (jupyter/nbclient#312; ``benchmarks/kernel_stalls.py``).
    """
    options = revealable_steps(case)
    ids = [value for _, value in options]
    start = reveal_until or ids[-1]
    reveal_case(case, start)  # a bad reveal_until stops here, naming the parameter
    slider = widgets.IntSlider(
        min=1,
        max=len(ids),
        value=ids.index(start) + 1,
        description="Step",
        readout=False,
        layout=widgets.Layout(width="60%"),
    )
    play = widgets.Play(min=1, max=len(ids), value=slider.value, interval=2500, description="Play")
    widgets.jslink((play, "value"), (slider, "value"))
    view = widgets.HTML()

    def redraw(step: int) -> None:
        heading = f"<p><strong>{html.escape(options[step - 1][0], quote=False)}</strong></p>"
        view.value = heading + "\n".join(as_html(part) for part in show(reveal_case(case, ids[step - 1])))

    slider.observe(lambda change: redraw(change["new"]), names="value")
    redraw(slider.value)
    return widgets.VBox([widgets.HBox([play, slider]), view])
