"""Applying a processor's effects beside its stream: a consumer in its own group reads the
processor's compacted effects topic and applies each effect, committing only what was
applied. An effect whose `apply` raises (the platform's reason: the registry away) is tried
again with a backoff, never skipped; `apply` itself logs and returns for a refusal that will
not change. Effects are idempotent, so one applied and not yet committed when the process
dies is applied again harmlessly."""

from __future__ import annotations

import logging
from collections.abc import Callable

from meshgov.kafka.clients import STREAM_CONSUMER_DEFAULTS, KafkaClients
from meshgov.processors.sidecar import SidecarThread
from meshgov.settings import Settings

log = logging.getLogger("meshgov.processors.effects")

Apply = Callable[[bytes, bytes], None]  # (key, value) of one effect
MAX_BACKOFF = 30.0


class EffectApplier(SidecarThread):
    def __init__(
        self,
        settings: Settings,
        clients: KafkaClients,
        processor: str,
        topic: str,
        apply: Apply,
    ) -> None:
        super().__init__(f"{processor} effect applier")
        self.settings = settings
        self.clients = clients
        self.processor = processor
        self.topic = topic
        self.apply = apply

    def run(self) -> None:
        consumer = self.clients.consumer(
            self.settings.group(f"{self.processor}-effects"), **STREAM_CONSUMER_DEFAULTS
        )
        consumer.subscribe([self.topic])
        try:
            while not self.stopping.is_set():
                messages = consumer.consume(num_messages=100, timeout=0.5)
                for message in messages:
                    if message.error() or message.value() is None:
                        continue
                    self._apply_until_done(message.key() or b"", message.value() or b"")
                    if self.stopping.is_set():
                        return  # not committed: applied again after a restart
                if messages:
                    consumer.commit(asynchronous=False)
        finally:
            consumer.close()

    def _apply_until_done(self, key: bytes, value: bytes) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                self.apply(key, value)
                return
            except Exception as error:  # noqa: BLE001 - retried: an effect is never skipped
                log.warning(
                    "%s: effect %r not applied (%s); again in %.0f s",
                    self.processor,
                    key.decode(errors="replace"),
                    error,
                    backoff,
                )
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
