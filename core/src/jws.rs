//! The JWS layer: compact serialization (RFC 7515 section 7.1) verified against a key
//! set, for any payload.
//!
//! Checks run in a fixed order: size limit, exactly three segments, strict base64url,
//! header JSON, `crit` and `b64`, `alg` against the allow-list, then (in
//! [`UnverifiedJws::verify`]) `alg` against the selected key and the signature. The
//! payload is decoded but never parsed here.

use crate::alg::{AlgSet, Algorithm};
use crate::base64url;
use crate::error::{AlgRejection, Error, Fault, Part};
use crate::json::{self, JsonStr, Object, Value};
use crate::jwk::{Jwk, JwkSet};

/// Default maximum length of a compact JWS in bytes.
///
/// Access tokens are usually under 2 KiB; 16 KiB leaves room for large claim sets
/// while keeping hostile input from costing more than a few microseconds to reject.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Capacity of a default [`TokenBuffer`]: the decoded size of a token of
/// [`DEFAULT_MAX_TOKEN_BYTES`], since base64url decodes 4 characters to 3 bytes.
pub const DEFAULT_BUFFER_BYTES: usize = DEFAULT_MAX_TOKEN_BYTES / 4 * 3;

/// Caller-owned memory for a token's decoded header, payload and signature.
///
/// Verified views borrow from it, which keeps validation free of heap allocations.
/// Reuse one buffer per thread or request; its capacity `N` bounds the decoded size.
pub struct TokenBuffer<const N: usize = DEFAULT_BUFFER_BYTES> {
    bytes: [u8; N],
}

impl TokenBuffer {
    /// Returns a buffer large enough for any token of [`DEFAULT_MAX_TOKEN_BYTES`].
    pub const fn new() -> Self {
        Self::with_capacity()
    }
}

impl Default for TokenBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TokenBuffer<N> {
    /// Returns a buffer of `N` bytes.
    pub const fn with_capacity() -> Self {
        Self { bytes: [0; N] }
    }

    /// Returns the capacity in bytes.
    pub const fn capacity(&self) -> usize {
        N
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

/// The checked JOSE header of a JWS.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    object: Object<'a>,
    alg: Algorithm,
    kid: Option<JsonStr<'a>>,
    typ: Option<JsonStr<'a>>,
}

impl<'a> Header<'a> {
    /// Returns the header's `alg`.
    pub const fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Returns the header's `kid`, if present.
    pub const fn kid(&self) -> Option<JsonStr<'a>> {
        self.kid
    }

    /// Returns the header's `typ`, if present.
    pub const fn typ(&self) -> Option<JsonStr<'a>> {
        self.typ
    }

    /// Returns the header as a JSON object, for members this type does not model.
    ///
    /// `jwk`, `jku`, `x5u` and `x5c` are readable here but never used for
    /// verification: keys come only from the configured set.
    pub const fn as_object(&self) -> Object<'a> {
        self.object
    }

    /// Reads and checks a decoded header against the allowed algorithms.
    fn parse(bytes: &'a [u8], algorithms: AlgSet) -> Result<Self, Error> {
        let malformed = |fault| Error::malformed(Part::Header, fault);
        let object = json::parse_object(bytes).map_err(malformed)?;

        let alg = match object.get("alg") {
            Some(Value::String(alg)) => alg,
            Some(_) => return Err(malformed(Fault::WrongType { member: "alg" })),
            None => return Err(malformed(Fault::MissingMember { member: "alg" })),
        };
        let kid = optional_string(object, "kid")?;
        let typ = optional_string(object, "typ")?;
        optional_string(object, "cty")?;

        check_crit(object)?;
        if object.get("b64").is_some() {
            return Err(malformed(Fault::B64));
        }

        let alg = Algorithm::from_json(alg)?;
        if !algorithms.contains(alg) {
            return Err(Error::UnsupportedAlg {
                reason: AlgRejection::NotAllowed(alg),
            });
        }
        Ok(Self {
            object,
            alg,
            kid,
            typ,
        })
    }
}

/// Reads an optional string member of the header.
fn optional_string<'a>(
    object: Object<'a>,
    member: &'static str,
) -> Result<Option<JsonStr<'a>>, Error> {
    match object.get(member) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(Error::malformed(Part::Header, Fault::WrongType { member })),
    }
}

/// Checks `crit` (RFC 7515 section 4.1.11).
///
/// A well-formed `crit` is a non-empty array of names of members present in the
/// header. This library implements no extension, so any well-formed `crit` is
/// [`Error::UnsupportedCrit`], and any other is malformed.
fn check_crit(header: Object<'_>) -> Result<(), Error> {
    let malformed = Error::malformed(Part::Header, Fault::Crit);
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let Value::Array(names) = crit else {
        return Err(malformed);
    };

    let mut count = 0;
    for name in names.iter() {
        let Value::String(name) = name else {
            return Err(malformed);
        };
        let present = header.members().any(|(member, _)| member.eq_json(&name));
        if !present {
            return Err(malformed);
        }
        count += 1;
    }
    if count == 0 {
        return Err(malformed);
    }
    Err(Error::UnsupportedCrit)
}

/// Verifies compact JWS tokens against a key set, for any payload.
#[derive(Clone, Copy, Debug)]
pub struct JwsVerifier {
    algorithms: AlgSet,
    max_token_bytes: usize,
}

