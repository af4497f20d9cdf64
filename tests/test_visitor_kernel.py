"""A visitor's kernel gets its query as Voila gives it, and imports only what the page uses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading

import nbformat
import pytest
import websockets

from casereport.apps.visitor_kernel import query_string
from casereport.data.bundled import project_root

from .voila_server import free_port


def test_a_kernel_started_for_its_request_reads_the_query_from_its_environment(monkeypatch):
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "case=synthetic-weekly-gemcitabine&from=2009-10-01")
    assert query_string() == "case=synthetic-weekly-gemcitabine&from=2009-10-01"


def _voila_query_socket(message: dict[str, str]) -> tuple[int, list[str]]:
    """A stand-in for Voila's ``voila/query/<kernel id>`` socket: sends ``message`` to whoever connects."""
    ready, paths = threading.Event(), []
    port_box: list[int] = []

    async def answer(socket) -> None:
        paths.append(socket.request.path)
        await socket.send(json.dumps(message))

    async def serve() -> None:
        async with websockets.serve(answer, "127.0.0.1", 0) as server:
            port_box.append(server.sockets[0].getsockname()[1])
            ready.set()
            await asyncio.sleep(10)

    threading.Thread(target=asyncio.run, args=(serve(),), daemon=True).start()
    ready.wait(5)
    return port_box[0], paths


def test_a_preheated_kernel_waits_for_the_visitor_and_takes_the_request_info(monkeypatch):
    port, paths = _voila_query_socket({"QUERY_STRING": "case=x&to=2010-05-01", "SERVER_NAME": "ward"})
    for name, value in {
        "VOILA_PREHEAT": "True",
        "VOILA_APP_PORT": str(port),
        "VOILA_KERNEL_ID": "4f1c-kernel",
        "VOILA_SERVER_URL": "/dash/",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.delenv("SERVER_NAME", raising=False)
    assert query_string() == "case=x&to=2010-05-01"
    assert paths == ["/dash/voila/query/4f1c-kernel"]
    assert os.environ["SERVER_NAME"] == "ward"  # all the request info, as Voila's own helper sets it


def test_a_preheated_kernel_whose_server_is_gone_warns_and_shows_the_default(monkeypatch):
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.delenv("QUERY_STRING", raising=False)
    with pytest.warns(UserWarning, match="no request info"):
        assert query_string() == ""


def test_the_dashboard_kernel_imports_only_what_the_page_uses():
    """The dashboard notebook run in a fresh interpreter: no server, no renderer, no unused checker in it."""
    notebook = nbformat.read(project_root() / "dashboards" / "case.ipynb", as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    probe = (
        f"{code}\nimport sys, altair\n"
        "altair.Chart({'values': [{'a': 1}]}).mark_point().encode(x='a:Q').to_dict()  # Altair still validates\n"
        "print(sorted(m for m in ('jupyter_server', 'jupyterlab_server', 'voila', 'vl_convert', 'nbconvert')"
        " if m in sys.modules)); print(sys.modules.get('rfc3987_syntax', 'absent'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOILA_")}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout.strip().split("\n")
    assert out[-2] == "[]"
    assert out[-1] in ("None", "absent")
