"""Serving the dashboard notebook with Voila on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .exceptions import CaseValidationError
from .load import load_case
from .paths import CASE_ENV, default_case_dir, project_root

DASHBOARD = Path("dashboards") / "case.ipynb"


def voila_command(*, port: int, notebook: Path = DASHBOARD) -> list[str]:
    """The Voila command line for ``notebook``, served on 127.0.0.1 only."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
    ]


def serve(*, case_dir: Path | None, port: int) -> int:
    """Check the case, then run Voila in the foreground until interrupted."""
    case_path = (case_dir or default_case_dir()).resolve()
    try:
        case = load_case(case_path)
    except CaseValidationError as err:
        print(err, file=sys.stderr)
        return 1
    root = project_root()
    print(f"Serving '{case.title}' at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    env = {**os.environ, CASE_ENV: str(case_path)}
    try:
        return subprocess.call(voila_command(port=port), cwd=root, env=env)
    except KeyboardInterrupt:
        return 0