impl JwsVerifier {
    /// Returns a verifier that accepts the given algorithms and tokens of up to
    /// [`DEFAULT_MAX_TOKEN_BYTES`].
    pub const fn new(algorithms: AlgSet) -> Self {
        Self {
            algorithms,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }

    /// Returns this verifier with a different maximum token length in bytes.
    #[must_use]
    pub const fn with_max_token_bytes(self, max_token_bytes: usize) -> Self {
        Self {
            max_token_bytes,
            ..self
        }
    }

    /// Returns the accepted algorithms.
    pub const fn algorithms(&self) -> AlgSet {
        self.algorithms
    }

    /// Splits, decodes and checks a compact JWS up to, but not including, the
    /// signature.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] for a token over the limit or too large for `buffer`;
    /// [`Error::Malformed`] for structure, base64url or header faults;
    /// [`Error::UnsupportedCrit`] and [`Error::UnsupportedAlg`] from the header.
    pub fn decode<'a, const N: usize>(
        &self,
        token: &'a [u8],
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<UnverifiedJws<'a>, Error> {
        if token.len() > self.max_token_bytes {
            return Err(Error::TooLarge {
                len: token.len(),
                max: self.max_token_bytes,
            });
        }
        let segments = Segments::split(token)?;

        // The three decoded parts go one after the other into the buffer.
        let too_large = Error::TooLarge {
            len: token.len(),
            max: N / 3 * 4,
        };
        let (header, rest) = decode_segment(segments.header, buffer.as_mut_slice(), Part::Header)
            .map_err(|e| e.unwrap_or(too_large.clone()))?;
        let (payload, rest) = decode_segment(segments.payload, rest, Part::Payload)
            .map_err(|e| e.unwrap_or(too_large.clone()))?;
        let (signature, _) = decode_segment(segments.signature, rest, Part::Signature)
            .map_err(|e| e.unwrap_or(too_large))?;

        let header = Header::parse(header, self.algorithms)?;
        Ok(UnverifiedJws {
            header,
            signing_input: segments.signing_input,
            payload,
            signature,
        })
    }

    /// Decodes and verifies a compact JWS in one step.
    ///
    /// # Errors
    ///
    /// Those of [`decode`](Self::decode) and [`UnverifiedJws::verify`].
    pub fn verify<'a, const N: usize>(
        &self,
        token: &'a [u8],
        keys: &'a JwkSet,
        buffer: &'a mut TokenBuffer<N>,
    ) -> Result<VerifiedJws<'a>, Error> {
        self.decode(token, buffer)?.verify(keys)
    }
}

/// The three segments of a compact JWS, still encoded.
struct Segments<'a> {
    header: &'a [u8],
    payload: &'a [u8],
    signature: &'a [u8],
    signing_input: &'a [u8],
}

impl<'a> Segments<'a> {
    fn split(token: &'a [u8]) -> Result<Self, Error> {
        let malformed = Error::malformed(Part::Token, Fault::SegmentCount);
        let mut dots = token
            .iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'.')
            .map(|(at, _)| at);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(malformed);
        };

        Ok(Self {
            header: &token[..first],
            payload: &token[first + 1..second],
            signature: &token[second + 1..],
            signing_input: &token[..second],
        })
    }
}

/// Decodes one segment into the start of `out`, returning it and the unused rest.
///
/// The error is `None` when the segment does not fit, so the caller can report the
/// buffer's limit.
fn decode_segment<'o>(
    text: &[u8],
    out: &'o mut [u8],
    part: Part,
) -> Result<(&'o [u8], &'o mut [u8]), Option<Error>> {
    let malformed = Some(Error::malformed(part, Fault::Base64));
    let len = base64url::decoded_len(text.len()).ok_or(malformed.clone())?;
    if len > out.len() {
        return Err(None);
    }

    let (decoded, rest) = out.split_at_mut(len);
    base64url::decode_into(text, decoded).ok_or(malformed)?;
    Ok((decoded, rest))
}

/// A decoded JWS whose header passed its checks and whose signature is not verified.
///
/// Only the header is readable: the payload stays hidden until
/// [`verify`](Self::verify) succeeds.
pub struct UnverifiedJws<'a> {
    header: Header<'a>,
    signing_input: &'a [u8],
    payload: &'a [u8],
    signature: &'a [u8],
}

impl<'a> UnverifiedJws<'a> {
    /// Returns the checked, unverified header.
    pub const fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Selects the key by `kid` and `alg` and verifies the signature.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownKid`], [`Error::KeyMismatch`], [`Error::WeakKey`] or
    /// [`Error::InvalidKey`] from key selection, and [`Error::BadSignature`] when no
    /// candidate key verifies.
    pub fn verify<'s>(self, keys: &'s JwkSet) -> Result<VerifiedJws<'s>, Error>
    where
        'a: 's,
    {
        let alg = self.header.alg;
        let mut candidates = keys.select(self.header.kid, alg)?;
        let verified_by = candidates
            .find(|key| key.verify(alg, self.signing_input, self.signature).is_ok())
            .ok_or(Error::BadSignature)?;

        Ok(VerifiedJws {
            header: self.header,
            payload: self.payload,
            key: verified_by,
        })
    }
}

/// A JWS whose signature verified.
pub struct VerifiedJws<'a> {
    header: Header<'a>,
    payload: &'a [u8],
    key: &'a Jwk,
}

impl<'a> VerifiedJws<'a> {
    /// Returns the verified header.
    pub const fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Returns the verified payload bytes.
    pub const fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Returns the key that verified the signature.
    pub const fn key(&self) -> &'a Jwk {
        self.key
    }
}
