"""Lab values against their reference limits, and CTCAE v5.0 grades on treatment.

Thresholds are in ``reference/ctcae.csv`` (from CTCAE v5.0; see
``clinical-standards.md``). Values measured before the first dose are the
baseline, not adverse events: they are flagged but not graded. For the
enzymes graded as multiples of the upper limit, CTCAE's baseline rule
applies: when the baseline value was already above the limit, multiples are
of the baseline, and grade 1 starts at a term-specific multiple of it (1.5x
for AST and ALT, 2.0x for GGT).

Which value is the baseline is a choice (``baseline=``):

- ``"treatment_start"`` (the default, CTCAE read literally): the value before
  the first dose of the first regimen, for the whole course;
- ``"each_added_drug"``: from the start of each drug added later, the last
  value on or before that start, so that a rise under (or after) the added
  drug is graded against what the values were when it began. Use it when the
  values had normalised by then, as the seed case's enzymes had.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from casereport.data.case import Case
from casereport.data.catalogue import ctcae_rules
from casereport.derive.memo import per_case
from casereport.derive.timeline import placed

NO_TREATMENT = "no treatment"  # the phase of every value of a case that records no regimen
# What the toxicity views say instead of their rule for the baseline, for a case that records no regimen.
NO_TREATMENT_NOTE = "The case records no treatment: no value is an adverse event, so none is graded."
GRADE_COLUMNS = [
    "flag",
    "phase",
    "period",
    "period_certain",
    "ctcae_term",
    "ctcae_grade",
    "grade_basis",
    "baseline_value",
    "baseline_id",
    "grade_note",
]
ON_TREATMENT_COLUMNS = [
    "analyte",
    "loinc",
    "period",
    "ctcae_term",
    "worst_grade",
    "value",
    "unit",
    "lab_id",
    "date_earliest",
    "date_latest",
    "date_provenance",
    "provenance",
    "period_certain",
    "baseline_value",
    "baseline_id",
    "grade_basis",
    "grade_note",
    "values",
    "illustrative",
]

WEIGHT_LOSS_GRADES = ((20.0, 3), (10.0, 2), (5.0, 1))  # percent lost from baseline -> CTCAE grade


def _flag(value: float, lower: float, upper: float) -> str:
    if pd.notna(upper) and value > upper:
        return "high"
    if pd.notna(lower) and value < lower:
        return "low"
    return "normal"


def _grade_high(value: float, uln: float, baseline: float | None, rule: dict[str, str]) -> tuple[int, str]:
    if baseline is not None and baseline > uln:
        reference, basis = baseline, "multiple of abnormal baseline"
        grade1 = value >= baseline * float(rule["grade1_abnormal_baseline"])
    else:
        reference, basis = uln, "multiple of ULN"
        grade1 = value > uln
    if not grade1:
        return 0, basis
    higher = [g for g in (2, 3, 4) if value > reference * float(rule[f"grade{g}"])]
    return max(higher, default=1), basis


def _grade_low(value: float, lln: float, unit: str, rule: dict[str, str]) -> tuple[int | None, str]:
    if rule["unit"] != unit:
        return None, f"CTCAE thresholds are in {rule['unit']}, the value is in {unit}"
    if pd.isna(lln) or value >= lln:
        return 0, "absolute"
    grade = 1
    for number in (2, 3, 4):
        threshold = rule[f"grade{number}"]
        if threshold and value < float(threshold):
            grade = number
    return grade, "absolute"


Baselining = Literal["treatment_start", "each_added_drug"]
Record = Mapping[Hashable, Any] | pd.Series  # one lab value: a row, or the row's fields by name
PERIOD_COLUMNS = ["period", "drugs", "start_event", "end_event", "x_start", "x_end", "after_stop"]


def _event_x(case: Case) -> pd.Series:
    """Each event's place on the calendar axis, by id: where the charts draw it."""
    return placed(case, case.events, "calendar").set_index("id")["x"]


