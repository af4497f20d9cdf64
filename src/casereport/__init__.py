"""casereport: a published clinical case report as checkable data."""

from .audit import Disagreement, audit_case, audit_frame
from .case import Case
from .dates import CaseDate, parse_date
from .exceptions import CaseReportError, CaseValidationError, ParameterError, Problem, UnknownCaseError
from .load import load_case, validate_case
from .timeline import cycle_of, relative_days

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
