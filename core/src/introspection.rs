//! Introspection responses (RFC 7662 section 2.2) and their signed form (RFC 9701),
//! checked with the same policy as a JWT access token.
//!
//! An API that asks the authorization server about a token gets the same
//! [`AccessToken`] view as one that validates a JWT locally, so the code after
//! validation does not depend on the path taken.

use crate::claims::Claims;
use crate::error::{Error, ExpiryRule, Fault, Part};
use crate::json::{self, Object, Value};
use crate::jws::TokenBuffer;
use crate::validator::{AccessToken, Validator};

/// The members of an introspection response whose type is checked beyond the
/// claims a JWT also carries; each must be a string when present.
const STRING_MEMBERS: [&str; 2] = ["username", "token_type"];

impl Validator {
    /// Checks an RFC 7662 introspection response body at `now` (Unix seconds), and
    /// returns the token it describes.
    ///
    /// The response must be a strict JSON object whose `active` member is a boolean.
    /// An active response then passes the same claim checks as a JWT access token
    /// ([`Policy::check_claims`](crate::Policy::check_claims)): `exp` is required and
    /// `iss` and `aud` must match the policy, although RFC 7662 makes them optional,
    /// so an authorization server that omits them is rejected rather than trusted.
    /// A token bound to a key by `cnf` is rejected, as on the JWT path.
    ///
    /// # Errors
    ///
    /// [`Error::Inactive`] for `"active": false`; [`Error::Malformed`] with
    /// [`Part::IntrospectionResponse`] for a body that is not a JSON object, or whose
    /// `active` is missing or not a boolean; [`Error::TooLarge`] for a body longer
    /// than the policy's maximum token length; otherwise the claim errors of
    /// [`Policy::check_claims`](crate::Policy::check_claims).
    pub fn validate_introspection<'a>(
        &self,
        response: &'a [u8],
        now: i64,
    ) -> Result<AccessToken<'a>, Error> {
        let max = self.policy().max_token_bytes();
        if response.len() > max {
            return Err(Error::TooLarge {
                len: response.len(),
                max,
            });
        }
        let object = json::parse_object(response).map_err(malformed)?;
        self.check_introspected(object, now)
    }

    /// Checks an RFC 9701 signed introspection response (media type
    /// `application/token-introspection+jwt`) at `now`, and returns the token it
    /// describes.
    ///
    /// The response JWT is verified with this validator's key set and allowed
    /// algorithms. Its header `typ` must be `token-introspection+jwt`, its `iss` one
    /// of the policy's issuers, its `aud` the policy's
    /// [`introspection_audience`](crate::PolicyBuilder::introspection_audience), its
    /// `exp` and `nbf`, when present, must hold at `now`, and its `iat` no more than
    /// the policy's introspection maximum age plus the leeway in the past, nor later
    /// than the leeway in the future. Its `token_introspection` member is then
    /// checked as [`validate_introspection`](Self::validate_introspection) checks a
    /// plain response.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] when the policy has no introspection audience; the
    /// JWS errors of [`validate`](Self::validate); [`Error::WrongType`],
    /// [`Error::WrongIssuer`], [`Error::WrongAudience`], [`Error::MissingClaim`],
    /// [`Error::NotYetValid`], [`Error::IssuedInFuture`] or [`Error::Expired`] (rule
    /// [`ExpiryRule::Exp`] or [`ExpiryRule::MaxAge`]) for the response's own claims; [`Error::Malformed`] with
    /// [`Part::IntrospectionResponse`] when `token_introspection` is missing or not an
    /// object; then as [`validate_introspection`](Self::validate_introspection).
    pub fn validate_signed_introspection<'a, T, const N: usize>(
        &'a self,
        response: &T,
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<AccessToken<'a>, Error>
    where
        T: AsRef<[u8]> + ?Sized,
    {
        let policy = self.policy();
        let audience = policy
            .introspection_audience()
            .ok_or(Error::InvalidConfig {
                field: "introspection_audience",
                reason: "must be set to check signed introspection responses",
            })?;

        let jws = self.jws().decode(response.as_ref(), buffer)?;
        let typ = jws.header().typ();
        let typed = typ.is_some_and(|typ| {
            typ.eq_ignore_ascii_case("token-introspection+jwt")
                || typ.eq_ignore_ascii_case("application/token-introspection+jwt")
        });
        if !typed {
            return Err(Error::WrongType);
        }
        let verified = jws.verify(self.keys())?;

        let outer = Claims::parse(verified.payload())?;
        let iss = outer.issuer().ok_or_else(|| Error::missing_claim("iss"))?;
        if !policy.accepts_issuer(iss) {
            return Err(Error::WrongIssuer);
        }
        if outer.aud.is_none() {
            return Err(Error::missing_claim("aud"));
        }
        if !outer.audiences().any(|aud| aud.eq_str(audience)) {
            return Err(Error::WrongAudience);
        }
        self.check_response_times(&outer, now)?;

        let inner = match outer.get("token_introspection") {
            Some(Value::Object(inner)) => inner,
            Some(_) => return Err(wrong_type("token_introspection")),
            None => {
                return Err(malformed(Fault::MissingMember {
                    member: "token_introspection",
                }))
            }
        };
        self.check_introspected(inner, now)
    }

    /// Applies `active`, the extra member types and the policy to a response object.
    fn check_introspected<'a>(
        &self,
        object: Object<'a>,
        now: i64,
    ) -> Result<AccessToken<'a>, Error> {
        match object.get("active") {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => return Err(Error::Inactive),
            Some(_) => return Err(wrong_type("active")),
            None => return Err(malformed(Fault::MissingMember { member: "active" })),
        }
        let claims = Claims::from_object(object)?;
        for name in STRING_MEMBERS {
            if claims
                .get(name)
                .is_some_and(|value| value.as_str().is_none())
            {
                return Err(Error::invalid_claim(name));
            }
        }
        self.check_bearer_claims(&claims, now)?;
        Ok(AccessToken::introspected(claims))
    }

    /// Rejects a signed response past its own `exp` or before its `nbf`, issued in
    /// the future, or older than the policy's introspection maximum age, all with
    /// the leeway.
    ///
    /// RFC 9701 requires neither `exp` nor `nbf`, but a JWT that carries one must
    /// not be accepted outside it (RFC 7519 sections 4.1.4 and 4.1.5), even when
    /// its `iat` is recent.
    fn check_response_times(&self, outer: &Claims<'_>, now: i64) -> Result<(), Error> {
        let policy = self.policy();
        let leeway = i128::from(policy.leeway());
        if let Some(exp) = outer.expires_at() {
            if exp.cmp_seconds(i128::from(now) - leeway).is_le() {
                return Err(Error::Expired {
                    rule: ExpiryRule::Exp,
                    at: exp.seconds(),
                    now,
                });
            }
        }
        if let Some(nbf) = outer.not_before() {
            if nbf.cmp_seconds(i128::from(now) + leeway).is_gt() {
                return Err(Error::NotYetValid {
                    nbf: nbf.seconds(),
                    now,
                });
            }
        }

        let iat = outer
            .issued_at()
            .ok_or_else(|| Error::missing_claim("iat"))?;
        if iat.cmp_seconds(i128::from(now) + leeway).is_gt() {
            return Err(Error::IssuedInFuture {
                iat: iat.seconds(),
                now,
            });
        }
        let max_age = policy.introspection_max_age();
        let oldest = i128::from(now) - leeway - i128::from(max_age);
        if iat.cmp_seconds(oldest).is_le() {
            return Err(Error::Expired {
                rule: ExpiryRule::MaxAge,
                at: iat.seconds().saturating_add(i64::from(max_age)),
                now,
            });
        }
        Ok(())
    }
}

fn malformed(fault: Fault) -> Error {
    Error::malformed(Part::IntrospectionResponse, fault)
}

fn wrong_type(member: &'static str) -> Error {
    malformed(Fault::WrongType { member })
}