def drug_periods(case: Case) -> pd.DataFrame:
    """The spans of the course with the same drugs given: one drug alone, a combination, after a stop.

    Each span runs from the middle of its first event's date to the middle of
    the next one's (``x_start``, ``x_end``), where the charts draw them;
    ``after_stop`` names the drugs stopped before it.
    """
    event_x = _event_x(case)
    changes = []
    for _, regimen in case.regimens.iterrows():
        changes.append((event_x[regimen["start"]], regimen["start"], regimen["drug"], +1))
        if isinstance(regimen["stop"], str):
            changes.append((event_x[regimen["stop"]], regimen["stop"], regimen["drug"], -1))
    changes.sort(key=lambda change: change[0])
    end = case.event(case.observation_end)
    end_x = end["date_latest"] + pd.Timedelta(days=1)
    several = case.regimens["drug"].nunique() > 1
    rows, active, stopped = [], [], []
    for number, (x, event, drug, step) in enumerate(changes):
        if step > 0:
            active.append(drug)
        else:
            active.remove(drug)
            stopped.append(drug)
        following = changes[number + 1] if number + 1 < len(changes) else (end_x, case.observation_end, None, 0)
        if not active or following[0] == x:
            continue
        label = " + ".join(active) if len(active) > 1 else f"{active[0]} alone" if several else active[0]
        if stopped:
            label += f", after {' and '.join(stopped)} stopped"
        rows.append((label, tuple(active), event, following[1], x, following[0], tuple(stopped)))
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS)


def _treatment_start(case: Case) -> tuple[str | None, pd.Timestamp, pd.Timestamp]:
    """The first regimen's start: its event's id and its earliest and latest date. A case with no regimen (a
    natural history) has none: no value is on treatment, so its start is never."""
    starts = case.events[case.events["id"].isin(case.regimens["start"])]
    if starts.empty:
        return None, pd.Timestamp.max, pd.Timestamp.max
    first = starts.sort_values(["date_earliest", "date_latest"], kind="stable").iloc[0]
    return first["id"], first["date_earliest"], first["date_latest"]


def _baseline_for(values: pd.DataFrame, start: pd.Series) -> pd.Series | None:
    """The last value of an analyte that may fall on or before ``start`` (an event's row)."""
    before = values[values["date_earliest"] <= start["date_latest"]]
    return before.iloc[-1] if not before.empty else None


