"""The keys of the policy file's signers, for verifying signed registrations: a JWKS file
(read once, its path relative to the policy file) or a JWKS URL (an identity provider's,
fetched and cached by PyJWT's client; a fetch that fails is the platform's fault)."""

from __future__ import annotations

import json
from pathlib import Path

import jwt

from meshgov.checks.policy.signature import KeyLookup, TrustedKey
from meshgov.errors import PlatformUnavailableError
from meshgov.models.policy import GlobalPolicy, Signer


class _FileSigner:
    def __init__(self, signer: Signer, path: Path) -> None:
        try:
            keys = jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8"))).keys
        except (OSError, ValueError, jwt.PyJWTError) as error:
            raise ValueError(f"signer {signer.name}: {path} is not a JWKS file: {error}") from None
        self.keys = [(key.key_id, TrustedKey(key.key, signer)) for key in keys]

    def find(self, kid: str | None) -> list[TrustedKey]:
        return [key for key_id, key in self.keys if kid is None or key_id == kid]


class _UrlSigner:
    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        self.client = jwt.PyJWKClient(signer.jwks, cache_keys=True, lifespan=300, timeout=10)

    def find(self, kid: str | None) -> list[TrustedKey]:
        try:
            if kid is None:
                return [TrustedKey(k.key, self.signer) for k in self.client.get_signing_keys()]
            return [TrustedKey(self.client.get_signing_key(kid).key, self.signer)]
        except jwt.PyJWKClientError as error:
            if "Unable to find a signing key" in str(error):
                return []  # no such key id: the signature does not verify
            raise PlatformUnavailableError(
                f"the keys of signer {self.signer.name} ({self.signer.jwks}): {error}"
            ) from error
        except (jwt.PyJWTError, ValueError, OSError) as error:  # an answer that is no JWKS
            raise PlatformUnavailableError(
                f"the keys of signer {self.signer.name} ({self.signer.jwks}): {error}"
            ) from error


def key_lookup(policy: GlobalPolicy, policy_path: str | None) -> KeyLookup:
    """Teams' keys are always candidates; an identity provider's only for tokens it issued,
    so its outage holds back nothing it did not sign."""
    base = Path(policy_path).parent if policy_path else Path.cwd()
    files = [_FileSigner(s, base / s.jwks) for s in policy.signers if "://" not in s.jwks]
    urls = [_UrlSigner(s) for s in policy.signers if "://" in s.jwks]

    def lookup(kid: str | None, issuer: str | None) -> list[TrustedKey]:
        found = [key for signer in files for key in signer.find(kid)]
        for signer in urls:
            if issuer is not None and signer.signer.issuer == issuer:
                found += signer.find(kid)
        return found

    return lookup
