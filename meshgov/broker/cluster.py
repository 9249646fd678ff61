"""Several KRaft nodes on loopback, each broker and controller, one controller quorum: what
fault tests need (kill one of three with acks=all and min.insync.replicas=2, and nothing
acknowledged is lost). Node i keeps its data in `data_dir/node-i`; the layout (cluster id,
ports) is written once to `data_dir/cluster.json`, so a restart finds the same cluster."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from meshgov.broker.errors import BrokerError
from meshgov.broker.local import BrokerStatus, LocalBroker, Quorum, new_cluster_id


class LocalCluster:
    def __init__(
        self,
        data_dir: Path,
        cache_dir: Path,
        ports: list[tuple[int, int]] | None = None,
        heap: str = "384m",
        java_home: Path | None = None,
    ) -> None:
        """`ports`: (client, controller) port of each node; needed on first start only."""
        self.data_dir = data_dir
        layout = self._layout(ports)
        quorum = Quorum(layout["cluster_id"], tuple(c for _, c in layout["ports"]))
        self.nodes = [
            LocalBroker(
                data_dir / f"node-{index}",
                cache_dir,
                client,
                controller,
                heap=heap,
                java_home=java_home,
                node_id=index,
                quorum=quorum,
            )
            for index, (client, controller) in enumerate(layout["ports"], 1)
        ]

    def _layout(self, ports: list[tuple[int, int]] | None) -> dict[str, Any]:
        path = self.data_dir / "cluster.json"
        if path.exists():
            layout: dict[str, Any] = json.loads(path.read_text())
            layout["ports"] = [(int(c), int(k)) for c, k in layout["ports"]]
            return layout
        if not ports or len(ports) < 2:
            raise BrokerError("a new cluster needs the ports of two nodes or more")
        layout = {"cluster_id": new_cluster_id(), "ports": list(ports)}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(layout) + "\n")
        return layout

    @classmethod
    def exists(cls, data_dir: Path) -> bool:
        return (data_dir / "cluster.json").exists()

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    def status(self) -> list[BrokerStatus]:
        return [node.status() for node in self.nodes]

    def start(self, timeout: float = 120.0) -> list[BrokerStatus]:
        """Start every node that is not running, then wait until all answer."""
        for node in self.nodes:
            if not node.status().running:
                node.launch()
        return [node.wait_ready(timeout) for node in self.nodes]

    def stop(self, timeout: float = 60.0) -> bool:
        """All nodes at once: stopped one by one, the last ones would wait out `timeout`
        for a quorum that has already gone."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            stopped = list(pool.map(lambda node: node.stop(timeout), self.nodes))
        return any(stopped)
