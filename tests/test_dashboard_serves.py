"""`casereport dashboard`: the case check before serving, the case chooser, and what the server hands out."""

from __future__ import annotations

import pytest

from casereport.apps.cli import main
from casereport.apps.dashboard import choose_case
from casereport.apps.serve import prepare_slides_template
from casereport.data.bundled import default_case_dir
from casereport.exceptions import MissingAssetError, UnknownCaseError

from .conftest import CASES, SYNTHETIC


def test_an_invalid_case_is_refused_before_serving(editable_case, capsys):
    broken = editable_case()
    (broken / "labs.csv").write_text("id,loinc\n", encoding="utf-8")
    assert main(["dashboard", str(broken), "--port", "1"]) == 1
    assert "labs.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", None), ("case=", None), (f"case={SYNTHETIC}", SYNTHETIC), (f"other=1&case={SYNTHETIC}", SYNTHETIC)],
)
def test_the_query_chooses_among_bundled_cases(query, expected):
    chosen = choose_case(query, default_case_dir())
    assert chosen == (CASES[expected] if expected else default_case_dir())


@pytest.mark.parametrize("asked", ["nope", "../data/gahr2012-hcc", "/etc", str(CASES[SYNTHETIC]), "gahr2012-hcc/"])
def test_anything_else_is_an_unknown_case_never_a_path(asked):
    with pytest.raises(UnknownCaseError) as raised:
        choose_case(f"case={asked}", default_case_dir())
    assert raised.value.asked == asked
    assert raised.value.known == sorted(CASES)


def test_slides_need_a_notebook_that_exists(capsys):
    assert main(["slides", "notebooks/no-such-notebook.ipynb", "--port", "1"]) == 2
    assert "no notebook at notebooks/no-such-notebook.ipynb" in capsys.readouterr().err


def test_the_slides_template_says_how_to_fetch_reveal_js_when_it_is_missing(tmp_path):
    with pytest.raises(MissingAssetError) as raised:
        prepare_slides_template(tmp_path)
    assert raised.value.asset == "reveal.js"
    assert "npm pack reveal.js@6.0.1" in raised.value.fix


def test_the_slides_template_takes_reveal_js_style_sheets_from_the_package(tmp_path):
    import io
    import tarfile

    cache = tmp_path / "dashboards" / "jupyter" / "cache"
    cache.mkdir(parents=True)
    with tarfile.open(cache / "reveal.js-9.9.9.tgz", "w:gz") as package:
        for name in ("package/dist/reveal.css", "package/dist/theme/white.css"):
            data = f"/* {name} */".encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            package.addfile(info, io.BytesIO(data))
    static = prepare_slides_template(tmp_path)
    assert (static / "dist" / "reveal.css").read_text() == "/* package/dist/reveal.css */"
    assert (static / "dist" / "theme" / "white.css").read_text() == "/* package/dist/theme/white.css */"
    # Font Awesome is served by the dashboard's template, which the slides share.
    assert (
        tmp_path / "dashboards" / "jupyter" / "voila" / "templates" / "casereport" / "static" / "fontawesome"
    ).is_dir()


def test_a_checkout_serves_from_itself():
    from casereport.apps.serve import prepare_site
    from casereport.data.bundled import project_root, site_root

    assert site_root() == project_root()
    assert prepare_site() == project_root()


@pytest.fixture
def packaged_root(tmp_path, monkeypatch):
    """A project root served the way an installed package is: from a copy in the user's cache folder."""
    import shutil

    from casereport.data import bundled

    root = tmp_path / "site-packages" / "casereport" / "_bundled"
    checkout = bundled.project_root()
    root.mkdir(parents=True)
    shutil.copy(checkout / "voila.json", root / "voila.json")
    shutil.copytree(checkout / "dashboards", root / "dashboards")
    monkeypatch.setenv(bundled.ROOT_ENV, str(root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # Root may write anywhere, so "not writable" cannot be staged: the root is taken for the package's own.
    monkeypatch.setattr(bundled, "is_packaged", lambda path: path == root)
    return root


def test_an_installed_package_serves_from_a_copy_in_the_user_cache(packaged_root, tmp_path):
    from casereport.apps.offline import offline_bundle_path
    from casereport.apps.serve import DASHBOARD, SLIDES_TEMPLATE, TEMPLATE, prepare_site, voila_environment

    site = prepare_site()
    assert site.parent == tmp_path / "cache" / "casereport"
    assert (site / "voila.json").read_bytes() == (packaged_root / "voila.json").read_bytes()
    assert (site / DASHBOARD).is_file()
    assert (site / TEMPLATE / "index.html.j2").is_file()
    assert (site / SLIDES_TEMPLATE / "index.html.j2").is_file()
    assert (site / "dashboards" / "jupyter" / "config" / "jupyter_server_config.json").is_file()
    # The checkout's caches and generated copies stay behind; the site makes its own.
    assert not (site / "dashboards" / "jupyter" / "cache").exists()
    assert not (site / TEMPLATE / "static" / "fontawesome").exists()
    assert not (site / TEMPLATE / "static" / "cache").exists()
    # Kernels find the server's chart bundle in the same place the server put it.
    assert offline_bundle_path().is_relative_to(site / TEMPLATE / "static")
    assert voila_environment(default_case_dir())["JUPYTER_PATH"].startswith(str(site / "dashboards" / "jupyter"))


def test_the_copy_is_made_once_and_again_when_the_package_changes(packaged_root):
    import os

    from casereport.apps.serve import TEMPLATE, prepare_site

    site = prepare_site()
    (site / "voila.json").write_text("{}", encoding="utf-8")
    assert prepare_site() == site
    assert (site / "voila.json").read_text(encoding="utf-8") == "{}"
    template = packaged_root / TEMPLATE / "index.html.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n{#- upgraded -#}\n", encoding="utf-8")
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 1_000_000_000))
    assert prepare_site() == site
    assert (site / TEMPLATE / "index.html.j2").read_text(encoding="utf-8").endswith("{#- upgraded -#}\n")
    assert (site / "voila.json").read_bytes() == (packaged_root / "voila.json").read_bytes()


def test_slides_from_an_installed_package_use_the_vendored_style_sheets(packaged_root):
    from casereport.apps.serve import prepare_site, prepare_slides_template

    static = prepare_slides_template(prepare_site())
    assert ".reveal" in (static / "dist" / "reveal.css").read_text(encoding="utf-8")
    # The theme carries its fonts inline: nothing to fetch.
    assert "font/woff;base64" in (static / "dist" / "theme" / "white.css").read_text(encoding="utf-8")


def test_charts_load_vega_from_the_bundle_file_without_touching_altair(tmp_path, monkeypatch):
    import altair as alt
    import pandas as pd

    from casereport.apps import offline
    from casereport.apps.offline import offline_chart_class

    monkeypatch.setattr(offline, "_CHOSEN", {})  # this test's class stays with this test
    before = alt.JupyterChart._esm
    bundle = tmp_path / "bundle.js"
    bundle.write_text("export default { render() {} };\n", encoding="utf-8")
    chart_class = offline_chart_class(bundle)
    assert issubclass(chart_class, alt.JupyterChart)
    assert offline_chart_class() is chart_class  # the kernel's later calls get the same class
    widget = chart_class(alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x"))
    assert widget._esm == "export default { render() {} };\n"
    assert alt.JupyterChart._esm == before
