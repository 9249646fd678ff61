"""A secured local broker: SASL_SSL for clients, with SCRAM-SHA-512 credentials, TLS
certificates that meshgov generates for loopback (a CA of its own and a server certificate
for 127.0.0.1 and localhost, PEM files Kafka reads as they are), and KRaft's
StandardAuthorizer with one super user, for administration only. The controller listener
takes SASL PLAIN on loopback (SCRAM credentials live in the metadata a controller must
first read).

Everything a client needs is written to `client.properties` beside the broker's data, in
Kafka's own property names: point MESHGOV_CLIENT_CONFIG at it to administer the cluster.
Every other principal of a local mesh gets a SCRAM user of its own, its password made once
and kept in `users/<user>.properties`, a client properties file of the same form. With a TLS
port, the broker also takes clients that prove who they are by a certificate of meshgov's CA
alone (mutual TLS): the certificate's CN is the principal, `User:<CN>`, under the same ACLs.
Given an identity provider (`OAuthValidation`), its SASL_SSL listener takes OAUTHBEARER too:
tokens verified against the provider's keys, issuer and audience, `sub` the principal."""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from confluent_kafka import KafkaError, KafkaException
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from meshgov.broker.errors import BrokerError

if TYPE_CHECKING:
    from confluent_kafka.admin import AdminClient

ADMIN = "meshgov-admin"
CONTROLLER = "controller"
SUPER_USERS = (ADMIN, CONTROLLER)
MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 4096  # Kafka's least for SHA-512: each new connection pays them twice
_USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,200}$")


def checked_user(user: str) -> str:
    """A user name meshgov makes credentials and files for: letters, digits and ._@- only."""
    if not _USER_NAME.match(user) or user in (".", ".."):
        raise ValueError(f"user {user!r}: a name of letters, digits and ._@- only")
    return user


VALIDITY = datetime.timedelta(days=825)


@dataclass(frozen=True)
class OAuthValidation:
    """An identity provider whose tokens (SASL OAUTHBEARER, as OIDC clients fetch them) the
    broker takes: signed by a key of its JWKS (an https or file URL), of its issuer, for
    this audience; the token's `sub` claim is the principal, `User:<sub>`. The provider
    must issue no `sub` that names a super user (meshgov-admin, controller) or a principal
    it should not act as: Kafka takes the claim as it is."""

    jwks_url: str
    issuer: str
    audience: str

    def server_properties(self) -> dict[str, str]:
        prefix = "listener.name.sasl_ssl.oauthbearer."
        return {
            f"{prefix}sasl.jaas.config": (
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"
            ),
            f"{prefix}sasl.server.callback.handler.class": (
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler"
            ),
            "sasl.oauthbearer.jwks.endpoint.url": self.jwks_url,
            "sasl.oauthbearer.expected.issuer": self.issuer,
            "sasl.oauthbearer.expected.audience": self.audience,
            "sasl.oauthbearer.sub.claim.name": "sub",
        }

    def jvm_properties(self) -> dict[str, str]:
        """Kafka reads no JWKS from a URL or file that these system properties do not allow."""
        allowed = {"org.apache.kafka.sasl.oauthbearer.allowed.urls": self.jwks_url}
        url = urllib.parse.urlparse(self.jwks_url)
        if url.scheme == "file":
            allowed["org.apache.kafka.sasl.oauthbearer.allowed.files"] = url.path
        return allowed


