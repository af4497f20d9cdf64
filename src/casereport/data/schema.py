"""The shape of each record in a case folder, as pydantic models.

The models check one record at a time; checks across records and files
(references, duplicates, quotes against the source) live in ``load.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from casereport.data.catalogue import Panel
from casereport.data.dates import CaseDate, parse_date, parse_offset

ProvenanceKind = Literal["reported", "derived", "illustrative"]


def article(word: str) -> str:
    """'a' or 'an' before ``word`` as it is spoken (an illustrative value, an 'elapsed' statement)."""
    return "an" if word.lstrip("'\"`").lower()[:1] in ("a", "e", "i", "o", "u") else "a"


@dataclass(frozen=True)
class References:
    """A foreign key: the field names a record of another file of the case, by its ``key``.

    Declared once on the field; the loader checks every reference from it,
    and ``kinds`` limits which kinds of event a reference to ``events.csv``
    may name.
    """

    file: str
    key: str = "id"
    kinds: tuple[str, ...] = ()
    # Other files whose records the field may name too (a lab's analyte is in analytes.csv or own_analytes.csv).
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionalColumn:
    """A column a CSV header may leave out: one added to a file after cases were written without it.

    Declared on the field, as :class:`References` is; the reader then takes a
    header without the column as one whose cells are all blank.
    """


# The optional file where a case declares analytes that casereport's catalogue lacks.
OWN_ANALYTES = "own_analytes.csv"


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) else value


def _offset(value: Any) -> Any:
    return parse_offset(value) if isinstance(value, str) else value


# In the files a date and an offset are text; the JSON Schema says which text.
DateField = Annotated[
    CaseDate | None,
    BeforeValidator(_date),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}, {"type": "null"}]}),
]
OffsetField = Annotated[
    int | None,
    BeforeValidator(_offset),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": r"^[+-]\d+[dw]$"}, {"type": "null"}]}),
]


class Record(BaseModel):
    """A record: unknown fields are errors, blank cells mean 'not given'."""

    # No infinities or NaN: every number must be one a case can hold.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data


class Provenanced(Record):
    """Every value says where it comes from."""

    provenance: ProvenanceKind = Field(
        description="Where the value comes from: reported (the paper states it), derived (it follows from stated facts by a rule), illustrative (made up to show a course; never a measurement)."
    )
    quote: str | None = Field(
        default=None,
        validate_default=True,
        description="The paper's own words; required for reported values. Must stand in the source text; [..] marks an editor's insertion, ... an omission.",
    )
    rule: str | None = Field(
        default=None,
        validate_default=True,
        description="How a derived value was derived, or what an illustrative one was made to satisfy; required for those.",
    )

    @field_validator("quote")
    @classmethod
    def _reported_needs_quote(cls, quote: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("provenance") == "reported" and not quote:
            raise ValueError("a reported value needs the paper's own words in 'quote'")
        return quote

    @field_validator("rule")
    @classmethod
    def _others_need_rule(cls, rule: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("provenance")
        if kind in ("derived", "illustrative") and not rule:
            raise ValueError(
                f"{article(kind)} {kind} value needs 'rule': how it was derived, or what it was made to satisfy"
            )
        return rule


NO_DATE = "no date: give 'date', or 'relative_to' and 'offset'"
NO_DATE_HINT = (
    "the paper gives no date? place the record at an event it is known to follow or coincide with "
    "(relative_to, and offset +0d or the interval you assume), and set date_provenance to illustrative "
    "with date_rule saying how you placed it"
)


class Dated(Provenanced):
    """A record dated either absolutely or relative to an event.

    A value and its date can differ in how sure they are: the paper may state
    a value but not when it was measured. ``date_provenance`` says where the
    date comes from (blank: as the record's ``provenance``, or weaker when the
    date hangs from an event whose date is weaker), ``date_rule`` how a
    derived or illustrative date was placed.
    """

    date: DateField = Field(
        default=None,
        description="YYYY-MM-DD, YYYY-MM or YYYY, as precise as the paper is; or give relative_to and offset instead.",
    )
    relative_to: Annotated[str | None, References("events.csv")] = Field(
        default=None, description="The event this date counts from."
    )
    offset: OffsetField = Field(
        default=None, validate_default=True, description="Days or weeks from relative_to: +6w, -3d, +0d."
    )
    date_provenance: ProvenanceKind | None = Field(
        default=None,
        description="Where the date comes from, when it differs from the record's provenance (a stated value at a derived or illustrative date). Blank: as the record, or weaker when relative_to is weaker.",
    )
    date_rule: str | None = Field(
        default=None,
        validate_default=True,
        description="How a derived or illustrative date was placed; required with those.",
    )

    @field_validator("offset")
    @classmethod
    def _one_way_of_dating(cls, offset: int | None, info: ValidationInfo) -> int | None:
        has_date = info.data.get("date") is not None or "date" not in info.data
        relative = info.data.get("relative_to")
        if relative and offset is None:
            raise ValueError("'relative_to' needs an offset such as +6w or +0d")
        if offset is not None and not relative:
            raise ValueError("an offset needs 'relative_to', the event it counts from")
        if relative and info.data.get("date") is not None:
            raise ValueError("give either 'date' or 'relative_to' with 'offset', not both")
        if not relative and not has_date:
            raise ValueError(NO_DATE)
        return offset

    @field_validator("date_rule")
    @classmethod
    def _placed_date_needs_rule(cls, rule: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("date_provenance")
        if kind in ("derived", "illustrative") and not rule:
            raise ValueError(f"{article(kind)} {kind} date needs 'date_rule': how the date was placed")
        return rule


class EventRecord(Dated):
    id: str = Field(description="The event's id, unique in events.csv.")
    kind: Literal["diagnosis", "staging", "regimen_start", "regimen_stop", "symptom", "observation_end", "other"] = (
        Field(description="What the event is.")
    )
    label: str = Field(description="The event as a reader should see it.")


class AnalyteRecord(Provenanced):
    loinc: str = Field(
        description="LOINC code from casereport's catalogue; one it lacks goes in own_analytes.csv instead."
    )
    name: str = Field(description="The analyte's name as the paper gives it.")
    unit: str = Field(description="UCUM unit; must fit the LOINC code.")
    lower_limit: float | None = Field(default=None, ge=0, description="Lower reference limit, in unit.")
    upper_limit: float | None = Field(default=None, gt=0, description="Upper reference limit, in unit.")

    @model_validator(mode="after")
    def _limits_in_order(self) -> AnalyteRecord:
        lower, upper = self.lower_limit, self.upper_limit
        if lower is not None and upper is not None and lower >= upper:
            raise ValueError("lower_limit must be below upper_limit")
        if self.lower_limit is None and self.upper_limit is None:
            raise ValueError("give at least one reference limit")
        return self


class OwnAnalyteRecord(AnalyteRecord):
    """An analyte the case declares because casereport's catalogue lacks it: its code, unit and limits.

    The same columns as analytes.csv, and ``loinc_name``, LOINC's own name for
    the code, so that a reader can check the code against it.
    """

    loinc: str = Field(
        description="LOINC code that casereport's catalogue lacks (its check digit is checked); look it up on loinc.org."
    )
    unit: str = Field(description="UCUM unit of the values and limits (ng/mL, U/L, 10*9/L, umol/L).")
    loinc_name: str = Field(
        description="LOINC's long common name for the code, as loinc.org gives it (Squamous cell carcinoma Ag"
        " [Mass/volume] in Serum or Plasma)."
    )
    panel: Annotated[Panel | None, OptionalColumn()] = Field(
        default=None,
        description="The clinical panel it belongs to, as the catalogue gives one for the analytes it knows: a"
        " tumour marker gets a figure and a dashboard view of its own, liver enzymes share the liver-enzyme view."
        " Blank: none. The column may be left out.",
    )


class LabRecord(Dated):
    id: str = Field(description="The value's id, unique in labs.csv.")
    loinc: Annotated[str, References("analytes.csv", key="loinc", also=(OWN_ANALYTES,))] = Field(
        description="The analyte (LOINC code), with its reference limits."
    )
    value: float = Field(ge=0, description="The value, a number of at least 0, in unit.")
    unit: str = Field(description="UCUM unit; must be the analyte's unit in analytes.csv or own_analytes.csv.")


class FindingRecord(Provenanced):
    id: str = Field(description="The finding's id, unique in findings.csv.")
    staging: Annotated[str, References("events.csv", kinds=("staging", "diagnosis"))] = Field(
        description="The staging (an event of kind staging or diagnosis) it was found at."
    )
    modality: Literal[
        "sonography",
        "contrast-enhanced sonography",
        "MRI",
        "CT",
        "PET-CT",
        "radiography",
        "bone scintigraphy",
        "not stated",
    ] = Field(description="The imaging that showed it.")
    site_kind: Literal["liver", "soft tissue", "bone", "thyroid", "lung", "lymph node", "other"] = Field(
        description="The organ or tissue, for grouping."
    )
    site: str = Field(description="The site as the paper names it.")
    lesion_count: int | None = Field(default=None, ge=1, description="How many lesions the finding describes.")
    dim1_mm: float | None = Field(default=None, gt=0, description="Longest dimension in mm, as the paper gives it.")
    dim2_mm: float | None = Field(default=None, gt=0, description="Second dimension in mm.")
    dim3_mm: float | None = Field(default=None, gt=0, description="Third dimension in mm.")
    necrosis: str | None = Field(default=None, description="Necrosis as described (for example >75%).")
    enhancement: str | None = Field(
        default=None, description="Contrast enhancement as described (for example hypervascularized)."
    )
    new_lesion: bool | None = Field(
        default=None,
        description="true: the paper reports it as new; false: it says no new lesion; blank: it does not say.",
    )
    change: Literal["baseline", "new", "increased", "decreased", "stable", "mixed", "not stated"] = Field(
        description="The change the paper describes against earlier imaging."
    )
    description: str = Field(description="The finding in a few words.")


class AdverseEventRecord(Dated):
    id: str = Field(description="The adverse event's id, unique in adverse_events.csv.")
    term: str = Field(description="The event in the paper's words.")
    ctcae_term: str | None = Field(default=None, description="The CTCAE v5.0 term, where one fits.")
    grade: int | None = Field(
        default=None, ge=1, le=5, description="The CTCAE grade (1-5) the paper gives; blank: not graded in the paper."
    )
    # As the paper gives them; blank where it says nothing.
    attribution: str | None = Field(default=None, description="Attribution to a drug as the paper gives it.")
    action: str | None = Field(default=None, description="Action taken, as the paper gives it.")
    outcome: str | None = Field(default=None, description="Outcome, as the paper gives it.")
    # The event by which the outcome is known ("normal after three cycles"): a class
    # stepping through the case does not see the outcome before it.
    outcome_known_at: Annotated[str | None, References("events.csv")] = Field(
        default=None,
        description="The event by which the outcome is known; a class stepping through the case sees it from then on.",
    )
    # A measured amount, where the paper gives one (weight loss: 3 kg).
    value: float | None = Field(
        default=None, ge=0, description="A measured amount, where the paper gives one (weight loss: 3)."
    )
    unit: str | None = Field(default=None, description="The amount's unit (kg).")


class MechanismRecord(Provenanced):
    """One step of the rationale for a regimen: a drug acts on a target, and so on a cellular process."""

    id: str = Field(description="The step's id, unique in mechanisms.csv.")
    drug: Annotated[str, References("regimens.yaml", key="drug")] = Field(
        description="The drug; must be the drug of a regimen."
    )
    target: str = Field(description="What the drug acts on; two drugs acting on one target meet there.")
    action: Literal["inhibits", "activates", "modulates"] = Field(description="How the drug acts on the target.")
    outcome: str = Field(description="The cellular process that follows.")
    # What the step rests on, as the paper presents it: approved use, laboratory models, or a proposal.
    evidence: Literal["established", "preclinical", "proposed"] = Field(
        description="What the step rests on, as the paper presents it."
    )


class Schedule(Record):
    kind: Literal["continuous", "cyclic"] = Field(
        description="continuous: a dose every day; cyclic: dose_days of each cycle."
    )
    cycle_length_days: int | None = Field(default=None, ge=1, description="Days in one cycle (cyclic only).")
    dose_days: tuple[int, ...] | None = Field(
        default=None, description="The days of a cycle with a dose, counted from 1 (cyclic only)."
    )

    @model_validator(mode="after")
    def _days_inside_cycle(self) -> Schedule:
        if self.kind == "continuous":
            if self.cycle_length_days is not None or self.dose_days is not None:
                raise ValueError("a continuous schedule has no cycle_length_days or dose_days")
            return self
        if self.cycle_length_days is None or not self.dose_days:
            raise ValueError("a cyclic schedule needs cycle_length_days and dose_days")
        outside = [d for d in self.dose_days if not 1 <= d <= self.cycle_length_days]
        if outside:
            raise ValueError(
                f"dose day(s) {outside} lie outside the {self.cycle_length_days}-day cycle "
                f"(days run from 1 to {self.cycle_length_days})"
            )
        if len(set(self.dose_days)) != len(self.dose_days):
            raise ValueError("dose_days lists a day twice")
        return self


class RegimenRecord(Provenanced):
    id: str = Field(description="The regimen's id, unique in regimens.yaml.")
    drug: str = Field(description="The drug's name.")
    atc: str | None = Field(default=None, description="ATC code.")
    dose: float = Field(gt=0, description="The dose per dose day, in dose_unit.")
    dose_unit: str = Field(description="mg, mg/m2, ...")
    route: Literal["oral", "intravenous", "subcutaneous", "intramuscular", "other"] = Field(
        description="How it is given."
    )
    schedule: Schedule = Field(description="The rule its dose days follow.")
    start: Annotated[str, References("events.csv")] = Field(description="The event it starts at.")
    stop: Annotated[str | None, References("events.csv")] = Field(
        default=None, description="The event it stops at; blank: still given at the end of observation."
    )
    stop_reason: str | None = Field(default=None, description="Why it was stopped; required with stop.")


class PatientFact(Provenanced):
    field: str = Field(
        description="What the fact is: age_years, sex, child_pugh_class, ecog_performance_status, bclc_stage, ... (others are shown as given)."
    )
    value: str | int | float = Field(description="The fact's value.")

    @model_validator(mode="after")
    def _plausible(self) -> PatientFact:
        known = KNOWN_FACTS.get(self.field)
        if known is not None:
            known.check(self.field, self.value)
        return self


@dataclass(frozen=True)
class Fact:
    """A patient fact the derivations read, and the values it may take: a closed list, or a range of numbers."""

    meaning: str
    allowed: tuple[str | int, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def allowed_text(self) -> str:
        """The allowed values as the field reference and the error messages say them."""
        if self.allowed:
            words = [str(v) for v in self.allowed]
            return ", ".join(words[:-1]) + " or " + words[-1]
        return f"a number from {self.minimum:g} to {self.maximum:g}"

    def check(self, name: str, value: object) -> None:
        if self.allowed:
            if value not in self.allowed:
                raise ValueError(f"{name} must be {self.allowed_text()}, not {value!r}")
        elif not isinstance(value, int | float) or not (self.minimum or 0) <= value <= (self.maximum or 0):
            raise ValueError(f"{name} must be {self.allowed_text()}, not {value!r}")


# Facts the derivations read, and what they accept (others are shown as given).
KNOWN_FACTS: dict[str, Fact] = {
    "age_years": Fact("Age in years at diagnosis.", minimum=0, maximum=120),
    "sex": Fact("Sex as the paper gives it.", allowed=("male", "female", "other", "not stated")),
    "ecog_performance_status": Fact("ECOG performance status.", allowed=(0, 1, 2, 3, 4, 5)),
    "child_pugh_class": Fact("Child-Pugh class of liver function.", allowed=("A", "B", "C")),
}


class MetastaticSite(Provenanced):
    site: str = Field(description="The site.")
    detail: str | None = Field(default=None, description="What the paper says of it.")


class Diagnosis(Provenanced):
    name: str = Field(description="The diagnosis.")
    event: Annotated[str, References("events.csv", kinds=("diagnosis",))] = Field(
        description="The event of kind diagnosis that dates it."
    )


class Source(Record):
    citation: str = Field(description="The paper's full citation.")
    identifier: str | None = Field(default=None, description="PubMed Central or DOI identifier.")
    trial: str | None = Field(default=None, description="Trial registration, where there is one.")
    text: str | None = Field(
        default=None, description="The paper's text (a file in the case folder) that quotes are checked against."
    )


class CaseRecord(Record):
    # A slug: it names files the figures write, so it may not name a path.
    case_id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$",
        description="The case's id, usually the folder's name: lower-case letters, digits, - and _.",
    )
    title: str = Field(description="The case's title.")
    synthetic: bool = Field(description="true for a case made up to exercise the software.")
    source: Source = Field(description="The paper.")
    reference_event: Annotated[str, References("events.csv")] = Field(
        description="Day 0 of relative time (usually the first treatment's start)."
    )
    observation_end: Annotated[str, References("events.csv", kinds=("observation_end",))] = Field(
        description="The event of kind observation_end."
    )
    patient: list[PatientFact] = Field(description="Facts about the patient, each with provenance.")
    diagnosis: Diagnosis = Field(description="The diagnosis and its event.")
    metastatic_sites: list[MetastaticSite] = Field(default=[], description="Sites of metastasis at diagnosis.")
    # How the case ended, as the paper tells it (status, survival where given).
    outcome: list[PatientFact] = Field(default=[], description="How the case ended, as the paper tells it.")


StatementKind = Literal[
    "elapsed",
    "event_before",
    "lab_maximum",
    "lab_last",
    "lab_within_limits",
    "lab_above_limit",
    "lab_normal_by",
    "lab_fall_during",
    "lab_rise_after",
    "claim",
]
# Claims in words that no number checks, but that other statements and the data can contradict.
Claim = Literal[
    "abnormal_low",  # `subject` below its limit from `from` to `to`
    "others_normal",  # every laboratory value not among `mentioned` normal from `from` to `to`
    "no_new_toxicity",  # no hematologic or serologic toxicity began from `from` to `to`
    "partial_remission",  # partial remission for `value` `unit` from `from`
    "no_radiologic_response",  # no radiologic response at the staging `at`
]

STATEMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "elapsed": ("regimen", "at", "value", "unit"),
    "event_before": ("at", "to"),
    "lab_maximum": ("loinc", "value"),
    "lab_last": ("loinc", "value"),
    "lab_within_limits": ("loinc", "from_", "to"),
    "lab_above_limit": ("loinc", "at"),
    "lab_normal_by": ("loinc", "at"),
    "lab_fall_during": ("loinc", "from_", "to"),
    "lab_rise_after": ("loinc", "at"),
}
CLAIM_FIELDS: dict[str, tuple[str, ...]] = {
    "abnormal_low": ("subject", "from_", "to"),
    "others_normal": ("from_", "to"),
    "no_new_toxicity": ("from_", "to"),
    "partial_remission": ("from_", "value", "unit"),
    "no_radiologic_response": ("at",),
}


class StatementRecord(Record):
    id: str = Field(description="The statement's id, unique in statements.yaml.")
    kind: StatementKind = Field(description="What the statement claims; which other fields it needs depends on it.")
    quote: str = Field(description="The paper's words.")
    regimen: Annotated[str | None, References("regimens.yaml")] = Field(
        default=None, description="The regimen an elapsed count is of."
    )
    at: Annotated[str | None, References("events.csv")] = Field(
        default=None, description="The event the statement is about."
    )
    value: float | None = Field(default=None, description="The stated number.")
    unit: Literal["cycles", "weeks", "months"] | None = Field(
        default=None, description="cycles or weeks (elapsed); months (claims)."
    )
    loinc: Annotated[str | None, References("analytes.csv", key="loinc", also=(OWN_ANALYTES,))] = Field(
        default=None, description="The analyte a lab statement is about."
    )
    from_: Annotated[str | None, References("events.csv")] = Field(
        default=None, alias="from", description="The first event of the span the statement speaks of."
    )
    to: Annotated[str | None, References("events.csv")] = Field(
        default=None, description="The last event of that span."
    )
    claim: Claim | None = Field(default=None, description="For kind claim: what is claimed.")
    subject: str | None = Field(default=None, description="What an abnormal_low claim is about (albumin).")
    mentioned: tuple[str, ...] | None = Field(
        default=None, description="For others_normal: the analytes and CTCAE terms the sentence's 'all other' excludes."
    )
    note: str | None = Field(default=None, description="A reader's note.")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> StatementRecord:
        if self.kind == "claim":
            if self.claim is None:
                raise ValueError("a 'claim' statement needs claim: one of " + ", ".join(CLAIM_FIELDS))
            needed, what = CLAIM_FIELDS[self.claim], f"'{self.claim}' claim"
        else:
            needed, what = STATEMENT_FIELDS[self.kind], f"'{self.kind}' statement"
        missing = [name.rstrip("_") for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{article(what)} {what} needs {', '.join(missing)}")
        if self.kind == "elapsed" and self.unit == "months":
            raise ValueError("an 'elapsed' statement counts cycles or weeks, not months")
        return self
