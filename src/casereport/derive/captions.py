"""Figure captions written from the case: what a figure shows, which values are illustrative and why, the source.

An author pastes a caption under the figure in the paper, so each says, in
words and from the data (never for one case only): what is drawn and over
what span; how many values the paper states, how many were derived by a
rule, how many are illustrative reconstructions (with the case's own reason
for each, its ``rule``), and which stated values sit at a date the paper
does not give (with the ``date_rule``); and the source the case cites.
The marks are named as every figure draws them: filled for stated values,
pale for a stated value at an illustrative date, hollow for illustrative
values.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from casereport.data.case import Case
from casereport.data.catalogue import ctcae_rules
from casereport.derive.grading import NO_TREATMENT, grade_labs
from casereport.derive.panels import analyte_title
from casereport.derive.response import response_assessments
from casereport.derive.tables import coarse_precisions, quantity_text, regimen_text, unit_text, when_text, when_texts
from casereport.derive.timeline import Axis, spans_drawn


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def _are(number: int, noun: str) -> str:
    """A count that begins a clause: 1 value is, 2 values are."""
    return f"{_count(number, noun)} {'is' if number == 1 else 'are'}"


def _all(number: int, noun: str) -> str:
    """All of a count, as a clause begins: the one value is, both values are, all 5 values are."""
    return {1: f"The one {noun} is", 2: f"Both {noun}s are"}.get(number, f"All {number} {noun}s are")


def _listed(words: Sequence[str]) -> str:
    """Words as a sentence lists them: "a", "a and b", "a, b and c"."""
    words = list(words)
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _quoted(text: str) -> str:
    return f"\u201c{text.strip().rstrip('.')}\u201d"


def source_text(case: Case) -> str:
    """The source the case cites, with its identifiers; a synthetic case says it is one."""
    citation = str(case.source.get("citation") or "not given").strip().rstrip(".")
    ids = [] if case.synthetic else [str(case.source[key]) for key in ("identifier", "trial") if case.source.get(key)]
    if not case.synthetic and case.source.get("trial"):
        ids[-1] = f"trial {ids[-1]}"
    text = f"Source: {citation}" + (f" ({'; '.join(ids)})." if ids else ".")
    if case.synthetic and "synthetic" not in citation.lower():
        text += " The case is synthetic, not a real patient."
    return text


def axis_text(case: Case, axis: Axis, frame: pd.DataFrame) -> str:
    """How time runs along the x axis (and how a date of ``frame`` given only to the month or year is drawn)."""
    if axis == "relative":
        reference = case.event(case.reference_event)
        return f"in days since {reference['label']} ({when_text(reference)})"
    coarse = coarse_precisions(frame["precision"]) if "precision" in frame else []
    if not coarse:
        return "on the calendar"
    spans = f"its {coarse[0]}" if len(coarse) == 1 else "it"
    return f"on the calendar; a date the paper gives only to the {' or '.join(coarse)} spans {spans}"


def _span(frame: pd.DataFrame) -> str:
    """From the first record's date to the last one's, each as precise as the paper gives it."""
    first = frame.iloc[int(frame["date_earliest"].to_numpy().argmin())]
    last = frame.iloc[int(frame["date_latest"].to_numpy().argmax())]
    return f"{when_text(first)} to {when_text(last)}"


def _reasons(frame: pd.DataFrame, column: str, names: pd.Series) -> str:
    """Each reason given in ``column``, in the case's words, after the records it covers."""
    return "; ".join(
        f"{_listed(list(dict.fromkeys(names[rows.index])))}, {_quoted(str(reason))}"
        for reason, rows in frame[frame[column].notna()].groupby(column, sort=False)
    )


