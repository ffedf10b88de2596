"""DPoP, certificate-bound tokens and client assertions, checked against PyJWT."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
import pytest
from conftest import AUDIENCE, ISSUER, NOW, SigningKey, claims, jwks

import tokenguard
from tokenguard import (
    AssertionVerifier,
    DpopVerifier,
    ReplayCache,
    Validator,
    create_client_assertion,
    create_dpop_proof,
)

URI = AUDIENCE + "/orders"
TOKEN_ENDPOINT = ISSUER + "/token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def issuer(keys: dict[str, SigningKey]) -> SigningKey:
    return keys["EdDSA"]


@pytest.fixture
def validator(issuer: SigningKey) -> Validator:
    return Validator(jwks(issuer), issuers=ISSUER, audiences=AUDIENCE)


@pytest.fixture
def client() -> tokenguard.SigningKey:
    return tokenguard.SigningKey.generate("ES256", kid="client-1")


def bound_token(issuer: SigningKey, cnf: dict[str, Any]) -> str:
    return issuer.sign(claims(cnf=cnf))


def proof(key: tokenguard.SigningKey, token: str | None, jti: int, **options: Any) -> str:
    return create_dpop_proof(
        key,
        method="GET",
        uri=URI + "?page=2",
        access_token=token,
        now=NOW,
        jti_random=bytes([jti]) * 16,
        **options,
    )


def test_dpop_bound_token_accepted_once(
    issuer: SigningKey, validator: Validator, client: tokenguard.SigningKey
):
    token = bound_token(issuer, {"jkt": client.thumbprint()})
    cache = ReplayCache(8)
    dpop = proof(client, token, 1)
    verified = validator.validate_dpop(f"DPoP {token}", dpop, "GET", URI, cache=cache, now=NOW)
    assert verified.subject == "user-1"
    assert len(cache) == 1
    with pytest.raises(tokenguard.InvalidDpopProof) as caught:
        validator.validate_dpop(f"DPoP {token}", dpop, "GET", URI, cache=cache, now=NOW)
    assert "already used" in caught.value.description


def test_dpop_rejects_certificate_bound_token(
    issuer: SigningKey, validator: Validator, client: tokenguard.SigningKey
):
    thumbprint = b64url(hashlib.sha256(b"the DER of a client certificate").digest())
    token = bound_token(issuer, {"jkt": client.thumbprint(), "x5t#S256": thumbprint})
    cache = ReplayCache(8)
    with pytest.raises(tokenguard.ProofRequired):
        validator.validate_dpop(
            f"DPoP {token}", proof(client, token, 1), "GET", URI, cache=cache, now=NOW
        )
    assert len(cache) == 0


def test_dpop_rejections_and_challenge(
    issuer: SigningKey, validator: Validator, client: tokenguard.SigningKey
):
    token = bound_token(issuer, {"jkt": client.thumbprint()})
    cache = ReplayCache(8)
    verifier = DpopVerifier(["ES256", "EdDSA"])
    assert verifier.algorithms == ["ES256", "EdDSA"]

    with pytest.raises(tokenguard.InvalidDpopProof) as caught:
        validator.validate_dpop(
            f"DPoP {token}",
            proof(client, token, 2),
            "POST",
            URI,
            cache=cache,
            verifier=verifier,
            now=NOW,
        )
    assert caught.value.status == 401
    assert verifier.www_authenticate(caught.value, realm="api") == (
        'DPoP realm="api", error="invalid_dpop_proof", '
        'error_description="invalid DPoP proof: htm is not the request method", '
        'algs="ES256 EdDSA"'
    )
    assert verifier.www_authenticate() == 'DPoP algs="ES256 EdDSA"'

    with pytest.raises(tokenguard.UseDpopNonce) as nonce_error:
        validator.validate_dpop(
            f"DPoP {token}", proof(client, token, 3), "GET", URI, "n-1", cache=cache, now=NOW
        )
    assert 'error="use_dpop_nonce"' in verifier.www_authenticate(nonce_error.value)
    with_nonce = proof(client, token, 4, nonce="n-1")
    validator.validate_dpop(f"DPoP {token}", with_nonce, "GET", URI, "n-1", cache=cache, now=NOW)

    other = tokenguard.SigningKey.generate("ES256")
    with pytest.raises(tokenguard.InvalidDpopProof):
        validator.validate_dpop(
            f"DPoP {token}", proof(other, token, 5), "GET", URI, cache=cache, now=NOW
        )
    with pytest.raises(tokenguard.ProofRequired):
        validator.validate(token, now=NOW)
    with pytest.raises(tokenguard.Malformed):
        validator.validate_dpop(f"Bearer {token}", with_nonce, "GET", URI, cache=cache, now=NOW)


def test_dpop_proof_signed_by_pyjwt(
    issuer: SigningKey, validator: Validator, keys: dict[str, SigningKey]
):
    # A proof made by another implementation: PyJWT with a cryptography key.
    client = keys["ES256"]
    public = {name: client.public_jwk[name] for name in ("kty", "crv", "x", "y")}
    thumbprint_input = json.dumps(public, separators=(",", ":"), sort_keys=True)
    jkt = b64url(hashlib.sha256(thumbprint_input.encode()).digest())
    token = bound_token(issuer, {"jkt": jkt})
    dpop_claims = {
        "jti": "pyjwt-1",
        "htm": "GET",
        "htu": URI,
        "iat": NOW,
        "ath": b64url(hashlib.sha256(token.encode()).digest()),
    }
    dpop = jwt.encode(
        dpop_claims, client.private, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": public}
    )
    verified = validator.validate_dpop(
        f"DPoP {token}", dpop, "GET", URI, cache=ReplayCache(4), now=NOW
    )
    assert verified.issuer == ISSUER


def test_created_proof_claims(client: tokenguard.SigningKey):
    dpop = proof(client, "token", 9, nonce="n-2")
    header = jwt.get_unverified_header(dpop)
    assert header["typ"] == "dpop+jwt"
    assert sorted(header["jwk"]) == ["crv", "kty", "x", "y"]
    public = jwt.PyJWK(header["jwk"], algorithm="ES256")
    body = jwt.decode(dpop, public.key, algorithms=["ES256"])
    assert body["htu"] == URI
    assert body["ath"] == b64url(hashlib.sha256(b"token").digest())
    assert body["nonce"] == "n-2"
    assert body["jti"] == b64url(bytes([9]) * 16)


def test_replay_cache_full_and_eviction(
    issuer: SigningKey, validator: Validator, client: tokenguard.SigningKey
):
    token = bound_token(issuer, {"jkt": client.thumbprint()})
    cache = ReplayCache(1)
    first = proof(client, token, 1)
    validator.validate_dpop(f"DPoP {token}", first, "GET", URI, cache=cache, now=NOW)
    with pytest.raises(tokenguard.ReplayCacheFull) as caught:
        validator.validate_dpop(
            f"DPoP {token}", proof(client, token, 2), "GET", URI, cache=cache, now=NOW
        )
    assert caught.value.status == 500
    assert cache.evict_expired(now=NOW + 3600) == 1
    assert len(cache) == 0
    with pytest.raises(tokenguard.InvalidConfig):
        ReplayCache(1 << 23)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"algorithms": ["HS256"]}, tokenguard.InvalidConfig),
        ({"algorithms": ["none"]}, tokenguard.UnsupportedAlgorithm),
        ({"leeway": 301}, tokenguard.InvalidConfig),
    ],
)
def test_dpop_verifier_options_rejected(options: dict[str, Any], expected: type[Exception]):
    with pytest.raises(expected):
        DpopVerifier(**options)


def test_certificate_bound_token(issuer: SigningKey, validator: Validator):
    certificate = b"the DER of a client certificate"
    thumbprint = b64url(hashlib.sha256(certificate).digest())
    token = bound_token(issuer, {"x5t#S256": thumbprint})
    verified = validator.validate_certificate_bound(token, certificate, now=NOW)
    assert verified.subject == "user-1"
    with pytest.raises(tokenguard.CertificateMismatch):
        validator.validate_certificate_bound(token, b"another certificate", now=NOW)
    with pytest.raises(tokenguard.MissingClaim):
        validator.validate_certificate_bound(issuer.sign(claims()), certificate, now=NOW)


def test_client_assertion_round_trip(client: tokenguard.SigningKey):
    public_jwk = json.loads(client.public_jwk() or "")
    verifier = AssertionVerifier(
        {"billing": {"keys": [public_jwk]}}, audiences=[TOKEN_ENDPOINT, ISSUER], leeway=30
    )
    cache = ReplayCache(8)
    assertion = create_client_assertion(
        client, client_id="billing", audience=TOKEN_ENDPOINT, now=NOW, jti_random=b"\x07" * 16
    )

    # PyJWT reads the same claims and header.
    key = jwt.PyJWK(public_jwk, algorithm="ES256")
    body = jwt.decode(
        assertion,
        key.key,
        algorithms=["ES256"],
        audience=TOKEN_ENDPOINT,
        options={"verify_exp": False},
    )
    assert body == {
        "iss": "billing",
        "sub": "billing",
        "aud": TOKEN_ENDPOINT,
        "iat": NOW,
        "exp": NOW + 60,
        "jti": b64url(b"\x07" * 16),
    }
    assert jwt.get_unverified_header(assertion) == {"alg": "ES256", "typ": "JWT", "kid": "client-1"}

    verified = verifier.verify(assertion, cache=cache, client_id="billing", now=NOW)
    assert verified.client_id == "billing"
    assert verified.claims["aud"] == TOKEN_ENDPOINT
    with pytest.raises(tokenguard.Replayed):
        verifier.verify(assertion, cache=cache, now=NOW)

    fresh = create_client_assertion(client, client_id="billing", audience=ISSUER)
    with pytest.raises(tokenguard.UnknownClient):
        verifier.verify(fresh, cache=cache, client_id="shipping")
    assert verifier.verify(fresh, cache=cache).client_id == "billing"


def test_client_assertion_per_client_keys():
    # Both keys have one kid, so that only the client id tells them apart.
    billing = tokenguard.SigningKey.generate("ES256", kid="key-1")
    shipping = tokenguard.SigningKey.generate("ES256", kid="key-1")
    clients = {
        "billing": {"keys": [json.loads(billing.public_jwk() or "")]},
        "shipping": {"keys": [json.loads(shipping.public_jwk() or "")]},
    }
    verifier = AssertionVerifier(clients, audiences=[TOKEN_ENDPOINT])
    cache = ReplayCache(16)

    def make(key: tokenguard.SigningKey, client_id: str) -> str:
        return create_client_assertion(key, client_id=client_id, audience=TOKEN_ENDPOINT, now=NOW)

    for key, client_id in [(billing, "billing"), (shipping, "shipping")]:
        assert verifier.verify(make(key, client_id), cache=cache, now=NOW).client_id == client_id
        own = verifier.verify(make(key, client_id), cache=cache, client_id=client_id, now=NOW)
        assert own.client_id == client_id

    # billing's key signing an assertion that names shipping.
    forged = make(billing, "shipping")
    with pytest.raises(tokenguard.BadSignature):
        verifier.verify(forged, cache=cache, now=NOW)
    with pytest.raises(tokenguard.BadSignature):
        verifier.verify(forged, cache=cache, client_id="shipping", now=NOW)
    with pytest.raises(tokenguard.WrongIssuer):
        verifier.verify(forged, cache=cache, client_id="billing", now=NOW)

    with pytest.raises(tokenguard.UnknownClient):
        verifier.verify(make(billing, "stranger"), cache=cache, now=NOW)
    with pytest.raises(tokenguard.UnknownClient):
        verifier.verify(make(billing, "billing"), cache=cache, client_id="stranger", now=NOW)


@pytest.mark.parametrize(
    ("clients", "expected", "message"),
    [
        ({}, tokenguard.InvalidConfig, "at least one client"),
        ({"keys": []}, tokenguard.InvalidConfig, 'clients["keys"] must be'),
        ({"billing": {"keys": {}}}, tokenguard.Malformed, 'clients["billing"]'),
        ({"": {"keys": []}}, tokenguard.InvalidConfig, "client_id"),
        ({1: {"keys": []}}, tokenguard.Malformed, "client id"),
        ([("billing", {"keys": []})], tokenguard.Malformed, "clients must be a mapping"),
        ({"billing": 7}, tokenguard.InvalidConfig, 'clients["billing"] must be'),
    ],
)
def test_assertion_verifier_clients_checked(clients: Any, expected: type, message: str):
    with pytest.raises(expected) as raised:
        AssertionVerifier(clients, audiences=[TOKEN_ENDPOINT])
    assert message in str(raised.value)


def test_client_secret_jwt():
    secret = b"\x2a" * 32
    key = tokenguard.SigningKey.from_hmac_secret("HS256", secret)
    verifier = AssertionVerifier(
        {"c": {"keys": [{"kty": "oct", "k": b64url(secret), "alg": "HS256"}]}},
        audiences=[TOKEN_ENDPOINT],
        algorithms=["HS256"],
    )
    assertion = create_client_assertion(key, client_id="c", audience=TOKEN_ENDPOINT, now=NOW)
    assert verifier.verify(assertion, cache=ReplayCache(2), now=NOW).client_id == "c"
    assert key.public_jwk() is None
    assert key.thumbprint() is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"jti_random": b"\x01" * 15}, tokenguard.InvalidConfig),
        ({"jti_random": b"\x01" * 65}, tokenguard.InvalidConfig),
        ({"lifetime": 0}, tokenguard.InvalidConfig),
        ({"lifetime": 301}, tokenguard.InvalidConfig),
        ({"client_id": ""}, tokenguard.InvalidConfig),
        ({"alg": "ES384"}, tokenguard.KeyMismatch),
        ({"alg": "XS256"}, tokenguard.UnsupportedAlgorithm),
        ({"now": float("nan")}, tokenguard.InvalidConfig),
    ],
)
def test_create_client_assertion_rejected(
    client: tokenguard.SigningKey, options: dict[str, Any], expected: type[Exception]
):
    arguments: dict[str, Any] = {"client_id": "billing", "audience": TOKEN_ENDPOINT, **options}
    with pytest.raises(expected):
        create_client_assertion(client, **arguments)


def test_signing_key_inputs_rejected(keys: dict[str, SigningKey]):
    with pytest.raises(tokenguard.InvalidKey):
        tokenguard.SigningKey.from_jwk(keys["ES256"].public_jwk)
    with pytest.raises(tokenguard.Malformed):
        tokenguard.SigningKey.from_jwk("{not json")
    with pytest.raises(tokenguard.InvalidKey):
        tokenguard.SigningKey.from_der(b"\x30\x03\x02\x01\x00")
    with pytest.raises(tokenguard.WeakKey):
        tokenguard.SigningKey.from_hmac_secret("HS256", b"short")
    with pytest.raises(tokenguard.InvalidConfig):
        tokenguard.SigningKey.generate("RS256")
    with pytest.raises(tokenguard.Malformed):
        tokenguard.SigningKey.from_jwk(42)
    rsa = keys["RS256"]
    from cryptography.hazmat.primitives import serialization

    der = rsa.private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = tokenguard.SigningKey.from_der(der, kid=rsa.kid)
    with pytest.raises(tokenguard.InvalidConfig):
        create_dpop_proof(key, method="GET", uri=URI)
    token = key.sign_jws(json.dumps(claims()).encode(), alg="RS256", typ="at+jwt")
    verified = Validator(jwks(rsa), issuers=ISSUER, audiences=AUDIENCE).validate(token, now=NOW)
    assert verified.header["kid"] == rsa.kid
