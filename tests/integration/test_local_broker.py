"""The jar-based local broker itself: lifecycle, persistence across restarts and crashes.

These start their own brokers in throw-away directories, whatever cluster the session uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from meshgov.broker import BrokerError, LocalBroker
from meshgov.broker.local import free_port
from meshgov.settings import Settings
from tests.support.kafka import consume, create_topic, group_consumer, produce

pytestmark = pytest.mark.kafka


@pytest.fixture
def node(tmp_path: Path) -> LocalBroker:
    broker = LocalBroker(tmp_path / "kafka", Settings.load().cache, free_port(), free_port())
    yield broker
    broker.stop()


def _records(count: int) -> list[tuple[str, bytes, bytes]]:
    return [("persisted", f"k{i % 7}".encode(), f"value-{i}".encode()) for i in range(count)]


def test_data_and_committed_offsets_survive_a_stop_and_start(node: LocalBroker) -> None:
    node.start()
    create_topic(node.bootstrap, "persisted", partitions=3)
    produce(node.bootstrap, _records(200))
    reader = group_consumer(node.bootstrap, "restart-group", ["persisted"])
    first_half = consume(reader, 120)
    reader.close()
    assert len(first_half) == 120

    assert node.stop() is True
    assert node.status().running is False
    node.start()

    reader = group_consumer(node.bootstrap, "restart-group", ["persisted"])
    rest = consume(reader, 80)
    assert reader.poll(1.0) is None
    reader.close()
    values = sorted(m.value() for m in first_half + rest)
    assert values == sorted(v for _, _, v in _records(200))


def test_acknowledged_writes_survive_a_killed_broker(node: LocalBroker) -> None:
    node.start()
    create_topic(node.bootstrap, "persisted")
    produce(node.bootstrap, _records(50))
    node.kill()
    assert node.status().running is False
    node.start()
    reader = group_consumer(node.bootstrap, "after-crash", ["persisted"])
    messages = consume(reader, 50)
    reader.close()
    assert [m.value() for m in messages] == [v for _, _, v in _records(50)]


def test_starting_a_running_broker_keeps_it(node: LocalBroker) -> None:
    first = node.start()
    again = node.start()
    assert again.pid == first.pid
    status = node.status()
    assert (status.running, status.bootstrap) == (True, node.bootstrap)


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        broker = LocalBroker(tmp_path / "kafka", Settings.load().cache, taken, free_port())
        with pytest.raises(BrokerError, match=f"port {taken} on 127.0.0.1 is in use"):
            broker.start()
    assert broker.status().running is False


def _meshgov(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meshgov", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        check=False,
    )


def test_the_broker_commands_start_report_and_stop(tmp_path: Path) -> None:
    data = str(tmp_path / "kafka")
    port, controller = free_port(), free_port()
    started = _meshgov(
        "broker",
        "start",
        "--data-dir",
        data,
        "--port",
        str(port),
        "--controller-port",
        str(controller),
    )
    try:
        assert started.returncode == 0, started.stderr
        assert f"bootstrap servers: 127.0.0.1:{port}" in started.stdout
        status = _meshgov("broker", "status", "--data-dir", data)
        assert status.returncode == 0
        assert status.stdout.startswith("running (pid ")
        assert f"127.0.0.1:{port}" in status.stdout
    finally:
        stopped = _meshgov("broker", "stop", "--data-dir", data)
    assert stopped.returncode == 0
    assert "broker stopped" in stopped.stdout
    after = _meshgov("broker", "status", "--data-dir", data)
    assert after.returncode == 1
    assert "not running" in after.stdout


def test_without_java_the_command_says_what_to_install(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java, no mvn
    result = _meshgov("broker", "start", "--data-dir", str(tmp_path / "k"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: The local Kafka broker needs Java 17 or newer and none was found: install a JDK "
        "(e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME."
    ]


def test_without_maven_the_first_start_says_what_to_install(tmp_path: Path) -> None:
    java = Path(os.path.realpath(subprocess.check_output(["which", "java"], text=True).strip()))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(java)
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env.update(PATH=str(bin_dir), MESHGOV_CACHE=str(tmp_path / "empty-cache"))
    result = _meshgov("broker", "start", "--data-dir", str(tmp_path / "k"), env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "needs Maven, which was not found: install it (e.g. `apt-get install maven`)" in (
        result.stderr
    )
