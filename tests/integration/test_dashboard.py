"""The dashboard in a real headless Chromium, on the whole mesh on the real broker: live
verdicts without reload, health following a breach, the registration form, escaping, and
reconnection after the dashboard restarts. Screenshots of each view go to docs/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from meshgov.broker.local import free_port
from meshgov.client.registration import build_registration, default_submitter, publish
from meshgov.codec import default_codec
from meshgov.kafka.clients import KafkaClients, read_to_end
from meshgov.kafka.topics import REGISTRATIONS, SLA_BREACHES
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.models import ids
from meshgov.models.events import BreachKind, BreachState, Registration, SlaBreach
from meshgov.settings import Settings
from tests.support.descriptors import example_descriptor
from tests.support.kafka import produce

pytestmark = [pytest.mark.kafka, pytest.mark.secured]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCHEMA = {"type": "record", "name": "O", "fields": [{"name": "order_id", "type": "string"}]}


def chromium() -> str:
    found = os.environ.get("MESHGOV_CHROMIUM") or shutil.which("chromium")
    assert found, "Chromium is needed: apt-get install chromium (or set MESHGOV_CHROMIUM)"
    return found


@pytest.fixture(scope="module")
def mesh(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesh]:
    logs = tmp_path_factory.mktemp("mesh-logs")
    settings = Settings(bootstrap=kafka_bootstrap, topic_prefix=f"d{uuid.uuid4().hex[:8]}.")
    options = MeshOptions(settings, free_port(), free_port(), log_dir=logs)
    with LocalMesh(options) as running:
        assert running.wait_ready(240), [
            (c.component.name, c.state, c.log_tail())
            for c in running.supervisor.children  # type: ignore[union-attr]
        ]
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, mesh: LocalMesh) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.goto(mesh.dashboard_url)
    opened.wait_for_selector(".connection.online", timeout=30_000)
    yield opened
    context.close()


def register(mesh: LocalMesh, text: str) -> str:
    assert mesh.settings is not None
    registration = build_registration(text, "ci@orders")
    publish(mesh.settings, registration)
    return registration.product


def verdict_seen(page: Page, product: str, timeout: float = 30.0) -> float:
    """Wait for the product's verdict row in the live stream; the seconds from its decision
    (as the verdict says) to the row being there."""
    row = page.wait_for_selector(f'tr.verdict[data-product="{product}"]', timeout=timeout * 1000)
    seen = time.time()
    assert row is not None
    decided = page.evaluate(
        "(name) => state.stream.find((m) => m.type === 'verdict' && m.data.product === name)"
        ".data.decided_at",
        product,
    )
    return seen - datetime.fromisoformat(decided).timestamp()


def test_the_dashboard_live(page: Page, mesh: LocalMesh) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"dash-orders-{uuid.uuid4().hex[:4]}"

    # A registration made with the CLI appears in the live stream without a reload.
    page.goto(f"{mesh.dashboard_url}#/stream")
    register(mesh, example_descriptor(name=name, topic=f"{name}-events", schema=SCHEMA))
    delay = verdict_seen(page, name)
    assert delay < 2.0, f"the verdict appeared {delay:.2f} s after it was decided"
    page.screenshot(path=str(SCREENSHOTS / "stream.png"))

    # A breach on its topic changes the product's health in the overview.
    page.goto(f"{mesh.dashboard_url}#/overview")
    page.wait_for_selector(f'a.card[data-product="{name}"] [data-health="HEALTHY"]')
    now = datetime.now(UTC)
    breach = SlaBreach(
        breach_id=ids.breach_id(name, "batch", "FRESHNESS", "freshness", now.isoformat()),
        product=name,
        port="batch",
        kind=BreachKind.FRESHNESS,
        state=BreachState.OPEN,
        episode=now.isoformat(),
        rule="freshness",
        expected="the output of the 02:00 run by 04:00",
        observed="no output by the deadline",
        deadline=now,
        owner="orders-team@company.com",
        domain="orders",
        opened_at=now,
        detected_at=now,
    )
    assert mesh.settings is not None
    produce(
        mesh.settings.bootstrap,
        [(mesh.settings.topic(SLA_BREACHES), name.encode(), default_codec().encode(breach))],
    )
    page.wait_for_selector(f'a.card[data-product="{name}"] [data-health="LATE"]', timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"))

    # The registration form yields the verdict, findings and all.
    page.goto(f"{mesh.dashboard_url}#/register")
    rejected = example_descriptor(
        name=name,
        topic=f"{name}-events",
        schema={**SCHEMA, "fields": [*SCHEMA["fields"], {"name": "segment", "type": "string"}]},
        version="1.1.0",
    )
    page.fill("#descriptor-input", rejected)
    page.click("#register-submit")
    page.wait_for_selector("#verdict-decision", timeout=30_000)
    assert page.inner_text("#verdict-decision") == "REJECTED"
    findings = page.inner_text("#register-result")
    assert "READER_FIELD_MISSING_DEFAULT_VALUE /fields/segment" in findings
    page.screenshot(path=str(SCREENSHOTS / "register.png"))

    # A descriptor carrying markup renders as text.
    hostile = f"dash-hostile-{uuid.uuid4().hex[:4]}"
    text = example_descriptor(name=hostile, topic=f"{hostile}-events", schema=SCHEMA).replace(
        'description: "Daily order counts, revenue, and cancellation rates by segment"',
        "description: \"<script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>\"",
    )
    assert "<script>" in text
    register(mesh, text)
    page.goto(f"{mesh.dashboard_url}#/stream")
    verdict_seen(page, hostile)
    page.goto(f"{mesh.dashboard_url}#/product/{hostile}")
    page.wait_for_selector("#descriptor", timeout=15_000)
    assert "<script>window.pwned = 1</script>" in page.inner_text("#descriptor")
    assert page.evaluate("window.pwned") is None
    assert page.query_selector("main script, main img") is None
    page.screenshot(path=str(SCREENSHOTS / "product.png"), full_page=True)

    # The dashboard restarts: the page reconnects by itself and keeps receiving.
    assert mesh.supervisor is not None
    dashboard = mesh.supervisor.child("dashboard")
    assert dashboard.pid is not None
    os.kill(dashboard.pid, signal.SIGKILL)
    page.goto(f"{mesh.dashboard_url}#/stream")
    deadline = time.monotonic() + 60
    while not (dashboard.starts >= 2 and dashboard.state.value == "ready"):
        assert time.monotonic() < deadline, dashboard.log_tail()
        mesh.step()
        time.sleep(0.2)
    page.wait_for_selector(".connection.online", timeout=30_000)
    after = f"dash-after-{uuid.uuid4().hex[:4]}"
    register(mesh, example_descriptor(name=after, topic=f"{after}-events", schema=SCHEMA))
    verdict_seen(page, after)


def ask(
    url: str, method: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_dashboard_takes_writes_only_from_itself(mesh: LocalMesh) -> None:
    """What a page on another site (or a rebound DNS name) can send is refused; the
    dashboard's own JSON request registers, as the local user."""
    url = f"{mesh.dashboard_url}api/register"
    name = f"dash-json-{uuid.uuid4().hex[:4]}"
    descriptor = example_descriptor(name=name, topic=f"{name}-events", schema=SCHEMA)
    as_json = json.dumps({"descriptor": descriptor}).encode()

    # An HTML form can post text/plain or form encoding without a preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        status, _, _ = ask(url, "POST", descriptor.encode(), **{"Content-Type": content_type})
        assert status == 415
    status, _, body = ask(
        url,
        "POST",
        as_json,
        **{"Content-Type": "application/json", "Origin": "https://evil.example"},
    )
    assert status == 403, body
    port = mesh.dashboard_url.rstrip("/").rsplit(":", 1)[1]
    status, _, _ = ask(f"{mesh.dashboard_url}api/state", "GET", Host=f"rebound.example:{port}")
    assert status == 421
    status, headers, _ = ask(url, "OPTIONS", Origin="https://evil.example")
    assert status == 204
    assert not any(k.lower().startswith("access-control-") for k in headers)

    status, _, body = ask(
        url,
        "POST",
        as_json,
        **{"Content-Type": "application/json", "Origin": mesh.dashboard_url.rstrip("/")},
    )
    assert status == 202, body
    registration_id = json.loads(body)["registration_id"]
    assert mesh.settings is not None
    for message in read_to_end(KafkaClients(mesh.settings), mesh.settings.topic(REGISTRATIONS)):
        registration = (
            KafkaClients(mesh.settings).codec().decode(message.value() or b"", Registration)
        )
        if registration.registration_id == registration_id:
            assert registration.submitted_by == default_submitter()
            break
    else:
        pytest.fail("the registration is not on mesh.registrations")
