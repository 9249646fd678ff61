"""Running a delivery service (alerts, lineage) in the foreground: logging, /metrics when
configured, and a stop event set by SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from meshgov.cli.errors import reported_errors
from meshgov.settings import Settings


def run_service(settings: Settings, run: Callable[[threading.Event], None]) -> None:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def stopped(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    from meshgov.metrics import serve_if_configured  # prometheus: not on every command's start

    serve_if_configured(settings)
    with reported_errors():
        run(stop)
