"""Keys, key sets and token signing shared by the tests.

Tokens are signed with PyJWT and keys are made with ``cryptography``, so the
tests check tokenguard against an independent implementation.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

ISSUER = "https://auth.example.com"
AUDIENCE = "https://api.example.com"
#: A fixed validation time: 2026-01-01T00:00:00Z.
NOW = 1_767_225_600
ASYMMETRIC = ["RS256", "PS256", "ES256", "EdDSA"]
ALGORITHMS = ["HS256", *ASYMMETRIC]


@dataclass
class SigningKey:
    """A private key with its public JWK, for one algorithm."""

    alg: str
    kid: str
    private: Any
    public_jwk: dict[str, Any]

    def sign(self, claims: dict[str, Any], **header: Any) -> str:
        fields = {"kid": self.kid, "typ": "at+jwt", **header}
        fields = {name: value for name, value in fields.items() if value is not None}
        return jwt.encode(claims, self.private, algorithm=self.alg, headers=fields)


def make_key(alg: str, kid: str | None = None) -> SigningKey:
    """Generate a fresh key for ``alg``; HS256 keys are 32-byte secrets."""
    kid = kid or f"{alg.lower()}-{secrets.token_hex(4)}"
    if alg == "HS256":
        secret = secrets.token_bytes(32)
        return SigningKey(alg, kid, secret, {})
    if alg in ("RS256", "PS256"):
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
        public = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        private = ed25519.Ed25519PrivateKey.generate()
        public = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public.update({"kid": kid, "alg": alg, "use": "sig"})
    return SigningKey(alg, kid, private, public)


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in keys]}


def jwks_text(*keys: SigningKey) -> str:
    return json.dumps(jwks(*keys))


def claims(**overrides: Any) -> dict[str, Any]:
    """Return valid RFC 9068 claims at ``NOW``; a value of ``None`` drops a claim."""
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "client_id": "client-1",
        "iat": NOW - 60,
        "exp": NOW + 600,
        "jti": "id-1",
        "scope": "orders:read orders:write",
    }
    base.update(overrides)
    return {name: value for name, value in base.items() if value is not None}


@pytest.fixture(scope="session")
def keys() -> dict[str, SigningKey]:
    """One key per algorithm, made once per test session."""
    return {alg: make_key(alg) for alg in ALGORITHMS}


@pytest.fixture(scope="session")
def public_jwks(keys: dict[str, SigningKey]) -> dict[str, Any]:
    return jwks(*(keys[alg] for alg in ASYMMETRIC))
