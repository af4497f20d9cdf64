"""Serving the dashboard notebook with Voila on loopback, with the project's template and config.

``voila.json`` (read from the project folder) sets the template, strips
sources, hides tracebacks, preheats kernels and culls idle ones. The template
lives in ``dashboards/jupyter`` (put on ``JUPYTER_PATH``) and serves Font
Awesome itself, copied from the ``fontawesomefree`` wheel, so that the page
asks no other host for anything.
"""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
from pathlib import Path

import altair as alt
import fontawesomefree
import vl_convert

from casereport.data.bundled import CASE_ENV, default_case_dir, project_root
from casereport.data.load import load_case
from casereport.exceptions import CaseValidationError, MissingAssetError

DASHBOARD = Path("dashboards") / "case.ipynb"
JUPYTER_DATA = Path("dashboards") / "jupyter"
TEMPLATE = JUPYTER_DATA / "voila" / "templates" / "casereport"
SLIDES_TEMPLATE = JUPYTER_DATA / "voila" / "templates" / "casereport-slides"
CACHE = JUPYTER_DATA / "cache"
# reveal.js's own style sheets; its script comes with Voila. `make setup` fetches the package (npm pack).
REVEAL_STYLES = ("package/dist/reveal.css", "package/dist/theme/white.css")


def prepare_template(root: Path | None = None) -> Path:
    """Copy Font Awesome's CSS and fonts into the template's static folder, once; return that folder."""
    static = (root or project_root()) / TEMPLATE / "static" / "fontawesome"
    source = Path(fontawesomefree.__file__).parent / "static" / "fontawesomefree"
    for part in ("css", "webfonts"):
        if not (static / part).is_dir():
            shutil.copytree(source / part, static / part, dirs_exist_ok=True)
    return static


def prepare_slides_template(root: Path | None = None) -> Path:
    """Put reveal.js's style sheets (and Font Awesome) where the slides template serves them; return the folder.

    They come from the reveal.js package that ``make setup`` fetched into
    ``dashboards/jupyter/cache``; without it, :class:`MissingAssetError` says so.
    """
    root = root or project_root()
    prepare_template(root)
    static = root / SLIDES_TEMPLATE / "static" / "reveal"
    if all((static / Path(name).relative_to("package")).is_file() for name in REVEAL_STYLES):
        return static
    packages = sorted((root / CACHE).glob("reveal.js-*.tgz"))
    if not packages:
        raise MissingAssetError(
            "reveal.js", str(root / CACHE), "run `make setup`, which fetches it from the npm registry (npm pack)"
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


def offline_bundle_path() -> Path:
    """Where the server keeps the offline bundle, named by the versions that made it."""
    name = f"jupyterchart-altair{alt.__version__}-vlconvert{vl_convert.__version__}.js"
    return project_root() / CACHE / name


def prepare_offline_bundle() -> Path:
    """Build JupyterChart's offline bundle with the library and keep it for the kernels; return its path."""
    path = offline_bundle_path()
    if not path.is_file():
        alt.JupyterChart.enable_offline()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(alt.JupyterChart._esm, encoding="utf-8")
    return path


def voila_environment(case_path: Path, root: Path | None = None) -> dict[str, str]:
    """The environment Voila runs in: the case to show, and the project's template on the Jupyter path."""
    base = (root or project_root()) / JUPYTER_DATA

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
        "voila",
        str(notebook),
        f"--port={port}",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
    ]
    return command + ([f"--template={template}"] if template else [])


def serve(*, case_dir: Path | None, port: int) -> int:
    """Check the case, then run Voila in the foreground until interrupted."""
    case_path = (case_dir or default_case_dir()).resolve()
    try:
        case = load_case(case_path)
    except CaseValidationError as err:
        print(err, file=sys.stderr)
        return 1
    root = project_root()
    prepare_template(root)
    prepare_offline_bundle()
    print(f"Serving '{case.title}' at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    _become(root, voila_command(port=port), voila_environment(case_path, root))


def _become(root: Path, command: list[str], env: dict[str, str]) -> None:
    """Become Voila in the project folder, so that a signal to this process (Ctrl-C, a test's terminate)
    reaches the server itself and no server or kernel outlives it."""
    os.chdir(root)
    os.execve(command[0], command, env)


def serve_slides(*, notebook: Path, port: int) -> int:
    """Run a teaching notebook as reveal.js slides with Voila, in the foreground until interrupted."""
    root = project_root()
    path = notebook.resolve()
    if not path.is_file():
        print(f"casereport slides: no notebook at {notebook}", file=sys.stderr)
        return 2
    try:
        prepare_slides_template(root)
    except MissingAssetError as err:
        print(f"casereport slides: {err}", file=sys.stderr)
        return 1
    prepare_offline_bundle()
    print(f"Serving {path.name} as slides at http://127.0.0.1:{port}/ (Ctrl-C to stop)", flush=True)
    command = voila_command(port=port, notebook=path, template="casereport-slides")
    _become(root, command, voila_environment(default_case_dir(), root))
