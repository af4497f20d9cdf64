"""Keeping out of a process what it imports without using: jsonschema's IRI checker, and the widgets.

jsonschema, which Altair validates with, imports its optional IRI format
checker ``rfc3987_syntax`` when it is installed (Jupyter brings it), and that
compiles some 35 grammars at import: about 1 s and 15 MB. No schema casereport
validates uses the ``iri`` format (python-jsonschema/jsonschema#1428). A process
that only draws (``casereport figures``, a visitor's dashboard kernel) calls
:func:`leave_out_unused_checkers` before Altair is imported.

Altair imports anywidget, and with it ipywidgets and IPython (about 0.15 s),
for its ``JupyterChart`` whenever anywidget is installed; a process that
only writes files (``casereport figures``; its print workers import no Altair)
calls :func:`leave_out_widgets` first, and Altair stands a placeholder in.
"""

from __future__ import annotations

import sys


def leave_out_unused_checkers() -> None:
    """Keep jsonschema's IRI format checker unimported in this process; a no-op once jsonschema is imported."""
    if "jsonschema" in sys.modules:
        return  # too late to matter, and whoever imported it may rely on the checker
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "import fails", by design


def leave_out_widgets() -> None:
    """Keep anywidget (and the ipywidgets and IPython it brings) unimported; a no-op once Altair is imported."""
    if "altair" in sys.modules or "anywidget" in sys.modules:
        return  # too late to matter, and whoever imported them may use them
    sys.modules["anywidget"] = None  # type: ignore[assignment]  # Altair then finds no anywidget, by design
