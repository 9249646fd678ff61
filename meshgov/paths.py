"""Where meshgov keeps its data and its download cache on this machine."""

import os
from pathlib import Path


def data_home() -> Path:
    """Persistent data (the local broker's log directories): $MESHGOV_HOME or XDG data."""
    if home := os.environ.get("MESHGOV_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "meshgov"


def cache_home() -> Path:
    """Re-creatable downloads (Kafka's jars): $MESHGOV_CACHE or XDG cache."""
    if cache := os.environ.get("MESHGOV_CACHE"):
        return Path(cache)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "meshgov"
