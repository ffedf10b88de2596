"""DPoP on the resource server's side: the settings of routes that require DPoP.

:class:`DpopSettings` contains what the ASGI, FastAPI and Flask integrations need to
check a DPoP-bound request (RFC 9449 section 7): the external URL a proof's
``htu`` must name, the :class:`~tokenguard.DpopVerifier`, the
:class:`~tokenguard.ReplayCache` that makes each proof single-use, and
optionally :class:`DpopNonces`, server-chosen nonces (RFC 9449 section 9) that
bound how long a proof made in advance stays usable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import re
import time
from typing import Callable
from urllib.parse import urlsplit

from tokenguard._errors import InvalidConfig
from tokenguard._native import DpopVerifier, ReplayCache

#: Default capacity of the replay cache a :class:`DpopSettings` makes.
DEFAULT_REPLAY_ENTRIES = 100_000
#: Default time a nonce is current, in seconds. A nonce is accepted for up to
#: twice as long, because the previous one is still accepted.
DEFAULT_NONCE_LIFETIME = 300
#: Shortest accepted nonce secret, in bytes.
MIN_NONCE_SECRET_BYTES = 16
#: Bytes of the HMAC kept in a nonce: 128 bits, written as 22 base64url characters.
NONCE_BYTES = 16

# Unreserved, percent-encoded and sub-delimiter characters, ':' and the brackets
# of an IP literal (RFC 3986 section 3.2.2).
_AUTHORITY = re.compile(r"[A-Za-z0-9\-._~%!$&'()*+,;=:\[\]]+", re.ASCII)


class DpopNonces:
    """Nonces that a resource server asks DPoP proofs to carry, changing every ``lifetime``.

    The nonce of a time window is an HMAC-SHA256 of the window's number under
    ``secret``, so every API instance given the same secret issues and accepts
    the same nonces without sharing state. Without ``secret``, 32 random bytes
    are drawn, and a client whose requests reach another instance is asked for a
    new nonce there. A proof may carry the current nonce or the previous
    window's, so that a nonce sent just before a change still works once.
    ``lifetime`` is in seconds, and ``clock`` returns Unix seconds.
    """

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        lifetime: int = DEFAULT_NONCE_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if secret is None:
            secret = os.urandom(32)
        if not isinstance(secret, bytes) or len(secret) < MIN_NONCE_SECRET_BYTES:
            raise InvalidConfig(f"secret must be at least {MIN_NONCE_SECRET_BYTES} bytes")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime < 1:
            raise InvalidConfig("lifetime must be a positive int of seconds")
        self._secret = secret
        self.lifetime = lifetime
        self._clock = clock

    def current(self) -> str:
        """Return the nonce to send in ``DPoP-Nonce`` now."""
        return self._nonce(self._window())

    def accepted(self) -> tuple[str, str]:
        """Return the current nonce and the previous one, both still accepted."""
        window = self._window()
        return self._nonce(window), self._nonce(window - 1)

    def _window(self) -> int:
        now = self._clock()
        if not math.isfinite(now):
            raise InvalidConfig("the clock returned a time that is not finite")
        return int(now // self.lifetime)

    def _nonce(self, window: int) -> str:
        message = b"tokenguard dpop nonce\0" + window.to_bytes(8, "big", signed=True)
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()[:NONCE_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def __repr__(self) -> str:
        return f"DpopNonces(lifetime={self.lifetime})"


class DpopSettings:
    """How the integrations check requests on the routes that require DPoP.

    ``base_url`` is the scheme, host and any path prefix that clients use to
    reach this API, such as ``https://api.example.com``. The request's path is
    appended to it to form the URI that a proof's ``htu`` must name; the query
    string is never part of it. The URI is not taken from the request's ``Host``
    header, because a client chooses that header. Behind a proxy that passes it
    on unchecked, a proof made for another API that accepts the same tokens
    would pass here. ``trust_host_header=True`` in place of ``base_url`` builds
    the URI from the request's scheme and ``Host`` all the same, for a server
    reached only through a proxy that sets ``Host`` to a fixed value.

    ``verifier`` checks the proofs (default: ``DpopVerifier()``), and
    ``replay_cache`` (default: room for 100000 proofs) records them so that each
    is accepted once. ``nonces``, when given, makes every proof carry a nonce from
    the ``DPoP-Nonce`` header of an earlier response.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        trust_host_header: bool = False,
        verifier: DpopVerifier | None = None,
        replay_cache: ReplayCache | None = None,
        nonces: DpopNonces | None = None,
    ) -> None:
        if (base_url is None) != trust_host_header:
            if base_url is None:
                raise InvalidConfig(
                    "pass base_url, the URL clients use to reach this API; the Host header "
                    "is used only with trust_host_header=True"
                )
            raise InvalidConfig("pass either base_url or trust_host_header=True, not both")
        if base_url is not None:
            parts = urlsplit(base_url) if isinstance(base_url, str) else None
            if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
                raise InvalidConfig(f"base_url must be an http or https URL, not {base_url!r}")
            if parts.query or parts.fragment:
                raise InvalidConfig("base_url must have no query string or fragment")
            base_url = base_url.rstrip("/")
        if verifier is not None and not isinstance(verifier, DpopVerifier):
            raise InvalidConfig("verifier must be a tokenguard.DpopVerifier")
        if replay_cache is not None and not isinstance(replay_cache, ReplayCache):
            raise InvalidConfig("replay_cache must be a tokenguard.ReplayCache")
        if nonces is not None and not isinstance(nonces, DpopNonces):
            raise InvalidConfig("nonces must be a tokenguard.DpopNonces")
        self.base_url = base_url
        self.trust_host_header = trust_host_header
        self.verifier = verifier if verifier is not None else DpopVerifier()
        self.replay_cache = (
            replay_cache if replay_cache is not None else ReplayCache(DEFAULT_REPLAY_ENTRIES)
        )
        self.nonces = nonces

    def request_uri(self, scheme: str, host: str | None, path: str) -> str:
        """Return the URI a proof for a request to ``path`` must name in ``htu``.

        ``path`` is the request's path as sent, percent-encoding included.
        ``scheme`` and ``host`` are read only with ``trust_host_header``.
        """
        if self.base_url is not None:
            return self.base_url + path
        # RFC 3986 section 3.2: a host and port use only these characters. Any other,
        # such as '#', '?', '@' or '/', would move the boundary between authority and
        # path, so that a proof made for another URI would match.
        if not isinstance(host, str) or not _AUTHORITY.fullmatch(host):
            raise ValueError("the request has no valid Host header to build the DPoP URI from")
        return f"{scheme}://{host}{path}"

    def __repr__(self) -> str:
        where = self.base_url if self.base_url is not None else "Host header"
        return f"DpopSettings({where!r}, nonces={self.nonces!r})"
