"""The package works installed from its wheel, with no checkout: the commands, the figures, the dashboard, the slides.

The wheel is built from this tree and installed with its dependencies into a
fresh virtual environment (pip's cache makes that about half a minute); every
command then runs from an empty folder, with the user's cache folder in the
test's own folder, so that nothing of the checkout or of an earlier run helps.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .voila_server import free_port, stop_session

# It starts Voila on loopback, and takes the machine for a couple of minutes: it runs with the server tests.
pytestmark = [pytest.mark.server, pytest.mark.timeout(600)]
log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
SEED = "gahr2012-hcc"
SYNTHETIC = "synthetic-weekly-gemcitabine"
REVEAL_VERSION = "6.0.1"


@dataclass
class Installed:
    """A fresh virtual environment with the wheel installed, and an empty folder to run commands from."""

    venv: Path
    work: Path
    env: dict[str, str]

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def run(self, *args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run ``casereport ARGS`` from the empty folder; log how long it took."""
        started = time.monotonic()
        done = subprocess.run(
            [str(self.bin / "casereport"), *map(str, args)],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        log.info(
            "casereport %s: exit %d in %.1f s", " ".join(map(str, args)), done.returncode, time.monotonic() - started
        )
        return done

    def python(self, code: str) -> str:
        """What ``code`` prints in the installed environment."""
        return subprocess.run(
            [str(self.bin / "python"), "-c", code],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def bundled(self) -> dict[str, Path]:
        """The installed package's bundled cases, as the package finds them."""
        code = "from casereport.data.bundled import bundled_cases\nfor n, p in bundled_cases().items(): print(n, p)"
        return {name: Path(path) for name, path in (line.split(" ", 1) for line in self.python(code).splitlines())}


def _timed(what: str, command: list[str], **kwargs) -> None:
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)
    log.info("%s: %.1f s", what, time.monotonic() - started)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    started = time.monotonic()
    _timed("pip wheel", [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(ROOT)])
    (wheel,) = (base / "dist").glob("casereport-*.whl")
    _timed("venv", [sys.executable, "-m", "venv", str(base / "venv")])
    # With its dependencies, from the index (or pip's cache): the honest install a user makes.
    _timed("pip install", [str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)])
    log.info("wheel built and installed with its dependencies in %.1f s", time.monotonic() - started)
    (base / "empty").mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEREPORT_", "JUPYTER", "PYTHON", "VIRTUAL_ENV", "XDG_CACHE_HOME"))
    }
    env |= {"PATH": f"{base / 'venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}", "XDG_CACHE_HOME": str(base / "cache")}
    return Installed(venv=base / "venv", work=base / "empty", env=env)


def test_the_wheel_carries_the_data_and_none_of_the_caches(installed):
    root = Path(installed.python("from casereport.data.bundled import project_root; print(project_root())"))
    assert root.parts[-3:] == ("site-packages", "casereport", "_bundled")
    assert (root / "voila.json").is_file()
    assert (root / "dashboards" / "case.ipynb").is_file()
    assert (root / "dashboards" / "jupyter" / "config" / "jupyter_server_config.json").is_file()
    assert (root / "dashboards" / "jupyter" / "voila" / "templates" / "casereport-slides" / "index.html.j2").is_file()
    assert sorted(installed.bundled()) == [SEED, SYNTHETIC]
    assert {p.name for p in (root / "notebooks").iterdir()} >= {"figures.ipynb", "01-presentation-and-timeline.ipynb"}
    assert {p.suffix for p in (root / "notebooks").iterdir()} == {".ipynb"}
    assert not (root / "dashboards" / "jupyter" / "cache").exists()
    assert not list(root.rglob("fontawesome"))
    assert not list(root.rglob("reveal"))


