"""`meshgov up` on the real broker: a processor killed is restarted and no verdict is lost;
stopped and started again, the mesh keeps its catalog and its history; the broker killed,
the mesh lives on, and every processor still stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meshgov.broker.local import LocalBroker, free_port
from meshgov.catalog.reader import read_catalog
from meshgov.client.registration import build_registration, publish, register_data_product
from meshgov.models.events import Decision
from meshgov.processors.runtime import STOP_GRACE
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.processes import ProcessorProcess

pytestmark = pytest.mark.kafka

SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


class Up:
    def __init__(self, bootstrap: str, prefix: str, home: Path) -> None:
        self.bootstrap, self.prefix, self.home = bootstrap, prefix, home
        self.output = home / "up.out"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meshgov",
                "up",
                "--bootstrap-servers",
                self.bootstrap,
                "--topic-prefix",
                self.prefix,
                "--catalog-port",
                str(free_port()),
            ],
            stdout=self.output.open("ab"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "MESHGOV_HOME": str(self.home), "PYTHONUNBUFFERED": "1"},
        )

    def state(self) -> dict[str, Any]:
        try:
            return json.loads((self.home / "up.json").read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def wait_ready(self, timeout: float = 240.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            components = state.get("components", {})
            if (
                state.get("pid") == (self.process.pid if self.process else None)
                and components
                and all(c["state"] in ("ready", "lagging") for c in components.values())
            ):
                return state
            time.sleep(0.5)
        raise AssertionError(f"not ready: {self.state()}\n{self.text()[-4000:]}")

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(90)
        self.process = None
        return code


@pytest.fixture
def up(kafka_bootstrap: str, unique: str, tmp_path: Path) -> Iterator[Up]:
    mesh = Up(kafka_bootstrap, f"u{unique}.", tmp_path / "home")
    yield mesh
    if mesh.process is not None:
        mesh.process.kill()
        mesh.process.wait()


def product(index: int) -> str:
    return example_descriptor(name=f"up-product-{index}", topic=f"up-events-{index}", schema=SCHEMA)


def mesh_settings(up: Up, state: dict[str, Any]) -> Settings:
    """What a client of this mesh configures: its Kafka and the registry `up` started."""
    assert state["schema_registry_url"], "meshgov up started no Schema Registry"
    return Settings(
        bootstrap=up.bootstrap,
        topic_prefix=up.prefix,
        schema_registry_url=state["schema_registry_url"],
    )


def subject_versions(settings: Settings, topic: str) -> list[int]:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    registry = SchemaRegistryClient({"url": settings.schema_registry_url})
    return [int(v) for v in registry.get_versions(f"{topic}-value")]


def test_up_restarts_a_killed_processor_and_keeps_state_across_restarts(up: Up) -> None:
    up.start()
    state = up.wait_ready()
    settings = mesh_settings(up, state)
    assert "subjects" in state["components"]
    first = register_data_product(product(0), settings, timeout=60)
    assert first.decision is Decision.ACCEPTED

    # A crash of the verdicts processor: the others keep running, it is restarted, and the
    # registrations sent meanwhile all get their verdict.
    os.kill(state["components"]["verdicts"]["pid"], signal.SIGKILL)
    pending = [build_registration(product(i)) for i in range(1, 4)]
    for registration in pending:
        publish(settings, registration)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if up.state()["components"]["verdicts"]["starts"] >= 2:
            break
        time.sleep(0.5)
    assert "verdicts: exited with -9" in up.text()
    others = {n: c["starts"] for n, c in up.state()["components"].items() if n != "verdicts"}
    assert set(others.values()) == {1}
    up.wait_ready()
    entries = wait_for_catalog(settings, {f"up-product-{i}" for i in range(4)})
    assert all(entries[f"up-product-{i}"].current_version == "1.0.0" for i in range(4))

    # Stop (Ctrl-C) and start again: catalog and accepted history are still there.
    assert up.stop() == 0
    assert "stopped." in up.text()
    up.start()
    settings = mesh_settings(up, up.wait_ready())
    wait_for_catalog(settings, {f"up-product-{i}" for i in range(4)})
    # The registry kept its schemas in Kafka: the governed subject is still there.
    assert subject_versions(settings, "up-events-0") == [1]
    breaking = {**SCHEMA, "fields": [*SCHEMA["fields"], {"name": "segment", "type": "string"}]}
    change = example_descriptor(
        name="up-product-0", topic="up-events-0", schema=breaking, version="1.1.0"
    )
    verdict = register_data_product(change, settings, timeout=60)
    assert verdict.decision is Decision.REJECTED
    codes = {f.code for check in verdict.checks for f in check.findings}
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in codes  # judged against the kept history
    assert up.stop() == 0


def wait_for_catalog(settings: Settings, names: set[str], timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        view = read_catalog(settings)
        entries = {name: entry for name in names if (entry := view.get(name)) is not None}
        if names <= set(entries) or time.monotonic() > deadline:
            assert names <= set(entries), sorted(entries)
            return entries
        time.sleep(1)


def test_the_mesh_survives_its_broker_killed_and_restarted(unique: str, tmp_path: Path) -> None:
    """The broker is SIGKILLed under `meshgov up` and started again on the same data: the
    supervisor and every processor keep running, nothing is restarted, and registrations
    sent before and after all get their verdicts."""
    broker = LocalBroker(
        tmp_path / "kafka", Settings.load().cache, port=free_port(), controller_port=free_port()
    )
    broker.start()
    mesh = Up(broker.bootstrap, f"b{unique}.", tmp_path / "home")
    try:
        mesh.start()
        before = mesh.wait_ready()
        settings = mesh_settings(mesh, before)
        first = register_data_product(product(1), settings, timeout=90)
        assert first.decision is Decision.ACCEPTED

        broker.kill()
        time.sleep(10)  # down long enough for every client to notice
        began = time.monotonic()
        broker.start()
        restarted_in = time.monotonic() - began
        second = register_data_product(product(2), settings, timeout=120)
        assert second.decision is Decision.ACCEPTED
        after = mesh.state()
        assert mesh.process is not None
        assert mesh.process.poll() is None, mesh.text()[-3000:]
        assert {n: c["pid"] for n, c in after["components"].items()} == {
            n: c["pid"] for n, c in before["components"].items()
        }, mesh.text()[-3000:]
        assert all(c["starts"] == 1 for c in after["components"].values())
        assert restarted_in < 30, f"the broker took {restarted_in:.1f} s to start again"
        assert mesh.stop() == 0
    finally:
        if mesh.process is not None:
            mesh.process.kill()
            mesh.process.wait()
        broker.stop()


def test_every_processor_stops_on_sigterm_with_its_broker_gone(unique: str, tmp_path: Path) -> None:
    """With the broker killed under them, processors (a stream with a ticker and a
    streaming-port reader, and plain ones) still end on SIGTERM by themselves, within the
    stream's stop grace plus their threads' joins, never waiting for a SIGKILL."""
    broker = LocalBroker(
        tmp_path / "kafka", Settings.load().cache, port=free_port(), controller_port=free_port()
    )
    broker.start()
    settings = Settings(bootstrap=broker.bootstrap, topic_prefix=f"g{unique}.")
    names = ("freshness", "quality", "verdicts")
    processes = [ProcessorProcess(name, settings, tmp_path / name) for name in names]
    try:
        for process in processes:
            process.log_path.parent.mkdir(parents=True)
            process.start()
        for process in processes:
            process.wait_ready()
        broker.kill()
        time.sleep(8)  # long enough for every client to see the broker gone
        for process in processes:
            assert process.process is not None
            process.process.send_signal(signal.SIGTERM)
        for process in processes:
            assert process.process is not None
            try:
                code = process.process.wait(STOP_GRACE + 25)
            except subprocess.TimeoutExpired:
                pytest.fail(f"{process.name} ignored SIGTERM:\n{process.log_tail(40)}")
            assert code >= 0, f"{process.name} ended by signal {-code}"
    finally:
        for process in processes:
            process.kill()
        broker.stop()
