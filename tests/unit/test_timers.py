from __future__ import annotations

import random

from meshgov.timers import DeadlineQueue


def test_keys_come_out_in_due_order_once() -> None:
    queue = DeadlineQueue()
    queue.schedule("b", 20)
    queue.schedule("a", 10)
    queue.schedule("c", 30)
    assert queue.next_due() == 10
    assert queue.pop_due(25) == ["a", "b"]
    assert queue.pop_due(25) == []
    assert len(queue) == 1
    assert queue.next_due() == 30


def test_rescheduling_replaces_the_earlier_due_time() -> None:
    queue = DeadlineQueue()
    queue.schedule("a", 10)
    queue.schedule("a", 50)
    assert queue.next_due() == 50
    assert queue.pop_due(40) == []
    queue.schedule("a", None)
    assert queue.next_due() is None
    assert queue.pop_due(100) == []


def test_many_reschedules_keep_the_heap_bounded_and_correct() -> None:
    rng = random.Random(7)
    queue = DeadlineQueue()
    expected: dict[str, int] = {}
    for _ in range(50_000):
        key = f"p{rng.randrange(1000)}"
        due = rng.randrange(1_000_000)
        queue.schedule(key, due)
        expected[key] = due
    assert len(queue._heap) <= 2 * len(expected) + 1025
    popped = queue.pop_due(10**9)
    assert popped == sorted(expected, key=lambda k: (expected[k], k))
