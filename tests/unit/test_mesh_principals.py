"""Every component of a local mesh as its own principal: who is who, the properties file
each one gets, the registry's ACLs and the credentials kept for it, without a cluster."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from meshgov.broker.accounts import (
    CATALOG_API,
    DASHBOARD,
    REGISTRY,
    component_principal,
    mesh_principals,
    properties_file,
    user_name,
)
from meshgov.broker.security import BrokerSecurity
from meshgov.kafka.acls import desired_acls
from meshgov.mesh import components
from meshgov.models.policy import DomainPrincipal, Principals
from meshgov.registry.local import LocalRegistry
from meshgov.settings import Settings, read_properties

SETTINGS = Settings(bootstrap="127.0.0.1:9092", topic_prefix="p.")
DEMO = Principals(
    domains={"orders": DomainPrincipal(principal="User:demo-orders", topics=["p.orders"])},
    consumers=["User:demo-watch"],
)


def test_the_mesh_names_its_own_principals_where_the_policy_names_none() -> None:
    policy = Principals(
        consumers=["User:analytics"],
        dashboard="User:portal",
        domains={"orders": DomainPrincipal(principal="User:orders-team", topics=["orders"])},
    )
    merged = mesh_principals(policy, DEMO, registry=True)
    assert merged.dashboard == "User:portal"  # the policy's wins
    assert merged.catalog == CATALOG_API
    assert merged.registry == REGISTRY
    assert merged.domains["orders"].principal == "User:demo-orders"  # the mesh's own win
    assert merged.consumers == ["User:analytics", "User:demo-watch"]
    assert mesh_principals(Principals(), DEMO, registry=False).registry is None
    assert mesh_principals(Principals(), DEMO, registry=False).dashboard == DASHBOARD


def test_the_catalog_api_is_not_the_catalog_processor() -> None:
    merged = mesh_principals(Principals(), Principals(), registry=False)
    assert component_principal(merged, "catalog-api") == CATALOG_API
    assert component_principal(merged, "catalog") == "User:meshgov-catalog"
    assert component_principal(merged, "dashboard") == DASHBOARD
    assert component_principal(merged, "alerts") == "User:meshgov-alerts"


@pytest.mark.parametrize(
    "principal", ["Group:x", "User:", "User:../../etc/passwd", "User:a b", "User:..", "x"]
)
def test_a_principal_that_cannot_name_a_file_is_refused(principal: str) -> None:
    with pytest.raises(ValueError, match="expected User:<name>"):
        user_name(principal)


@pytest.mark.parametrize("principal", ["User:meshgov-admin", "User:controller"])
def test_the_brokers_super_users_are_no_mesh_principal(principal: str) -> None:
    """Else a policy naming one would reset the administrator's password, or make a
    super user's login on the clients' listener."""
    with pytest.raises(ValueError, match="super user"):
        user_name(principal)


def test_users_are_recorded_with_the_mesh_they_were_made_for(tmp_path: Path) -> None:
    security = BrokerSecurity.ensure(tmp_path / "security")
    security.record_users(["a", "b"], "demo-1.")
    security.record_users(["c"], "")
    for user in ("a", "b", "c"):
        security.write_user_properties(user, "pw", "127.0.0.1:9092")
    assert security.users_of("demo-1.") == {"a", "b"}
    assert security.users_of("") == {"c"}
    assert security.forget_users({"a"}, "demo-1.") == {"a"}
    assert security.users_of("demo-1.") == {"b"}
    assert not (security.users_dir / "a.properties").exists()
    assert (security.users_dir / "c.properties").exists()
    # a user two meshes share stays while the other one uses it
    security.record_users(["c"], "demo-2.")
    assert security.forget_users({"c"}, "") == set()
    assert security.users_of("demo-2.") == {"c"}
    assert (security.users_dir / "c.properties").exists()


def test_each_component_gets_its_own_principals_properties(tmp_path: Path) -> None:
    principals = mesh_principals(Principals(), DEMO, registry=True)
    for principal in ("User:meshgov-policy", "User:meshgov-verdicts", CATALOG_API, DASHBOARD):
        properties_file(tmp_path, principal).write_text("sasl.username=x\n")
    settings = SETTINGS.model_copy(update={"client_config_dir": tmp_path})
    found = {c.name: c.env for c in components(settings, 8081, 8080, {}, principals)}
    assert found["policy"]["MESHGOV_CLIENT_CONFIG"] == str(tmp_path / "meshgov-policy.properties")
    assert found["catalog-api"]["MESHGOV_CLIENT_CONFIG"].endswith("meshgov-catalog-api.properties")
    assert found["dashboard"]["MESHGOV_CLIENT_CONFIG"].endswith("meshgov-dashboard.properties")
    assert "MESHGOV_CLIENT_CONFIG" not in found["compatibility"]  # no file: the mesh's own
    unassigned = {c.name: c.env for c in components(SETTINGS, 8081, 8080, {}, principals)}
    assert all("MESHGOV_CLIENT_CONFIG" not in env for env in unassigned.values())


def test_the_registry_may_use_only_its_own_topics_and_groups() -> None:
    acls = desired_acls(SETTINGS, mesh_principals(Principals(), Principals(), registry=True))
    mine = {(a.resource, a.pattern, a.name, a.operation) for a in acls if a.principal == REGISTRY}
    assert mine == {
        *(
            ("TOPIC", "PREFIXED", "p.schema-registry.", operation)
            for operation in ("CREATE", "READ", "WRITE", "DESCRIBE", "DESCRIBE_CONFIGS")
        ),
        ("GROUP", "PREFIXED", "p.apicurio-", "READ"),
        ("GROUP", "PREFIXED", "p.apicurio-", "DESCRIBE"),
    }
    squatter = Principals(domains={"x": DomainPrincipal(principal="User:x", topics=["p.sch"])})
    with pytest.raises(ValueError, match="covers meshgov's topics"):
        desired_acls(SETTINGS, squatter)
    registry = LocalRegistry(
        Path("r"), Path("c"), storage="kafkasql", bootstrap="b:1", topic_prefix="p."
    )
    names = registry.system_properties(1, 2)
    assert names["apicurio.kafkasql.topic"].startswith("p.schema-registry.")
    assert names["apicurio.kafkasql.consumer.group-prefix"].startswith("p.apicurio-")


def test_a_user_keeps_its_password_and_its_file_is_the_owners_only(tmp_path: Path) -> None:
    security = BrokerSecurity.ensure(tmp_path / "security")
    first = security.user_passwords(["demo-orders"])["demo-orders"]
    path = security.write_user_properties("demo-orders", first, "127.0.0.1:9092")
    assert security.user_passwords(["demo-orders"])["demo-orders"] == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    properties = read_properties(path)
    assert properties["sasl.username"] == "demo-orders"
    assert properties["bootstrap.servers"] == "127.0.0.1:9092"
    other = security.user_passwords(["demo-watch"])["demo-watch"]
    assert other != first


def test_a_properties_file_names_its_cluster_unless_a_setting_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "client.properties"
    config.write_text("bootstrap.servers=10.0.0.1:9093\nsecurity.protocol=SASL_SSL\n")
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("MESHGOV_BOOTSTRAP_SERVERS", raising=False)
    from_file = Settings(client_config=config)
    assert from_file.bootstrap == "10.0.0.1:9093"
    assert "bootstrap.servers" not in from_file.kafka_properties()
    assert Settings(client_config=config, bootstrap="127.0.0.1:1").bootstrap == "127.0.0.1:1"
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:2")
    assert Settings(client_config=config).bootstrap == "127.0.0.1:2"


def test_the_registry_s_kafka_credentials_are_in_a_file_not_on_its_command_line(
    tmp_path: Path,
) -> None:
    registry = LocalRegistry(
        tmp_path,
        tmp_path / "cache",
        storage="kafkasql",
        bootstrap="127.0.0.1:9092",
        kafka_properties={"sasl.jaas.config": 'Scram required password="s3cret";'},
    )
    assert all("s3cret" not in value for value in registry.system_properties(1, 2).values())
    registry._write_secret_config()
    config = tmp_path / "config" / "application.properties"
    assert config.read_text() == (
        'apicurio.kafka.common.sasl.jaas.config=Scram required password="s3cret";\n'
    )
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    LocalRegistry(tmp_path, tmp_path / "cache")._write_secret_config()
    assert not config.exists()  # a later start without credentials leaves none behind


def test_a_client_certificate_names_its_principal_and_is_signed_by_the_brokers_ca(
    tmp_path: Path,
) -> None:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    security = BrokerSecurity.ensure(tmp_path / "security")
    properties = security.client_certificate_properties("orders-producer")
    assert properties["security.protocol"] == "SSL"
    certificate = x509.load_pem_x509_certificate(
        Path(properties["ssl.certificate.location"]).read_bytes()
    )
    [cn] = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert cn.value == "orders-producer"
    ca = x509.load_pem_x509_certificate(security.ca_file.read_bytes())
    certificate.verify_directly_issued_by(ca)
    assert stat.S_IMODE(Path(properties["ssl.key.location"]).stat().st_mode) == 0o600
    assert stat.S_IMODE(security.ca_key_file.stat().st_mode) == 0o600
    # made once: the same files again
    assert security.client_certificate_properties("orders-producer") == properties

    server = security.server_properties(9092, 9093, tls_port=9094)
    assert "MTLS://127.0.0.1:9094" in server["advertised.listeners"]
    assert server["listener.name.mtls.ssl.client.auth"] == "required"
    assert "MTLS:SSL" in server["listener.security.protocol.map"]
    assert "MTLS" not in security.server_properties(9092, 9093)["listeners"]


def test_a_ca_without_its_key_cannot_sign_clients_and_says_what_to_do(tmp_path: Path) -> None:
    from meshgov.broker.errors import BrokerError

    security = BrokerSecurity.ensure(tmp_path / "security")
    security.ca_key_file.unlink()
    with pytest.raises(BrokerError, match="keeps no CA key"):
        security.client_certificate_properties("orders-producer")


def test_oauthbearer_tokens_are_verified_against_the_providers_keys_issuer_and_audience(
    tmp_path: Path,
) -> None:
    from meshgov.broker.security import OAuthValidation

    security = BrokerSecurity.ensure(tmp_path / "security")
    oauth = OAuthValidation("file:///etc/idp/jwks.json", "https://idp.test", "kafka")
    server = security.server_properties(9092, 9093, oauth=oauth)
    assert server["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,OAUTHBEARER"
    assert server["sasl.oauthbearer.expected.issuer"] == "https://idp.test"
    assert server["sasl.oauthbearer.expected.audience"] == "kafka"
    handler = server["listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class"]
    assert handler.endswith("OAuthBearerValidatorCallbackHandler")  # verifies, never unsecured
    assert oauth.jvm_properties() == {
        "org.apache.kafka.sasl.oauthbearer.allowed.urls": "file:///etc/idp/jwks.json",
        "org.apache.kafka.sasl.oauthbearer.allowed.files": "/etc/idp/jwks.json",
    }
    assert security.server_properties(9092, 9093)["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"


def test_a_java_argument_file_keeps_every_argument_whole(tmp_path: Path) -> None:
    """What the secured broker's format runs through: the real Java launcher's @file."""
    import subprocess

    from meshgov.broker.local import _java_quoted, find_java

    echo = tmp_path / "Echo.java"
    echo.write_text(
        "class Echo { public static void main(String[] a) "
        '{ for (String s : a) System.out.println("[" + s + "]"); } }'
    )
    arguments = ["plain", "with space", 'quote"inside', "back\\slash", "=[name=a,password=b]"]
    argfile = tmp_path / "args"
    argfile.write_text("\n".join(_java_quoted(a) for a in [str(echo), *arguments]) + "\n")
    shown = subprocess.run(
        [str(find_java(None)), f"@{argfile}"], capture_output=True, text=True, timeout=60
    )
    assert shown.stdout.splitlines() == [f"[{a}]" for a in arguments], shown.stderr
