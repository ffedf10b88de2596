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
use crate::scan;

/// Default maximum length of a compact JWS in bytes.
///
/// Access tokens are usually under 2 KiB; 16 KiB leaves room for large claim sets
/// while keeping hostile input from costing more than a few microseconds to reject.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Maximum decoded length of a JOSE header in bytes.
///
/// The header is parsed before the signature is checked, so anyone can send one.
/// Access-token headers are well under 1 KiB; this bound keeps a hostile header
/// (hundreds of escaped member names, say) from costing more than a fraction of a
/// millisecond, and still fits an embedded `jwk`, which this library ignores.
pub const MAX_HEADER_BYTES: usize = 4096;

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
        // The members are read while the text is checked, in one pass over it.
        let mut members = HeaderMembers::default();
        let object = json::parse_object_with(bytes, |name, value| members.read(name, value))
            .map_err(malformed)??;

        let alg = members
            .alg
            .ok_or(malformed(Fault::MissingMember { member: "alg" }))?;
        // RFC 7797 `b64` changes what the signature covers; it is never accepted, even
        // when `crit` lists it.
        if members.b64 {
            return Err(malformed(Fault::B64));
        }
        if let Some(crit) = members.crit {
            check_crit(object, crit)?;
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
            kid: members.kid,
            typ: members.typ,
        })
    }
}

/// The header members the JWS layer reads, with their types checked.
#[derive(Default)]
struct HeaderMembers<'a> {
    alg: Option<JsonStr<'a>>,
    kid: Option<JsonStr<'a>>,
    typ: Option<JsonStr<'a>>,
    crit: Option<Value<'a>>,
    b64: bool,
}

impl<'a> HeaderMembers<'a> {
    fn read(&mut self, name: JsonStr<'a>, value: Value<'a>) -> Result<(), Error> {
        let string = |member: &'static str| match value {
            Value::String(value) => Ok(Some(value)),
            _ => Err(Error::malformed(Part::Header, Fault::WrongType { member })),
        };
        if name.eq_str("alg") {
            self.alg = string("alg")?;
        } else if name.eq_str("kid") {
            self.kid = string("kid")?;
        } else if name.eq_str("typ") {
            self.typ = string("typ")?;
        } else if name.eq_str("cty") {
            string("cty")?;
        } else if name.eq_str("crit") {
            self.crit = Some(value);
        } else if name.eq_str("b64") {
            self.b64 = true;
        }
        Ok(())
    }
}

/// Maximum number of names in `crit`; registered extensions number a handful.
const MAX_CRIT_NAMES: usize = 16;

/// Checks `crit` (RFC 7515 section 4.1.11).
///
/// A well-formed `crit` is a non-empty array of names of members present in the
/// header. This library implements no extension, so any well-formed `crit` is
/// [`Error::UnsupportedCrit`]. Any other, or one of more than [`MAX_CRIT_NAMES`]
/// names, is malformed.
fn check_crit(header: Object<'_>, crit: Value<'_>) -> Result<(), Error> {
    let malformed = Error::malformed(Part::Header, Fault::Crit);
    let Value::Array(names) = crit else {
        return Err(malformed);
    };

    let mut count = 0;
    for name in names.iter() {
        if count == MAX_CRIT_NAMES || name.as_str().is_none() {
            return Err(malformed);
        }
        count += 1;
    }
    if count == 0 {
        return Err(malformed);
    }

    // One pass over the header, marking each crit name found; the crit list is short.
    let mut found = 0u32;
    for (member, _) in header.members() {
        for (index, name) in names.iter().enumerate() {
            if name.as_str().is_some_and(|name| name.eq_json(&member)) {
                found |= 1 << index;
            }
        }
    }
    if found != (1 << count) - 1 {
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
    /// [`Error::TooLarge`] for a token over the limit, a header over
    /// [`MAX_HEADER_BYTES`], or decoded parts that do not fit `buffer`;
    /// [`Error::Malformed`] for structure, base64url or header faults;
    /// [`Error::UnsupportedCrit`] and [`Error::UnsupportedAlg`] from the header.
    pub fn decode<'t, 'b, const N: usize>(
        &self,
        token: &'t [u8],
        buffer: &'b mut TokenBuffer<N>,
    ) -> Result<UnverifiedJws<'t, 'b>, Error> {
        if token.len() > self.max_token_bytes {
            return Err(Error::TooLarge {
                len: token.len(),
                max: self.max_token_bytes,
            });
        }
        let segments = Segments::split(token)?;

        let header_len = base64url::decoded_len(segments.header.len())
            .ok_or(Error::malformed(Part::Header, Fault::Base64))?;
        if header_len > MAX_HEADER_BYTES {
            return Err(Error::TooLarge {
                len: header_len,
                max: MAX_HEADER_BYTES,
            });
        }

        // The three decoded parts go one after the other into the buffer.
        let decoded = segments.decoded_len()?;
        if decoded > N {
            return Err(Error::TooLarge {
                len: decoded,
                max: N,
            });
        }
        let buffer = buffer.as_mut_slice();
        let (header, rest) = decode_segment(segments.header, buffer, Part::Header)?;
        let (payload, rest) = decode_segment(segments.payload, rest, Part::Payload)?;
        let (signature, _) = decode_segment(segments.signature, rest, Part::Signature)?;

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
        token: &[u8],
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
    /// Returns the total decoded length of the three segments.
    fn decoded_len(&self) -> Result<usize, Error> {
        let len = |text: &[u8], part| {
            base64url::decoded_len(text.len()).ok_or(Error::malformed(part, Fault::Base64))
        };
        Ok(len(self.header, Part::Header)?
            + len(self.payload, Part::Payload)?
            + len(self.signature, Part::Signature)?)
    }

    fn split(token: &'a [u8]) -> Result<Self, Error> {
        let malformed = || Error::malformed(Part::Token, Fault::SegmentCount);
        let (header, rest) = split_at_dot(token).ok_or_else(malformed)?;
        let (payload, signature) = split_at_dot(rest).ok_or_else(malformed)?;
        if split_at_dot(signature).is_some() {
            return Err(malformed());
        }

        Ok(Self {
            header,
            payload,
            signature,
            signing_input: &token[..header.len() + 1 + payload.len()],
        })
    }
}

/// Splits `bytes` at its first `.`, leaving the dot out.
fn split_at_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = scan::position(
        bytes,
        |word| scan::equal_bytes(word, b'.'),
        |byte| byte == b'.',
    )?;
    Some((bytes.get(..at)?, bytes.get(at + 1..)?))
}

/// Decodes one segment into the start of `out`, returning it and the unused rest.
fn decode_segment<'o>(
    text: &[u8],
    out: &'o mut [u8],
    part: Part,
) -> Result<(&'o [u8], &'o mut [u8]), Error> {
    let malformed = || Error::malformed(part, Fault::Base64);
    let len = base64url::decoded_len(text.len()).ok_or_else(malformed)?;
    if len > out.len() {
        return Err(malformed());
    }

    let (decoded, rest) = out.split_at_mut(len);
    base64url::decode_into(text, decoded).ok_or_else(malformed)?;
    Ok((decoded, rest))
}

