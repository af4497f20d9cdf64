"""Checking that a quote stands in the paper's text.

The source text comes from a PDF: words are hyphenated across lines and some
characters (the gamma of gamma-GT) are lost. A quote matches when its letters and
digits appear in that order in the text, so case, punctuation, spacing and
line-end hyphens do not matter. Square brackets mark an editor's insertion (``[γ]-GT``) and an
ellipsis (``...``) an omission, as in any careful quotation.
"""

from __future__ import annotations

import re

_INSERTION = re.compile(r"\[[^\]]*\]")
_ELLIPSIS = re.compile(r"\.\.\.|…")


def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def normalise_source(text: str) -> str:
    """The source text reduced to the letters and digits a quote is matched on."""
    return _letters(text)


def quote_in_source(quote: str, normalised_source: str) -> bool:
    """True when every part of ``quote`` (split at ellipses) stands in order in the source."""
    position = 0
    parts = [_letters(part) for part in _ELLIPSIS.split(_INSERTION.sub("", quote))]
    for part in filter(None, parts):
        found = normalised_source.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return any(parts)
