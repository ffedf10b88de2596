//! DPoP proofs (RFC 9449): a JWT signed with the client's key for each request,
//! which binds an access token to that key.
//!
//! [`DpopVerifier::verify`] checks one proof for one request. A resource server
//! calls [`Validator::validate_dpop`], which validates the access token, checks
//! the proof with the token's hash in `ath`, and requires the token's `cnf` `jkt`
//! to be the thumbprint of the proof's key. A client makes proofs with
//! [`create_dpop_proof`].

mod create;

use crate::alg::AlgSet;
use crate::base64url;
use crate::bearer::{self, Scheme};
use crate::claims::Claims;
use crate::crypto::Sha256;
use crate::error::{DpopFault, Error, Fault, Part};
use crate::expiring::{Insert, Table};
use crate::json::{JsonStr, Value};
use crate::jwk::{Jwk, Thumbprint};
use crate::jws::{JwsVerifier, TokenBuffer};
use crate::policy::{DEFAULT_LEEWAY_SECONDS, MAX_LEEWAY_SECONDS};
use crate::validator::{AccessToken, Validator};

pub use create::create_dpop_proof;

/// How long after its `iat` a proof is accepted by default, in seconds, before the
/// leeway: RFC 9449 leaves the window to the server, and a proof is made for one
/// request, so a minute is ample.
pub const DEFAULT_DPOP_MAX_AGE_SECONDS: u32 = 60;

/// Largest capacity of a [`ReplayCache`], in entries (about 84 bytes each: 56-byte slots, 1.5 per entry).
pub const MAX_REPLAY_ENTRIES: usize = 1 << 22;

/// Largest DPoP proof accepted, in bytes: a header with a 4096-bit RSA key and a
/// few claims fit in a fraction of it.
const MAX_PROOF_BYTES: usize = 8192;

/// The checks of a DPoP proof that do not depend on the request: algorithms and
/// the time window.
#[derive(Clone, Debug)]
pub struct DpopVerifier {
    jws: JwsVerifier,
    max_age: u32,
    leeway: u32,
}

/// The request a DPoP proof must match.
#[derive(Clone, Copy, Debug)]
pub struct DpopRequest<'a> {
    /// The HTTP method, such as `GET`, compared exactly with `htm`.
    pub method: &'a str,
    /// The request's absolute URI, compared with `htu` after normalising the scheme
    /// and host case and the default port, and dropping query and fragment.
    pub uri: &'a str,
    /// The nonce the server last gave this client in `DPoP-Nonce`, when it requires
    /// one; the proof's `nonce` must equal it.
    pub nonce: Option<&'a str>,
}

/// A proof that passed every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DpopProof {
    thumbprint: Thumbprint,
    issued_at: i64,
}

impl DpopProof {
    /// Returns the RFC 7638 thumbprint of the proof's key, which a DPoP-bound token
    /// names in `cnf` `jkt`.
    pub const fn thumbprint(&self) -> &Thumbprint {
        &self.thumbprint
    }

    /// Returns the proof's `iat`, in Unix seconds (rounded down).
    pub const fn issued_at(&self) -> i64 {
        self.issued_at
    }
}

/// A bounded set of proofs or assertions already accepted, so that each is used
/// once.
///
/// An entry is kept until the time after which its proof could no longer pass the
/// time checks; a full cache evicts those first and otherwise rejects the new proof
/// with [`Error::ReplayCacheFull`], because accepting it unrecorded would allow a
/// replay.
#[derive(Clone, Debug)]
pub struct ReplayCache {
    table: Table,
}

impl ReplayCache {
    /// Builds an empty cache with room for `capacity` entries.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `capacity` exceeds [`MAX_REPLAY_ENTRIES`].
    pub fn new(capacity: usize) -> Result<Self, Error> {
        let reason = "must be at most 4194304 entries";
        Ok(Self {
            table: Table::new(capacity, MAX_REPLAY_ENTRIES, "capacity", reason)?,
        })
    }

