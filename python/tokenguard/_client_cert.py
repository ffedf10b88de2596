"""The client certificate that a TLS-terminating proxy forwards in a request header.

When a proxy such as nginx or Envoy terminates mutual TLS, the application gets
a plain HTTP connection from the proxy, and the proxy passes the client's
certificate on in a header. Anyone who can reach the application directly can
send that header with any certificate, so :class:`ClientCertificateHeader`
reads it only from requests whose TCP peer is a configured trusted proxy, and
the integrations remove it from every other request before the application
sees it. The certificate's DER then goes to
:meth:`~tokenguard.Validator.validate_certificate_bound` (RFC 8705 section 3).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any, Union
from urllib.parse import unquote

from tokenguard._errors import InvalidConfig

#: Maximum length of a header value, in bytes. A certificate takes a few KiB,
#: and an Envoy header may also carry the chain and the subject.
MAX_HEADER_BYTES = 65536
#: Maximum size of a certificate, in bytes of DER.
MAX_CERTIFICATE_BYTES = 16384

ENCODINGS = ("pem", "xfcc", "base64-der")

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# RFC 9110 section 5.1: a field name is a token.
_FIELD_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PEM = re.compile(
    r"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END CERTIFICATE-----", re.ASCII
)


class ClientCertificateHeader:
    """Reads the client certificate a trusted proxy forwards, by header and format.

    ``trusted_proxies`` are the addresses or networks (``"10.0.0.0/8"``,
    ``"::1"``) of the proxies that terminate TLS and set ``header``. The TCP peer
    of a request must be one of them, or the header is ignored. ``encoding`` is
    how the proxy writes the certificate:

    - ``"pem"``: a PEM certificate, URL-encoded or not. nginx sends it with
      ``proxy_set_header X-Client-Cert $ssl_client_escaped_cert;``, and an empty
      value when the client sent no certificate.
    - ``"xfcc"``: Envoy's ``x-forwarded-client-cert``, whose last element (the
      one the nearest Envoy added) must carry the URL-encoded PEM in ``Cert=``,
      which ``set_current_client_cert_details`` with ``cert: true`` adds.
    - ``"base64-der"``: the base64 of the DER, as HAProxy's ``ssl_c_der,base64``
      writes it.

    The proxy must replace the header, never pass on one the client sent, and
    the application server must report the proxy's address as the peer. uvicorn
    0.55 by default replaces the peer of requests from 127.0.0.1 and ::1 with the
    address in ``X-Forwarded-For``. The certificate of such a request is ignored
    unless that address is trusted too, so run uvicorn with
    ``--no-proxy-headers`` behind such a proxy.
    """

    def __init__(
        self,
        trusted_proxies: Iterable[str],
        *,
        header: str = "X-Client-Cert",
        encoding: str = "pem",
    ) -> None:
        if isinstance(trusted_proxies, str):
            raise InvalidConfig("trusted_proxies must be a list of addresses, not one str")
        networks: list[Network] = []
        for proxy in trusted_proxies:
            try:
                networks.append(ipaddress.ip_network(proxy, strict=False))
            except (TypeError, ValueError):
                raise InvalidConfig(
                    f"invalid trusted proxy {proxy!r}: expected an IP address or network"
                ) from None
        if not networks:
            raise InvalidConfig("trusted_proxies must name at least one proxy")
        token_chars = isinstance(header, str) and re.fullmatch(
            r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", header
        )
        if not token_chars:
            raise InvalidConfig(f"header must be an HTTP field name, not {header!r}")
        if encoding not in ENCODINGS:
            raise InvalidConfig(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
        self.trusted_proxies = tuple(networks)
        self.header = header.lower()
        self.encoding = encoding
        self._asgi_name = self.header.encode("ascii")
        self._wsgi_key = "HTTP_" + self.header.upper().replace("-", "_")

    def is_trusted(self, peer: str | None) -> bool:
        """Return whether ``peer``, a TCP peer's IP address, is a trusted proxy."""
        address = _address(peer)
        return address is not None and any(address in network for network in self.trusted_proxies)

    def certificate(self, peer: str | None, values: Sequence[str | bytes]) -> bytes | None:
        """Return the DER of the forwarded certificate, or ``None`` when there is none.

        ``values`` are every value of the header in the request. A request whose
        peer is not trusted has no certificate, whatever it sent. Raises
        ``ValueError`` for a header from a trusted proxy that is repeated,
        too long or not in ``encoding``.
        """
        if not self.is_trusted(peer) or not values:
            return None
        if len(values) > 1:
            raise ValueError(f"the {self.header} header is repeated")
        value = values[0]
        if isinstance(value, bytes):
            try:
                value = value.decode("ascii")
            except UnicodeDecodeError:
                raise ValueError(f"the {self.header} header is not ASCII") from None
        if len(value) > MAX_HEADER_BYTES:
            raise ValueError(f"the {self.header} header is longer than {MAX_HEADER_BYTES} bytes")
        value = value.strip()
        if self.encoding == "xfcc":
            found = _xfcc_certificate(value)
            return None if found is None else _pem_der(unquote(found))
        if not value:
            return None
        if self.encoding == "pem":
            return _pem_der(unquote(value))
        return _der(_base64(unquote(value)))

    def asgi_certificate(self, scope: MutableMapping[str, Any]) -> bytes | None:
        """Return the certificate of an ASGI request, as :meth:`certificate` does."""
        values = [value for name, value in scope.get("headers", ()) if name == self._asgi_name]
        client = scope.get("client")
        return self.certificate(client[0] if client else None, values)

    def strip_untrusted_asgi(self, scope: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        """Return ``scope``, or a copy without the header when the peer is not trusted."""
        client = scope.get("client")
        if self.is_trusted(client[0] if client else None):
            return scope
        headers = scope.get("headers", ())
        if not any(name == self._asgi_name for name, _ in headers):
            return scope
        kept = [(name, value) for name, value in headers if name != self._asgi_name]
        return {**scope, "headers": kept}

    def wsgi_certificate(self, environ: MutableMapping[str, Any]) -> bytes | None:
        """Return the certificate of a WSGI request, and remove an untrusted header.

        The peer is ``REMOTE_ADDR``, or the one Werkzeug's ``ProxyFix`` replaced.
        A WSGI server joins repeated headers into one value, so a client that
        adds a second header to the proxy's makes it invalid, never accepted.
        """
        original = environ.get("werkzeug.proxy_fix.orig")
        if isinstance(original, dict) and "REMOTE_ADDR" in original:
            peer = original["REMOTE_ADDR"]
        else:
            peer = environ.get("REMOTE_ADDR")
        if not self.is_trusted(peer):
            environ.pop(self._wsgi_key, None)
            return None
        value = environ.get(self._wsgi_key)
        return self.certificate(peer, [] if value is None else [value])

    def __repr__(self) -> str:
        proxies = [str(network) for network in self.trusted_proxies]
        return f"ClientCertificateHeader({proxies!r}, header={self.header!r})"


def _address(peer: str | None) -> Address | None:
    if not isinstance(peer, str):
        return None
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return None
    # A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _pem_der(text: str) -> bytes:
    matches = _PEM.findall(text)
    if len(matches) != 1 or _PEM.sub("", text).strip():
        raise ValueError("the forwarded certificate is not one PEM certificate")
    return _der(_base64("".join(matches[0].split())))


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the forwarded certificate is not valid base64") from None


def _der(der: bytes) -> bytes:
    """Return ``der`` when it is exactly one DER SEQUENCE, as a certificate is."""
    if len(der) > MAX_CERTIFICATE_BYTES:
        raise ValueError(f"the forwarded certificate is larger than {MAX_CERTIFICATE_BYTES} bytes")
    if len(der) < 2 or der[0] != 0x30:
        raise ValueError("the forwarded certificate is not DER")
    # X.690 section 8.1.3: a short length below 0x80, or 0x80 + n length bytes.
    first = der[1]
    if first < 0x80:
        length, start = first, 2
    else:
        count = first - 0x80
        if not 1 <= count <= 2 or len(der) < 2 + count:
            raise ValueError("the forwarded certificate is not DER")
        length, start = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    if start + length != len(der):
        raise ValueError("the forwarded certificate has a wrong length or trailing data")
    return der


def _xfcc_certificate(value: str) -> str | None:
    """Return the ``Cert`` of the last element of an ``x-forwarded-client-cert`` value."""
    if not value:
        return None
    elements = _split_unquoted(value, ",")
    cert = None
    for pair in _split_unquoted(elements[-1], ";"):
        key, equals, text = pair.partition("=")
        if not equals:
            raise ValueError("the x-forwarded-client-cert element has a part without '='")
        if key.strip().lower() == "cert":
            # Envoy writes one Cert per element. With two, a reader that keeps the
            # first and one that keeps the last would bind different certificates.
            if cert is not None:
                raise ValueError("the x-forwarded-client-cert element has more than one Cert")
            cert = _unquote_xfcc(text.strip())
    return cert or None


def _split_unquoted(text: str, separator: str) -> list[str]:
    """Split ``text`` at ``separator`` where it is outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise ValueError("the x-forwarded-client-cert value has an unterminated quote")
    parts.append("".join(current))
    return parts


def _unquote_xfcc(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text
