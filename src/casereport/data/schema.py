"""The shape of each record in a case folder, as pydantic models.

The models check one record at a time; checks across records and files
(references, duplicates, quotes against the source) live in ``load.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from casereport.data.dates import CaseDate, parse_date, parse_offset

ProvenanceKind = Literal["reported", "derived", "illustrative"]


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) else value


def _offset(value: Any) -> Any:
    return parse_offset(value) if isinstance(value, str) else value


DateField = Annotated[CaseDate | None, BeforeValidator(_date)]
OffsetField = Annotated[int | None, BeforeValidator(_offset)]


class Record(BaseModel):
    """A record: unknown fields are errors, blank cells mean 'not given'."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
        return data


class Provenanced(Record):
    """Every value says where it comes from."""

    provenance: ProvenanceKind
    quote: str | None = Field(default=None, validate_default=True)
    rule: str | None = Field(default=None, validate_default=True)

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
            raise ValueError(f"a {kind} value needs 'rule': how it was derived, or what it was made to satisfy")
        return rule


class Dated(Provenanced):
    """A record dated either absolutely or relative to an event.

    A value and its date can differ in how sure they are: the paper may state
    a value but not when it was measured. ``date_provenance`` says where the
    date comes from (blank: as the record's ``provenance``, or weaker when the
    date hangs from an event whose date is weaker), ``date_rule`` how a
    derived or illustrative date was placed.
    """

    date: DateField = None
    relative_to: str | None = None
    offset: OffsetField = Field(default=None, validate_default=True)
    date_provenance: ProvenanceKind | None = None
    date_rule: str | None = Field(default=None, validate_default=True)

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
            raise ValueError("no date: give 'date', or 'relative_to' and 'offset'")
        return offset

    @field_validator("date_rule")
    @classmethod
    def _placed_date_needs_rule(cls, rule: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("date_provenance")
        if kind in ("derived", "illustrative") and not rule:
            raise ValueError(f"a {kind} date needs 'date_rule': how the date was placed")
        return rule


class EventRecord(Dated):
    id: str
    kind: Literal["diagnosis", "staging", "regimen_start", "regimen_stop", "symptom", "observation_end", "other"]
    label: str


class AnalyteRecord(Provenanced):
    loinc: str
    name: str
    unit: str
    lower_limit: float | None = Field(default=None, ge=0)
    upper_limit: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _limits_in_order(self) -> AnalyteRecord:
        lower, upper = self.lower_limit, self.upper_limit
        if lower is not None and upper is not None and lower >= upper:
            raise ValueError("lower_limit must be below upper_limit")
        if self.lower_limit is None and self.upper_limit is None:
            raise ValueError("give at least one reference limit")
        return self


class LabRecord(Dated):
    id: str
    loinc: str
    value: float = Field(ge=0)
    unit: str


class FindingRecord(Provenanced):
    id: str
    staging: str
    modality: Literal["sonography", "contrast-enhanced sonography", "MRI", "CT", "PET-CT", "not stated"]
    site_kind: Literal["liver", "soft tissue", "bone", "thyroid", "lung", "lymph node", "other"]
    site: str
    lesion_count: int | None = Field(default=None, ge=1)
    dim1_mm: float | None = Field(default=None, gt=0)
    dim2_mm: float | None = Field(default=None, gt=0)
    dim3_mm: float | None = Field(default=None, gt=0)
    necrosis: str | None = None
    enhancement: str | None = None
    new_lesion: bool | None = None
    change: Literal["baseline", "new", "increased", "decreased", "stable", "mixed", "not stated"]
    description: str


class AdverseEventRecord(Dated):
    id: str
    term: str
    ctcae_term: str | None = None
    grade: int | None = Field(default=None, ge=1, le=5)
    # As the paper gives them; blank where it says nothing.
    attribution: str | None = None
    action: str | None = None
    outcome: str | None = None
    # The event by which the outcome is known ("normal after three cycles"): a class
    # stepping through the case does not see the outcome before it.
    outcome_known_at: str | None = None
    # A measured amount, where the paper gives one (weight loss: 3 kg).
    value: float | None = Field(default=None, ge=0)
    unit: str | None = None


class MechanismRecord(Provenanced):
    """One step of the rationale for a regimen: a drug acts on a target, and so on a cellular process."""

    id: str
    drug: str
    target: str
    action: Literal["inhibits", "activates", "modulates"]
    outcome: str
    # What the step rests on, as the paper presents it: approved use, laboratory models, or a proposal.
    evidence: Literal["established", "preclinical", "proposed"]


class Schedule(Record):
    kind: Literal["continuous", "cyclic"]
    cycle_length_days: int | None = Field(default=None, ge=1)
    dose_days: tuple[int, ...] | None = None

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
    id: str
    drug: str
    atc: str | None = None
    dose: float = Field(gt=0)
    dose_unit: str
    route: Literal["oral", "intravenous", "subcutaneous", "intramuscular", "other"]
    schedule: Schedule
    start: str
    stop: str | None = None
    stop_reason: str | None = None


class PatientFact(Provenanced):
    field: str
    value: str | int | float


class MetastaticSite(Provenanced):
    site: str
    detail: str | None = None


class Diagnosis(Provenanced):
    name: str
    event: str


class Source(Record):
    citation: str
    identifier: str | None = None
    trial: str | None = None
    text: str | None = None


class CaseRecord(Record):
    case_id: str
    title: str
    synthetic: bool
    source: Source
    reference_event: str
    observation_end: str
    patient: list[PatientFact]
    diagnosis: Diagnosis
    metastatic_sites: list[MetastaticSite] = []
    # How the case ended, as the paper tells it (status, survival where given).
    outcome: list[PatientFact] = []


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
    id: str
    kind: StatementKind
    quote: str
    regimen: str | None = None
    at: str | None = None
    value: float | None = None
    unit: Literal["cycles", "weeks", "months"] | None = None
    loinc: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    claim: Claim | None = None
    subject: str | None = None
    mentioned: tuple[str, ...] | None = None
    note: str | None = None

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
            raise ValueError(f"a {what} needs {', '.join(missing)}")
        if self.kind == "elapsed" and self.unit == "months":
            raise ValueError("an 'elapsed' statement counts cycles or weeks, not months")
        return self
