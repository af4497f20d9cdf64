"""The dashboard on a JupyterHub: what ``dashboards/jupyterhub_config.py`` asks of the package.

Each user's single-user server renders ``dashboards/case.ipynb`` through Voila's
server extension, at ``/user/<name>/voila/render/dashboards/case.ipynb``, with
the project's template and ``voila.json``, as ``casereport dashboard`` does.

``python -m casereport.apps.hub`` readies the site (Font Awesome and the charts'
offline bundle beside the template, see ``apps/serve.py``) and prints, as JSON,
the settings the hub gives its spawner: the folder to serve, the dashboard's URL,
the environment and the server's arguments. The hub's config runs it as a child
process, so that neither pandas and Altair nor vl-convert's JavaScript runtime
(about 90 MB) stay in the hub.

A closed page's kernel needs no help here: the single-user server sets the
``_xsrf`` cookie that Voila's unload beacon reads, so the server takes the
beacon, which the standalone app had to be taught (``apps/voila_app.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from casereport.data.bundled import CASE_ENV, default_case_dir


def spawner_settings() -> dict[str, Any]:
    """Ready the site; return the spawner's ``notebook_dir``, ``default_url``, ``environment`` and ``args``."""
    from casereport.apps.serve import DASHBOARD, VOILA_CONFIG, prepare_dashboard_site, voila_environment

    site = prepare_dashboard_site()
    voila_env = voila_environment(default_case_dir(), site)
    environment = {name: voila_env[name] for name in (CASE_ENV, "JUPYTER_PATH")}
    # Voila's extension reads voila.json from the Jupyter config path and the folder the server starts in;
    # spawners start it in the user's home, so the site goes on the path.
    environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join((voila_env["JUPYTER_CONFIG_PATH"], str(site)))
    return {
        "notebook_dir": str(site),
        "default_url": f"/voila/render/{DASHBOARD.as_posix()}",
        "environment": environment,
        "args": kernel_arguments(site / VOILA_CONFIG),
    }


def kernel_arguments(voila_config: Path) -> list[str]:
    """``voila.json``'s kernel settings as a Jupyter server's arguments.

    Voila's extension reads only Voila's own section of it; the kernels are the
    server's, so the server is given the rest (the kernel manager's culling) and
    the kernel manager Voila would run with.
    """
    config = json.loads(voila_config.read_text(encoding="utf-8"))
    args = [
        f"--{section}.{name}={value if isinstance(value, str) else json.dumps(value)}"
        for section, settings in config.items()
        if section != "VoilaConfiguration"
        for name, value in settings.items()
    ]
    if manager := config.get("VoilaConfiguration", {}).get("multi_kernel_manager_class"):
        args.append(f"--ServerApp.kernel_manager_class={manager}")
    return args


if __name__ == "__main__":
    print(json.dumps(spawner_settings()))
