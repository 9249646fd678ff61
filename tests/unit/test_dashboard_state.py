from __future__ import annotations

import threading

from meshgov.dashboard.hub import Hub
from meshgov.dashboard.state import MeshState
from meshgov.models.events import BreachState, CatalogEntry, SlaBreach, Verdict
from tests.support.events import sample_events


def events_of(kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in sample_events() if isinstance(e, kind)]


def test_a_slow_subscriber_loses_its_oldest_events_and_is_told_how_many() -> None:
    hub = Hub(capacity=3)
    slow, fast = hub.subscribe(), hub.subscribe()
    for index in range(5):
        hub.publish(f"m{index}")
        if index < 2:
            assert fast.take(timeout=0)[0] == [f"m{index}"]
    assert slow.take(timeout=0) == (["m2", "m3", "m4"], 2)
    assert slow.take(timeout=0) == ([], 0)
    assert fast.take(timeout=0) == (["m2", "m3", "m4"], 0)


def test_publishing_never_waits_for_a_subscriber() -> None:
    hub = Hub(capacity=10)
    hub.subscribe()  # never reads
    done = threading.Event()

    def publish_many() -> None:
        for index in range(10_000):
            hub.publish(str(index))
        done.set()

    threading.Thread(target=publish_many).start()
    assert done.wait(5)


def test_a_waiting_subscriber_wakes_on_publish() -> None:
    hub = Hub()
    subscriber = hub.subscribe()
    threading.Timer(0.1, hub.publish, args=("hello",)).start()
    assert subscriber.take(timeout=5) == (["hello"], 0)
    hub.unsubscribe(subscriber)
    assert len(hub) == 0


def test_events_become_stream_messages_once_and_build_the_product_history() -> None:
    state = MeshState()
    [verdict] = events_of(Verdict)
    [breach] = events_of(SlaBreach)
    [entry] = events_of(CatalogEntry)
    message = state.apply(verdict)
    assert message is not None
    assert message["type"] == "verdict"
    assert message["data"]["verdict_id"] == verdict.verdict_id
    assert state.apply(verdict) is None  # re-emitted after a restart: same id, shown once
    assert state.apply(breach.model_copy(update={"state": BreachState.OPEN})) is not None
    assert state.apply(breach.model_copy(update={"state": BreachState.RESOLVED})) is not None
    catalog = state.apply(entry)
    assert catalog is not None
    assert catalog["type"] == "catalog"
    assert catalog["data"]["health"] == entry.health.value
    assert [row["product"] for row in state.overview()] == [entry.product]
    product = state.product(entry.product)
    assert product is not None
    assert [v["verdict_id"] for v in product["verdicts"]] == [verdict.verdict_id]
    assert [b["state"] for b in product["breaches"]] == ["OPEN", "RESOLVED"]
    assert state.product("unknown") is None
    assert len(state.recent) == 3
