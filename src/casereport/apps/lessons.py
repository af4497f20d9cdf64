"""The answers to the teaching notebooks' questions, computed from the case as the class knows it.

Each function takes the revealed case (``reveal_case(case, reveal_until)``)
and returns the answer as Markdown, so an answer never speaks of what the
class has not yet seen, and a second case gets answers of its own. Values
that are illustrative say so: an answer never passes one off as a
measurement.
"""

from __future__ import annotations

import pandas as pd

from casereport.data.case import Case
from casereport.data.catalogue import AFP, LIVER_ENZYMES
from casereport.derive.audit import audit_case
from casereport.derive.grading import NO_TREATMENT_NOTE, ctcae_rules, grade_labs, on_treatment_grades
from casereport.derive.rationale import shared_targets
from casereport.derive.response import MRECIST_NOTE, recist_response
from casereport.derive.summary import dose_summary
from casereport.derive.tables import coarse_precisions, format_when, when_text

NOT_YET = "Not yet: at this step the case does not show it."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _when(row: pd.Series) -> str:
    return format_when(row["date_earliest"], row["date_latest"])


def _value(row: pd.Series) -> str:
    """A lab value and its date as read aloud, marked when it is illustrative rather than measured."""
    if row["provenance"] == "illustrative":
        return f"{row['value']:g} {row['unit']}, {_when(row)} (illustrative, not measured)"
    return f"{row['value']:g} {row['unit']}, {when_text(row)}"


# 1. Presentation and timeline -------------------------------------------------


def date_precision(known: Case) -> str:
    """Which events are dated to the day and which only to a month or a range."""
    events = known.events
    by_day = events[events["precision"] == "day"]
    coarse = events[events["precision"] != "day"]
    parts = [
        f"Of the {_count(len(events), 'event')} shown, {len(by_day)} are dated to the day and {len(coarse)} only"
        + " to a month or a span of days"
    ]
    if not coarse.empty:
        parts.append(": " + "; ".join(f"{e.label} ({_when(e)})" for _, e in coarse.iterrows()))
    text = "".join(parts) + "."
    if not coarse.empty:
        text += (
            " An interval between two month-dated events is known only to within about two months, so counts"
            " such as cycles can be checked only as ranges (notebook 5)."
        )
    return text


# 2. Liver enzymes and CTCAE ---------------------------------------------------


def _graded(graded: pd.DataFrame, loincs: tuple[str, ...]) -> pd.DataFrame:
    """The graded values of these analytes, oldest first."""
    return graded[graded["loinc"].isin(loincs)].sort_values("date_earliest", kind="stable")


def _liver(known: Case) -> pd.DataFrame:
    return _graded(grade_labs(known), LIVER_ENZYMES)


def liver_enzyme_grades(known: Case) -> str:
    """The worst on-treatment CTCAE grade of each liver enzyme per drug period, with the value that earned it."""
    liver = _liver(known)
    if liver.empty:
        return NOT_YET
    if known.regimens.empty:  # a natural history: no dose for a value to come before or after
        return NO_TREATMENT_NOTE
    grades = on_treatment_grades(known)
    grades = grades[grades["loinc"].isin(LIVER_ENZYMES)]
    if grades.empty:
        return (
            "Only values from before the first dose so far: they are the baseline, not adverse events, so nothing"
            " is graded yet."
        )
    lines = []
    for _, g in grades.iterrows():
        grade = "not graded" if pd.isna(g["worst_grade"]) else f"grade {g['worst_grade']}"
        line = (
            f"- {g['analyte']}, {g['period']}: worst {grade}, from {_value(g)}; graded against"
            f" {g['baseline_value']:g} {g['unit']} ({g['baseline_id']})"
        )
        if g["grade_note"]:
            line += f". {g['grade_note'][0].upper()}{g['grade_note'][1:]}"
        lines.append(line)
    return (
        "Worst CTCAE v5.0 grade on treatment so far, per drug period (values before the first dose are the"
        " baseline, not adverse events):\n\n" + "\n".join(lines)
    )


