"""Where breaches and notices go: the policy file's `alerts` section.

    alerts:
      receivers:
        orders-oncall: {pagerduty: {routing_key_env: ORDERS_PD_KEY}}
        orders-chat: {slack: {url_env: ORDERS_SLACK_WEBHOOK}}
        audit: {webhook: {url: "https://audit.company.internal/meshgov"}}
      routes:
        - {domains: [orders], receivers: [orders-oncall, orders-chat]}
        - {receivers: [audit]}               # no match: every notification
      give_up_after_seconds: 300

A route matches a notification by the product it is for (glob patterns of domains,
products and breach kinds; absent means any); every matching route's receivers get it,
each once. A consumer of a product (a product with it upstream) is notified through the
routes of its own domain and product."""

from __future__ import annotations

import fnmatch
import os
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _from_env(value: str | None, env: str | None, what: str) -> str:
    if value:
        return value
    if env and os.environ.get(env):
        return os.environ[env]
    raise ValueError(f"{what}: set it, or the environment variable {env}" if env else what)


class Webhook(_Model):
    url: str | None = None
    url_env: str | None = None  # the URL from this environment variable (it holds a secret)
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _some_url(self) -> Self:
        if not self.url and not self.url_env:
            raise ValueError("a webhook needs url or url_env")
        return self

    def resolved_url(self) -> str:
        return _from_env(self.url, self.url_env, "the webhook's url")


class PagerDuty(_Model):
    routing_key: str | None = None
    routing_key_env: str | None = None
    url: str = "https://events.pagerduty.com/v2/enqueue"

    @model_validator(mode="after")
    def _some_key(self) -> Self:
        if not self.routing_key and not self.routing_key_env:
            raise ValueError("pagerduty needs routing_key or routing_key_env")
        return self

    def resolved_key(self) -> str:
        return _from_env(self.routing_key, self.routing_key_env, "the PagerDuty routing key")


class Receiver(_Model):
    """Exactly one of: a generic JSON webhook, a Slack-compatible webhook, PagerDuty."""

    webhook: Webhook | None = None
    slack: Webhook | None = None
    pagerduty: PagerDuty | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [k for k in ("webhook", "slack", "pagerduty") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a receiver is one of webhook, slack, pagerduty; got {given or 'none'}"
            )
        return self


class Route(_Model):
    domains: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    kinds: list[str] = Field(default_factory=list)  # breach kinds; SCHEDULED_CHANGE for notices
    receivers: list[str] = Field(min_length=1)

    def matches(self, domain: str, product: str, kind: str) -> bool:
        return all(
            not patterns or any(fnmatch.fnmatchcase(value, p) for p in patterns)
            for patterns, value in (
                (self.domains, domain),
                (self.products, product),
                (self.kinds, kind),
            )
        )


class AlertRouting(_Model):
    receivers: dict[str, Receiver] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    notify_consumers: bool = True  # downstream products' owners hear of their upstreams
    give_up_after_seconds: float = Field(300.0, gt=0)
    max_age_seconds: float = Field(86_400.0, gt=0)  # older events are not sent at all

    @model_validator(mode="after")
    def _known_receivers(self) -> Self:
        for index, route in enumerate(self.routes):
            unknown = [r for r in route.receivers if r not in self.receivers]
            if unknown:
                raise ValueError(f"routes[{index}] names unknown receivers {unknown}")
        return self

    def receivers_for(self, domain: str, product: str, kind: str) -> list[str]:
        """Every receiver of the matching routes, each once, in the order routes name them."""
        found: list[str] = []
        for route in self.routes:
            if route.matches(domain, product, kind):
                found += [r for r in route.receivers if r not in found]
        return found
