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
which its page would have ended on leaving. Run as
``python -m casereport.apps.voila_app`` with Voila's own arguments.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join
from tornado.web import ErrorHandler, HTTPError
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
