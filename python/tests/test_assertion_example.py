"""The README's receiving-side client assertion example, with two clients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from servers import load_example

from tokenguard import SigningKey, create_client_assertion

TOKEN_ENDPOINT = "https://auth.example.com/token"


@pytest.fixture
def keys() -> dict[str, SigningKey]:
    # Both keys have one kid, so that only the client id tells them apart.
    return {name: SigningKey.generate("ES256", kid="key-1") for name in ("billing", "shipping")}


@pytest.fixture
def app(keys: dict[str, SigningKey], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    clients = {
        client_id: {"keys": [json.loads(key.public_jwk() or "")]} for client_id, key in keys.items()
    }
    clients_file = tmp_path / "clients.json"
    clients_file.write_text(json.dumps(clients), encoding="utf-8")
    monkeypatch.setenv("CLIENTS_FILE", str(clients_file))
    monkeypatch.setenv("TOKEN_ENDPOINT", TOKEN_ENDPOINT)
    return load_example("assertion_api", "https://auth.example.com", monkeypatch).app


def post(app: Any, assertion: str, client_id: str | None = None) -> tuple[int, dict[str, Any]]:
    form = {"client_assertion": assertion}
    if client_id is not None:
        form["client_id"] = client_id
    response = app.test_client().post("/token", data=form)
    return response.status_code, response.get_json()


def assertion(key: SigningKey, client_id: str) -> str:
    return create_client_assertion(key, client_id=client_id, audience=TOKEN_ENDPOINT)


def test_each_client_authenticated(app: Any, keys: dict[str, SigningKey]):
    for client_id, key in keys.items():
        assert post(app, assertion(key, client_id)) == (200, {"client_id": client_id})
        assert post(app, assertion(key, client_id), client_id) == (200, {"client_id": client_id})


def test_replayed_assertion_rejected(app: Any, keys: dict[str, SigningKey]):
    billing = assertion(keys["billing"], "billing")
    assert post(app, billing)[0] == 200
    status, body = post(app, billing)
    assert status == 401
    assert body["error"] == "invalid_client"
    assert "already used" in body["error_description"]


@pytest.mark.parametrize("client_id", [None, "shipping"])
def test_other_clients_key_rejected(app: Any, keys: dict[str, SigningKey], client_id: str | None):
    forged = assertion(keys["billing"], "shipping")
    status, body = post(app, forged, client_id)
    assert status == 401
    assert body["error_description"] == "signature verification failed"


def test_unknown_client_rejected(app: Any, keys: dict[str, SigningKey]):
    status, body = post(app, assertion(keys["billing"], "stranger"))
    assert status == 401
    assert "no registered keys" in body["error_description"]
