"""Reading a client certificate from a TLS-terminating proxy's header."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from certificates import Certificate, issue, make_ca

import tokenguard
from tokenguard import ClientCertificateHeader

PROXY = "10.0.0.5"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    folder: Path = tmp_path_factory.mktemp("certificates")
    return issue(make_ca(folder), folder, "client", "billing", server=False)


def pem_header() -> ClientCertificateHeader:
    return ClientCertificateHeader(["10.0.0.0/24", "::1"])


def test_nginx_escaped_pem(certificate: Certificate):
    # nginx's $ssl_client_escaped_cert: the PEM with every reserved byte escaped.
    value = quote(certificate.pem, safe="")
    assert "%0A" in value
    assert pem_header().certificate(PROXY, [value]) == certificate.der


def test_plain_pem_with_spaces(certificate: Certificate):
    # Some proxies put the PEM on one line, with spaces for its line breaks.
    value = certificate.pem.replace("\n", " ")
    assert pem_header().certificate(PROXY, [value.encode()]) == certificate.der


def test_base64_der(certificate: Certificate):
    header = ClientCertificateHeader([PROXY], header="X-SSL-Client-DER", encoding="base64-der")
    value = base64.b64encode(certificate.der).decode()
    assert header.certificate(PROXY, [value]) == certificate.der


def test_envoy_xfcc_last_element(certificate: Certificate):
    header = ClientCertificateHeader([PROXY], header="x-forwarded-client-cert", encoding="xfcc")
    escaped = quote(certificate.pem, safe="")
    # A client-supplied element first, then the one the nearest Envoy appended,
    # with a quoted subject that contains the separators.
    value = (
        'By=spiffe://evil;Cert="garbage",'
        f'By=spiffe://example/api;Hash=ab12;Subject="CN=billing,O=\\"Example; Inc\\"";'
        f'Cert="{escaped}";URI=spiffe://example/billing'
    )
    assert header.certificate(PROXY, [value]) == certificate.der
    assert header.certificate(PROXY, ["By=spiffe://example/api;Hash=ab12"]) is None


@pytest.mark.parametrize("peer", ["192.0.2.1", "10.0.1.5", None, "not an address", "::2"])
def test_untrusted_peer_ignored(certificate: Certificate, peer: str | None):
    assert pem_header().certificate(peer, [quote(certificate.pem)]) is None


@pytest.mark.parametrize("peer", ["10.0.0.200", "::ffff:10.0.0.7", "::1"])
def test_trusted_peers(certificate: Certificate, peer: str):
    assert pem_header().certificate(peer, [quote(certificate.pem)]) == certificate.der


def test_no_certificate(certificate: Certificate):
    assert pem_header().certificate(PROXY, []) is None
    # nginx sends an empty value when the client presented no certificate.
    assert pem_header().certificate(PROXY, [""]) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----", "not one PEM"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "not DER"),
        ("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----x", "not one PEM"),
        ("-----BEGIN CERTIFICATE-----\nMAIA\n-----END CERTIFICATE-----", "wrong length"),
        ("-----BEGIN CERTIFICATE-----\nMAAA\n-----END CERTIFICATE-----", "trailing data"),
        ("-----BEGIN CERTIFICATE-----\nMA\n-----END CERTIFICATE-----", "not valid base64"),
        ("just text", "not one PEM"),
    ],
)
def test_invalid_pem_rejected(value: str, reason: str):
    with pytest.raises(ValueError, match=reason):
        pem_header().certificate(PROXY, [quote(value)])


def test_two_certificates_rejected(certificate: Certificate):
    with pytest.raises(ValueError, match="not one PEM"):
        pem_header().certificate(PROXY, [quote(certificate.pem * 2)])


def test_repeated_header_rejected(certificate: Certificate):
    value = quote(certificate.pem)
    with pytest.raises(ValueError, match="repeated"):
        pem_header().certificate(PROXY, [value, value])


def test_oversized_header_rejected():
    with pytest.raises(ValueError, match="longer than 65536 bytes"):
        pem_header().certificate(PROXY, ["A" * 70_000])


def test_non_ascii_header_rejected():
    with pytest.raises(ValueError, match="not ASCII"):
        pem_header().certificate(PROXY, ["caf\u00e9".encode()])


def test_xfcc_unterminated_quote_rejected():
    header = ClientCertificateHeader([PROXY], encoding="xfcc")
    with pytest.raises(ValueError, match="unterminated quote"):
        header.certificate(PROXY, ['Cert="abc'])


@pytest.mark.parametrize(
    "cert_keys",
    [
        "Cert={pem};Cert={pem}",
        "Cert={pem};cert={pem}",
        'Cert="{pem}"; CERT={pem}',
        "Cert=;Cert={pem}",
    ],
)
def test_xfcc_repeated_cert_rejected(certificate: Certificate, cert_keys: str):
    # Two Cert keys in the element the nearest Envoy added: neither may be chosen.
    header = ClientCertificateHeader([PROXY], header="x-forwarded-client-cert", encoding="xfcc")
    value = "By=spiffe://example/api;Hash=ab12;" + cert_keys.format(
        pem=quote(certificate.pem, safe="")
    )
    with pytest.raises(ValueError, match="more than one Cert"):
        header.certificate(PROXY, [value])


@pytest.mark.parametrize(
    "value",
    [
        # A second certificate after a line break, or bytes around the first.
        "{pem}%0A{pem}",
        "x{pem}",
        "{pem}%00",
        # A private key block beside the certificate.
        "{pem}%0A-----BEGIN%20PRIVATE%20KEY-----%0AMAA%3D%0A-----END%20PRIVATE%20KEY-----",
        # Escaped twice: one unquote leaves percent signs, which are not base64.
        "{double}",
    ],
)
def test_pem_smuggling_rejected(certificate: Certificate, value: str):
    escaped = quote(certificate.pem, safe="")
    text = value.format(pem=escaped, double=quote(escaped, safe=""))
    with pytest.raises(ValueError, match="not one PEM"):
        pem_header().certificate(PROXY, [text])


def test_strip_untrusted_asgi(certificate: Certificate):
    header = pem_header()
    headers = [(b"x-client-cert", b"forged"), (b"host", b"api")]
    untrusted = {"type": "http", "client": ("192.0.2.1", 5000), "headers": headers}
    stripped = header.strip_untrusted_asgi(untrusted)
    assert stripped["headers"] == [(b"host", b"api")]
    assert untrusted["headers"] == headers
    trusted = {**untrusted, "client": (PROXY, 5000)}
    assert header.strip_untrusted_asgi(trusted) is trusted


def test_wsgi_environ(certificate: Certificate):
    header = pem_header()
    environ: dict[str, Any] = {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_CLIENT_CERT": "forged"}
    assert header.wsgi_certificate(environ) is None
    assert "HTTP_X_CLIENT_CERT" not in environ
    # Werkzeug's ProxyFix replaces REMOTE_ADDR and keeps the peer's address.
    environ = {
        "REMOTE_ADDR": "198.51.100.7",
        "werkzeug.proxy_fix.orig": {"REMOTE_ADDR": PROXY},
        "HTTP_X_CLIENT_CERT": quote(certificate.pem),
    }
    assert header.wsgi_certificate(environ) == certificate.der


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"trusted_proxies": "10.0.0.1"}, "list of addresses"),
        ({"trusted_proxies": []}, "at least one"),
        ({"trusted_proxies": ["proxy.internal"]}, "invalid trusted proxy"),
        ({"trusted_proxies": [PROXY], "header": "X Client Cert"}, "field name"),
        ({"trusted_proxies": [PROXY], "encoding": "der"}, "encoding"),
    ],
)
def test_invalid_options_rejected(arguments: dict[str, Any], message: str):
    with pytest.raises(tokenguard.InvalidConfig, match=message):
        ClientCertificateHeader(**arguments)