def test_the_commands_run_on_the_bundled_cases_and_on_a_copy(installed, tmp_path):
    done = installed.run("--help")
    assert done.returncode == 0
    assert "figures" in done.stdout
    assert "dashboard" in done.stdout

    bundled = installed.bundled()
    done = installed.run("validate", bundled[SEED])
    assert (done.returncode, done.stdout.strip()) == (0, f"{bundled[SEED]}: valid")

    copy = shutil.copytree(bundled[SYNTHETIC], tmp_path / "elsewhere" / "my-case")
    done = installed.run("validate", copy)
    assert (done.returncode, done.stdout.strip()) == (0, f"{copy}: valid")

    # The audit says what it says from the checkout, exit status included.
    done = installed.run("audit", bundled[SEED])
    checkout = subprocess.run(
        [sys.executable, "-m", "casereport.apps.cli", "audit", str(ROOT / "data" / SEED)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "statement(s) checked" in done.stdout
    assert (done.returncode, done.stdout) == (checkout.returncode, checkout.stdout)

    done = installed.run("report", copy)
    assert done.returncode == 0
    assert "Synthetic" in done.stdout or "synthetic" in done.stdout
    done = installed.run("report", bundled[SEED], "--format", "html", "--out", tmp_path / "report.html")
    assert done.returncode == 0
    assert (tmp_path / "report.html").read_text(encoding="utf-8").lstrip().startswith("<")


def test_the_figures_and_their_notebook_run_from_the_package(installed, tmp_path):
    out = tmp_path / "figs"
    # Every static format: the PNG needs PDFium and Pillow, which the wheel must bring.
    done = installed.run("figures", "--out", out, "--format", "svg,pdf,png", "--only", "timeline")
    assert done.returncode == 0, done.stderr
    assert (out / "manifest.json").is_file()
    assert (out / f"{SEED}-timeline-calendar.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")
    assert (out / f"{SEED}-timeline-calendar.pdf").read_bytes().startswith(b"%PDF")
    assert (out / f"{SEED}-timeline-calendar.png").read_bytes().startswith(b"\x89PNG")

    # The executed record, for an author who wants one: the package's figures notebook under papermill.
    record = tmp_path / "record"
    code = (
        "import sys; from casereport.apps.notebooks import run_figures_notebook;"
        " print(run_figures_notebook(case_dir=None, output_dir=sys.argv[1], formats='svg', axis='calendar',"
        " width_mm='single', dpi=300, only='timeline', progress_bar=False))"
    )
    ran = subprocess.run(
        [str(installed.bin / "python"), "-c", code, str(record)],
        cwd=installed.work,
        env=installed.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    executed = Path(ran.stdout.strip().splitlines()[-1])
    assert executed == record / f"figures-{SEED}-calendar.ipynb"
    assert executed.is_file()
    assert (record / f"{SEED}-timeline-calendar.svg").is_file()

    copy = shutil.copytree(installed.bundled()[SYNTHETIC], tmp_path / "elsewhere" / "my-case")
    done = installed.run("figures", "--case", copy, "--out", tmp_path / "figs-copy", "--format", "svg")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "figs-copy" / f"{SYNTHETIC}-timeline-calendar.svg").is_file()
    assert (tmp_path / "figs-copy" / "manifest.json").is_file()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


@contextmanager
def _serving(installed: Installed, args: list[str], log_file: Path) -> Iterator[subprocess.Popen]:
    """Start ``casereport ARGS`` in a session of its own; stop it, its group and its kernels at the end."""
    with log_file.open("w") as out:
        server = subprocess.Popen(
            [str(installed.bin / "casereport"), *args],
            cwd=installed.work,
            env=installed.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield server
        finally:
            stop_session(server)


def _page(server: subprocess.Popen, url: str, log_file: Path, deadline_s: float = 150) -> str:
    """The page at ``url`` once the server answers 200."""
    deadline = time.monotonic() + deadline_s
    started = time.monotonic()
    while True:
        try:
            status, body = _get(url)
        except OSError:
            status, body = 0, ""
        if status == 200:
            log.info("%s answered in %.1f s", url, time.monotonic() - started)
            return body
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{url}: no page (status {status}); the server said:\n{log_file.read_text()}")
        time.sleep(0.5)


def test_the_dashboard_serves_from_a_site_folder_in_the_user_cache(installed, tmp_path):
    port = free_port()
    log_file = tmp_path / "dashboard.log"
    with _serving(installed, ["dashboard", "--port", str(port)], log_file) as server:
        page = _page(server, f"http://127.0.0.1:{port}/", log_file)
        # Voila's page for the dashboard notebook, with the project's template serving Font Awesome itself.
        assert "<title>case</title>" in page
        assert "voila/templates/casereport/static/fontawesome/css/all.min.css" in page
        status, css = _get(f"http://127.0.0.1:{port}/voila/templates/casereport/static/fontawesome/css/all.min.css")
        assert status == 200
        assert "Font Awesome" in css
        # The charts' script, preloaded by the page and imported by each chart, from this server.
        assert "voila/templates/casereport/static/cache/jupyterchart.js" in page
        status, bundle = _get(f"http://127.0.0.1:{port}/voila/templates/casereport/static/cache/jupyterchart.js")
        assert status == 200
        assert "export" in bundle
    (site,) = Path(installed.env["XDG_CACHE_HOME"]).glob("casereport/site-*")
    assert (site / "voila.json").is_file()
    assert (site / "dashboards" / "case.ipynb").is_file()
    # The offline chart bundle, built in the site's template folder, which the server serves to the page.
    bundles = site / "dashboards" / "jupyter" / "voila" / "templates" / "casereport" / "static" / "cache"
    assert list(bundles.glob("jupyterchart-*.js")), "no offline chart bundle"
    assert (bundles / "jupyterchart.js").read_bytes() == next(bundles.glob("jupyterchart-*.js")).read_bytes()


def test_the_slides_serve_from_the_wheel_with_their_vendored_styles(installed, tmp_path):
    code = "from casereport.data.bundled import project_root; print(project_root() / 'notebooks')"
    (notebook,) = Path(installed.python(code)).glob("01-*.ipynb")
    # Voila ships reveal.js's script but not its style sheets; the wheel carries them (vendored, MIT).
    port = free_port()
    log_file = tmp_path / "slides.log"
    with _serving(installed, ["slides", str(notebook), "--port", str(port)], log_file) as server:
        page = _page(server, f"http://127.0.0.1:{port}/", log_file)
        assert "voila/templates/casereport-slides/static/reveal/dist/reveal.css" in page
        status, css = _get(f"http://127.0.0.1:{port}/voila/templates/casereport-slides/static/reveal/dist/reveal.css")
        assert status == 200
        assert ".reveal" in css
        status, theme = _get(
            f"http://127.0.0.1:{port}/voila/templates/casereport-slides/static/reveal/dist/theme/white.css"
        )
        assert status == 200
        assert "--r-main-font" in theme
