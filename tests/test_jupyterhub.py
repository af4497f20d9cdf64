"""JupyterHub serving the dashboard to several users, with dashboards/jupyterhub_config.py.

The hub runs on loopback with JupyterHub's DummyAuthenticator and
SimpleLocalProcessSpawner, its database, cookie secret and users' homes in a
temporary folder. Two users log in from browsers of their own; each lands on the
dashboard in a server of their own, which asks no other host for anything.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from casereport.data.bundled import project_root

from .browser import Visit
from .voila_server import _children, _wait_until_up, free_port, stop_session

pytestmark = pytest.mark.server

CONFIG = project_root() / "dashboards" / "jupyterhub_config.py"
# Where `make test` installs configurable-http-proxy, and where the config looks for it.
PROXY = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
DASHBOARD = "voila/render/dashboards/case.ipynb"
USERS = ("alice", "bob")
CHART_AXIS = ".casereport-chart svg g[aria-label^='X-axis']"
# A cold server, then a cold kernel that imports pandas and Altair and builds the page, on a busy machine.
SPAWN_TIMEOUT = 180_000  # ms
LOOPBACK = frozenset(("127.0.0.1", "localhost", "::1"))
log = logging.getLogger(__name__)


def _descendants(pid: int) -> list[int]:
    return [p for child in _children(pid) for p in (child, *_descendants(child))]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """JupyterHub on loopback, started in a temporary folder (its database, cookie secret, proxy pid).

    Yields its URL and its process.
    """
    if not PROXY.is_file():
        pytest.fail(f"no configurable-http-proxy at {PROXY}: `make test` installs it (npm)")
    state = tmp_path_factory.mktemp("jupyterhub")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterhub",
        f"--config={CONFIG}",
        f"--JupyterHub.bind_url=http://127.0.0.1:{port}",
        f"--JupyterHub.hub_bind_url=http://127.0.0.1:{free_port()}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
        "--JupyterHub.authenticator_class=dummy",
        "--JupyterHub.spawner_class=simple",
        f"--SimpleLocalProcessSpawner.home_dir_template={state}/home/{{username}}",
        # A busy machine starts a server slowly; JupyterHub's defaults (60 s, 30 s) give up.
        "--Spawner.start_timeout=180",
        "--Spawner.http_timeout=120",
    ]
    hub_log = state / "jupyterhub.log"
    with hub_log.open("w") as out:
        # A session of its own, so that stop_session ends the hub and whatever is left in its group.
        process = subprocess.Popen(command, cwd=state, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}/"
        try:
            _wait_until_up(process, url + "hub/api", hub_log)
            yield url, process
        finally:
            # The proxy, the users' servers and their kernels run in sessions of their own: listed first, so
            # that what JupyterHub's own cleanup leaves behind is ended too.
            started = _descendants(process.pid)
            stop_session(process)
            for pid in started:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def _foreign(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOOPBACK


def _log_in(context, base: str, name: str) -> Visit:
    """``name`` logs in from a browser ``context`` of its own and is taken to the dashboard; the page visit."""
    # Only other hosts are routed (and refused): routing every request breaks Voila's widgets.
    context.route(_foreign, lambda route: route.abort())
    visit = Visit(context.new_page(), base + "hub/login")
    visit.page.fill("#username_input", name)
    visit.page.fill("#password_input", "any")
    visit.page.click("#login_submit")
    # Arrived, not loaded (Voila answers once the kernel has run the notebook): the next user logs in meanwhile.
    visit.page.wait_for_url(f"{base}user/{name}/{DASHBOARD}*", wait_until="commit", timeout=SPAWN_TIMEOUT)
    return visit


def _kernel_id(visit: Visit) -> str:
    return json.loads(visit.page.locator("#jupyter-config-data").first.text_content())["kernelId"]


def _kernel_status(visit: Visit, base: str, owner: str, kernel: str) -> int:
    """The HTTP status of ``owner``'s server asked, as this visitor, about ``kernel`` (200: it runs)."""
    return visit.page.context.request.get(f"{base}user/{owner}/api/kernels/{kernel}", max_redirects=0).status


def _rss_mb(pids: list[int]) -> float:
    # check=False: a process that ended meanwhile counts for nothing.
    listed = subprocess.run(["ps", "-o", "rss=", "-p", ",".join(map(str, pids))], check=False, capture_output=True)
    return sum(int(kb) for kb in listed.stdout.split()) / 1024


def _server_of(hub_pid: int, name: str) -> int:
    """The process id of ``name``'s single-user server: the hub's child whose environment names that user."""
    for pid in _children(hub_pid):
        with suppress(OSError):
            if f"JUPYTERHUB_USER={name}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                return pid
    raise AssertionError(f"no single-user server for {name}")


@pytest.mark.timeout(600)  # two servers and two cold kernels at once, on two busy cores
def test_each_user_gets_the_dashboard_from_a_server_of_their_own(new_context, hub):
    base, process = hub
    visits = {name: _log_in(new_context(), base, name) for name in USERS}
    for name, visit in visits.items():
        visit.page.wait_for_selector(CHART_AXIS, timeout=SPAWN_TIMEOUT)
        visit.page.get_by_text("Whole course").first.wait_for()
        assert visit.page.locator(CHART_AXIS).count() >= 3, name
        # voila.json was read: the project's template, which serves Font Awesome itself.
        assert "voila/templates/casereport/static/fontawesome/css/all.min.css" in visit.page.content(), name
        assert visit.page.url.startswith(f"{base}user/{name}/{DASHBOARD}")
        assert visit.foreign_requests(base) == [], name
        assert visit.console_errors == [], name
        visit.shot(f"jupyterhub-{name}")

    kernels = {name: _kernel_id(visit) for name, visit in visits.items()}
    alice, bob = USERS
    assert kernels[alice] != kernels[bob]
    assert _kernel_status(visits[alice], base, alice, kernels[alice]) == 200
    # Bob's server does not run Alice's kernel, and Alice's browser is not let into Bob's server.
    assert _kernel_status(visits[bob], base, bob, kernels[alice]) == 404
    assert _kernel_status(visits[alice], base, bob, kernels[bob]) != 200

    for name in USERS:
        server = _server_of(process.pid, name)
        below = _descendants(server)
        kernels_mb = _rss_mb(below) if below else 0.0
        log.info("%s: server %.0f MB + %d kernel(s) %.0f MB resident", name, _rss_mb([server]), len(below), kernels_mb)

    # A closed page's kernel ends at once: the single-user server sets the _xsrf cookie that Voila's unload
    # beacon reads, and so takes the beacon. Culling would take a minute or more.
    visits[alice].page.close(run_before_unload=True)
    deadline = time.monotonic() + 20
    while _kernel_status(visits[alice], base, alice, kernels[alice]) == 200:
        assert time.monotonic() < deadline, "the kernel of Alice's closed page still runs after 20 s"
        time.sleep(0.5)
    assert _kernel_status(visits[alice], base, alice, kernels[alice]) == 404
    assert _kernel_status(visits[bob], base, bob, kernels[bob]) == 200