def provenance_text(frame: pd.DataFrame, names: pd.Series, *, noun: str = "value") -> str:
    """What of ``frame`` the paper states, derives by rule or makes up for illustration, and why.

    ``names`` says each record as the caption names it (an analyte, an
    event, a value with its unit). A record is illustrative when its
    ``provenance`` says so (the reason is its ``rule``); a stated record may
    sit at an illustrative date, or at one placed by a rule
    (``date_provenance``; the reason is its ``date_rule``).
    """
    provenance = frame["provenance"]
    dated = frame["date_provenance"] if "date_provenance" in frame else pd.Series("reported", index=frame.index)
    stated, derived, made = (provenance == "reported"), (provenance == "derived"), (provenance == "illustrative")
    illustrative = "illustrative (hollow marks)" + (", not measurements" if noun == "value" else "")
    if stated.all():
        text = f"{_all(len(frame), noun)} stated in the paper."
    elif made.all():
        text = f"{_all(len(frame), noun)} {illustrative}."
    else:
        counts = [f"{_are(int(stated.sum()), noun)} stated in the paper (filled marks)"] if stated.any() else []
        counts += [f"{_are(int(derived.sum()), noun)} derived by a rule"] if derived.any() else []
        counts += [f"{_are(int(made.sum()), noun)} {illustrative}"] if made.any() else []
        text = f"Of {_count(len(frame), noun)}, {_listed(counts)}."
    if made.any():
        text += f" Why illustrative: {_reasons(frame[made], 'rule', names)}."
    if derived.any():
        text += f" Derived: {_reasons(frame[derived], 'rule', names)}."
    for kind, marks in (("illustrative", " (pale marks)"), ("derived", "")):
        placed = stated & (dated == kind)
        if placed.any():
            where = "at a date the paper does not give" if kind == "illustrative" else "dated by a rule"
            text += f" {_count(int(placed.sum()), 'stated ' + noun)} {where}{marks}: "
            text += f"{_reasons(frame[placed], 'date_rule', names)}."
    return text


def timeline_caption(case: Case, axis: Axis) -> str:
    """The timeline's caption: the regimens' planned dose days and the case's events."""
    events = case.events
    kinds = events["kind"].str.replace("_", " ").value_counts(sort=False)
    regimens = "; ".join(regimen_text(row) for _, row in case.regimens.iterrows())
    uncertain = bool((case.administrations["certainty"] == "possible").any())
    stops = events[events["id"].isin(case.regimens["stop"].dropna())]
    stopped_to = " or ".join(coarse_precisions(stops["precision"])) or "month"
    counted = (
        f"{_count(len(events), 'event')} ({_listed([_count(int(n), str(k)) for k, n in kinds.items()])})"
        f" from {_span(events)}, {axis_text(case, axis, events)}."
    )
    doses = (
        [
            f"Planned dose days ({regimens}) and {counted}",
            "Doses are planned from the regimen rules, not reported as given"
            + (
                f"; faint dose days may fall after a stop the paper dates only to the {stopped_to}."
                if uncertain
                else "."
            ),
        ]
        if regimens
        else [f"{counted[0].upper()}{counted[1:]} The case records no regimen."]
    )
    return " ".join(
        [
            f"Case timeline: {_sentence(case.title)}",
            *doses,
            provenance_text(events, events["label"], noun="event"),
            source_text(case),
        ]
    )


def _labs_opening(case: Case, labs: pd.DataFrame, title: str, axis: Axis, scale: str) -> str:
    """A lab figure's first sentence: its title, how many values in which units, over what span."""
    units = _listed([unit_text(u) for u in dict.fromkeys(labs["unit"])])
    return (
        f"{title}: {_count(len(labs), 'value')} ({units})"
        + (" on a log scale" if scale == "log" else "")
        + f" from {_span(labs)}, {axis_text(case, axis, labs)}."
    )


def _lab_names(labs: pd.DataFrame) -> pd.Series:
    """Each lab value as a caption names it: an illustrative one by its analyte, a stated one by its value too
    (AFP 36.6 ng/mL)."""
    return pd.Series(
        [
            a if p == "illustrative" else f"{a} {quantity_text(v, u)}"
            for a, v, u, p in zip(labs["analyte"], labs["value"], labs["unit"], labs["provenance"], strict=True)
        ],
        index=labs.index,
    )


