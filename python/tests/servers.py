"""Test servers on 127.0.0.1: a JWKS and discovery endpoint, an introspection
endpoint, and the example apps under uvicorn."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from conftest import SigningKey

EXAMPLES = Path(__file__).parent.parent / "examples"


class KeyServer:
    """An issuer's JWKS endpoint whose keys, headers and status a test can change."""

    def __init__(self, *keys: SigningKey) -> None:
        self.lock = threading.Lock()
        self.keys = list(keys)
        self.cache_control: str | None = "max-age=300"
        self.status = 200
        self.body: bytes | None = None
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.jwks_url = self.url + "/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def rotate(self, *keys: SigningKey) -> None:
        with self.lock:
            self.keys = list(keys)

    def count(self, path: str = "/jwks.json") -> int:
        with self.lock:
            return self.requests.count(path)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append(request.path)
            if request.path == "/.well-known/openid-configuration":
                body = json.dumps({"issuer": self.url, "jwks_uri": self.jwks_url}).encode()
            elif request.path == "/jwks.json":
                body = self.body or json.dumps({"keys": [k.public_jwk for k in self.keys]}).encode()
            else:
                body = b"{}"
            status = self.status if request.path == "/jwks.json" else 200
            cache_control = self.cache_control
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        if cache_control is not None:
            request.send_header("Cache-Control", cache_control)
        request.end_headers()
        request.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


class IntrospectionServer:
    """An introspection endpoint whose answer a test sets, recording each request.

    ``answer`` is the JSON object (or, with ``body``, the raw bytes) returned with
    ``status`` and ``content_type``; ``delay`` holds the answer back, in seconds.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answer: dict[str, Any] = {"active": False}
        self.body: bytes | None = None
        self.status = 200
        self.content_type = "application/json"
        self.delay = 0.0
        self.extra_headers: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/introspect"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def last(self) -> dict[str, Any]:
        with self.lock:
            return self.requests[-1]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        form = parse_qs(request.rfile.read(length).decode(), keep_blank_values=True)
        with self.lock:
            self.requests.append({"headers": dict(request.headers), "form": form})
            body = self.body if self.body is not None else json.dumps(self.answer).encode()
            status, content_type, delay = self.status, self.content_type, self.delay
            extra = dict(self.extra_headers)
        if delay:
            time.sleep(delay)
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            request.send_header(name, value)
        request.end_headers()
        try:
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def load_example(name: str, issuer: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("ISSUER", issuer)
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve_fastapi(app: Any, port: int = 0) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


class TokenServer:
    """A token endpoint that sends the responses a test queues, recording each
    request's headers and form.

    :meth:`respond` queues one response. Without one queued, the server issues a
    new bearer token, ``token-<n>``, with ``expires_in`` 300 and the media type
    ``application/json``.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[int, bytes, dict[str, str], float]] = []
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/token"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def respond(
        self,
        status: int = 200,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Queue one response. A dict body is sent as JSON."""
        if body is None:
            body = {"access_token": "queued", "token_type": "Bearer", "expires_in": 300}
        encoded = json.dumps(body).encode() if isinstance(body, dict) else body
        fields = {"Content-Type": "application/json", **(headers or {})}
        with self.lock:
            self.answers.append((status, encoded, fields, delay))

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", "0"))
        form = parse_qs(request.rfile.read(length).decode(), keep_blank_values=True)
        with self.lock:
            self.requests.append({"headers": dict(request.headers), "form": form})
            number = len(self.requests)
            if self.answers:
                status, body, headers, delay = self.answers.pop(0)
            else:
                token: dict[str, Any] = {"access_token": f"token-{number}", "expires_in": 300}
                body = json.dumps({**token, "token_type": "Bearer"}).encode()
                status, headers, delay = 200, {"Content-Type": "application/json"}, 0.0
        if delay:
            time.sleep(delay)
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        try:
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