    /// Returns the number of entries stored.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Returns whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// Removes every entry whose time has passed at `now` and returns how many.
    pub fn evict_expired(&mut self, now: i64) -> usize {
        self.table.evict_expired(now)
    }

    /// Records `key` until `evictable_after`.
    ///
    /// # Errors
    ///
    /// `replayed` when the key is already present, and
    /// [`Error::ReplayCacheFull`] when there is no room.
    pub(crate) fn record(
        &mut self,
        key: [u8; 32],
        evictable_after: i64,
        now: i64,
        replayed: Error,
    ) -> Result<(), Error> {
        match self.table.insert(key, evictable_after, 0, now) {
            Insert::Added | Insert::Expired => Ok(()),
            Insert::Present(_) => Err(replayed),
            Insert::Full => Err(Error::ReplayCacheFull {
                capacity: self.table.capacity(),
            }),
        }
    }
}

impl Default for DpopVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopVerifier {
    /// Returns a verifier accepting every asymmetric algorithm, proofs up to
    /// [`DEFAULT_DPOP_MAX_AGE_SECONDS`] old, and a [`DEFAULT_LEEWAY_SECONDS`] leeway.
    pub fn new() -> Self {
        let asymmetric = AlgSet::ALL
            .iter()
            .filter(|alg| alg.min_secret_len() == 0)
            .collect();
        Self {
            jws: JwsVerifier::new(asymmetric).with_max_token_bytes(MAX_PROOF_BYTES),
            max_age: DEFAULT_DPOP_MAX_AGE_SECONDS,
            leeway: DEFAULT_LEEWAY_SECONDS,
        }
    }

    /// Returns this verifier accepting only `algorithms`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when the set is empty or names an HMAC algorithm,
    /// which a proof signed with a public key in its header cannot use.
    pub fn with_algorithms(self, algorithms: AlgSet) -> Result<Self, Error> {
        let symmetric = algorithms.iter().any(|alg| alg.min_secret_len() > 0);
        if algorithms.is_empty() || symmetric {
            return Err(Error::InvalidConfig {
                field: "dpop_algorithms",
                reason: "must name at least one asymmetric algorithm and no HS* algorithm",
            });
        }
        Ok(Self {
            jws: JwsVerifier::new(algorithms).with_max_token_bytes(MAX_PROOF_BYTES),
            ..self
        })
    }

    /// Returns the algorithms accepted for proofs, for the `algs` parameter of a
    /// `DPoP` challenge.
    pub const fn algorithms(&self) -> AlgSet {
        self.jws.algorithms()
    }

    /// Returns this verifier accepting proofs up to `seconds` after their `iat`,
    /// plus the leeway.
    #[must_use]
    pub const fn with_max_age(self, seconds: u32) -> Self {
        Self {
            max_age: seconds,
            ..self
        }
    }

    /// Returns this verifier with a clock leeway of `seconds`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] above [`MAX_LEEWAY_SECONDS`].
    pub fn with_leeway(self, seconds: u32) -> Result<Self, Error> {
        if seconds > MAX_LEEWAY_SECONDS {
            return Err(Error::InvalidConfig {
                field: "dpop_leeway",
                reason: "must be at most 300 seconds",
            });
        }
        Ok(Self {
            leeway: seconds,
            ..self
        })
    }

    /// Verifies a DPoP proof for `request` at `now`, and records it in `cache`.
    ///
    /// Checks, in order: the JWS structure, `typ` `dpop+jwt`, `alg`, the header
    /// `jwk` (public, not weak, fitting `alg`), the signature with that key, then
    /// the claims `jti`, `htm`, `htu`, `iat`, `exp` and `nbf` when present, `ath`
    /// when `access_token` is given, and `nonce` when the request has one. Only a proof that passed all of them
    /// is recorded, under its key's thumbprint and `jti`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDpopProof`] naming the failed check, [`Error::UseDpopNonce`],
    /// [`Error::TooLarge`] for a proof over 8192 bytes or one that does not fit
    /// `buffer`, and [`Error::ReplayCacheFull`].
    pub fn verify<const N: usize>(
        &self,
        proof: &[u8],
        request: &DpopRequest<'_>,
        access_token: Option<&str>,
        cache: &mut ReplayCache,
        now: i64,
        buffer: &mut TokenBuffer<N>,
    ) -> Result<DpopProof, Error> {
        self.verify_bound(proof, request, access_token, None, cache, now, buffer)
    }