def _spans_text(labs: pd.DataFrame) -> str:
    """The values dated only to a span wider than a month (a year), and how the figure draws them; or nothing."""
    spanned = labs[spans_drawn(labs)]
    if spanned.empty:
        return ""
    named = [f"{name} in {when}" for name, when in zip(_lab_names(spanned), when_texts(spanned), strict=True)]
    return (
        f"Dated only to a span wider than a month, so drawn across it between two caps, at its middle, and not"
        f" joined by the line, as when in it is not given: {_listed(named)}."
    )


def _limits_whose(labs: pd.DataFrame) -> str:
    limits = labs.drop_duplicates("analyte")["limits_provenance"]
    return "the paper gives" if (limits == "reported").all() else "used"


def labs_caption(
    case: Case, loincs: Sequence[str], axis: Axis, *, scale: str = "linear", title: str | None = None
) -> str:
    """A lab figure's caption: the analytes' values over time, their reference limits, and what is illustrative."""
    labs = case.labs[case.labs["loinc"].isin(loincs)]
    stopped = case.regimens.loc[case.regimens["stop"].notna(), "drug"].tolist()
    return " ".join(
        part
        for part in [
            _labs_opening(case, labs, title or _listed([analyte_title(case, loinc) for loinc in loincs]), axis, scale),
            f"Dotted lines: the reference limits {_limits_whose(labs)}"
            + (f"; shaded: the time on {_listed(stopped)}, until stopped." if stopped else "."),
            _spans_text(labs),
            provenance_text(labs, _lab_names(labs)),
            source_text(case),
        ]
        if part
    )


def all_labs_caption(case: Case, axis: Axis) -> str:
    """The caption of the figure with every analyte, one plot each: as :func:`casereport.charts.all_labs_chart`
    draws them, each shaded over its reference range, each value marked by its CTCAE v5.0 grade."""
    labs = grade_labs(case)
    loincs = list(dict.fromkeys(labs["loinc"]))
    title = f"All labs, one plot per analyte ({_count(len(loincs), 'analyte')})"
    return " ".join(
        part
        for part in [
            _labs_opening(case, labs, title, axis, "linear"),
            f"Shaded: each analyte's reference range, from the limits {_limits_whose(labs)}"
            + (" (from zero where there is only an upper limit)." if labs["lower_limit"].isna().any() else "."),
            " ".join(
                ["Each mark's colour and shape: the value's CTCAE v5.0 grade on treatment.", _not_graded_text(labs)]
            ).strip(),
            _spans_text(labs),
            _abnormal_baseline_text(labs),
            provenance_text(labs, _lab_names(labs)),
            source_text(case),
        ]
        if part
    )


def _not_graded_text(labs: pd.DataFrame) -> str:
    """Why the values marked "not graded" are: before the first dose, or an analyte CTCAE has no term for
    (or thresholds in another unit); or that the case records no treatment to grade them on."""
    ungraded = labs[labs["ctcae_grade"].isna()]
    if (ungraded["phase"] == NO_TREATMENT).any():  # every value, then: nothing is graded without a treatment
        return "Not graded: the case records no treatment."
    reasons = []
    if (ungraded["phase"] == "pre-treatment").any():
        reasons.append("values before the first dose (the baseline)")
    later = ungraded[ungraded["phase"] != "pre-treatment"]
    for basis, rows in later.groupby("grade_basis", sort=False):
        why = "which CTCAE does not grade" if str(basis).startswith("no CTCAE term") else str(basis)
        reasons.append(f"{_listed(list(dict.fromkeys(rows['analyte'])))} ({why})")
    return f"Not graded: {_listed(reasons)}." if reasons else ""


