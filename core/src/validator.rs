//! The access-token layer: a JWS verified by the JWS layer, then the policy.

use crate::bearer::{self, Scheme};
use crate::claims::Claims;
use crate::crypto::Sha256;
use crate::dpop::is_encoded;
use crate::error::{Error, Fault, Part};
use crate::json::Value;
use crate::jwk::JwkSet;
use crate::jws::{Header, JwsVerifier, TokenBuffer};
use crate::policy::Policy;

/// A policy and a key set, ready to validate access tokens.
///
/// Building one does all the allocation; [`validate`](Validator::validate) then
/// allocates nothing for HMAC, ECDSA and EdDSA tokens (ring's RSA verification
/// allocates internally). A validator is immutable and can be shared between threads.
#[derive(Debug)]
pub struct Validator {
    policy: Policy,
    keys: JwkSet,
    jws: JwsVerifier,
}

/// An access token that passed every check, whether as a JWT or through an
/// introspection response.
///
/// A JWT's view borrows the [`TokenBuffer`] its parts were decoded into and the
/// validator, not the token text; an introspection view borrows the response.
#[derive(Clone, Copy, Debug)]
pub struct AccessToken<'a> {
    header: Option<Header<'a>>,
    claims: Claims<'a>,
}

impl<'a> AccessToken<'a> {
    /// Builds the view of a token accepted from an introspection response, which
    /// has no JWS header of its own.
    pub(crate) const fn introspected(claims: Claims<'a>) -> Self {
        Self {
            header: None,
            claims,
        }
    }

    /// Returns the verified JWS header, or `None` for a token accepted from an
    /// introspection response.
    pub const fn header(&self) -> Option<&Header<'a>> {
        self.header.as_ref()
    }

    /// Returns the verified claims.
    pub const fn claims(&self) -> &Claims<'a> {
        &self.claims
    }
}

impl Validator {
    /// Returns a validator applying `policy` with the keys of `keys`.
    pub fn new(policy: Policy, keys: JwkSet) -> Self {
        let jws =
            JwsVerifier::new(policy.algorithms()).with_max_token_bytes(policy.max_token_bytes());
        Self { policy, keys, jws }
    }

    /// Returns the policy.
    pub const fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Returns the key set.
    pub const fn keys(&self) -> &JwkSet {
        &self.keys
    }

    pub(crate) const fn jws(&self) -> &JwsVerifier {
        &self.jws
    }

    /// Validates a compact JWS access token at `now` (Unix seconds).
    ///
    /// Checks, in order: size, structure and base64url, header JSON, `crit`, `alg`
    /// against the policy, `typ`, key selection and `alg` against the key, the
    /// signature, then the claims as [`Policy::check_claims`] lists them. A token
    /// bound to a key by a `cnf` claim is rejected, because a bearer token check
    /// cannot prove possession of that key.
    ///
    /// # Errors
    ///
    /// The [`Error`] of the first check that failed.
    pub fn validate<'a, T, const N: usize>(
        &'a self,
        token: &T,
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<AccessToken<'a>, Error>
    where
        T: AsRef<[u8]> + ?Sized,
    {
        let token = self.validate_bound(token.as_ref(), now, buffer)?;
        if token.claims.cnf.is_some() {
            return Err(Error::ProofOfPossessionRequired);
        }
        Ok(token)
    }

    /// Validates a token as [`validate`](Self::validate) does but accepts a `cnf`
    /// claim, for the entry points that then check the proof of possession.
    pub(crate) fn validate_bound<'a, const N: usize>(
        &'a self,
        token: &[u8],
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<AccessToken<'a>, Error> {
        let jws = self.jws.decode(token, buffer)?;
        self.policy.check_header(jws.header())?;
        let verified = jws.verify(&self.keys)?;

        let claims = Claims::parse(verified.payload())?;
        self.policy.check_claims(&claims, now)?;
        Ok(AccessToken {
            header: Some(*verified.header()),
            claims,
        })
    }

    /// Validates an access token bound to a client certificate (RFC 8705 section
    /// 3): as [`validate`](Self::validate), and then the token's `cnf` `x5t#S256`
    /// must be the SHA-256 thumbprint of `certificate`, the DER bytes of the client
    /// certificate the TLS layer verified for this connection.
    ///
    /// A token bound to the certificate and also to a DPoP key needs that proof
    /// too, so it is rejected here.
    ///
    /// # Errors
    ///
    /// The errors of [`validate`](Self::validate), except that a `cnf` claim is
    /// expected; [`Error::MissingClaim`] for a token without `cnf` `x5t#S256`;
    /// [`Error::InvalidClaim`] when that thumbprint is not a string;
    /// [`Error::CertificateMismatch`] when it names another certificate;
    /// [`Error::ProofOfPossessionRequired`] for a token also bound by `jkt`.
    pub fn validate_certificate_bound<'a, T, const N: usize>(
        &'a self,
        token: &T,
        certificate: &[u8],
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<AccessToken<'a>, Error>
    where
        T: AsRef<[u8]> + ?Sized,
    {
        let token = self.validate_bound(token.as_ref(), now, buffer)?;
        let Some(Value::Object(cnf)) = token.claims.cnf else {
            return Err(Error::missing_claim("cnf"));
        };
        let thumbprint = match cnf.get("x5t#S256") {
            Some(Value::String(thumbprint)) => thumbprint,
            None | Some(Value::Null) => return Err(Error::missing_claim("cnf")),
            // A thumbprint of another JSON type is present but invalid, not missing.
            Some(_) => return Err(Error::invalid_claim("cnf")),
        };
        if cnf.get("jkt").is_some() {
            return Err(Error::ProofOfPossessionRequired);
        }
        let mut digest = Sha256::new();
        digest.update(certificate);
        if !is_encoded(thumbprint, &digest.finish()) {
            return Err(Error::CertificateMismatch);
        }
        Ok(token)
    }

    /// Applies the policy to claims from either path, then rejects a token bound to
    /// a key by `cnf`.
    pub(crate) fn check_bearer_claims(&self, claims: &Claims<'_>, now: i64) -> Result<(), Error> {
        self.policy.check_claims(claims, now)?;
        if claims.cnf.is_some() {
            return Err(Error::ProofOfPossessionRequired);
        }
        Ok(())
    }

    /// Validates the token of an `Authorization` header value with the `Bearer`
    /// scheme (RFC 6750 section 2.1).
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] for an `Authorization` value that does not parse or uses
    /// the `DPoP` scheme, whose proof this entry point does not check; otherwise as
    /// [`validate`](Self::validate).
    pub fn validate_authorization<'a, T, const N: usize>(
        &'a self,
        authorization: &T,
        now: i64,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<AccessToken<'a>, Error>
    where
        T: AsRef<[u8]> + ?Sized,
    {
        let credentials = bearer::parse_authorization(authorization.as_ref())?;
        if credentials.scheme() != Scheme::Bearer {
            return Err(Error::malformed(
                Part::AuthorizationHeader,
                Fault::DpopNeedsProof,
            ));
        }
        self.validate(credentials.token(), now, buffer)
    }
}
