"""Serving the dashboard notebook with Voila on loopback, with the project's template and config.

``voila.json`` (read from the project folder) sets the template, strips
sources, hides tracebacks, preheats kernels and culls idle ones. The template
lives in ``dashboards/jupyter`` (put on ``JUPYTER_PATH``) and serves Font
Awesome itself, copied from the ``fontawesomefree`` wheel, so that the page
asks no other host for anything.

From a checkout, Voila runs in the checkout. From an installed package, whose
folder is not Voila's to write in, it runs in a copy of ``voila.json`` and
``dashboards/`` in the user's cache folder (:func:`prepare_site`), where those
copies and the caches go too.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
from pathlib import Path
from typing import NoReturn

import fontawesomefree

from casereport.apps.offline import CACHE, offline_bundle_path, prepare_offline_bundle
from casereport.data.bundled import CASE_ENV, default_case_dir, project_root, site_root
from casereport.data.load import load_case
from casereport.exceptions import CaseValidationError, MissingAssetError

VOILA_CONFIG = Path("voila.json")
DASHBOARD = Path("dashboards") / "case.ipynb"
JUPYTER_DATA = Path("dashboards") / "jupyter"
TEMPLATE = JUPYTER_DATA / "voila" / "templates" / "casereport"
SLIDES_TEMPLATE = JUPYTER_DATA / "voila" / "templates" / "casereport-slides"
VENDOR = JUPYTER_DATA / "vendor"
# reveal.js's own style sheets; its script comes with Voila (6.0.1 in Voila 0.5), which ships no style sheet.
# They are vendored in dashboards/jupyter/vendor (a package fetched with `npm pack` also serves).
REVEAL_VERSION = "6.0.1"
REVEAL_STYLES = ("package/dist/reveal.css", "package/dist/theme/white.css")
# What serving adds beside the templates, never copied into a site: the caches, Font Awesome, reveal.js.
GENERATED = frozenset(("cache", "fontawesome", "reveal", ".ipynb_checkpoints", "__pycache__"))
SITE_STAMP = ".casereport-site"


def _site_files(root: Path) -> list[Path]:
    """The files a site copies from ``root``: ``voila.json``, the dashboard, its templates and config."""
    found = [root / VOILA_CONFIG, root / DASHBOARD]
    for path in sorted((root / JUPYTER_DATA).rglob("*")):
        if path.is_file() and not GENERATED.intersection(path.relative_to(root / JUPYTER_DATA).parts[:-1]):
            found.append(path)
    return found


def prepare_site() -> Path:
    """The folder Voila runs in, ready: the project root itself, or a copy of its dashboard files.

    A checkout serves from itself. An installed package (or a root this user
    cannot write) is copied, once per package version and whenever its files
    change, into :func:`~casereport.data.bundled.site_root` in the user's cache
    folder, where the caches and Font Awesome's copy then go.
    """
    root, site = project_root(), site_root()
    if site == root:
        return root
    files = _site_files(root)
    stamp = "\n".join(f"{p.relative_to(root)} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in files)
    if (site / SITE_STAMP).is_file() and (site / SITE_STAMP).read_text(encoding="utf-8") == stamp:
        return site
    for path in files:
        target = site / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (site / SITE_STAMP).write_text(stamp, encoding="utf-8")
    return site


def prepare_template(root: Path | None = None) -> Path:
    """Copy Font Awesome's CSS and fonts into the template's static folder, once; return that folder."""
    static = (root or prepare_site()) / TEMPLATE / "static" / "fontawesome"
    source = Path(fontawesomefree.__file__).parent / "static" / "fontawesomefree"
    for part in ("css", "webfonts"):
        if not (static / part).is_dir():
            shutil.copytree(source / part, static / part, dirs_exist_ok=True)
    return static


def prepare_dashboard_site() -> Path:
    """The folder Voila serves the dashboard from, with Font Awesome and the charts' offline bundle in place.

    Run before Voila starts (``casereport dashboard``, a JupyterHub's spawner settings, the tests' servers),
    so that vl-convert's runtime, which builds the bundle, never stays in the server.
    """
    site = prepare_site()
    prepare_template(site)
    prepare_offline_bundle(offline_bundle_path(site))
    return site


def prepare_slides_template(root: Path | None = None) -> Path:
    """Put reveal.js's style sheets (and Font Awesome) where the slides template serves them; return the folder.

    Voila ships reveal.js's script but not its style sheets. They are vendored,
    with reveal.js's MIT licence, in ``dashboards/jupyter/vendor/reveal.js-<version>``
    (the theme carries its fonts inline, so nothing is fetched); a reveal.js
    package in ``dashboards/jupyter/cache`` (``npm pack``) is used when the
    vendored copy is missing, and :class:`MissingAssetError` says how to get one.
    """
    root = root or prepare_site()
    prepare_template(root)
    static = root / SLIDES_TEMPLATE / "static" / "reveal"
    if all((static / Path(name).relative_to("package")).is_file() for name in REVEAL_STYLES):
        return static
    vendored = root / VENDOR / f"reveal.js-{REVEAL_VERSION}"
    if all((vendored / Path(name).name).is_file() for name in REVEAL_STYLES):
        for name in REVEAL_STYLES:
            target = static / Path(name).relative_to("package")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(vendored / Path(name).name, target)
        return static
    packages = sorted((root / CACHE).glob("reveal.js-*.tgz"))
    if not packages:
        raise MissingAssetError(
            "reveal.js",
            str(root / CACHE),
            f"the slides need reveal.js {REVEAL_VERSION}'s style sheets (Voila ships only its script), vendored in"
            f" {VENDOR}; that copy is missing here, so fetch the package into that folder:"
            f" cd '{root / CACHE}' && npm pack reveal.js@{REVEAL_VERSION}",
        )
    with tarfile.open(packages[-1]) as package:
        for name in REVEAL_STYLES:
            target = static / Path(name).relative_to("package")
            target.parent.mkdir(parents=True, exist_ok=True)
            source = package.extractfile(name)
            if source is None:
                raise MissingAssetError(name, str(packages[-1]), "the package lacks it; fetch it again")
            target.write_bytes(source.read())
    return static


def voila_environment(case_path: Path, root: Path | None = None) -> dict[str, str]:
    """The environment Voila runs in: the case to show, and the project's template on the Jupyter path."""
    base = (root or prepare_site()) / JUPYTER_DATA

    def prepend(variable: str, folder: Path) -> str:
        return os.pathsep.join(p for p in (str(folder), os.environ.get(variable, "")) if p)

    # The server config keeps Voila's page, under the server extension, from loading MathJax off a CDN.
    return {
        **os.environ,
        CASE_ENV: str(case_path),
        "JUPYTER_PATH": prepend("JUPYTER_PATH", base),
        "JUPYTER_CONFIG_PATH": prepend("JUPYTER_CONFIG_PATH", base / "config"),
    }


