"""`casereport dashboard` serves the bundled case through Voila on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import casereport
from casereport.tables import timeline_table

from .conftest import CASES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(CASES))
def test_dashboard_renders_the_case(name, tmp_path):
    port = _free_port()
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "casereport.cli", "dashboard", str(CASES[name]), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
                    page = response.read().decode("utf-8")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    case = casereport.load_case(CASES[name])
    assert case.title in page
    # Every event of the timeline table is on the page, with its date as written.
    for label, when in timeline_table(case)[["event", "when"]].itertuples(index=False):
        assert label.replace("'", "\\u0027") in page
        assert when.replace("\u2013", "\\u2013") in page
    assert "Traceback" not in page
