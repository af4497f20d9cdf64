"""What a visitor may not have from the dashboard's server: 404s, and no traceback in its log."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from .voila_server import dashboard_server

pytestmark = pytest.mark.server

REFUSED = [
    "voila/templates/casereport/conf.json",
    "voila/templates/casereport/index.html.j2",
    "voila/templates/casereport/%2e%2e/%2e%2e/conf.json",
    "voila/templates/casereport/static/%2e%2e/conf.json",
    "voila/templates/casereport/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "logout",
]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_template_files_and_logout_are_not_found_and_the_log_stays_clean(tmp_path):
    log = tmp_path / "voila.log"
    with dashboard_server(None, log) as url:
        assert _status(url + "voila/templates/casereport/static/no-mathjax.js") == 200
        for path in REFUSED:
            assert _status(url + path) == 404, path
    text = log.read_text(encoding="utf-8")
    assert "Uncaught exception" not in text
    assert " 500 " not in text
