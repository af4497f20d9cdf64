"""casereport: a published clinical case report as checkable data."""

from casereport.data.case import Case
from casereport.data.dates import CaseDate, parse_date
from casereport.data.load import load_case, validate_case
from casereport.derive.audit import Disagreement, audit_case, audit_frame
from casereport.derive.timeline import cycle_of, relative_days
from casereport.exceptions import CaseReportError, CaseValidationError, ParameterError, Problem, UnknownCaseError

__version__ = "0.1.0"

__all__ = [
    "Case",
    "CaseDate",
    "CaseReportError",
    "CaseValidationError",
    "Disagreement",
    "ParameterError",
    "Problem",
    "UnknownCaseError",
    "audit_case",
    "audit_frame",
    "cycle_of",
    "load_case",
    "parse_date",
    "relative_days",
    "validate_case",
]
