"""Whether a registration is vouched for: its signature verifies against a signer of the
policy file, that signer vouches for the registration's domain, and the claims bind this
very registration (submitter, domain, id, the sha256 of its other fields) within their
lifetime; a token of an identity provider (a signer with an issuer) proves the submitter
and their domains. Pure: the keys come from a lookup the processor builds (meshgov.signing makes
the signatures)."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from meshgov.models.descriptor import DataProduct
from meshgov.models.events import Finding, Registration
from meshgov.models.policy import GlobalPolicy, Signer
from meshgov.signing import ALGORITHMS, registration_digest

LEEWAY = timedelta(seconds=120)  # clocks of submitters and processors disagree this much


@dataclass(frozen=True)
class TrustedKey:
    key: Any  # a public key jwt.decode accepts
    signer: Signer


# The trusted keys with this key id (all of them for a token without one), a team's and
# those of the identity provider that is the token's (unverified) issuer, if any; raises
# meshgov.errors.PlatformUnavailableError when that provider's keys cannot be fetched.
KeyLookup = Callable[[str | None, str | None], Sequence[TrustedKey]]


@dataclass(frozen=True)
class Vouched:
    signer: str
    expires_at: datetime
    token_id: str  # what identifies the token itself: a second use of it is a replay


def _finding(code: str, message: str) -> Finding:
    return Finding(code=code, message=message, path="signature", details={"rule": "signers"})


def verify(
    registration: Registration,
    policy: GlobalPolicy,
    keys: KeyLookup,
    now: datetime,
) -> tuple[Vouched | None, list[Finding]]:
    """Who vouches for the registration, or the findings that say why no one does."""
    token = registration.signature
    if token is None:
        if policy.require_signed_registrations:
            return None, [
                _finding(
                    "SIGNATURE_REQUIRED",
                    "The policy requires signed registrations (require_signed_registrations) "
                    "and this one carries no signature: sign it with `meshgov register --sign "
                    "KEY` or the SDK's signing_key.",
                )
            ]
        return None, []
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        return None, [
            _finding("SIGNATURE_INVALID", f"The signature is not a compact JWS: {error}.")
        ]
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        return None, [
            _finding(
                "SIGNATURE_INVALID",
                f"The signature uses algorithm {algorithm!r}; only {', '.join(ALGORITHMS)} "
                f"are accepted.",
            )
        ]
    kid = header.get("kid")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        return None, [_finding("SIGNATURE_INVALID", f"The signature's claims: {error}.")]
    issuer = unverified.get("iss")
    candidates = keys(
        kid if isinstance(kid, str) else None, issuer if isinstance(issuer, str) else None
    )
    claims: dict[str, Any] | None = None
    signer: Signer | None = None
    for candidate in candidates:
        try:
            claims = jwt.decode(
                token,
                candidate.key,
                algorithms=[algorithm],
                issuer=candidate.signer.issuer,
                audience=candidate.signer.audience,
                # Times are judged below against when the registration arrived.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": candidate.signer.audience is not None,
                    "require": ["sub", "iat", "exp"],
                },
            )
            signer = candidate.signer
            break
        except (jwt.PyJWTError, TypeError, ValueError):
            continue  # another key, or a key of another type than the algorithm's
    if claims is None or signer is None:
        known = f"key id {kid!r}" if kid else "no key id"
        return None, [
            _finding(
                "SIGNATURE_INVALID",
                f"The signature ({known}) does not verify with any key of the policy's signers.",
            )
        ]
    return _judge(registration, policy, claims, signer, now)


def _judge(
    registration: Registration,
    policy: GlobalPolicy,
    claims: dict[str, Any],
    signer: Signer,
    now: datetime,
) -> tuple[Vouched | None, list[Finding]]:
    findings = []
    try:
        issued = datetime.fromtimestamp(float(claims["iat"]), UTC)
        expires = datetime.fromtimestamp(float(claims["exp"]), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None, [_finding("SIGNATURE_INVALID", "The signature's iat or exp is no time.")]
    if expires + LEEWAY < now:
        findings.append(
            _finding("SIGNATURE_EXPIRED", f"The signature expired at {expires.isoformat()}.")
        )
    if issued - LEEWAY > now:
        findings.append(
            _finding("SIGNATURE_NOT_YET_VALID", f"The signature is issued at {issued.isoformat()}.")
        )
    if expires - issued > timedelta(seconds=policy.max_signature_lifetime_seconds):
        findings.append(
            _finding(
                "SIGNATURE_LIFETIME_TOO_LONG",
                f"The signature is valid for {expires - issued}; the policy allows at most "
                f"{timedelta(seconds=policy.max_signature_lifetime_seconds)}.",
            )
        )
    # A team's key signs one registration (its id and digest); an identity provider's token
    # proves who submits and for which domains.
    bound = {"sub": registration.submitted_by}
    if signer.issuer is None:
        bound["jti"] = registration.registration_id
    for claim, wanted in bound.items():
        if claims.get(claim) != wanted:
            findings.append(
                _finding(
                    "SIGNATURE_CLAIM_MISMATCH",
                    f"The signature's {claim} is {claims.get(claim)!r}; the registration says "
                    f"{wanted!r}.",
                )
            )
    if signer.issuer is None and claims.get("reg_sha256") != registration_digest(registration):
        findings.append(
            _finding(
                "SIGNATURE_CLAIM_MISMATCH",
                "The registration was changed after it was signed: its sha256 is not the "
                "signature's reg_sha256.",
            )
        )
    vouched_domains = claims.get(signer.domain_claim)
    if isinstance(vouched_domains, str):
        vouched_domains = [vouched_domains]
    if not isinstance(vouched_domains, list) or registration.domain not in vouched_domains:
        findings.append(
            _finding(
                "SIGNATURE_CLAIM_MISMATCH",
                f"The signature's {signer.domain_claim} claim ({vouched_domains!r}) does not "
                f"name domain {registration.domain}.",
            )
        )
    if not any(fnmatch.fnmatchcase(registration.domain, p) for p in signer.domains):
        findings.append(
            _finding(
                "SIGNER_NOT_FOR_DOMAIN",
                f"Signer {signer.name} vouches for {', '.join(signer.domains)}, not for domain "
                f"{registration.domain}.",
            )
        )
    if findings:
        return None, findings
    token_id = claims.get("jti") if signer.issuer is not None else None
    if not isinstance(token_id, str):
        token_id = hashlib.sha256(str(registration.signature).encode()).hexdigest()
    return Vouched(signer.name, expires, f"{signer.name}:{token_id}"), []


def consistency(registration: Registration, product: DataProduct) -> list[Finding]:
    """A registration says who it is for (product, domain, owner) beside its
    descriptor: the two must agree, or a signature for one domain could carry another's
    descriptor, and a verdict would record what the descriptor does not say."""
    said = {
        "product": (registration.product, product.name),
        "domain": (registration.domain, product.domain),
        "owner": (registration.owner, product.owner),
    }
    return [
        Finding(
            code="REGISTRATION_MISMATCH",
            message=(f"The registration's {name} is {outer!r} but its descriptor says {inner!r}."),
            path=name,
            details={"rule": "a registration names what its descriptor says"},
        )
        for name, (outer, inner) in said.items()
        if outer != inner
    ]


def replayed(registration_id: str) -> Finding:
    return _finding(
        "REGISTRATION_REPLAYED",
        f"Registration {registration_id} was submitted before: a signed registration counts "
        f"once (sign a new one).",
    )
