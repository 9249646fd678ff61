"""Fan-out of live events to browsers: one bounded queue per subscriber.

Publishing never blocks: a subscriber whose queue is full loses its oldest events and is
told how many, so a slow browser never slows the Kafka consumer feeding the hub."""

from __future__ import annotations

import threading
from collections import deque


class Subscriber:
    def __init__(self, capacity: int) -> None:
        self.queue: deque[str] = deque(maxlen=capacity)
        self.dropped = 0
        self.ready = threading.Condition()

    def offer(self, message: str) -> None:
        with self.ready:
            if len(self.queue) == self.queue.maxlen:
                self.dropped += 1  # deque drops the oldest on append
            self.queue.append(message)
            self.ready.notify()

    def take(self, timeout: float) -> tuple[list[str], int]:
        """Every queued message and how many were dropped since the last take; waits up to
        `timeout` for the first."""
        with self.ready:
            if not self.queue:
                self.ready.wait(timeout)
            messages = list(self.queue)
            self.queue.clear()
            dropped, self.dropped = self.dropped, 0
        return messages, dropped


class Hub:
    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(self.capacity)
        with self._lock:
            self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def publish(self, message: str) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber.offer(message)

    def __len__(self) -> int:
        with self._lock:
            return len(self._subscribers)