@per_case
def grade_labs(case: Case, *, baseline: Baselining = "treatment_start") -> pd.DataFrame:
    """``case.labs`` with ``flag`` (low, normal, high), the drug period and the CTCAE v5.0 grade on treatment.

    Columns added: ``phase`` (``pre-treatment`` or ``on treatment``; ``no
    treatment`` for every value of a case that records no regimen),
    ``period`` (see :func:`drug_periods`; ``period_certain`` is false where
    the value's date overlaps the period's first event), ``ctcae_term``,
    ``ctcae_grade`` (``<NA>`` before the first dose, and for analytes CTCAE
    does not grade, such as AFP), ``grade_basis``, the ``baseline_value``
    (with ``baseline_id``) it was graded against, and ``grade_note``: the
    reading behind the grade, in words.

    A value is pre-treatment when its whole date lies before the first
    regimen's start, or when it is an analyte's first value and may fall on or
    before that start (the baseline drawn with the diagnosis). A case with no
    regimen (a natural history) has neither: its values are not graded, and
    none is called a baseline, as there is no dose for it to precede.
    """
    labs = case.labs.sort_values(["loinc", "date_earliest", "date_latest"], kind="stable")
    start_id, start_earliest, start_latest = _treatment_start(case)
    untreated = start_id is None
    periods = drug_periods(case)
    added = case.events[case.events["id"].isin(case.regimens["start"]) & (case.events["id"] != start_id)]
    added_x = added["id"].map(_event_x(case))
    lab_x = placed(case, case.labs, "calendar")["x"].to_dict()
    # Looked up once, not per value: a DataFrame filter and an event lookup per value were most of its time.
    event_latest = dict(zip(case.events["id"], case.events["date_latest"], strict=True))
    spans = list(zip(periods["x_start"], periods["x_end"], periods["period"], periods["start_event"], strict=True))
    rules = ctcae_rules()
    rows = []
    for loinc, values in labs.groupby("loinc", sort=False):
        rule = rules.get(str(loinc))
        records = values.to_dict("index")
        first_index = values.index[0]
        first = records[first_index]
        initial = first if first["date_earliest"] <= start_latest and not untreated else None
        for index, lab in records.items():
            flag = _flag(lab["value"], lab["lower_limit"], lab["upper_limit"])
            x = lab_x[index]
            pre = bool(lab["date_latest"] < start_earliest or (index == first_index and initial is not None))
            period, certain = None, True
            if not pre:
                inside = next((span for span in spans if span[0] <= x < span[1]), None)
                if inside is not None:
                    period = inside[2]
                    certain = bool(lab["date_earliest"] > event_latest[inside[3]])
            reference: Record | None = initial
            rebaselined = None
            if baseline == "each_added_drug" and not pre and not added.empty:
                # The most recent added drug's start before this value: grade against the values then.
                begun = added[added_x <= x]
                if not begun.empty:
                    restart = begun.sort_values("date_earliest").iloc[-1]
                    reference = _baseline_for(values, restart)
                    rebaselined = f"{restart['label']} ({restart['date_text']})"
            grade: int | None = None
            term = rule["term"] if rule is not None else None
            note = ""
            if rule is None:
                basis = "no CTCAE term for this analyte"
            elif untreated or pre:  # not graded: no dose yet, or none at all
                basis, when = (
                    ("no treatment recorded: not an adverse event", ", with no treatment recorded")
                    if untreated
                    else ("pre-treatment baseline: not an adverse event", " before the first dose")
                )
                if flag == "high":
                    note = f"{lab['value'] / lab['upper_limit']:.1f}\u00d7 the upper limit{when}"
            elif rule["direction"] == "high":
                ref_value = None if reference is None else reference["value"]
                grade, basis = _grade_high(lab["value"], lab["upper_limit"], ref_value, rule)
                if basis != "multiple of ULN" and reference is not None:
                    # Graded against the baseline only when there is one, and it was above the limit.
                    note = _abnormal_baseline_note(lab, reference, rule)
                elif rebaselined is not None and reference is not None:
                    note = (
                        f"re-baselined at {rebaselined}: the value then ({reference['value']:g} {lab['unit']},"
                        f" {reference['id']}) was within the limit, so multiples are of the upper limit"
                    )
            else:
                grade, basis = _grade_low(lab["value"], lab["lower_limit"], lab["unit"], rule)
            rows.append(
                (
                    index,
                    flag,
                    NO_TREATMENT if untreated else "pre-treatment" if pre else "on treatment",
                    period,
                    certain,
                    term,
                    grade,
                    basis,
                    None if reference is None else reference["value"],
                    None if reference is None else reference["id"],
                    note,
                )
            )
    graded = pd.DataFrame(rows, columns=["index", *GRADE_COLUMNS]).set_index("index")
    out = case.labs.join(graded)
    out["ctcae_grade"] = out["ctcae_grade"].astype("Int64")
    out["baseline_value"] = out["baseline_value"].astype("float64")
    out["period_certain"] = out["period_certain"].astype(bool)
    return out


def _abnormal_baseline_note(lab: Record, reference: Record, rule: dict[str, str]) -> str:
    """Why a value above the upper limit may grade low: CTCAE v5.0 read literally against an abnormal baseline."""
    factor = float(rule["grade1_abnormal_baseline"])
    note = (
        f"CTCAE v5.0 read literally: the baseline ({reference['value']:g} {lab['unit']}, {reference['id']}) was above"
        f" the upper limit, so grade 1 starts at {factor:g}\u00d7 that baseline ({reference['value'] * factor:g}"
        f" {lab['unit']})"
    )
    if lab["value"] > lab["upper_limit"]:
        against_uln, _ = _grade_high(lab["value"], lab["upper_limit"], None, rule)
        note += (
            f"; this value is {lab['value'] / lab['upper_limit']:.1f}\u00d7 the upper limit: grade {against_uln}"
            " if graded against a normal baseline, as when re-baselined at the start of an added drug"
        )
    return note


