"""`meshgov demo --secure` on the secured local broker: every component, team and reader as
its own principal under least-privilege ACLs, checked while the demo plays, all gone when it
ends. In a module of its own, so that no other secured mesh loads the machine meanwhile: the
demo's deadlines are seconds apart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import KafkaException

from meshgov.broker.accounts import user_name
from meshgov.broker.local import free_port
from meshgov.cli.demo import demo_principals
from meshgov.kafka.acls import AclAdmin, desired_acls, managed_principals
from meshgov.kafka.clients import DeliveryError, EventPublisher, KafkaClients
from meshgov.kafka.topics import VERDICTS
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.mesh import accepted, registration

pytestmark = pytest.mark.kafka


def test_the_demo_runs_on_the_secured_broker_each_client_as_its_own_principal(
    tmp_path: Path,
) -> None:
    """`meshgov demo --secure`: on the secured local broker (already running here, so it
    stays up to be examined), with the local registry keeping its schemas in that Kafka as
    its own principal; every component, team and reader with its own SCRAM user and only
    the ACLs derived for it, checked while the demo plays; all of them gone when it ends."""
    home = tmp_path / "home"
    env = {**os.environ, "MESHGOV_HOME": str(home)}
    env.pop("MESHGOV_CLIENT_CONFIG", None)
    meshgov = [sys.executable, "-m", "meshgov"]
    port, controller = free_port(), free_port()
    started = subprocess.run(
        [
            *meshgov,
            *("broker", "start", "--secure"),
            *("--port", str(port), "--controller-port", str(controller)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    security = home / "kafka-secure" / "security"
    admin_file = security / "client.properties"
    summary = tmp_path / "summary.json"
    output = tmp_path / "demo.out"
    try:
        with output.open("w") as sink:
            demo = subprocess.Popen(
                [*meshgov, "demo", "--secure", "--summary-json", str(summary)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
            )
        try:
            deadline = time.monotonic() + 240
            while "connects as its own principal" not in output.read_text():
                assert demo.poll() is None, output.read_text()[-3000:]
                assert time.monotonic() < deadline, output.read_text()[-3000:]
                time.sleep(0.5)
            [prefix] = re.findall(r"topics (\S+)\*", output.read_text())
            admin = Settings(
                bootstrap=f"127.0.0.1:{port}", topic_prefix=prefix, client_config=admin_file
            )
            principals = demo_principals(prefix)
            names = {path.stem for path in (security / "users").glob("*.properties")}
            wanted = {user_name(p) for p in managed_principals(admin, principals)}
            assert wanted <= names
            assert f"{prefix}meshgov-registry" in names
            # The cluster's ACLs of the demo's principals are exactly those derived for them.
            on_cluster = {
                a
                for a in AclAdmin(KafkaClients(admin).admin()).current()
                if a.principal in {f"User:{u}" for u in wanted}
            }
            assert on_cluster == desired_acls(admin, principals)

            # A team holds only what its ACLs give it: no verdicts, no other team's topic.
            orders = Settings(
                client_config=security / "users" / f"{prefix}team-orders.properties",
                topic_prefix=prefix,
            )
            forged = accepted(
                registration(example_descriptor(name="orders-events"), "orders-events")
            )
            with pytest.raises((DeliveryError, KafkaException), match=r"(?i)authoriz"):
                EventPublisher(KafkaClients(orders)).publish(VERDICTS, forged)
            publisher = EventPublisher(KafkaClients(orders))
            publisher.send_raw(f"{prefix}support-tickets", None, b"not the orders team's topic")
            with pytest.raises((DeliveryError, KafkaException), match=r"(?i)authoriz"):
                publisher.flush()

            assert demo.wait(420) == 0, output.read_text()[-3000:]
        finally:
            if demo.poll() is None:
                demo.kill()
        text = output.read_text()
        assert "(local Apicurio Registry, schemas in Kafka)" in text
        result = json.loads(summary.read_text())
        assert result["breaches"] == {"opened": 4, "resolved": 2, "open": 2}
        # Its principals left with it: no ACLs, credentials or files of theirs remain.
        left = {a.principal for a in AclAdmin(KafkaClients(admin).admin()).current()}
        assert not left & {f"User:{u}" for u in wanted}
        assert not {p.stem for p in (security / "users").glob("*.properties")} & wanted
        client = KafkaClients(admin).admin()  # kept: a destroyed client fails its futures
        credentials = client.describe_user_scram_credentials().result()
        assert not set(credentials) & wanted
        assert "meshgov-admin" in credentials
    finally:
        subprocess.run([*meshgov, "broker", "stop", "--secure"], env=env, timeout=120)
