"""What a visitor's dashboard kernel takes from its surroundings, without what it would cost to import.

Every visitor of the dashboard gets a kernel of their own, so what it imports is
paid once a visitor. Two imports cost more than the page uses:

- ``voila.utils.get_query_string``, the one Voila function the page calls,
  comes with Jupyter Server and JupyterLab Server (about 45 MB and 3 s a
  kernel). :func:`query_string` follows the same documented protocol (the
  ``QUERY_STRING`` variable, or, in a preheated kernel, one message on Voila's
  ``voila/query/<kernel id>`` websocket once a visitor takes the kernel) with
  ``websockets``, the client Voila itself uses.
- jsonschema's optional IRI format checker, which Altair's import brings (about
  1 s and 15 MB): :func:`leave_out_unused_checkers` (``apps/lean_imports.py``)
  keeps it out, and must run before Altair is imported.
"""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import websockets

from casereport.apps.lean_imports import leave_out_unused_checkers

# Voila's names (voila.utils.ENV_VARIABLE) and its defaults.
PREHEAT = "VOILA_PREHEAT"
QUERY_STRING = "QUERY_STRING"
QUERY_TIMEOUT_S = 5  # as Voila's own client: a kernel nobody takes is not kept waiting for ever


def query_string() -> str:
    """The visitor's URL query (``case=...&from=...``), waiting for the visitor in a preheated kernel."""
    if os.environ.get(PREHEAT, "False") != "False":
        for name, value in _request_info().items():
            os.environ[name] = value
    return os.environ.get(QUERY_STRING, "")


def _request_info() -> dict[str, str]:
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID', '')}"

    async def receive() -> str | bytes:
        async with websockets.connect(url, open_timeout=QUERY_TIMEOUT_S) as socket:
            return await socket.recv()

    # The kernel's own event loop is running this very cell: the wait runs in a thread with a loop of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        try:
            message = thread.submit(asyncio.run, receive()).result()
        except (OSError, TimeoutError) as err:  # Voila's server went away: what Voila's own client does
            warnings.warn(f"no request info from {url}: {err}", stacklevel=2)
            return {}
    return {str(k): str(v) for k, v in json.loads(message).items()}


__all__ = ["leave_out_unused_checkers", "query_string"]
