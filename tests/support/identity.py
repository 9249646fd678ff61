"""An identity provider for tests of OAUTHBEARER: client-credentials tokens (ES256 JWTs) from
a token endpoint on loopback, its keys in a JWKS file the broker reads. It stands in for the
company's provider (Keycloak, Okta, Entra ID); the broker and meshgov's clients are real."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from meshgov.http import send_json


class TokenEndpoint:
    def __init__(self, directory: Path, issuer: str, audience: str, clients: list[str]) -> None:
        self.issuer = issuer
        self.audience = audience
        self.secrets = {client: secrets.token_urlsafe(16) for client in clients}
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = secrets.token_hex(4)
        directory.mkdir(parents=True, exist_ok=True)
        self.jwks_file = directory / "jwks.json"
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        jwk |= {"kid": self.kid, "use": "sig", "alg": "ES256"}
        self.jwks_file.write_text(json.dumps({"keys": [jwk]}))
        self.issued: list[str] = []  # the clients it gave a token
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"

    def start(self) -> TokenEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, subject: str, lifetime: int = 300) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                client, secret = _basic(self.headers.get("Authorization", ""))
                grant = form.get("grant_type", [""])[0]
                known = endpoint.secrets.get(client)
                if grant != "client_credentials" or known is None or secret != known:
                    send_json(self, 401, {"error": "invalid_client"})
                    return
                endpoint.issued.append(client)
                body = {
                    "access_token": endpoint.token(client),
                    "token_type": "bearer",
                    "expires_in": 300,
                }
                send_json(self, 200, body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    return urllib.parse.unquote(user), urllib.parse.unquote(password)
