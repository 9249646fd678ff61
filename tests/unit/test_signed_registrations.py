"""Signed registrations: who vouches for a registration, verified without Kafka against the
policy's signers (JWKS files here), and replays refused by the policy processor's handler."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from meshgov.checks.policy.signature import verify
from meshgov.client.registration import build_registration
from meshgov.models.events import CheckResult, CheckStatus, Registration
from meshgov.models.policy import GlobalPolicy
from meshgov.processors.outputs import Emit
from meshgov.processors.policy import OwnerBinding, PolicyHandler
from meshgov.processors.spec import Message
from meshgov.signers import key_lookup
from meshgov.signing import SigningKey, new_key, registration_digest, sign
from tests.support.descriptors import example_descriptor

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, SigningKey]:
    made = {}
    for kid, algorithm in (("orders-1", "EdDSA"), ("orders-ec", "ES256"), ("payments-1", "EdDSA")):
        pem, jwks = new_key(kid, algorithm)
        (tmp_path / f"{kid}.private.pem").write_bytes(pem)
        (tmp_path / f"{kid}.jwks.json").write_text(json.dumps(jwks))
        made[kid] = SigningKey.load(tmp_path / f"{kid}.private.pem")
    return made


def policy(tmp_path: Path, required: bool = True) -> tuple[GlobalPolicy, Path]:
    path = tmp_path / "policy.yaml"
    document = {
        "require_signed_registrations": required,
        "signers": [
            {"name": "orders-team", "jwks": "orders-1.jwks.json", "domains": ["orders"]},
            {"name": "orders-ec", "jwks": "orders-ec.jwks.json", "domains": ["orders"]},
            {"name": "payments-team", "jwks": "payments-1.jwks.json", "domains": ["payments"]},
        ],
    }
    path.write_text(json.dumps(document))
    return GlobalPolicy.model_validate(document), path


def registration() -> Registration:
    reg = build_registration(example_descriptor(), "alice@company.com")
    return reg.model_copy(update={"submitted_at": NOW})


def codes(reg: Registration, tmp_path: Path, now: datetime = NOW) -> list[str]:
    rules, path = policy(tmp_path)
    vouched, findings = verify(reg, rules, key_lookup(rules, str(path)), now)
    assert (vouched is None) == bool(findings)
    return [f.code for f in findings]


def test_a_registration_signed_by_its_domains_key_is_vouched_for(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    for kid in ("orders-1", "orders-ec"):
        signed = sign(registration(), keys[kid], NOW)
        assert signed.signature is not None
        assert jwt.get_unverified_header(signed.signature)["alg"] == keys[kid].algorithm
        assert codes(signed, tmp_path) == []


def test_unsigned_registrations_are_refused_only_when_the_policy_requires_signatures(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    assert codes(registration(), tmp_path) == ["SIGNATURE_REQUIRED"]
    rules, path = policy(tmp_path, required=False)
    assert verify(registration(), rules, key_lookup(rules, str(path)), NOW)[1] == []


def test_a_signature_proves_nothing_about_a_changed_registration(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    signed = sign(registration(), keys["orders-1"], NOW)
    tampered = signed.model_copy(update={"descriptor": signed.descriptor.replace("99.5", "90")})
    assert registration_digest(tampered) != registration_digest(signed)
    assert codes(tampered, tmp_path) == ["SIGNATURE_CLAIM_MISMATCH"]
    other_submitter = signed.model_copy(update={"submitted_by": "mallory@company.com"})
    assert "SIGNATURE_CLAIM_MISMATCH" in codes(other_submitter, tmp_path)


def test_a_key_vouches_only_for_its_own_domains(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    signed = sign(registration(), keys["payments-1"], NOW)  # domain orders, payments' key
    assert codes(signed, tmp_path) == ["SIGNER_NOT_FOR_DOMAIN"]


def test_expired_future_and_foreign_signatures_are_refused(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    signed = sign(registration(), keys["orders-1"], NOW)
    assert codes(signed, tmp_path, NOW + timedelta(hours=1)) == ["SIGNATURE_EXPIRED"]
    assert codes(signed, tmp_path, NOW - timedelta(hours=1)) == ["SIGNATURE_NOT_YET_VALID"]
    stranger_pem, _ = new_key("orders-1")  # the same key id, another key
    (tmp_path / "stranger.private.pem").write_bytes(stranger_pem)
    forged = sign(registration(), SigningKey.load(tmp_path / "stranger.private.pem", "orders-1"))
    assert codes(forged, tmp_path) == ["SIGNATURE_INVALID"]
    symmetric = jwt.encode({"sub": "alice@company.com"}, "s" * 32, algorithm="HS256")
    assert codes(registration().model_copy(update={"signature": symmetric}), tmp_path) == [
        "SIGNATURE_INVALID"
    ]
    assert codes(registration().model_copy(update={"signature": "not a token"}), tmp_path) == [
        "SIGNATURE_INVALID"
    ]


def test_a_signed_registration_counts_once_but_reading_it_again_is_no_replay(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    rules, path = policy(tmp_path)
    handler = PolicyHandler(rules, key_lookup(rules, str(path)))
    signed = sign(registration(), keys["orders-1"], NOW)

    def status(state: OwnerBinding, origin: str) -> tuple[OwnerBinding, CheckResult]:
        state, [out] = handler.handle(state, Message(signed.product, signed, "mesh", origin), NOW)
        assert isinstance(out, Emit)
        assert isinstance(out.event, CheckResult)
        return state, out.event

    state, first = status(OwnerBinding(), "mesh.registrations[0]@7")
    assert first.status is CheckStatus.PASSED
    state, again = status(state, "mesh.registrations[0]@7")  # after a restart
    assert again.status is CheckStatus.PASSED
    state, replay = status(state, "mesh.registrations[0]@9")
    assert [f.code for f in replay.findings] == ["REGISTRATION_REPLAYED"]
    # Once its signature has expired, the id is forgotten: it could not verify anyway.
    later = NOW + timedelta(hours=2)
    state, _ = handler.handle(state, Message("x", registration(), "mesh", "r[0]@10"), later)
    assert signed.registration_id not in state.signed


def test_an_identity_providers_token_vouches_for_the_domains_in_its_claim(
    tmp_path: Path,
) -> None:
    pem, jwks = new_key("idp-2026")
    (tmp_path / "idp.jwks.json").write_text(json.dumps(jwks))
    (tmp_path / "idp.private.pem").write_bytes(pem)
    document = {
        "require_signed_registrations": True,
        "signers": [
            {
                "name": "idp",
                "jwks": "idp.jwks.json",
                "domains": ["*"],
                "issuer": "https://idp.company.com",
                "audience": "meshgov",
                "domain_claim": "groups",
            }
        ],
    }
    rules = GlobalPolicy.model_validate(document)
    lookup = key_lookup(rules, str(tmp_path / "policy.yaml"))
    idp = SigningKey.load(tmp_path / "idp.private.pem", "idp-2026")

    def token(
        groups: list[str],
        issuer: str = "https://idp.company.com",
        audience: str = "meshgov",
        jti: str = "t-1",
    ) -> str:
        claims = {
            "sub": "alice@company.com",
            "iss": issuer,
            "aud": audience,
            "jti": jti,
            "groups": groups,
            "iat": int(NOW.timestamp()),
            "exp": int(NOW.timestamp()) + 600,
        }
        return jwt.encode(claims, idp.private_key, algorithm="EdDSA", headers={"kid": idp.kid})

    def found(signature: str) -> list[str]:
        reg = registration().model_copy(update={"signature": signature})
        return [f.code for f in verify(reg, rules, lookup, NOW)[1]]

    assert found(token(["orders", "sales"])) == []
    assert found(token(["sales"])) == ["SIGNATURE_CLAIM_MISMATCH"]
    assert found(token(["orders"], issuer="https://evil.example")) == ["SIGNATURE_INVALID"]
    # A token the provider issued to another application is not one for meshgov.
    assert found(token(["orders"], audience="some-other-app")) == ["SIGNATURE_INVALID"]

    # One token, two registrations: the second is a replay of the token.
    handler = PolicyHandler(rules, lookup)
    state = OwnerBinding()
    results = []
    for index, origin in enumerate(("r[0]@1", "r[0]@2")):
        reg = registration().model_copy(
            update={"registration_id": f"reg-{index}", "signature": token(["orders"], jti="t-9")}
        )
        state, [out] = handler.handle(state, Message(reg.product, reg, "mesh", origin), NOW)
        assert isinstance(out, Emit)
        assert isinstance(out.event, CheckResult)
        results.append([f.code for f in out.event.findings])
    assert results == [[], ["REGISTRATION_REPLAYED"]]


def test_the_outer_fields_of_a_registration_must_be_its_descriptors(
    keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    """An orders key signs a registration that says orders outside and carries payments'
    descriptor inside: refused, so no signature moves a product to another domain."""
    rules, path = policy(tmp_path)
    handler = PolicyHandler(rules, key_lookup(rules, str(path)))
    payments = example_descriptor().replace("orders-team@company.com", "payments-team@company.com")
    reg = build_registration(payments, "alice@company.com").model_copy(
        update={"domain": "orders", "owner": "orders-team@company.com", "submitted_at": NOW}
    )
    signed = sign(reg, keys["orders-1"], NOW)
    _, [out] = handler.handle(OwnerBinding(), Message(signed.product, signed, "mesh", "r@1"), NOW)
    assert isinstance(out, Emit)
    assert isinstance(out.event, CheckResult)
    assert out.event.status is CheckStatus.FAILED
    assert {f.code for f in out.event.findings} == {"REGISTRATION_MISMATCH"}


def test_a_key_of_another_type_under_the_same_id_is_skipped_not_a_crash(tmp_path: Path) -> None:
    _, ed_jwks = new_key("team", "EdDSA")
    ec_pem, ec_jwks = new_key("team", "ES256")
    (tmp_path / "ed.jwks.json").write_text(json.dumps(ed_jwks))
    (tmp_path / "ec.jwks.json").write_text(json.dumps(ec_jwks))
    (tmp_path / "ec.private.pem").write_bytes(ec_pem)
    rules = GlobalPolicy.model_validate(
        {
            "signers": [
                {"name": "ed", "jwks": "ed.jwks.json", "domains": ["orders"]},
                {"name": "ec", "jwks": "ec.jwks.json", "domains": ["orders"]},
            ]
        }
    )
    lookup = key_lookup(rules, str(tmp_path / "policy.yaml"))
    signed = sign(registration(), SigningKey.load(tmp_path / "ec.private.pem", "team"), NOW)
    vouched, findings = verify(signed, rules, lookup, NOW)
    assert findings == []
    assert vouched is not None
    assert vouched.signer == "ec"


def test_signers_on_the_network_need_https_an_issuer_and_an_audience() -> None:
    with pytest.raises(ValueError, match="must be https"):
        GlobalPolicy.model_validate(
            {"signers": [{"name": "idp", "jwks": "http://idp/jwks", "domains": ["*"]}]}
        )
    with pytest.raises(ValueError, match="audience"):
        GlobalPolicy.model_validate(
            {
                "signers": [
                    {
                        "name": "idp",
                        "jwks": "https://idp/jwks",
                        "domains": ["*"],
                        "issuer": "https://idp",
                    }
                ]
            }
        )
