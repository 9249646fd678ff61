"""Signed registrations: a compact JWS (EdDSA or ES256) whose claims bind a registration to
who submits it and for which domain. Claims: `sub` (the submitter), `domain`, `jti` (the
registration id), `iat`, `exp`, and `reg_sha256`, the sha256 of the registration's
canonical bytes (every field but the signature, as JSON with sorted keys), so no field can
change under the signature. Keys are PEM files; their public halves are JWKS documents the
policy file lists as signers (meshgov.checks.policy.signature verifies)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from meshgov.models.events import Registration

ALGORITHMS = ("EdDSA", "ES256")
LIFETIME = timedelta(minutes=10)
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def canonical_bytes(registration: Registration) -> bytes:
    fields = registration.model_dump(mode="json", exclude={"signature"})
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def registration_digest(registration: Registration) -> str:
    return hashlib.sha256(canonical_bytes(registration)).hexdigest()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: PrivateKey

    @property
    def algorithm(self) -> str:
        return "EdDSA" if isinstance(self.private_key, ed25519.Ed25519PrivateKey) else "ES256"

    @classmethod
    def load(cls, path: Path, kid: str | None = None) -> SigningKey:
        """A PEM private key; its key id is `kid`, else the file name before `.private.pem`."""
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"{path}: not a PEM private key: {error}") from None
        if isinstance(key, ec.EllipticCurvePrivateKey) and not isinstance(key.curve, ec.SECP256R1):
            raise ValueError(f"{path}: an EC key must be on P-256 (ES256), not {key.curve.name}")
        if not isinstance(key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path}: an Ed25519 (EdDSA) or P-256 (ES256) key is needed")
        return cls(kid or path.name.removesuffix(".pem").removesuffix(".private"), key)


def new_key(kid: str, algorithm: str = "EdDSA") -> tuple[bytes, dict[str, Any]]:
    """A new private key as PEM and its public JWKS document."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {algorithm!r}")
    private: PrivateKey = (
        ed25519.Ed25519PrivateKey.generate()
        if algorithm == "EdDSA"
        else ec.generate_private_key(ec.SECP256R1())
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    algo = jwt.get_algorithm_by_name(algorithm)
    public = json.loads(algo.to_jwk(private.public_key()))
    public |= {"kid": kid, "alg": algorithm, "use": "sig"}
    return pem, {"keys": [public]}


def sign(
    registration: Registration,
    key: SigningKey,
    now: datetime | None = None,
    lifetime: timedelta = LIFETIME,
) -> Registration:
    """The registration with its signature."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": registration.submitted_by,
        "domain": registration.domain,
        "jti": registration.registration_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "reg_sha256": registration_digest(registration),
    }
    token = jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid})
    return registration.model_copy(update={"signature": token})
