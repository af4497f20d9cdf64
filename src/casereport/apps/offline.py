"""Altair's ``JupyterChart`` with Vega loaded from a bundle built once per server, never from a CDN.

``alt.JupyterChart`` imports Vega from a CDN; ``JupyterChart.enable_offline()``
bundles it instead, in vl-convert's JavaScript runtime, which then stays in the
kernel's memory (about 90 MB per kernel). So the dashboard's server builds the
bundle once, before Voila starts (:func:`prepare_offline_bundle`), and each
kernel only reads the file (:func:`offline_chart_class`).

Altair offers no public way to hand ``JupyterChart`` a prebuilt bundle: it
keeps the script in its private ``_esm`` class attribute. So, instead of
setting Altair's private attributes, :func:`offline_chart_class` subclasses
``JupyterChart`` and gives the subclass its own ``_esm``, the bundle's text:
defining ``_esm`` on a widget class is anywidget's documented way to give the
widget its script (anywidget reads it from the class when a widget is made,
and sends it to the page). The bundle itself is built by public functions: Altair's widget script
(``load_js_src``) without its CDN imports, bundled by ``vl_convert.javascript_bundle``
with Vega, Vega-Lite and vega-embed, as ``enable_offline`` does.

The dashboard's page does not carry the bundle at all (:func:`served_chart_class`):
the bundle sits in the Voila template's static folder, and each chart's script is a
two-line loader that imports it by URL. The browser then fetches it once per page
(one module, however many charts) and caches it between visits, instead of
receiving a megabyte per chart over the kernel's websocket.

This module is what both sides share: the launcher (``apps/serve.py``) builds
the bundle, the kernel-side dashboard (``apps/dashboard.py``) reads it, and
neither imports the other.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import altair as alt

from casereport.data.bundled import site_root

CACHE = Path("dashboards") / "jupyter" / "cache"
# Where the bundle is built and kept: the dashboard template's static folder, which Voila
# serves at {base_url}voila/templates/casereport/static/ (generated, never committed).
BUNDLE_DIR = Path("dashboards") / "jupyter" / "voila" / "templates" / "casereport" / "static" / "cache"
SERVED_AT = "templates/casereport/static/cache/"
# The served copy's name, the same for every version, so that the template can preload it
# (``index.html.j2``); the server revalidates it, so a new version is fetched when it changes.
SERVED_NAME = "jupyterchart.js"
# A chart's whole script on a Voila page: import the server's bundle by URL. The page's
# body names Voila's base URL (data-base-url), which differs behind JupyterHub or Binder.
# The bundle is imported when a chart is first drawn, not when this module is evaluated: anywidget gives a
# widget's module 2 s to load and initialize ("[anywidget] Failed to initialize model"), and ten pages
# opening at once on two cores take longer than that to compile Vega. Altair's script exports only render.
LOADER = """const base = document.body.dataset.baseUrl || "/voila/";
const url = new URL(base + "{path}", window.location.href).href;
let bundle;
export default {{
  async render(props) {{
    bundle ??= import(url);
    return (await bundle).default.render(props);
  }},
}};
"""
_CHOSEN: dict[str, type[alt.JupyterChart]] = {}


def offline_bundle_path(site: Path | None = None) -> Path:
    """Where the server keeps the offline bundle, named by the versions that made it."""
    name = f"jupyterchart-altair{metadata.version('altair')}-vlconvert{metadata.version('vl-convert-python')}.js"
    return (site or site_root()) / BUNDLE_DIR / name


def build_offline_bundle() -> str:
    """JupyterChart's script with Vega, Vega-Lite and vega-embed bundled in: what ``enable_offline`` builds.

    The script's leading imports (from a CDN) and comments go; vl-convert
    supplies the names they imported (``vegaEmbed``, ``lodashDebounce``) for
    the Vega-Lite version Altair writes specs for.
    """
    import vl_convert  # here, not above: a visitor's kernel only reads the bundle (its runtime costs memory)
    from altair.jupyter.jupyter_chart import load_js_src  # and a process that draws figures needs no widgets

    lines = load_js_src().split("\n")
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)
    return str(vl_convert.javascript_bundle("\n".join(lines), vl_version=vega_lite_version()))


def vega_lite_version() -> str:
    """The Vega-Lite version Altair writes specs for, as vl-convert names its bundles ("v6.4.1" is "v6_4")."""
    return "_".join(alt.SCHEMA_VERSION.split(".")[:2])


def prepare_offline_bundle(path: Path | None = None) -> Path:
    """Build the offline bundle unless it is there, and keep it for the kernels; return its path.

    Written whole or not at all, so that a kernel never reads half a bundle.
    Beside it, the same file under a name that does not change with versions
    (``SERVED_NAME``): the one the page preloads and the charts import.
    """
    path = path or offline_bundle_path()
    if not path.is_file():
        _write_whole(path, build_offline_bundle())
    served = path.with_name(SERVED_NAME)
    if not served.is_file() or served.stat().st_size != path.stat().st_size or served.read_bytes() != path.read_bytes():
        _write_whole(served, path.read_text(encoding="utf-8"))
    return path


def _write_whole(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def offline_chart_class(bundle: Path | None = None) -> type[alt.JupyterChart]:
    """A ``JupyterChart`` subclass that loads Vega from the offline bundle, the same class on every call.

    ``bundle`` is the file (default: the server's, :func:`offline_bundle_path`);
    without it there, this kernel builds it once and keeps it for the next.
    Once chosen, calls without ``bundle`` return the class chosen last.
    """
    if bundle is None and "chart" in _CHOSEN:
        return _CHOSEN["chart"]
    path = prepare_offline_bundle(bundle)

    class OfflineJupyterChart(alt.JupyterChart):
        """``alt.JupyterChart`` with Vega from the offline bundle (anywidget reads ``_esm`` from the class)."""

        _esm = path.read_text(encoding="utf-8")

    _CHOSEN["chart"] = OfflineJupyterChart
    return OfflineJupyterChart


def served_chart_class(bundle: Path | None = None) -> type[alt.JupyterChart]:
    """A ``JupyterChart`` subclass for pages the casereport Voila template serves: it imports the bundle by URL.

    Falls back to :func:`offline_chart_class` (the bundle inline) when the
    server has no bundle to serve. Only for Voila pages: JupyterLab serves no
    template folder, so notebooks use :func:`offline_chart_class`.
    """
    if bundle is None and "served" in _CHOSEN:
        return _CHOSEN["served"]
    path = bundle or offline_bundle_path()
    if not path.with_name(SERVED_NAME).is_file():
        return offline_chart_class(bundle)

    class ServedJupyterChart(alt.JupyterChart):
        """``alt.JupyterChart`` whose script imports the offline bundle from the page's own server."""

        _esm = LOADER.format(path=SERVED_AT + SERVED_NAME)

    _CHOSEN["served"] = ServedJupyterChart
    return ServedJupyterChart
