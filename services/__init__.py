"""meshgov's stream processors: one module per processor, each a faust-streaming app that
wires pure checks from `meshgov` to the mesh.* topics."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from meshgov.kafka.topics import DAY_MS, TopicSpec
from meshgov.settings import Settings

INTERNAL_CONFIGS = {"cleanup.policy": "delete", "retention.ms": str(DAY_MS)}

PROCESSORS = ("compatibility", "pii", "policy", "freshness", "quality", "verdicts", "catalog")


def load(name: str) -> Callable[[Settings], Any]:
    """The `build(settings) -> faust.App` function of processor `name`."""
    builder: Callable[[Settings], Any] = _module(name).build
    return builder


def internal_topics(name: str, settings: Settings) -> list[TopicSpec]:
    """The topics processor `name` keeps to itself, to create before it starts."""
    names: tuple[str, ...] = getattr(_module(name), "INTERNAL_TOPICS", ())
    return [TopicSpec(settings.topic(n), "internal", dict(INTERNAL_CONFIGS)) for n in names]


def changelog_topics(app: Any) -> list[TopicSpec]:
    """The compacted changelog topics of an app's tables. Created before the app starts:
    faust creates them itself, but an agent can run first and crash on a changelog it
    does not see yet (PartitionsMismatch: "has 0 partitions")."""
    return [
        TopicSpec(
            table.changelog_topic.get_topic_name(), "changelog", {"cleanup.policy": "compact"}
        )
        for table in app.tables.values()
    ]


def _module(name: str) -> Any:
    if name not in PROCESSORS:
        raise KeyError(f"no processor named {name!r} (known: {', '.join(PROCESSORS)})")
    return import_module(f"services.{name}")