def baseline_rule(known: Case) -> str:
    """What CTCAE's abnormal-baseline rule changes for the enzymes already high at baseline."""
    liver = _liver(known)
    if liver.empty:
        return NOT_YET
    rules = ctcae_rules()
    high = liver[liver["baseline_value"] > liver["upper_limit"]].drop_duplicates("loinc")
    if high.empty:
        return (
            "No liver enzyme was above its upper limit at baseline, so every value is graded in multiples of"
            " the upper limit of normal."
        )
    lines = [
        f"- {r['analyte']}: baseline {r['baseline_value']:g} {r['unit']} is {r['baseline_value'] / r['upper_limit']:.1f}"
        f" times the upper limit ({r['upper_limit']:g}); later values reach grade 1 only at"
        f" {float(rules[r['loinc']]['grade1_abnormal_baseline']):g} times that baseline"
        f" ({r['baseline_value'] * float(rules[r['loinc']]['grade1_abnormal_baseline']):g} {r['unit']})"
        for _, r in high.iterrows()
    ]
    return (
        "Above the upper limit at baseline, so CTCAE v5.0, read literally, grades the later values against the"
        " baseline instead:\n\n"
        + "\n".join(lines)
        + "\n\nRead literally, a later rise to twice the upper limit can then be grade 0. Where the values had"
        " become normal by the time a drug was added, a clinician may re-baseline there"
        " (`grade_labs(case, baseline='each_added_drug')`): the rise is then graded against the upper limit."
    )


def what_hollow_marks_mean(known: Case) -> str:
    """How many liver enzyme values shown are measurements, and what the others were made to satisfy."""
    liver = _liver(known)
    if liver.empty:
        return NOT_YET
    illustrative = liver[liver["provenance"] == "illustrative"]
    stated = len(liver) - len(illustrative)
    text = f"Of the {_count(len(liver), 'value')} shown, {stated} {'is' if stated == 1 else 'are'} stated in the paper"
    if illustrative.empty:
        return text + ": every mark is a measurement the paper reports."
    rules = "; ".join(dict.fromkeys(illustrative["rule"].dropna().str.rstrip(".")))
    return (
        text + f" and {len(illustrative)} are illustrative (hollow marks), made for this project: {rules}. They"
        " show a course consistent with the paper's words, not what was measured, so a reader may rely only on"
        " the stated values and on what the paper says in words."
    )


# 3. AFP -----------------------------------------------------------------------


def afp_course(known: Case) -> str:
    """How AFP moved so far, and when it first fell below its upper limit compared with the stagings."""
    if AFP not in set(known.analytes["loinc"]):
        return "This case reports no AFP."
    afp = _graded(grade_labs(known), (AFP,))
    if afp.empty:
        return NOT_YET
    first, last = afp.iloc[0], afp.iloc[-1]
    if len(afp) == 1:
        text = f"One AFP value so far: {_value(first)}."
    else:
        text = f"AFP went from {_value(first)}, to {_value(last)}."
    upper = first["upper_limit"]
    below = afp[afp["value"] < upper]
    if first["value"] >= upper and not below.empty:
        normal = below.iloc[0]
        stagings = known.events[
            (known.events["kind"] == "staging") & (known.events["date_earliest"] <= normal["date_latest"])
        ]
        text += f" It was first below its upper limit ({upper:g}) in {_when(normal)}"
        if not stagings.empty:
            latest = stagings.sort_values("date_earliest").iloc[-1]
            text += f"; the latest staging by then was \u201c{latest['label']}\u201d ({_when(latest)})"
        text += "."
    illustrative = int((afp["provenance"] == "illustrative").sum())
    if illustrative:
        text += (
            f" Values stated in the paper: {len(afp) - illustrative} of {len(afp)}; the rest are illustrative,"
            " drawn to satisfy what the paper states, not measured."
        )
    return text


