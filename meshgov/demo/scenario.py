"""The demo's story: fifteen domain teams, their products and what happens to them.

Pure data: descriptors as the teams would write them, with schedules compressed to seconds
(a batch port refreshed every ten seconds, due four seconds after each run), and what the
mesh is expected to decide, so a test can hold the demo to it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

CRON = "* * * * * */10"  # every ten seconds
WITHIN = "within 4 seconds of the scheduled run"


def _record(name: str, *fields: tuple[str, Any]) -> dict[str, Any]:
    return {
        "type": "record",
        "name": name,
        "namespace": "com.company.mesh",
        "fields": [{"name": n, "type": t} for n, t in fields],
    }


ORDER = _record(
    "Order",
    ("order_id", "string"),
    ("customer_id", "string"),
    ("amount", "double"),
    ("currency", "string"),
)
ORDER_WITH_SEGMENT = {
    **ORDER,
    "fields": [*ORDER["fields"], {"name": "segment", "type": "string"}],  # no default
}
PAYMENT = _record("Payment", ("payment_id", "string"), ("order_id", "string"), ("amount", "double"))
PROFILE = _record("Profile", ("user_id", "string"), ("email", "string"), ("country", "string"))
STOCK = _record("Stock", ("sku", "string"), ("warehouse", "string"), ("on_hand", "long"))
STOCK_V2 = {**STOCK, "fields": [*STOCK["fields"], {"name": "reserved", "type": "long"}]}
SHIPMENT = _record(
    "Shipment", ("shipment_id", "string"), ("order_id", "string"), ("carrier", "string")
)
TICKET = _record("Ticket", ("ticket_id", "string"), ("customer_note", "string"))
REVENUE = _record("Revenue", ("day", "string"), ("segment", "string"), ("revenue", "double"))
LEADS = _record("Lead", ("lead_id", "string"), ("email", "string"))
GENERIC = _record("Fact", ("id", "string"), ("value", "double"))


@dataclass(frozen=True)
class Product:
    name: str
    team: str  # the domain
    description: str
    schema: dict[str, Any]
    streaming: bool = True
    inputs: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)  # path -> classification YAML
    freshness: str | None = None
    quality: tuple[str, ...] = ()
    version: str = "1.0.0"
    effective_date: str | None = None
    owner: str | None = None  # default: the team's address

    def owner_address(self) -> str:
        return self.owner or f"{self.team}-team@company.com"

    def descriptor(self, topic_prefix: str) -> str:
        lines = [
            "data_product:",
            f'  name: "{self.name}"',
            f'  owner: "{self.owner_address()}"',
            f'  domain: "{self.team}"',
            f'  version: "{self.version}"',
            f'  description: "{self.description}"',
        ]
        if self.effective_date:
            lines.append(f"  effective_date: {self.effective_date}")
        if self.inputs:
            lines.append("  input_ports:")
            lines += [f"    - product: {name}" for name in self.inputs]
        lines.append("  output_ports:")
        if self.streaming:
            lines += [
                "    - name: stream",
                "      type: streaming",
                "      format: Avro",
                f'      location: "kafka://{topic_prefix}{self.name}"',
            ]
        else:
            lines += [
                "    - name: daily",
                "      type: batch",
                "      format: Parquet",
                f'      location: "s3://data-mesh/{self.team}/{self.name}/"',
                f'      refresh: "{CRON}"',
            ]
        lines.append(f"      schema: {json.dumps(json.dumps(self.schema))}")
        if self.fields:
            lines.append("      fields:")
            lines += [f"        {path}: {value}" for path, value in self.fields.items()]
        lines += ["  sla:", '    schema_stability: "Backward compatible, 30-day notice"']
        if self.freshness:
            lines.append(f'    freshness: "{self.freshness}"')
        if self.quality:
            lines.append("  quality:")
            lines += [
                f"    - {rule}" if rule.startswith("{") else f"    - metric: {rule}"
                for rule in self.quality
            ]
        return "\n".join(lines) + "\n"

    @property
    def topic(self) -> str:
        return self.name


HASHED_EMAIL = "{pii: EMAIL, protection: hashed}"

PRODUCTS: tuple[Product, ...] = (
    Product("orders-events", "orders", "Every order placed, as it happens", ORDER),
    Product(
        "payments-settled",
        "payments",
        "Settled payments per scheduled run",
        PAYMENT,
        streaming=False,
        inputs=("orders-events",),
        freshness=WITHIN,
        quality=("{metric: row_count_vs_source, threshold: 99.9%}", "no_nulls_in_order_id"),
    ),
    Product("users-profile", "users", "Customer profiles", PROFILE, fields={"email": HASHED_EMAIL}),
    Product(
        "inventory-levels",
        "inventory",
        "Stock on hand per warehouse, every run",
        STOCK,
        streaming=False,
        freshness=WITHIN,
    ),
    Product("shipments", "shipping", "Shipments and carriers", SHIPMENT, inputs=("orders-events",)),
    Product(
        "campaign-audience",
        "marketing",
        "Who each campaign reaches",
        PROFILE,
        inputs=("users-profile",),
        fields={"email": HASHED_EMAIL},
    ),
    Product(
        "revenue-daily",
        "finance",
        "Revenue by segment, every run",
        REVENUE,
        streaming=False,
        inputs=("payments-settled", "orders-events"),
        freshness=WITHIN,
    ),
    Product("support-tickets", "support", "Customer support tickets", TICKET),
    Product("product-catalog", "merchandising", "Sellable products", GENERIC),
    Product("price-changes", "pricing", "Price changes", GENERIC, inputs=("product-catalog",)),
    Product("product-reviews", "reviews", "Customer reviews", GENERIC, inputs=("orders-events",)),
    Product("search-sessions", "search", "Search sessions", GENERIC),
    Product("delivery-routes", "logistics", "Planned routes", GENERIC, inputs=("shipments",)),
    Product(
        "fraud-scores", "fraud", "Fraud score per payment", GENERIC, inputs=("payments-settled",)
    ),
    Product(
        "customer-360",
        "analytics",
        "Joined view of customers",
        GENERIC,
        inputs=("users-profile", "orders-events", "support-tickets"),
    ),
)


def _by_name(name: str) -> Product:
    return next(p for p in PRODUCTS if p.name == name)


def rejected_and_scheduled(now: datetime) -> tuple[Product, ...]:
    """The registrations that do not simply pass, after the fifteen are accepted."""
    notice = (now + timedelta(days=31)).date().isoformat()
    orders, stock = _by_name("orders-events"), _by_name("inventory-levels")
    return (
        # A new required field in a minor version: old orders cannot be read with it.
        Product(orders.name, orders.team, orders.description, ORDER_WITH_SEGMENT, version="1.1.0"),
        # An email column nobody protects.
        Product(
            "marketing-leads",
            "marketing",
            "Leads from the newsletter",
            LEADS,
            fields={"email": "{pii: EMAIL, protection: none}"},
        ),
        # Another team publishing under the payments team's product.
        Product(
            "payments-settled",
            "analytics",
            "A copy of settled payments",
            PAYMENT,
            streaming=False,
            freshness=WITHIN,
            owner="analytics-team@company.com",
        ),
        # A breaking change announced with 31 days' notice: scheduled, not rejected.
        Product(
            stock.name,
            stock.team,
            stock.description,
            STOCK_V2,
            streaming=False,
            freshness=WITHIN,
            version="2.0.0",
            effective_date=notice,
        ),
    )


@dataclass(frozen=True)
class Expected:
    """What the mesh must decide and report, each exactly once."""

    decisions: dict[tuple[str, str, str], str]  # (product, version, domain) -> decision
    rejection_codes: dict[tuple[str, str, str], str]  # (product, version, domain) -> a code
    breaches: dict[tuple[str, str, str], tuple[str, ...]]  # (product, kind, rule) -> states


def expected() -> Expected:
    decisions = {(p.name, p.version, p.team): "ACCEPTED" for p in PRODUCTS}
    rejections = {
        ("orders-events", "1.1.0", "orders"): "READER_FIELD_MISSING_DEFAULT_VALUE",
        ("marketing-leads", "1.0.0", "marketing"): "PII_UNPROTECTED",
        ("payments-settled", "1.0.0", "analytics"): "OWNERSHIP_CONFLICT",
    }
    decisions.update({key: "REJECTED" for key in rejections})
    decisions[("inventory-levels", "2.0.0", "inventory")] = "SCHEDULED"
    return Expected(
        decisions=decisions,
        rejection_codes=rejections,
        breaches={
            ("revenue-daily", "FRESHNESS", "freshness"): ("OPEN", "RESOLVED"),
            ("inventory-levels", "FRESHNESS", "freshness"): ("OPEN",),
            ("payments-settled", "QUALITY", "row_count_vs_source"): ("OPEN", "RESOLVED"),
            ("support-tickets", "PII_LEAK", "customer_note"): ("OPEN",),
        },
    )
