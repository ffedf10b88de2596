//! JWT client assertions (RFC 7523 section 3, OpenID Connect `private_key_jwt`):
//! a client authenticates to a token endpoint or another service with a short-lived
//! JWT it signed, which the receiver accepts once.
//!
//! [`AssertionBuilder`] makes them on the client's side, and
//! [`AssertionVerifier`] checks them on the receiving side.

mod clients;
mod create;

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::alg::AlgSet;
use crate::claims::Claims;
use crate::crypto::Sha256;
use crate::dpop::ReplayCache;
use crate::error::{Error, Part};
use crate::json::{self, JsonStr, Value};
use crate::jws::{JwsVerifier, TokenBuffer};
use crate::policy::{DEFAULT_LEEWAY_SECONDS, MAX_LEEWAY_SECONDS};

pub use clients::{ClientKeys, ClientRegistry};
pub(crate) use create::encode_jti;
pub use create::{
    AssertionBuilder, DEFAULT_ASSERTION_LIFETIME_SECONDS, MAX_JTI_RANDOM_BYTES,
    MIN_JTI_RANDOM_BYTES,
};

/// Default maximum lifetime of an accepted assertion, in seconds from now to
/// its `exp`: an assertion is made for one request.
pub const DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS: u32 = 300;

/// Largest client assertion accepted, in bytes.
const MAX_ASSERTION_BYTES: usize = 8192;

/// The receiving side's rules for client assertions: the audiences it accepts,
/// the algorithms, the longest lifetime and the leeway.
#[derive(Clone, Debug)]
pub struct AssertionVerifier {
    audiences: Box<[Box<str>]>,
    jws: JwsVerifier,
    max_lifetime: u32,
    leeway: u32,
}

/// A client assertion that passed every check.
#[derive(Clone, Copy, Debug)]
pub struct ClientAssertion<'a> {
    claims: Claims<'a>,
}

impl<'a> ClientAssertion<'a> {
    /// Returns the authenticated client identifier: `iss`, which equals `sub`.
    pub fn client_id(&self) -> JsonStr<'a> {
        // Present: verification requires it.
        self.claims.issuer().unwrap_or(JsonStr::from_plain(""))
    }

    /// Returns every claim of the assertion.
    pub const fn claims(&self) -> &Claims<'a> {
        &self.claims
    }
}

impl AssertionVerifier {
    /// Returns a verifier for assertions whose `aud` contains one of `audiences`
    /// (the token endpoint URL or the issuer identifier, as RFC 7523 section 3
    /// allows), with every asymmetric algorithm, a lifetime of at most
    /// [`DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS`] and the default leeway.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when `audiences` is empty or contains an empty value.
    pub fn new(audiences: &[&str]) -> Result<Self, Error> {
        if audiences.is_empty() || audiences.iter().any(|aud| aud.is_empty()) {
            return Err(Error::InvalidConfig {
                field: "assertion_audiences",
                reason: "at least one non-empty audience is required",
            });
        }
        let asymmetric = AlgSet::ALL
            .iter()
            .filter(|alg| alg.min_secret_len() == 0)
            .collect();
        let audiences: Vec<Box<str>> = audiences.iter().map(|aud| (*aud).into()).collect();
        Ok(Self {
            audiences: audiences.into_boxed_slice(),
            jws: JwsVerifier::new(asymmetric).with_max_token_bytes(MAX_ASSERTION_BYTES),
            max_lifetime: DEFAULT_ASSERTION_MAX_LIFETIME_SECONDS,
            leeway: DEFAULT_LEEWAY_SECONDS,
        })
    }

    /// Returns this verifier accepting only `algorithms`, which may include HS\*
    /// for `client_secret_jwt` when each such client's key set contains its secret.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for an empty set.
    pub fn with_algorithms(self, algorithms: AlgSet) -> Result<Self, Error> {
        if algorithms.is_empty() {
            return Err(Error::InvalidConfig {
                field: "assertion_algorithms",
                reason: "must name at least one algorithm",
            });
        }
        Ok(Self {
            jws: JwsVerifier::new(algorithms).with_max_token_bytes(MAX_ASSERTION_BYTES),
            ..self
        })
    }