def afp_late_rise(known: Case) -> str:
    """Whether AFP rose again after a regimen stopped, and what the paper made of it."""
    if AFP not in set(known.analytes["loinc"]):
        return "This case reports no AFP."
    graded = grade_labs(known)
    afp = _graded(graded, (AFP,))
    stops = known.events[known.events["kind"] == "regimen_stop"]
    if afp.empty or stops.empty:
        return NOT_YET
    stop = stops.sort_values("date_earliest").iloc[-1]
    after = afp[afp["date_earliest"] > stop["date_latest"]]
    rise = after[after["value"] > after["upper_limit"]]
    if rise.empty:
        return NOT_YET + f" No AFP value above its limit after \u201c{stop['label']}\u201d ({_when(stop)})."
    peak = rise.loc[rise["value"].idxmax()]
    enzymes = _graded(graded, LIVER_ENZYMES)
    enzymes = enzymes[enzymes["date_earliest"] > stop["date_latest"]]
    high = sorted(set(enzymes.loc[enzymes["flag"] == "high", "analyte"]))
    text = (
        f"After \u201c{stop['label']}\u201d ({_when(stop)}), AFP rose to {_value(peak)},"
        f" above its limit of {peak['upper_limit']:g}."
    )
    if high:
        text += f" The liver enzymes rose with it ({', '.join(high)} above their limits)."
    text += (
        " A marker that had normalised and rises again with the enzymes may signal progression under the"
        " remaining therapy; in a cirrhotic liver, hepatitis or regeneration can raise it too, so imaging and"
        " the further course decide."
    )
    return text


# 4. Imaging and response --------------------------------------------------------


def recist_by_staging(known: Case) -> str:
    """What RECIST 1.1 allows at each staging shown, and why where it allows nothing."""
    response = recist_response(known)
    if response.empty:
        return NOT_YET
    lines = []
    for _, r in response.iterrows():
        when = format_when(r["date_earliest"], r["date_latest"])
        if pd.notna(r["category"]):
            extra = f", sum of diameters {r['sum_mm']:g} mm" if pd.notna(r["sum_mm"]) else ""
            reason = f" ({r['reason']})" if r["reason"] else ""
            lines.append(f"- {r['label']} ({when}): **{r['category']}**{extra}{reason}")
        else:
            lines.append(f"- {r['label']} ({when}): no category: {r['reason']}")
    return "RECIST 1.1 at each staging shown:\n\n" + "\n".join(lines)


def necrosis_and_mrecist(known: Case) -> str:
    """The findings that describe necrosis, and why they call for mRECIST."""
    findings = known.findings
    necrotic = findings[findings["necrosis"].notna()] if not findings.empty else findings
    if necrotic.empty:
        return (
            "No finding shown describes necrosis, so RECIST's sums of diameters are not misled by it here."
            " Where a treated lesion dies but keeps its size, RECIST 1.1 sees no response; mRECIST measures"
            " only the viable, enhancing part."
        )
    lines = [
        f"- {f['site']} ({f['modality']}, {format_when(f['date_earliest'], f['date_latest'])}): {f['necrosis']}"
        f" \u2014 \u201c{f['quote']}\u201d"
        for _, f in necrotic.iterrows()
    ]
    return (
        "Necrosis is described here:\n\n"
        + "\n".join(lines)
        + f"\n\nA necrotic lesion may keep its size while its tumour dies, so RECIST 1.1 would call it stable;"
        f" {MRECIST_NOTE}."
    )


def what_the_words_allow(known: Case) -> str:
    """For each follow-up staging, the paper's words about change and whether a measurement backs them."""
    findings = known.findings
    if findings.empty:
        return NOT_YET
    response = recist_response(known)
    later = response.iloc[1:]
    if later.empty:
        return NOT_YET + " Only the baseline staging is shown; there is no change to describe yet."
    lines = []
    for _, r in later.iterrows():
        these = findings[findings["staging"] == r["staging"]]
        words = "; ".join(dict.fromkeys(these["description"]))
        measured = these[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1).sum()
        verdict = f"RECIST 1.1: {r['category']}" if r["category"] else "no RECIST category"
        lines.append(f"- {r['label']}: \u201c{words}\u201d ({_count(measured, 'finding')} measured; {verdict})")
    return (
        "The words describe direction (smaller, constant, new) but a response category needs the same target"
        " lesions measured the same way at every staging:\n\n" + "\n".join(lines)
    )


# 5. The regimen -----------------------------------------------------------------