@dataclass(frozen=True)
class BrokerSecurity:
    """The secrets of one secured broker's data directory, made once and kept there."""

    directory: Path
    admin_password: str
    controller_password: str

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def ca_key_file(self) -> Path:
        return self.directory / "ca.key.pem"

    @property
    def keystore_file(self) -> Path:
        return self.directory / "server.pem"

    @property
    def client_properties_file(self) -> Path:
        return self.directory / "client.properties"

    @classmethod
    def ensure(cls, directory: Path) -> BrokerSecurity:
        """The directory's secrets, generated (passwords, CA, server certificate) if absent."""
        directory.mkdir(parents=True, exist_ok=True)
        state = directory / "secrets.json"
        if state.exists():
            saved = json.loads(state.read_text())
            security = cls(directory, saved["admin_password"], saved["controller_password"])
        else:
            security = cls(directory, secrets.token_urlsafe(24), secrets.token_urlsafe(24))
            _write_private(
                state,
                json.dumps(
                    {
                        "admin_password": security.admin_password,
                        "controller_password": security.controller_password,
                    }
                ).encode(),
            )
        if not security.keystore_file.exists():
            ca_pem, ca_key_pem, keystore_pem = loopback_certificates()
            security.ca_file.write_bytes(ca_pem)
            _write_private(security.ca_key_file, ca_key_pem)
            _write_private(security.keystore_file, keystore_pem)
        return security

    def client_certificate_properties(self, user: str) -> dict[str, str]:
        """Client properties for mutual TLS as `User:<user>`: a key and a certificate with
        that CN, signed by this broker's CA, made once and kept in `users/` (made again when
        the CA is not the one that signed it)."""
        certificate = self.users_dir / f"{checked_user(user)}.crt.pem"
        key = self.users_dir / f"{user}.key.pem"
        if not (certificate.exists() and key.exists() and self._signed_by_ca(certificate)):
            if not self.ca_key_file.exists():
                raise BrokerError(
                    f"{self.directory} keeps no CA key (made by an earlier meshgov): remove "
                    f"that directory, and the broker's data, to make a CA that signs clients"
                )
            ca_key = serialization.load_pem_private_key(self.ca_key_file.read_bytes(), None)
            ca = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
            assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
            key_pem, certificate_pem = client_certificate(ca, ca_key, user)
            self.users_dir.mkdir(mode=0o700, exist_ok=True)
            _write_private(key, key_pem)
            certificate.write_bytes(certificate_pem)
        return {
            "security.protocol": "SSL",
            "ssl.ca.location": str(self.ca_file),
            "ssl.certificate.location": str(certificate),
            "ssl.key.location": str(key),
        }

    def client_properties(self, user: str = ADMIN, password: str | None = None) -> dict[str, str]:
        return {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": MECHANISM,
            "sasl.username": user,
            "sasl.password": password if password is not None else self.admin_password,
            "ssl.ca.location": str(self.ca_file),
        }

    def _signed_by_ca(self, certificate: Path) -> bool:
        ca = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
        try:
            x509.load_pem_x509_certificate(certificate.read_bytes()).verify_directly_issued_by(ca)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True

    @property
    def users_dir(self) -> Path:
        """One client properties file per SCRAM user but the super user, and an index of
        the topic prefix of the mesh each was made for."""
        return self.directory / "users"

    @property
    def _index_file(self) -> Path:
        return self.users_dir / "index.json"

    def _index(self) -> dict[str, list[str]]:
        """user -> the topic prefixes of the meshes that use it."""
        if not self._index_file.exists():
            return {}
        index: dict[str, list[str]] = json.loads(self._index_file.read_text())
        return index

    def _write_index(self, index: dict[str, list[str]]) -> None:
        self.users_dir.mkdir(mode=0o700, exist_ok=True)
        temporary = self._index_file.with_suffix(".tmp")  # replaced whole, never half-written
        _write_private(temporary, json.dumps(index, indent=1, sort_keys=True).encode())
        temporary.replace(self._index_file)

    def users_of(self, topic_prefix: str) -> set[str]:
        """The users made for the mesh of this topic prefix."""
        return {user for user, prefixes in self._index().items() if topic_prefix in prefixes}

    def record_users(self, users: list[str], topic_prefix: str) -> None:
        index = self._index()
        for user in users:
            index[user] = sorted({*index.get(user, []), topic_prefix})
        self._write_index(index)

    def forget_users(self, users: set[str], topic_prefix: str) -> set[str]:
        """The mesh of this prefix uses them no more: the users no other mesh uses lose their
        files and index entries, and are returned (their SCRAM credentials and ACLs are the
        caller's to remove)."""
        index = self._index()
        unused = set()
        for user in users:
            left = [p for p in index.get(user, []) if p != topic_prefix]
            if left:
                index[user] = left
                continue
            index.pop(user, None)
            unused.add(user)
            for suffix in (".properties", ".crt.pem", ".key.pem"):
                (self.users_dir / f"{checked_user(user)}{suffix}").unlink(missing_ok=True)
        self._write_index(index)
        return unused

    def user_passwords(self, users: list[str]) -> dict[str, str]:
        """Each user's password: the one kept in its properties file, else a new one (kept
        once `write_user_properties` writes it)."""
        passwords = {}
        for user in users:
            path = self.users_dir / f"{checked_user(user)}.properties"
            kept = _read_password(path) if path.exists() else None
            passwords[user] = kept or secrets.token_urlsafe(24)
        return passwords

    def write_user_properties(self, user: str, password: str, bootstrap: str) -> Path:
        """`users/<user>.properties`: what that principal's clients need, readable by the
        owner only."""
        self.users_dir.mkdir(mode=0o700, exist_ok=True)
        path = self.users_dir / f"{checked_user(user)}.properties"
        lines = [f"bootstrap.servers={bootstrap}"] + [
            f"{k}={v}" for k, v in self.client_properties(user, password).items()
        ]
        text = f"# {user} on the secured local broker\n" + "\n".join(lines) + "\n"
        _write_private(path, text.encode())
        return path

    def java_client_properties(self, user: str, password: str) -> dict[str, str]:
        """The same credentials for a Java Kafka client (the registry's kafkasql storage)."""
        jaas = (
            f"org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{user}" password="{password}";'
        )
        return {
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": MECHANISM,
            "sasl.jaas.config": jaas,
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
            "ssl.endpoint.identification.algorithm": "https",  # Apicurio's default is none
        }

    def write_client_properties(self) -> Path:
        lines = [f"{k}={v}" for k, v in self.client_properties().items()]
        _write_private(
            self.client_properties_file,
            (
                "# The secured local broker's super user: administration only.\n"
                + "\n".join(lines)
                + "\n"
            ).encode(),
        )
        return self.client_properties_file

    def server_properties(
        self,
        port: int,
        controller_port: int,
        tls_port: int | None = None,
        oauth: OAuthValidation | None = None,
    ) -> dict[str, str]:
        scram = (
            f"org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{ADMIN}" password="{self.admin_password}";'
        )
        plain = (
            f"org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'username="{CONTROLLER}" password="{self.controller_password}" '
            f'user_{CONTROLLER}="{self.controller_password}";'
        )
        listeners = f"SASL_SSL://127.0.0.1:{port}"
        protocols = "SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT"
        mutual: dict[str, str] = {}
        if tls_port is not None:
            listeners += f",MTLS://127.0.0.1:{tls_port}"
            protocols += ",MTLS:SSL"
            mutual = {
                "listener.name.mtls.ssl.client.auth": "required",
                # CN=orders-producer is User:orders-producer, as its SCRAM user would be
                "ssl.principal.mapping.rules": "RULE:^CN=([A-Za-z0-9._@-]+)$/$1/,DEFAULT",
            }
        return {
            **mutual,
            **(oauth.server_properties() if oauth is not None else {}),
            "listeners": f"{listeners},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": listeners,
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": protocols,
            "sasl.enabled.mechanisms": MECHANISM + (",OAUTHBEARER" if oauth else ""),
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": scram,
            "sasl.mechanism.controller.protocol": "PLAIN",
            "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
            "listener.name.controller.plain.sasl.jaas.config": plain,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.keystore_file),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
            "ssl.endpoint.identification.algorithm": "https",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": ";".join(f"User:{user}" for user in SUPER_USERS),
            "allow.everyone.if.no.acl.found": "false",
        }

    def format_arguments(self) -> list[str]:
        """kafka-storage format's: the super user's SCRAM credential in the first metadata."""
        return ["--add-scram", f"{MECHANISM}=[name={ADMIN},password={self.admin_password}]"]