def voila_command(*, port: int, notebook: Path = DASHBOARD, template: str | None = None) -> list[str]:
    """The Voila command line for ``notebook``, served on 127.0.0.1 only (config from ``voila.json``)."""
    command = [
        sys.executable,
        "-m",
        # Voila itself, answering 404 where its handlers would fail (see apps/voila_app.py).
        "casereport.apps.voila_app",
        str(notebook),
        f"--port={port}",
        # That port or none: Voila would otherwise move to the next free one when it finds the port taken, and
        # the URL printed before it starts (serve, serve_slides) would name a port nothing serves.
        "--Voila.port_retries=0",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
    ]
    return command + ([f"--template={template}"] if template else [])


def serve(*, case_dir: str | Path | None, port: int) -> int:
    """Check the case, then run Voila in the foreground until interrupted."""
    case_path = Path(case_dir or default_case_dir()).resolve()
    try:
        case = load_case(case_path)
    except CaseValidationError as err:
        print(err, file=sys.stderr)
        return 1
    site = prepare_dashboard_site()
    print(f"Serving '{case.title}' at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    _become(site, voila_command(port=port), voila_environment(case_path, site))


def _become(site: Path, command: list[str], env: dict[str, str]) -> NoReturn:
    """Become Voila in the site folder (where ``voila.json`` is), so that a signal to this process
    (Ctrl-C, a test's terminate) reaches the server itself and no server or kernel outlives it."""
    os.chdir(site)
    os.execve(command[0], command, env)


def serve_slides(*, notebook: str | Path, port: int) -> int:
    """Run a teaching notebook as reveal.js slides with Voila, in the foreground until interrupted."""
    path = Path(notebook).resolve()
    if not path.is_file():
        print(f"casereport slides: no notebook at {notebook}", file=sys.stderr)
        return 2
    site = prepare_site()
    try:
        prepare_slides_template(site)
    except MissingAssetError as err:
        print(f"casereport slides: {err}", file=sys.stderr)
        return 1
    prepare_offline_bundle(offline_bundle_path(site))
    print(f"Serving {path.name} as slides at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    command = voila_command(port=port, notebook=path, template="casereport-slides")
    _become(site, command, voila_environment(default_case_dir(), site))