def doses_so_far(known: Case) -> str:
    """Planned dose days and cycles that may have fallen by this step, per drug."""
    doses = known.administrations
    if doses.empty:
        return NOT_YET
    # Every dose day kept by the reveal: its whole possible span lies within these bounds.
    summary = dose_summary(known, doses["date_earliest"].min(), doses["date_latest"].max() + pd.Timedelta(days=1))
    lines = []
    for _, d in summary.iterrows():
        cycles = d["cycles"]
        cycles = (
            ""
            if not cycles
            else f" (cycle {cycles[0]})"
            if len(cycles) == 1
            else f" (cycles {cycles[0]}\u2013{cycles[-1]})"
        )
        possible = f", {d['planned_possible']} of them only possibly before its end" if d["planned_possible"] else ""
        lines.append(f"- {d['drug']}: at most {_count(d['planned_at_most'], 'planned dose day')}{cycles}{possible}")
    text = (
        "Expanded from the regimen rules, the planned dose days that may have fallen by this step (planned, not"
        " confirmed as taken: the paper reports no holds or reductions):\n\n" + "\n".join(lines)
    )
    starts = known.events[known.events["id"].isin(known.regimens["start"])]
    coarse = coarse_precisions(starts["precision"])
    if coarse:
        text += (
            f"\n\nA start known only to the {' or '.join(coarse)} makes each count an upper bound: a dose day is"
            " counted when it may have fallen by the end of this step."
        )
    if summary["planned_possible"].sum():
        text += (
            " Doses *only possibly before its end* lie near a stop, or an end of observation, known only to"
            " a span of days."
        )
    return text


def audit_so_far(known: Case) -> str:
    """The disagreements the audit finds in what the case has stated so far, with the paper's words."""
    found = audit_case(known)
    if not found:
        return "The audit finds no disagreement among the statements shown so far."
    lines = [f"- {d.detail} (\u201c" + "\u201d / \u201c".join(d.quotes) + "\u201d)" for d in found]
    return f"The audit finds {_count(len(found), 'disagreement')}:\n\n" + "\n".join(lines)


def cycle_readings(known: Case) -> str:
    """How many disagreements remain when a cycle counts at its last dose instead of its last day."""
    # Only the counts of cycles depend on how a cycle is read: they are the ones that say so of the other reading.
    full = [d for d in audit_case(known, cycle_reading="full") if d.also_under_other_reading is not None]
    last_dose = [d for d in audit_case(known, cycle_reading="last_dose") if d.also_under_other_reading is not None]
    if not full:
        return "Nothing to reconcile yet: the audit finds no disagreement at this step."
    gone = [d for d in full if d.also_under_other_reading is False]
    text = (
        f"Counting a cycle once all its days have passed: {_count(len(full), 'disagreement')}. Counting it at"
        f" its last dose: {len(last_dose)}."
    )
    if gone:
        text += " Reading cycles by their last dose resolves: " + "; ".join(d.detail for d in gone) + "."
    if last_dose:
        text += " What remains cannot be explained by how a cycle is counted."
    return text


# 6. Rationale --------------------------------------------------------------------


def where_drugs_meet(known: Case) -> str:
    """The targets more than one drug acts on: where the paper argues the drugs work together."""
    if known.mechanisms.empty:
        return NOT_YET
    shared = shared_targets(known)
    if shared.empty:
        drugs = sorted(set(known.mechanisms["drug"]))
        return f"No target is shared: the case shows the rationale of {', '.join(drugs)} alone so far."
    lines = [
        f"- {s['target']}: {' and '.join(s['drugs'])}, leading to {', '.join(s['outcomes'])}"
        f" (rests on: {', '.join(s['evidence'])})"
        for _, s in shared.iterrows()
    ]
    return "More than one drug acts on:\n\n" + "\n".join(lines)


def evidence_behind(known: Case) -> str:
    """What the rationale rests on: how many of its steps are established, preclinical or proposed."""
    mechanisms = known.mechanisms
    if mechanisms.empty:
        return NOT_YET
    steps = mechanisms.groupby(["drug", "evidence"], sort=False)
    lines = [f"- {drug}: {_count(len(group), 'step')} {evidence}" for (drug, evidence), group in steps]
    text = "The steps of the rationale shown so far, by what they rest on:\n\n" + "\n".join(lines)
    if (mechanisms["evidence"] != "established").any():
        text += (
            "\n\nSteps resting on cell lines and animal models (preclinical) suggest, but do not show, that the"
            " drugs work that way in patients; one patient's course cannot show it either."
        )
    return text
