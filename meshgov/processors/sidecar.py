"""A thread beside a processor's stream (its ticker, its streaming-port reader)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("meshgov.processors")


class SidecarThread:
    """Runs `run()` on a daemon thread until `stop()`; what ends it early is logged and
    handed to `failed`, so the processor stops with it (and its supervisor restarts it)
    rather than run on without its deadlines or its streaming ports."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._failed: Callable[[BaseException], None] = lambda error: None
        self._thread = threading.Thread(target=self._guarded, name=name, daemon=True)

    def start(self, failed: Callable[[BaseException], None]) -> None:
        self._failed = failed
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(10)

    def run(self) -> None:
        raise NotImplementedError

    def _guarded(self) -> None:
        try:
            self.run()
        except Exception as error:
            log.exception("%s stopped", self.name)
            self._failed(error)