    /// Verifies a proof as [`verify`](Self::verify) does and, when `jkt` is given,
    /// also requires the proof's key to have that thumbprint before the proof is
    /// recorded, so that a proof signed with another key takes no cache entry.
    #[allow(clippy::too_many_arguments)]
    fn verify_bound<const N: usize>(
        &self,
        proof: &[u8],
        request: &DpopRequest<'_>,
        access_token: Option<&str>,
        jkt: Option<JsonStr<'_>>,
        cache: &mut ReplayCache,
        now: i64,
        buffer: &mut TokenBuffer<N>,
    ) -> Result<DpopProof, Error> {
        let jws = self
            .jws
            .decode(proof, buffer)
            .map_err(|error| match error {
                Error::TooLarge { .. } => error,
                Error::UnsupportedAlg { .. } => invalid(DpopFault::Algorithm),
                _ => invalid(DpopFault::Malformed),
            })?;
        let header = *jws.header();
        let typed = header
            .typ()
            .is_some_and(|typ| typ.eq_ignore_ascii_case("dpop+jwt"));
        if !typed {
            return Err(invalid(DpopFault::Type));
        }
        let key = match header.as_object().get("jwk") {
            Some(Value::Object(jwk)) => {
                Jwk::from_json(jwk.as_text().as_bytes()).map_err(|_| invalid(DpopFault::Key))?
            }
            _ => return Err(invalid(DpopFault::Key)),
        };
        if key.is_secret() || !key.allows(header.alg()) {
            return Err(invalid(DpopFault::Key));
        }
        let (_, payload) = jws
            .verify_with_key(&key)
            .map_err(|_| invalid(DpopFault::Signature))?;

        let claims = Claims::parse(payload).map_err(|error| match error {
            Error::InvalidClaim { claim } if claim == "jti" => missing("jti"),
            Error::InvalidClaim { claim } if claim == "iat" => missing("iat"),
            _ => invalid(DpopFault::Malformed),
        })?;
        let jti = claims
            .jwt_id()
            .filter(|jti| !jti.is_empty())
            .ok_or(missing("jti"))?;
        let htm = string_claim(&claims, "htm")?;
        if !htm.eq_str(request.method) {
            return Err(invalid(DpopFault::Method));
        }
        let htu = string_claim(&claims, "htu")?;
        if !same_uri(&htu.unescaped(), request.uri) {
            return Err(invalid(DpopFault::Uri));
        }
        let iat = claims.issued_at().ok_or(missing("iat"))?;
        let leeway = i128::from(self.leeway);
        let oldest = i128::from(now) - leeway - i128::from(self.max_age);
        let newest = i128::from(now) + leeway;
        if iat.cmp_seconds(oldest).is_le() || iat.cmp_seconds(newest).is_gt() {
            return Err(invalid(DpopFault::IssuedAt));
        }
        // RFC 9449 defines neither claim for proofs, but a JWT that carries one is
        // not accepted outside it (RFC 7519 sections 4.1.4 and 4.1.5).
        let expired = claims
            .expires_at()
            .is_some_and(|exp| exp.cmp_seconds(i128::from(now) - leeway).is_le());
        let early = claims
            .not_before()
            .is_some_and(|nbf| nbf.cmp_seconds(newest).is_gt());
        if expired || early {
            return Err(invalid(DpopFault::Lifetime));
        }
        if let Some(token) = access_token {
            let ath = string_claim(&claims, "ath")?;
            if !is_hash_of(ath, token.as_bytes()) {
                return Err(invalid(DpopFault::AccessTokenHash));
            }
        }
        if let Some(expected) = request.nonce {
            let nonce = claims.get("nonce").and_then(|nonce| nonce.as_str());
            if !nonce.is_some_and(|nonce| nonce.eq_str(expected)) {
                return Err(Error::UseDpopNonce);
            }
        }

        let thumbprint = key.thumbprint();
        if jkt.is_some_and(|jkt| !is_encoded(jkt, &thumbprint)) {
            return Err(invalid(DpopFault::KeyBinding));
        }
        let replay_key = replay_key(&thumbprint, jti);
        let evictable_after = iat
            .seconds()
            .saturating_add(i64::from(self.max_age))
            .saturating_add(i64::from(self.leeway))
            .saturating_add(1);
        cache.record(
            replay_key,
            evictable_after,
            now,
            invalid(DpopFault::Replayed),
        )?;
        Ok(DpopProof {
            thumbprint,
            issued_at: iat.seconds(),
        })
    }
}