    /// Returns this verifier rejecting assertions whose `exp` is more than `seconds`
    /// after now.
    #[must_use]
    pub fn with_max_lifetime(self, seconds: u32) -> Self {
        Self {
            max_lifetime: seconds,
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
                field: "assertion_leeway",
                reason: "must be at most 300 seconds",
            });
        }
        Ok(Self {
            leeway: seconds,
            ..self
        })
    }

    /// Verifies a client assertion with the keys registered for the client it
    /// names, at `now`, and records its `jti` in `cache` so that it is accepted once.
    ///
    /// The verification key comes only from `clients`, for one client: the request's
    /// `client_id` parameter when the request has one (pass it as `client_id`), else
    /// the assertion's `iss`. That `iss` is read from the payload before the
    /// signature is verified, only to choose the client's key set, as a header's
    /// `kid` chooses a key; once the signature verifies, the verified `iss` must
    /// equal the client whose keys verified it. So a key registered for one client
    /// never authenticates another client, unless it is registered for both.
    ///
    /// The checks, in order: `typ` absent, `JWT` or `application/jwt` (so that an
    /// access token or DPoP proof is not accepted in its place), the client's keys,
    /// the signature, `iss` equal to `sub`, `iss` equal to the client, `aud`, `exp`
    /// required and at most the maximum lifetime ahead, `nbf` and `iat` not in the
    /// future, `jti` required, then the replay check, which runs last so that a
    /// rejected assertion is not recorded.
    ///
    /// # Errors
    ///
    /// The JWS errors of [`Validator::validate`](crate::Validator::validate);
    /// [`Error::WrongType`]; [`Error::UnknownClient`] when `clients` has no keys for
    /// the client; [`Error::MissingClaim`] for `iss`, `sub`, `aud`, `exp` or `jti`;
    /// [`Error::InvalidClaim`] for an `iss` that is not a string, a `sub` other than
    /// `iss` or an `exp` too far ahead; [`Error::WrongIssuer`] for an `iss` other
    /// than the client; [`Error::WrongAudience`]; [`Error::Expired`],
    /// [`Error::NotYetValid`], [`Error::IssuedInFuture`]; [`Error::Replayed`] and
    /// [`Error::ReplayCacheFull`].
    pub fn verify<'a, K: ClientKeys + ?Sized, const N: usize>(
        &self,
        assertion: &[u8],
        client_id: Option<&str>,
        clients: &'a K,
        cache: &mut ReplayCache,
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<ClientAssertion<'a>, Error> {
        let jws = self.jws.decode(assertion, buffer)?;
        // RFC 7515 section 4.1.9: a `typ` without '/' stands for "application/"
        // plus it, so `JWT` and `application/jwt` name the same media type.
        let typed_jwt = |typ: JsonStr<'_>| {
            typ.eq_ignore_ascii_case("JWT") || typ.eq_ignore_ascii_case("application/jwt")
        };
        if jws.header().typ().is_some_and(|typ| !typed_jwt(typ)) {
            return Err(Error::WrongType);
        }
        let client = match client_id {
            Some(client_id) => Cow::Borrowed(client_id),
            None => unverified_issuer(jws.unverified_payload())?,
        };
        let keys = clients.client_keys(&client).ok_or(Error::UnknownClient)?;
        let verified = jws.verify(keys)?;
        let claims = Claims::parse(verified.payload())?;

        let iss = claims.issuer().ok_or_else(|| Error::missing_claim("iss"))?;
        let sub = claims
            .subject()
            .ok_or_else(|| Error::missing_claim("sub"))?;
        if !iss.eq_json(&sub) {
            return Err(Error::invalid_claim("sub"));
        }
        // The keys that verified the signature belong to `client`, so the assertion
        // authenticates that client and no other.
        if !iss.eq_str(&client) {
            return Err(Error::WrongIssuer);
        }
        if claims.aud.is_none() {
            return Err(Error::missing_claim("aud"));
        }
        let accepted = |aud: JsonStr<'_>| self.audiences.iter().any(|known| aud.eq_str(known));
        if !claims.audiences().any(accepted) {
            return Err(Error::WrongAudience);
        }
        self.check_times(&claims, now)?;
        let jti = claims
            .jwt_id()
            .filter(|jti| !jti.is_empty())
            .ok_or_else(|| Error::missing_claim("jti"))?;

        let exp = claims.expires_at().map_or(now, |exp| exp.seconds());
        let evictable_after = exp.saturating_add(i64::from(self.leeway)).saturating_add(1);
        cache.record(replay_key(iss, jti), evictable_after, now, Error::Replayed)?;
        Ok(ClientAssertion { claims })
    }

    fn check_times(&self, claims: &Claims<'_>, now: i64) -> Result<(), Error> {
        let leeway = i128::from(self.leeway);
        let exp = claims
            .expires_at()
            .ok_or_else(|| Error::missing_claim("exp"))?;
        if exp.cmp_seconds(i128::from(now) - leeway).is_le() {
            return Err(Error::Expired {
                rule: crate::ExpiryRule::Exp,
                at: exp.seconds(),
                now,
            });
        }
        let latest_exp = i128::from(now) + leeway + i128::from(self.max_lifetime);
        if exp.cmp_seconds(latest_exp).is_gt() {
            return Err(Error::invalid_claim("exp"));
        }
        if let Some(nbf) = claims.not_before() {
            if nbf.cmp_seconds(i128::from(now) + leeway).is_gt() {
                return Err(Error::NotYetValid {
                    nbf: nbf.seconds(),
                    now,
                });
            }
        }
        if let Some(iat) = claims.issued_at() {
            if iat.cmp_seconds(i128::from(now) + leeway).is_gt() {
                return Err(Error::IssuedInFuture {
                    iat: iat.seconds(),
                    now,
                });
            }
        }
        Ok(())
    }
}

/// Reads `iss` from a payload whose signature is not verified yet, to choose the
/// client's keys.
fn unverified_issuer(payload: &[u8]) -> Result<Cow<'_, str>, Error> {
    let claims =
        json::parse_object(payload).map_err(|fault| Error::malformed(Part::Payload, fault))?;
    match claims.get("iss") {
        Some(Value::String(iss)) => Ok(iss.unescaped()),
        None | Some(Value::Null) => Err(Error::missing_claim("iss")),
        Some(_) => Err(Error::invalid_claim("iss")),
    }
}

fn replay_key(issuer: JsonStr<'_>, jti: JsonStr<'_>) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"tokenguard client assertion\0");
    let issuer = issuer.unescaped();
    let issuer_len = u64::try_from(issuer.len()).unwrap_or(u64::MAX);
    digest.update(&issuer_len.to_be_bytes());
    digest.update(issuer.as_bytes());
    digest.update(jti.unescaped().as_bytes());
    digest.finish()
}
