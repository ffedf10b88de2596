"""The interop test's oidc-provider server (interop/server.mjs) on 127.0.0.1.

It needs Node.js with npm; the pinned package is installed with ``npm ci`` when
``interop/node_modules`` lacks it. A missing ``node`` or ``npm`` fails the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis_server import free_port

INTEROP = Path(__file__).resolve().parents[2] / "interop"
STARTUP_SECONDS = 30.0

#: The client that obtains and revokes tokens, as server.mjs configures it.
HOLDER_ID = "tokenguard-interop"
HOLDER_SECRET = "interop-client-secret"
#: The API's own client, which introspects. The secret has characters that
#: client_secret_basic must form-urlencode.
API_ID = "tokenguard-api"
API_SECRET = "api secret:%+&=/~"
OPAQUE_RESOURCE = "urn:tokenguard:interop:opaque"
JWT_RESOURCE = "urn:tokenguard:interop:rs256"
#: The service-to-service clients, registered when the server is given their
#: keys (INTEROP_JWT_CLIENT_JWKS) or TLS settings (INTEROP_TLS_*).
JWT_CLIENT_ID = "tokenguard-jwt-client"
DPOP_CLIENT_ID = "tokenguard-dpop-client"
MTLS_CLIENT_ID = "tokenguard-mtls-client"
MTLS_SUBJECT = "tokenguard-mtls-client"


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; the oidc-provider tests need Node.js 20 with npm")
    return found


class OidcProvider:
    """A running ``node interop/server.mjs``; :meth:`close` stops it.

    ``environment`` adds variables for the server, such as the service clients'
    settings that server.mjs describes.
    """

    def __init__(self, log_path: Path, environment: Mapping[str, str] | None = None) -> None:
        node = require_tool("node")
        if not (INTEROP / "node_modules" / "oidc-provider").is_dir():
            npm = require_tool("npm")
            command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
            subprocess.run(command, cwd=INTEROP, check=True, timeout=600)

        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        variables = {**os.environ, "INTEROP_API_CLIENT_SECRET": API_SECRET, **(environment or {})}
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            [node, str(INTEROP / "server.mjs"), str(self.port)],
            cwd=INTEROP,
            env=variables,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(timeout=10, trust_env=False)
        self.metadata = self._wait_for_discovery()

    def _wait_for_discovery(self) -> dict[str, Any]:
        url = self.issuer + "/.well-known/openid-configuration"
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if self.process.poll() is not None:
                self.close()
                pytest.fail(f"oidc-provider exited: {self.log_path.read_text(errors='replace')}")
            try:
                response = self.http.get(url)
                if response.status_code == 200:
                    metadata: dict[str, Any] = response.json()
                    return metadata
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.close()
                pytest.fail(f"oidc-provider did not serve {url} within {STARTUP_SECONDS} s")
            time.sleep(0.1)

    @property
    def token_endpoint(self) -> str:
        endpoint: str = self.metadata["token_endpoint"]
        return endpoint

    @property
    def introspection_endpoint(self) -> str:
        endpoint: str = self.metadata["introspection_endpoint"]
        return endpoint

    def jwks(self) -> dict[str, Any]:
        keys: dict[str, Any] = self.http.get(self.metadata["jwks_uri"]).json()
        return keys

    def issue(self, resource: str = OPAQUE_RESOURCE, scope: str = "api:read") -> str:
        """Return a client credentials access token for ``resource``."""
        response = self.http.post(
            self.metadata["token_endpoint"],
            auth=(HOLDER_ID, HOLDER_SECRET),
            data={"grant_type": "client_credentials", "resource": resource, "scope": scope},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def revoke(self, token: str) -> None:
        """Revoke ``token`` at the RFC 7009 endpoint, as the client it was issued to."""
        response = self.http.post(
            self.metadata["revocation_endpoint"],
            auth=(HOLDER_ID, HOLDER_SECRET),
            data={"token": token, "token_type_hint": "access_token"},
        )
        assert response.status_code == 200, response.text

    def close(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