impl Validator {
    /// Validates a DPoP-bound access token (RFC 9449 section 7) with its proof.
    ///
    /// `authorization` is the request's `Authorization` value in the `DPoP` scheme,
    /// and `proof` its single `DPoP` header value. The token is validated as by
    /// [`validate`](Self::validate), except that it must be bound by `cnf` `jkt`;
    /// the proof is then verified for `request` with `ath` over the token, and its
    /// key's thumbprint must be the token's `jkt`.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for an `Authorization` value that does not parse or
    /// uses another scheme; the errors of [`validate`](Self::validate) for the
    /// token; [`Error::InvalidDpopProof`] with [`DpopFault::KeyBinding`] for a
    /// token without `cnf` `jkt` or bound to another key;
    /// [`Error::ProofOfPossessionRequired`] for a token whose `cnf` also has
    /// `x5t#S256`, which binds it to a client certificate this check does not
    /// see; and the errors of [`DpopVerifier::verify`].
    #[allow(clippy::too_many_arguments)]
    pub fn validate_dpop<'a, const N: usize, const P: usize>(
        &'a self,
        authorization: &[u8],
        proof: &[u8],
        request: &DpopRequest<'_>,
        dpop: &DpopVerifier,
        cache: &mut ReplayCache,
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
        proof_buffer: &mut TokenBuffer<P>,
    ) -> Result<AccessToken<'a>, Error> {
        let credentials = bearer::parse_authorization(authorization)?;
        if credentials.scheme() != Scheme::DPoP {
            return Err(Error::malformed(Part::AuthorizationHeader, Fault::Scheme));
        }
        let token_text = credentials.token();
        let token = self.validate_bound(token_text.as_bytes(), now, buffer)?;

        let Some(Value::Object(cnf)) = token.claims().cnf else {
            return Err(invalid(DpopFault::KeyBinding));
        };
        let jkt = cnf.get("jkt").and_then(|jkt| jkt.as_str());
        let jkt = jkt.ok_or(invalid(DpopFault::KeyBinding))?;
        // A token also bound to a client certificate needs that proof as well, which
        // a DPoP check does not give; checked before the proof, so that the proof's
        // `jti` is not spent on a token that is rejected anyway.
        if cnf.get("x5t#S256").is_some() {
            return Err(Error::ProofOfPossessionRequired);
        }

        // The key binding is checked inside, before the proof is recorded: a thief
        // holding the token but not its key must not fill the replay cache.
        dpop.verify_bound(
            proof,
            request,
            Some(token_text),
            Some(jkt),
            cache,
            now,
            proof_buffer,
        )?;
        Ok(token)
    }
}

fn invalid(fault: DpopFault) -> Error {
    Error::InvalidDpopProof { fault }
}

fn missing(claim: &'static str) -> Error {
    invalid(DpopFault::MissingClaim { claim })
}

