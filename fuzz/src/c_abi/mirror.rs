//! The core validator beside each C validator made from a fixed configuration,
//! whose verdicts the C validator's must equal.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use tokenguard::{
    AccessToken, Error, JwkSet, TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES,
    MAX_TOKEN_BYTES_LIMIT,
};
use tokenguard_ffi::tg_status;

use super::fixtures::{self, MirrorKeys};

/// Maximum length of an input whose verdict is cached.
const MAX_CACHED_INPUT_BYTES: usize = 4096;

/// Number of verdicts cached before the cache starts over.
const MAX_CACHED_VERDICTS: usize = 256;

/// The core's verdict on a token: the header (none for an introspected token) and
/// claims JSON of an accepted one, or the code of its error.
pub type Verdict = Result<(Option<String>, String), tg_status>;

/// The kind of input a validation reads, which selects the function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A compact JWS, `tg_validator_validate`.
    Token,
    /// An `Authorization` value, `tg_validator_validate_authorization`.
    Authorization,
    /// An introspection response body, `tg_validator_validate_introspection`.
    Introspection,
    /// A signed introspection response, `tg_validator_validate_signed_introspection`.
    SignedIntrospection,
    /// A compact JWS bound to these certificate bytes,
    /// `tg_validator_validate_certificate_bound`; `None` passes NULL with a length.
    CertificateBound(Option<Vec<u8>>),
}

/// A core validator with the policy of a fixed configuration.
#[derive(Clone)]
pub struct Mirror {
    /// The fixed configuration.
    config: usize,
    /// The fixed keys, or `None` for a set read from fuzzed bytes.
    keys: Option<MirrorKeys>,
    validator: Rc<Validator>,
}

impl Mirror {
    /// Returns the mirror of fixed configuration `config` with fixed `keys`.
    pub fn fixed(config: usize, keys: MirrorKeys) -> Self {
        Self {
            config,
            keys: Some(keys),
            validator: fixtures::mirror(config, keys),
        }
    }

    /// Returns the mirror of fixed configuration `config` with the JWK Set
    /// document `jwks`, which the core reads.
    pub fn with_jwks(config: usize, jwks: &[u8]) -> Self {
        let policy = fixtures::configs()[config].policy.clone();
        let set = JwkSet::from_json(jwks).expect("a JWK Set the core read before");
        Self {
            config,
            keys: None,
            validator: Rc::new(Validator::new(policy, set)),
        }
    }

    /// Returns the same policy with a new key set: `fixed` when it is a fixed
    /// document, else the document `jwks`.
    pub fn replace_keys(&self, fixed: Option<MirrorKeys>, jwks: &[u8]) -> Self {
        match fixed {
            Some(keys) => Self::fixed(self.config, keys),
            None => Self::with_jwks(self.config, jwks),
        }
    }

    /// Returns the core validator.
    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// Returns the core's verdict on `bytes`, read as `kind`, at `now`.
    ///
    /// Verdicts of the fixed validators on short inputs are cached, because most
    /// inputs begin by validating the same fixed token.
    pub fn verdict(&self, bytes: &[u8], now: i64, kind: &Kind) -> Verdict {
        thread_local! {
            static CACHE: RefCell<HashMap<CacheKey, Verdict>> = RefCell::new(HashMap::new());
        }
        let Some(keys) = self.keys.filter(|_| bytes.len() <= MAX_CACHED_INPUT_BYTES) else {
            return verdict(&self.validator, bytes, now, kind);
        };
        let key = (self.config, keys, kind.clone(), now, bytes.to_vec());
        if let Some(verdict) = CACHE.with(|cache| cache.borrow().get(&key).cloned()) {
            return verdict;
        }
        let verdict = verdict(&self.validator, bytes, now, kind);
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() >= MAX_CACHED_VERDICTS {
                cache.clear();
            }
            cache.insert(key, verdict.clone());
        });
        verdict
    }
}

/// The configuration, keys, kind of input, time and input of a cached verdict.
type CacheKey = (usize, MirrorKeys, Kind, i64, Vec<u8>);

fn verdict(validator: &Validator, bytes: &[u8], now: i64, kind: &Kind) -> Verdict {
    // The C layer decodes longer tokens into larger buffers, up to the largest
    // maximum a policy accepts.
    if bytes.len() <= DEFAULT_MAX_TOKEN_BYTES {
        let mut buffer = TokenBuffer::new();
        return verdict_in(validator, bytes, now, kind, &mut buffer);
    }
    let mut buffer = Box::new(TokenBuffer::<{ MAX_TOKEN_BYTES_LIMIT / 4 * 3 }>::with_capacity());
    verdict_in(validator, bytes, now, kind, &mut buffer)
}

fn verdict_in<const N: usize>(
    validator: &Validator,
    bytes: &[u8],
    now: i64,
    kind: &Kind,
    buffer: &mut TokenBuffer<N>,
) -> Verdict {
    let verified = match kind {
        Kind::Token => validator.validate(bytes, now, buffer),
        Kind::Authorization => validator.validate_authorization(bytes, now, buffer),
        Kind::Introspection => validator.validate_introspection(bytes, now),
        Kind::SignedIntrospection => validator.validate_signed_introspection(bytes, now, buffer),
        Kind::CertificateBound(certificate) => {
            let certificate = certificate.as_deref().expect("a certificate without fault");
            validator.validate_certificate_bound(bytes, certificate, now, buffer)
        }
    };
    verdict_of(verified)
}

/// Returns the verdict of a core validation's result.
pub fn verdict_of(verified: Result<AccessToken<'_>, Error>) -> Verdict {
    match verified {
        Ok(token) => Ok((
            token
                .header()
                .map(|header| header.as_object().as_text().to_string()),
            token.claims().as_object().as_text().to_string(),
        )),
        Err(error) => Err(tg_status::from(error.code())),
    }
}

/// The core's verdict on a JWK Set document: the numbers of usable and skipped keys,
/// or the code of its error.
pub type KeySetVerdict = Result<(usize, usize), tg_status>;

/// Returns the core's verdict on the JWK Set document `jwks`.
///
/// Verdicts on short documents are cached, because reading EC keys, which checks
/// that each point is on its curve, is the slowest step of many inputs.
pub fn key_set_verdict(jwks: &[u8]) -> KeySetVerdict {
    thread_local! {
        static CACHE: RefCell<HashMap<Vec<u8>, KeySetVerdict>> = RefCell::new(HashMap::new());
    }
    let read = || {
        JwkSet::from_json(jwks)
            .map(|set| (set.keys().len(), set.rejected().len()))
            .map_err(|error| tg_status::from(error.code()))
    };
    if jwks.len() > MAX_CACHED_INPUT_BYTES {
        return read();
    }
    if let Some(verdict) = CACHE.with(|cache| cache.borrow().get(jwks).copied()) {
        return verdict;
    }
    let verdict = read();
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= MAX_CACHED_VERDICTS {
            cache.clear();
        }
        cache.insert(jwks.to_vec(), verdict);
    });
    verdict
}