def _abnormal_baseline_text(labs: pd.DataFrame) -> str:
    """Why a value above the upper limit is grade 0: CTCAE v5.0's rule for a baseline already above the limit."""
    below = labs[
        (labs["grade_basis"] == "multiple of abnormal baseline")
        & (labs["ctcae_grade"] == 0)
        & (labs["value"] > labs["upper_limit"])
    ]
    if below.empty:
        return ""
    rules = ctcae_rules()
    baselines: list[str] = []
    by_factor: dict[float, list[str]] = {}
    for loinc, rows in below.groupby("loinc", sort=False):
        first = rows.iloc[0]
        baselines.append(f"{first['analyte']} at {quantity_text(first['baseline_value'], first['unit'])}")
        by_factor.setdefault(float(rules[str(loinc)]["grade1_abnormal_baseline"]), []).append(str(first["analyte"]))
    factors = [f"{factor:g}\u00d7" for factor in by_factor]
    starts = (
        f"{factors[0]} that value"
        if len(factors) == 1
        else ", ".join(
            f"{factor}{' that value' if n == 0 else ''} for {_listed(names)}"
            for n, (factor, names) in enumerate(zip(factors, by_factor.values(), strict=True))
        )
    )
    return (
        "Why values above the upper limit are grade 0: CTCAE v5.0's rule for an abnormal baseline. Before the"
        f" first dose {_listed(baselines)} {'was' if len(baselines) == 1 else 'were'} above the limit, so grade 1"
        f" starts at {starts}."
    )


def imaging_caption(case: Case, axis: Axis) -> str:
    """The imaging figure's caption: each staging's findings by site, and its RECIST 1.1 category."""
    findings = case.findings
    if findings.empty:
        return f"Imaging: the case records no imaging findings. {source_text(case)}"
    stagings = case.events[case.events["id"].isin(findings["staging"])]
    response = response_assessments(case)
    # Against the first baseline: the categories the figure shows.
    first = response[response["compared_with"] == response["compared_with"].iloc[0]] if len(response) else response
    categories = [f"{label}, {category}" for label, category in zip(first["label"], first["category"], strict=True)]
    modalities = sorted(set(findings["modality"]) - {"not stated"})
    return " ".join(
        [
            f"Imaging: {_count(len(findings), 'finding')} at {_count(len(stagings), 'staging')}"
            f" from {_span(stagings)}"
            + (f" ({_listed(modalities)})" if modalities else "")
            + ", by site, with the change the paper describes.",
            (
                "RECIST 1.1 categories, derived by its rules against the baseline staging (the paper states none): "
                + _sentence("; ".join(categories))
            )
            if categories
            else "",
            provenance_text(findings, findings["site"], noun="finding"),
            source_text(case),
        ]
    ).replace("  ", " ")


def rationale_caption(case: Case) -> str:
    """The rationale diagram's caption: which drug acts on which target, to what end, and on what evidence."""
    mechanisms = case.mechanisms
    drugs = list(dict.fromkeys(mechanisms["drug"]))
    evidence = mechanisms["evidence"].value_counts(sort=False)
    per_target = mechanisms.groupby("target", sort=False)["drug"].nunique()
    shared = [_quoted(str(target)) for target in per_target[per_target > 1].index]
    return " ".join(
        [
            f"Rationale of the regimen: {_count(len(mechanisms), 'mechanism')} by which {_listed(drugs)}"
            f" {'act' if len(drugs) > 1 else 'acts'} on {_count(len(per_target), 'target')}, and what each"
            " leads to, as the paper argues"
            + (f"; shared {'targets' if len(shared) > 1 else 'target'}: {_listed(shared)}" if shared else "")
            + ".",
            f"Evidence: {_listed([_count(int(n), str(k) + ' finding') for k, n in evidence.items()])}.",
            provenance_text(mechanisms, mechanisms["target"], noun="mechanism"),
            source_text(case),
        ]
    )
