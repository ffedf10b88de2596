"""The README examples as real servers: FastAPI under uvicorn and Flask under wsgiref.

Both run on 127.0.0.1 with a JWKS server that rotates its keys during the test,
and are called over HTTP with httpx.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from conftest import SigningKey, claims, make_key
from servers import EXAMPLES, KeyServer, load_example, serve_fastapi


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_flask(app: Any) -> Iterator[str]:
    httpd = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(10)


def live_claims(issuer: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return claims(**{"iss": issuer, "iat": now - 5, "exp": now + 300, **overrides})


@pytest.fixture
def first_key() -> SigningKey:
    return make_key("ES256", "first")


@pytest.fixture
def issuer(first_key: SigningKey) -> Iterator[KeyServer]:
    server = KeyServer(first_key)
    yield server
    server.close()


@pytest.fixture(params=["fastapi", "flask"])
def api(
    request: pytest.FixtureRequest, issuer: KeyServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    module = load_example(f"{request.param}_app", issuer.url, monkeypatch)
    serve = serve_fastapi if request.param == "fastapi" else serve_flask
    yield from serve(module.app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token(api: str, issuer: KeyServer, first_key: SigningKey):
    response = httpx.get(api + "/orders", headers=bearer(first_key.sign(live_claims(issuer.url))))
    assert response.status_code == 200
    assert response.json() == {"subject": "user-1"}


def test_missing_token(api: str):
    response = httpx.get(api + "/orders")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="orders"'
    assert response.json()["error"] == "invalid_token"
    assert "error_description" in response.json()


def test_token_only_from_header(api: str, issuer: KeyServer, first_key: SigningKey):
    token = first_key.sign(live_claims(issuer.url))
    response = httpx.get(
        api + "/orders", params={"access_token": token}, cookies={"access_token": token}
    )
    assert response.status_code == 401


def test_expired_token(api: str, issuer: KeyServer, first_key: SigningKey):
    now = int(time.time())
    token = first_key.sign(live_claims(issuer.url, iat=now - 900, exp=now - 600))
    response = httpx.get(api + "/orders", headers=bearer(token))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="orders", error="invalid_token"')
    assert response.json()["error"] == "invalid_token"
    assert "expired" in response.json()["error_description"]


def test_missing_scope(api: str, issuer: KeyServer, first_key: SigningKey):
    token = first_key.sign(live_claims(issuer.url, scope="profile"))
    response = httpx.get(api + "/orders", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert 'scope="orders:read"' in response.headers["www-authenticate"]
    assert response.json()["error"] == "insufficient_scope"


def test_other_scheme(api: str):
    response = httpx.get(api + "/orders", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="orders"'


def test_malformed_header(api: str):
    response = httpx.get(api + "/orders", headers={"Authorization": "Bearer a b"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_repeated_header(api: str, issuer: KeyServer, first_key: SigningKey):
    token = first_key.sign(live_claims(issuer.url))
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    response = httpx.get(api + "/orders", headers=headers)
    assert response.status_code == 400


def test_keys_rotate(api: str, issuer: KeyServer, first_key: SigningKey):
    old = first_key.sign(live_claims(issuer.url))
    assert httpx.get(api + "/orders", headers=bearer(old)).status_code == 200
    second = make_key("EdDSA", "second")
    issuer.rotate(second)
    new = second.sign(live_claims(issuer.url))
    assert httpx.get(api + "/orders", headers=bearer(new)).status_code == 200
    response = httpx.get(api + "/orders", headers=bearer(old))
    assert response.status_code == 401
    assert "kid" in response.json()["error_description"]
    assert issuer.count() == 2


def test_examples_short():
    for name in ("fastapi_app.py", "flask_app.py"):
        lines = [line for line in (EXAMPLES / name).read_text().splitlines() if line.strip()]
        assert len(lines) < 15, name


def test_readme_shows_examples():
    readme = (EXAMPLES.parent / "README.md").read_text()
    for name in ("fastapi_app.py", "flask_app.py"):
        assert (EXAMPLES / name).read_text().strip() in readme, name
