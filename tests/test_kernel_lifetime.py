"""A visitor's kernel lives while its page does: a closed page, a page gone silently and an idle page free it.

The timeouts are shortened here (seconds, not the minutes of ``voila.json``) so that
each case is seen in a test's time; the preheated pool must survive them all.
"""

from __future__ import annotations

import time

import pytest

from .browser import Visit, kernel_alive, kernel_id
from .voila_server import dashboard_server, server_kernels

pytestmark = pytest.mark.server

UNCONNECTED_S = 8
IDLE_S = 20
CULL_INTERVAL_S = 1


@pytest.fixture(scope="module")
def short_lived_url(tmp_path_factory):
    options = (
        f"--PageKernelManager.cull_unconnected_timeout={UNCONNECTED_S}",
        f"--PageKernelManager.cull_idle_timeout={IDLE_S}",
        f"--PageKernelManager.cull_interval={CULL_INTERVAL_S}",
    )
    with dashboard_server(None, tmp_path_factory.mktemp("voila") / "voila.log", options=options) as url:
        yield url


def _open(browser, url: str) -> Visit:
    visit = Visit(browser.new_context(viewport={"width": 1366, "height": 768}).new_page(), url)
    visit.wait_for_chart()
    return visit


def _gone_within(base: str, kernel: str, seconds: float) -> float:
    """Seconds until ``kernel`` left the server's list; fails the test after ``seconds``."""
    start = time.monotonic()
    while kernel_alive(base, kernel):
        assert time.monotonic() - start < seconds, f"kernel {kernel} still runs after {seconds} s"
        time.sleep(0.5)
    return time.monotonic() - start


def test_a_closed_page_frees_its_kernel(browser, dashboard_url):
    """Voila's unload beacon carries no _xsrf token (voila-dashboards/voila#1458); the server takes it anyway.

    On the project's own settings, where only the beacon can end the kernel within the minute.
    """
    visit = _open(browser, dashboard_url)
    kernel = kernel_id(visit)
    assert kernel_alive(dashboard_url, kernel)
    visit.page.close(run_before_unload=True)
    _gone_within(dashboard_url, kernel, 60)


def test_a_page_gone_without_a_word_frees_its_kernel_soon(browser, short_lived_url):
    visit = _open(browser, short_lived_url)
    kernel = kernel_id(visit)
    # A crashed tab or a lost network sends no shutdown: close without the page's unload handlers, which send
    # Voila's shutdown beacon (a beacon bypasses Playwright's routing, so it cannot be dropped there).
    visit.page.close(run_before_unload=False)
    time.sleep(2)
    assert kernel_alive(short_lived_url, kernel), "the shutdown request was meant to be lost"
    _gone_within(short_lived_url, kernel, UNCONNECTED_S + 4 * CULL_INTERVAL_S + 5)


def test_an_open_page_keeps_its_kernel_until_the_idle_timeout(browser, short_lived_url):
    visit = _open(browser, short_lived_url)
    kernel = kernel_id(visit)
    opened = time.monotonic()
    # Well past the unconnected timeout: an open page's connection keeps it.
    time.sleep(1.5 * UNCONNECTED_S)
    assert kernel_alive(short_lived_url, kernel)
    ended = visit.page.locator("#casereport-ended")
    assert not ended.is_visible()
    waited = _gone_within(short_lived_url, kernel, IDLE_S + 20)
    assert time.monotonic() - opened >= IDLE_S - 1, f"culled after {waited:.0f} s, before the idle timeout"
    # The page says its session ended (it asks every 15 s), rather than leave controls that no longer answer.
    ended.wait_for(state="visible", timeout=25_000)
    assert "session has ended" in ended.inner_text()
    visit.page.close()


def test_the_preheated_pool_outlives_the_culls(short_lived_url):
    """Voila's pool kernels have no page yet; no cull may take them (the page would wait for a cold kernel)."""
    before = server_kernels(short_lived_url)
    assert len(before) == 2  # voila.json's default_pool_size
    time.sleep(UNCONNECTED_S + 3 * CULL_INTERVAL_S)
    assert server_kernels(short_lived_url) == before
