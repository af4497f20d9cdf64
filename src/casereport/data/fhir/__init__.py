"""FHIR R4B out and in: a case folder as a Bundle, and such a Bundle back into a case folder.

``to_fhir`` makes the bundle (one resource per record, each with its
provenance); ``from_fhir`` reads it back and refuses, with every reason, what
it cannot place, and ``compare`` what would not survive the trip. ``vocabulary`` names the code systems and extensions both
use, ``dating`` writes dates as precise as the paper, ``provenance`` says
which values the paper states, and ``folder`` reads and writes the records as
the files hold them.
"""

from casereport.data.fhir.from_fhir import import_bundle, parse_bundle
from casereport.data.fhir.to_fhir import case_bundle, write_bundle

__all__ = ["case_bundle", "import_bundle", "parse_bundle", "write_bundle"]