@per_case
def on_treatment_grades(case: Case, *, baseline: Baselining = "treatment_start") -> pd.DataFrame:
    """The worst CTCAE v5.0 grade per graded analyte and drug period, with the value and date that earned it.

    One row per analyte and period; ``value``, ``lab_id`` and the date are the
    worst value's (the highest for an analyte graded upward, the lowest for
    one graded downward; the first of equals), ``baseline_value`` and
    ``baseline_id`` what it was graded against, ``grade_note`` the reading,
    ``values`` how many values the period holds and ``illustrative`` how many
    of them are illustrative.
    """
    graded = grade_labs(case, baseline=baseline)
    graded = graded[(graded["phase"] == "on treatment") & graded["ctcae_term"].notna() & graded["period"].notna()]
    rules = ctcae_rules()
    order = {p: n for n, p in enumerate(drug_periods(case)["period"])}
    rows = []
    for (loinc, period), values in graded.groupby(["loinc", "period"], sort=False):
        upward = rules[str(loinc)]["direction"] == "high"
        ranked = values.assign(_g=values["ctcae_grade"].fillna(-1), _v=values["value"] if upward else -values["value"])
        worst = ranked.sort_values(["_g", "_v", "date_earliest"], ascending=[False, False, True], kind="stable").iloc[0]
        rows.append(
            {
                **{column: worst[column] for column in ON_TREATMENT_COLUMNS if column in worst.index},
                "worst_grade": worst["ctcae_grade"],
                "lab_id": worst["id"],
                "values": len(values),
                "illustrative": int((values["provenance"] == "illustrative").sum()),
                "_order": order.get(period, len(order)),
            }
        )
    out = pd.DataFrame(rows, columns=[*ON_TREATMENT_COLUMNS, "_order"])
    out = out.sort_values(["analyte", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    out["worst_grade"] = out["worst_grade"].astype("Int64")
    return out


def grade_weight_loss(percent_lost: float) -> int:
    """CTCAE v5.0 weight loss grade for a percentage lost from baseline (0 below 5%)."""
    return next((grade for threshold, grade in WEIGHT_LOSS_GRADES if percent_lost >= threshold), 0)


def weight_change(case: Case) -> pd.DataFrame:
    """Each stated weight loss, with its CTCAE grade where the baseline weight allows one.

    The grade needs the loss as a share of baseline body weight; where the
    case gives no body weight, ``reason`` says so and what weight would make
    the loss grade 1.
    """
    losses = case.adverse_events[case.adverse_events["ctcae_term"] == "Weight loss"]
    rows = []
    for _, loss in losses.iterrows():
        kg = loss["value"] if loss["unit"] == "kg" else np.nan
        row = {
            "id": loss["id"],
            "term": loss["term"],
            "loss_kg": kg,
            "baseline_kg": np.nan,
            "percent": np.nan,
            "ctcae_grade": pd.NA,
            "reason": "",
        }
        if pd.isna(kg):
            row["reason"] = "the amount lost is not given in kg"
        else:
            heaviest = kg / (WEIGHT_LOSS_GRADES[-1][0] / 100)
            row["reason"] = (
                f"no body weight is given, so {kg:g} kg cannot be graded; it would be grade 1 or more "
                f"(at least 5% lost) only if the patient weighed {heaviest:g} kg or less"
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["id", "term", "loss_kg", "baseline_kg", "percent", "ctcae_grade", "reason"])
    frame["ctcae_grade"] = frame["ctcae_grade"].astype("Int64")
    return frame
