"""Reads accepted products' streaming ports and reports the PII leaks in their records.

Only masked leak reports leave it; offsets are committed after those are sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from meshgov.checks.pii.watch import Leak, find_leaks
from meshgov.codec import DecodeError
from meshgov.models.policy import GlobalPolicy
from meshgov.settings import Settings
from services.product_topics import ProductTopics, StreamingPort

Report = Callable[[str, str, list[Leak], datetime], Awaitable[Any]]


class PortWatcher:
    def __init__(self, settings: Settings, policy: GlobalPolicy) -> None:
        self.topics = ProductTopics(settings, "meshgov-pii-streams")
        self.policy = policy

    def _leaks(self, port: StreamingPort, message: Any) -> list[Leak]:
        try:
            record = port.decoder.decode(message.value() or b"")
        except DecodeError:
            return []  # schema violations are the quality processor's to report
        declared = {
            path: c.model_dump(mode="json")
            for path, c in port.product.port(port.port).fields.items()
        }
        return find_leaks(port.product_name, port.port, declared, record, self.policy)

    async def run(self, report: Report) -> None:
        async for batch in self.topics.batches():
            for port, message in batch:
                leaks = self._leaks(port, message)
                if leaks:
                    _, millis = message.timestamp()
                    at = (
                        datetime.fromtimestamp(millis / 1000, UTC)
                        if millis > 0
                        else datetime.now(UTC)
                    )
                    await report(port.product_name, port.port, leaks, at)