/// A decoded JWS whose header passed its checks and whose signature is not verified.
///
/// Only the header is readable: the payload stays hidden until
/// [`verify`](Self::verify) succeeds. It borrows the token (`'t`) for the signing
/// input and the buffer (`'b`) for the decoded parts.
pub struct UnverifiedJws<'t, 'b> {
    header: Header<'b>,
    signing_input: &'t [u8],
    payload: &'b [u8],
    signature: &'b [u8],
}

impl<'b> UnverifiedJws<'_, 'b> {
    /// Returns the checked, unverified header.
    pub const fn header(&self) -> &Header<'b> {
        &self.header
    }

    /// Returns the decoded payload before its signature is verified.
    ///
    /// Only for choosing the verification key, as the header's `kid` is: nothing
    /// read here may be trusted until [`verify`](Self::verify) succeeds.
    pub(crate) const fn unverified_payload(&self) -> &'b [u8] {
        self.payload
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
        'b: 's,
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

impl<'b> UnverifiedJws<'_, 'b> {
    /// Verifies the signature with `key` alone, such as a key the JWS carries in
    /// its own header, and returns the header and payload.
    ///
    /// The caller decides whether that key is trusted.
    pub(crate) fn verify_with_key(self, key: &Jwk) -> Result<(Header<'b>, &'b [u8]), Error> {
        let alg = self.header.alg;
        if !key.allows(alg) {
            return Err(key.mismatch(alg));
        }
        key.verify(alg, self.signing_input, self.signature)?;
        Ok((self.header, self.payload))
    }
}

/// A JWS whose signature verified, borrowing the buffer and the key set; the token
/// itself may be dropped.
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

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;

    #[test]
    fn split_at_dot_finds_first_dot_anywhere() {
        // Lengths around the 8-byte steps, with the dot at every position.
        for len in 0..40 {
            let letters = || {
                b"abcdefghijklmnopqrstuvwxyz"
                    .iter()
                    .copied()
                    .cycle()
                    .take(len)
            };
            let mut bytes: Vec<u8> = letters().collect();
            assert_eq!(split_at_dot(&bytes), None, "len {len}");
            for at in 0..len {
                bytes[at] = b'.';
                let (before, after) = split_at_dot(&bytes).unwrap();
                assert_eq!(before.len(), at, "len {len}");
                assert_eq!(after.len(), len - at - 1, "len {len}");
                // A second dot later on stays in the rest.
                if at + 1 < len {
                    bytes[len - 1] = b'.';
                    assert_eq!(split_at_dot(&bytes).unwrap().0.len(), at, "len {len}");
                }
                bytes = letters().collect();
            }
        }
    }

    #[test]
    fn split_at_dot_ignores_near_misses() {
        // Bytes one off from `.` in either direction, and with the high bit set.
        let bytes = [
            b'-', b'/', 0xAE, b'-', b'/', 0xAE, b'-', b'/', 0xAE, b'.', b'x',
        ];
        assert_eq!(split_at_dot(&bytes), Some((&bytes[..9], &bytes[10..])));
    }
}
