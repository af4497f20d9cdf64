"""Starting `casereport dashboard` on a free loopback port for the tests and the benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from casereport.apps.serve import DASHBOARD, prepare_dashboard_site, prepare_template, voila_command, voila_environment
from casereport.data.bundled import default_case_dir, project_root

CHROMIUM = "/usr/bin/chromium"
# Debian's Chromium, headless; without the background-networking flag it calls Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",  # a small /dev/shm crashes pages under load
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Served by the project's template; answers once Voila is up, without taking a kernel.
READY = "voila/templates/casereport/static/fontawesome/css/all.min.css"


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], check=False, capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _stop(server: subprocess.Popen) -> None:
    """Stop Voila and every kernel it started: a kernel left behind would load the next tests."""
    kernels = _children(server.pid)
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=15)
    for pid in kernels:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def server_kernels(url: str) -> set[int]:
    """The kernel processes of the Voila server answering at ``url`` (Voila refuses to list its kernels)."""
    port = urlsplit(url).port
    table = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True, check=True)
    rows = [line.split(None, 2) for line in table.stdout.splitlines()]
    server = {pid for pid, _, args in rows if "voila_app" in args and f"--port={port}" in args}
    return {int(pid) for pid, ppid, args in rows if ppid in server and "ipykernel" in args}


def stop_session(server: subprocess.Popen) -> None:
    """Stop a server started in a session of its own (``start_new_session``), its group and its kernels.

    Kernels run in sessions of their own (jupyter_client starts them so), hence the list taken first.
    """
    kernels = _children(server.pid)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)
    for pid in kernels:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def jupyter_server(log: Path):
    """A Jupyter server in the project folder, as JupyterHub or Binder run one; yield its base URL.

    Voila serves the dashboard there through its server extension, at ``/voila/render/...``.
    """
    port = free_port()
    prepare_template()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "server",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--allow-root",  # CI runs as root
    ]
    env = voila_environment(default_case_dir())
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=project_root(), env=env)
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(server, url + "api/status", log)
            yield url
        finally:
            _stop(server)


def _wait_until_up(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {log}") from None
            time.sleep(0.2)


@contextmanager
def _served(command: list[str], port: int, log: Path, env: dict[str, str] | None = None):
    """Run a server command listening on loopback at ``port`` until the block ends; yield its base URL."""
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=project_root(), env=env)
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(server, url + READY, log)
            yield url
        finally:
            _stop(server)


@contextmanager
def dashboard_server(case_dir: Path | None, log: Path, *, notebook: Path | None = None, options: tuple[str, ...] = ()):
    """Run `casereport dashboard`, or Voila on another ``notebook`` started the same way; yield the base URL.

    ``options`` are Voila's own (``--PageKernelManager.cull_interval=1``): given, the dashboard notebook is
    served by Voila started as `casereport dashboard` starts it, with those options added.
    """
    port = free_port()
    if notebook or options:
        prepare_dashboard_site()
        command = [*voila_command(port=port, notebook=notebook or DASHBOARD), *options]
        env = voila_environment(default_case_dir())
    else:
        command = [sys.executable, "-m", "casereport.apps.cli", "dashboard", f"--port={port}"]
        command += [str(case_dir)] if case_dir else []
        env = None
    with _served(command, port, log, env) as url:
        yield url


@contextmanager
def slides_server(notebook: Path, log: Path):
    """Run `casereport slides` on a teaching notebook; yield the base URL."""
    port = free_port()
    command = [sys.executable, "-m", "casereport.apps.cli", "slides", str(notebook), f"--port={port}"]
    with _served(command, port, log) as url:
        yield url
