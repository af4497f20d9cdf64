"""JupyterHub serving the casereport dashboard: each user lands on it, in a server of their own.

    .venv/bin/jupyterhub -f dashboards/jupyterhub_config.py   (README: Deployment, JupyterHub)

Each user's single-user server runs the hub's Python (the project's venv) and
opens at ``/user/<name>/voila/render/dashboards/case.ipynb``: Voila's server
extension renders the dashboard with the project's template and ``voila.json``,
and the page asks no other host for anything. Who may log in and how servers
start are left to JupyterHub's defaults (system users, PAM) or the command line;
tests/test_jupyterhub.py runs it with DummyAuthenticator and SimpleLocalProcessSpawner.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (JupyterHub's config loader defines it)

# In a child process, so that pandas, Altair and vl-convert's JavaScript runtime stay out of the hub.
settings = json.loads(
    subprocess.run([sys.executable, "-m", "casereport.apps.hub"], check=True, stdout=subprocess.PIPE, text=True).stdout
)
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = settings["notebook_dir"]
c.Spawner.default_url = settings["default_url"]
c.Spawner.environment = settings["environment"]
c.Spawner.args = settings["args"]
# Jupyter refuses to run as root unless told (containers, CI): a hub run as root with a spawner that keeps
# its user (SimpleLocalProcessSpawner) starts the servers as root.
if os.geteuid() == 0:
    c.Spawner.args.append("--allow-root")

# Loopback, as `casereport dashboard` serves; --JupyterHub.bind_url=http://:8000 opens it to a network
# (put TLS in front).
c.JupyterHub.bind_url = "http://127.0.0.1:8000"

# `make test` installs the proxy from npm beside the venv; otherwise JupyterHub looks for it on PATH.
proxy = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
if proxy.is_file():
    c.ConfigurableHTTPProxy.command = [str(proxy)]
