"""The case as it stood at one of its dated events, for teaching "what next?".

``reveal_case`` keeps only what had happened by a chosen event: earlier
events, the labs, findings, doses and adverse events dated no later than that
event can be, regimens without a stop the class has not reached yet, and
the rationale (mechanisms) of the drugs started so far. An adverse event
whose outcome is known only at a later event keeps its row, but its outcome
and the action taken read "not yet known". Observation ends at the chosen
event until the case's own end is reached.
Everything downstream (tables, charts, grading) works on the result unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from casereport.data.case import Case
from casereport.derive.tables import format_when
from casereport.exceptions import ParameterError

STEP_COLUMNS = ["step", "id", "label", "kind", "when"]
NOT_YET_KNOWN = "not yet known"
# What an adverse event's row says about its course, known only at its ``outcome_known_at`` event.
# The paper's words and the attribution tell the outcome too ("amelioration ... after three cycles",
# "remained stable also under additional panobinostat therapy"): withheld with it.
LATER_KNOWN_COLUMNS = ("outcome", "action", "attribution", "quote", "outcome_known_at")


def case_steps(case: Case) -> pd.DataFrame:
    """The case's dated events in the order they happened, numbered from 1 (ties keep the file's order)."""
    events = case.events.assign(_order=range(len(case.events)))
    events = events.sort_values(["date_earliest", "_order"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "step": range(1, len(events) + 1),
            "id": events["id"],
            "label": events["label"],
            "kind": events["kind"],
            "when": [format_when(a, b) for a, b in zip(events["date_earliest"], events["date_latest"], strict=True)],
        },
        columns=STEP_COLUMNS,
    )


def _withhold_later_outcomes(adverse_events: pd.DataFrame, shown: set[str]) -> pd.DataFrame:
    """The adverse events with outcome, action, attribution and quote "not yet known" where known only later.

    An outcome ("normal after three cycles") or an action ("stopped at the
    patient's request") known at a later event tells what comes next. A
    blank ``outcome_known_at`` means both are known with the event itself.
    """
    if adverse_events.empty or "outcome_known_at" not in adverse_events:
        return adverse_events
    known_at = adverse_events["outcome_known_at"]
    later = known_at.notna() & ~known_at.isin(shown)
    if not later.any():
        return adverse_events
    withheld = adverse_events.copy()
    columns = [c for c in LATER_KNOWN_COLUMNS if c in withheld]
    for column in columns:  # a column left blank in every row is read as numbers
        if not isinstance(withheld[column].dtype, pd.StringDtype):
            withheld[column] = withheld[column].astype(object)
    withheld.loc[later, columns] = NOT_YET_KNOWN
    return withheld


def reveal_case(case: Case, until: str | None) -> Case:
    """``case`` up to and including the event ``until`` (an event id); ``None`` reveals the whole case.

    A record is kept when its earliest possible date is no later than the
    last day ``until`` may mean, so a value known only to the month of a
    staging shows with that staging. The case is told in days from its
    reference event, so ``until`` may not come before it.
    """
    if until is None:
        return case
    steps = case_steps(case)
    if until not in set(steps["id"]):
        raise ParameterError(
            "reveal_until", f"'{until}' is not an event of this case; choose one of: " + ", ".join(steps["id"])
        )
    cut_step = int(steps.loc[steps["id"] == until, "step"].iloc[0])
    reference_step = int(steps.loc[steps["id"] == case.reference_event, "step"].iloc[0])
    if cut_step < reference_step:
        raise ParameterError(
            "reveal_until",
            f"the case is counted in days from '{case.reference_event}'; choose it or a later event",
        )
    shown = set(steps.loc[steps["step"] <= cut_step, "id"])
    last_day = case.event(until)["date_latest"]

    def by_date(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["date_earliest"] <= last_day] if not frame.empty else frame

    regimens = case.regimens[case.regimens["start"].isin(shown)].copy()
    not_yet = ~regimens["stop"].isin(shown)
    regimens.loc[not_yet, ["stop", "stop_reason"]] = None
    findings = case.findings[case.findings["staging"].isin(shown)]
    # A statement is known once every event it names has happened; one that names none
    # (a maximum, a last value) speaks of the whole course, so it waits for the last event.
    named = case.statements[["at", "from", "to"]]
    all_shown = named.apply(lambda row: all(e in shown for e in row.dropna()), axis=1)
    names_none = named.isna().all(axis=1)
    whole_course = cut_step == int(steps["step"].max())
    statements = case.statements[all_shown & (~names_none | whole_course)] if not named.empty else case.statements
    return replace(
        case,
        # What the class has seen ends at the chosen event: a revealed case names no event it lacks.
        observation_end=case.observation_end if case.observation_end in shown else until,
        events=case.events[case.events["id"].isin(shown)],
        regimens=regimens,
        administrations=by_date(case.administrations[case.administrations["regimen"].isin(regimens["id"])]),
        labs=by_date(case.labs),
        findings=findings,
        adverse_events=_withhold_later_outcomes(by_date(case.adverse_events), shown),
        statements=statements,
        # The rationale of a drug the class has not seen started would tell them what comes next.
        mechanisms=case.mechanisms[case.mechanisms["drug"].isin(regimens["drug"])],
    )