fn string_claim<'a>(claims: &Claims<'a>, claim: &'static str) -> Result<JsonStr<'a>, Error> {
    claims
        .get(claim)
        .and_then(|value| value.as_str())
        .ok_or(missing(claim))
}

/// Returns whether `ath` is the base64url SHA-256 of `token`.
fn is_hash_of(ath: JsonStr<'_>, token: &[u8]) -> bool {
    let mut digest = Sha256::new();
    digest.update(token);
    is_encoded(ath, &digest.finish())
}

/// Returns whether `text` is the strict base64url encoding of the 32 bytes `expected`.
pub(crate) fn is_encoded(text: JsonStr<'_>, expected: &[u8; 32]) -> bool {
    let Some(text) = text.as_plain() else {
        // Base64url needs no escapes; an escaped value is not canonical.
        return false;
    };
    if base64url::decoded_len(text.len()) != Some(expected.len()) {
        return false;
    }
    let mut decoded = [0; 32];
    base64url::decode_into(text.as_bytes(), &mut decoded).is_some_and(|bytes| bytes == expected)
}

fn replay_key(thumbprint: &Thumbprint, jti: JsonStr<'_>) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"tokenguard dpop proof\0");
    digest.update(thumbprint);
    let unescaped = jti.unescaped();
    digest.update(unescaped.as_bytes());
    digest.finish()
}

/// The parts of an absolute `http` or `https` URI that `htu` is compared on.
#[derive(Debug, PartialEq, Eq)]
struct UriParts<'a> {
    https: bool,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
}

/// Returns whether two absolute URIs are the same target: scheme and host
/// compared without case, a default port the same as none, an empty path the
/// same as `/`, and query and fragment ignored (RFC 9449 section 4.3).
fn same_uri(proof: &str, request: &str) -> bool {
    match (uri_parts(proof), uri_parts(request)) {
        (Some(a), Some(b)) => {
            a.https == b.https
                && a.host.eq_ignore_ascii_case(b.host)
                && a.port == b.port
                && a.path == b.path
        }
        _ => false,
    }
}

fn uri_parts(uri: &str) -> Option<UriParts<'_>> {
    let (scheme, rest) = uri.split_once("://")?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return None;
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    // A userinfo part has no place in a request target.
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, after) = authority.split_at(end + 1);
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if port.is_some_and(|port| port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if host.is_empty() {
        return None;
    }
    let default = if https { "443" } else { "80" };
    let port = port.filter(|port| *port != default);
    Some(UriParts {
        https,
        host,
        port,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_compared_after_normalising() {
        let same = [
            (
                "https://api.example.com/orders",
                "HTTPS://API.Example.COM/orders",
            ),
            (
                "https://api.example.com/orders",
                "https://api.example.com:443/orders",
            ),
            ("http://api.example.com/", "http://api.example.com:80"),
            (
                "https://api.example.com/orders?x=1",
                "https://api.example.com/orders#top",
            ),
            ("https://[::1]:8443/a", "https://[::1]:8443/a?b"),
            ("https://[::1]/a", "https://[::1]:443/a"),
        ];
        for (a, b) in same {
            assert!(same_uri(a, b), "{a} and {b}");
        }
        let different = [
            (
                "https://api.example.com/orders",
                "http://api.example.com/orders",
            ),
            (
                "https://api.example.com/orders",
                "https://api.example.com/Orders",
            ),
            (
                "https://api.example.com/orders",
                "https://api.example.com:8443/orders",
            ),
            (
                "https://api.example.com/orders",
                "https://api.example.com/orders/",
            ),
            (
                "https://api.example.com/orders",
                "https://evil.example.com/orders",
            ),
            ("https://user@api.example.com/", "https://api.example.com/"),
            ("ftp://api.example.com/", "ftp://api.example.com/"),
            ("https:///orders", "https:///orders"),
            ("https://api.example.com:x/", "https://api.example.com:x/"),
            ("/orders", "/orders"),
        ];
        for (a, b) in different {
            assert!(!same_uri(a, b), "{a} and {b}");
        }
    }
}
