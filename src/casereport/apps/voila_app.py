"""Voila, with the requests it mishandles answered 404 instead of failing with a traceback.

Voila 0.5 answers ``/voila/templates/<name>/<file>`` outside a template's
``static`` folder (and paths that climb out of it with ``..``) with a 500:
its ``TemplateStaticFileHandler`` unpacks the path without checking it. And
``/logout`` fails with a 500 because Jupyter Server's logout page needs a
``static_path`` the standalone app does not set. A visitor gets a plain 404
for both, and the server log keeps no traceback.

And a closed page frees its kernel. Voila's page asks for its kernel's shutdown
with ``navigator.sendBeacon`` when it unloads, a POST that cannot carry the
``_xsrf`` token, so Jupyter Server refuses it (403, voila-dashboards/voila#1458)
and the kernel lives on until the idle cull. :class:`PageClosedShutdown` takes
that one request without the token: a kernel's id is a random UUID that only its
own page knows, and the worst a forged request can do is end that kernel,
which its page would have ended on leaving.

And a page that goes without a word (a crashed tab, a laptop closed, a lost
network) frees its kernel soon after: :class:`PageKernelManager` ends a kernel
left with no page connected after ``cull_unconnected_timeout`` (60 s), and one
whose page stays open but idle after Jupyter's own ``cull_idle_timeout``
(``voila.json`` says 30 minutes). Voila keeps its preheated pool out of both.
Run as ``python -m casereport.apps.voila_app`` with Voila's own arguments.
"""

from __future__ import annotations

import time
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from tornado.web import ErrorHandler, HTTPError
from traitlets import Integer
from voila.app import Voila
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.static_file_handler import TemplateStaticFileHandler


class TemplateFiles(TemplateStaticFileHandler):
    """Voila's template file handler: a path that is not ``<template>/static/<file>`` is not found."""

    def parse_url_path(self, path: str) -> str:
        try:
            return str(super().parse_url_path(path))
        except (ValueError, AssertionError):
            raise HTTPError(404) from None

    @classmethod
    def get_absolute_path(cls, root: str, path: str) -> str:
        try:
            return str(super().get_absolute_path(root, path))
        except (ValueError, AssertionError):
            raise HTTPError(404) from None


class PageClosedShutdown(VoilaShutdownKernelHandler):
    """Voila's shutdown-on-unload request, taken without the ``_xsrf`` token its beacon cannot send."""

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self, kernel_id: str) -> None:
        if kernel_id not in self.kernel_manager:
            raise HTTPError(404)  # an unknown or already ended kernel
        await super().post(kernel_id)


class PageKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, which also ends a kernel soon after its last page connection is gone.

    Jupyter culls by idle time alone: a kernel whose page closed silently would
    live as long as one whose page is open. Here, a kernel seen with no
    connection for ``cull_unconnected_timeout`` seconds (and not busy) ends; the
    idle cull still ends open but idle pages' kernels. The time is counted from
    the last disconnection (or, for a kernel never connected, from when the
    culler first sees it) or its last activity, whichever is later: a kernel
    just handed to a page was busy rendering it, so that page has the whole
    timeout to connect.
    """

    cull_unconnected_timeout = Integer(
        60,
        config=True,
        help="Seconds a kernel may stay with no page connected before it is culled; 0 or less: never.",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._unconnected_since: dict[str, float] = {}

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id) == 0:
            self._unconnected_since[kernel_id] = time.time()

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._unconnected_since.pop(kernel_id, None)

    def remove_kernel(self, kernel_id: str) -> Any:
        self._unconnected_since.pop(kernel_id, None)
        return super().remove_kernel(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if self._unconnected_for(kernel_id) > self.cull_unconnected_timeout > 0:
            kernel = self._kernels[kernel_id]
            if getattr(kernel, "execution_state", None) != "busy":
                self.log.info("Culling kernel %s: no page has been connected for a while", kernel_id)
                await self.shutdown_kernel(kernel_id)
                return
        await super().cull_kernel_if_idle(kernel_id)

    def _unconnected_for(self, kernel_id: str) -> float:
        """Seconds ``kernel_id`` has been without a connection and without activity; 0 while connected."""
        if self._kernel_connections.get(kernel_id, 0) > 0:
            return 0.0  # notify_connect has dropped its time
        now = time.time()
        since = self._unconnected_since.setdefault(kernel_id, now)
        last_activity = getattr(self._kernels[kernel_id], "last_activity", None)
        if last_activity is not None:
            since = max(since, last_activity.timestamp())
        return now - since


REPLACED = {TemplateStaticFileHandler: TemplateFiles, VoilaShutdownKernelHandler: PageClosedShutdown}


class CaseVoila(Voila):
    """Voila with 404s where its own handlers would fail, and a closed page's kernel shut down."""

    def init_handlers(self) -> list[Any]:
        handlers = [
            (pattern, REPLACED.get(handler, handler), *rest) for pattern, handler, *rest in super().init_handlers()
        ]
        return [(url_path_join(self.server_url, r"/logout"), ErrorHandler, {"status_code": 404}), *handlers]


main = CaseVoila.launch_instance

if __name__ == "__main__":
    main()
