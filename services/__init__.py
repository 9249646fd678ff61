"""meshgov's stream processors: one module per processor, each a faust-streaming app that
wires pure checks from `meshgov` to the mesh.* topics."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from meshgov.settings import Settings

PROCESSORS = ("compatibility", "pii", "policy", "verdicts", "catalog")


def load(name: str) -> Callable[[Settings], Any]:
    """The `build(settings) -> faust.App` function of processor `name`."""
    if name not in PROCESSORS:
        raise KeyError(f"no processor named {name!r} (known: {', '.join(PROCESSORS)})")
    builder: Callable[[Settings], Any] = import_module(f"services.{name}").build
    return builder