def loopback_certificates() -> tuple[bytes, bytes, bytes]:
    """A new CA (PEM), its key, and a server keystore (PEM: the unencrypted PKCS#8 key, then
    the certificate and the CA's) for 127.0.0.1 and localhost."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "meshgov local CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(PEM)
    keystore = _key_pem(key) + server.public_bytes(PEM) + ca_pem
    return ca_pem, _key_pem(ca_key), keystore


def client_certificate(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, user: str
) -> tuple[bytes, bytes]:
    """A key and a client certificate with CN=`user`, signed by the CA (PEM)."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return _key_pem(key), certificate.public_bytes(PEM)


PEM = serialization.Encoding.PEM


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _read_password(path: Path) -> str | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "sasl.password":
            return value.strip() or None
    return None


def _write_private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_bytes(data)


def delete_scram_users(admin: AdminClient, users: set[str], timeout: float = 30.0) -> None:
    """Remove their SCRAM-SHA-512 credentials (a user without one is no error)."""
    from confluent_kafka.admin import ScramMechanism, UserScramCredentialDeletion

    futures = admin.alter_user_scram_credentials(
        [UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512) for user in users],
        request_timeout=timeout,
    )
    for future in futures.values():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.RESOURCE_NOT_FOUND:
                raise


def upsert_scram_users(admin: AdminClient, users: dict[str, str], timeout: float = 30.0) -> None:
    """Create or change SCRAM-SHA-512 credentials (user -> password) through the admin API."""
    from confluent_kafka.admin import (
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    futures = admin.alter_user_scram_credentials(
        [
            UserScramCredentialUpsertion(user, info, password.encode())
            for user, password in users.items()
        ],
        request_timeout=timeout,
    )
    for future in futures.values():
        future.result()
