//! Strict base64url without padding (RFC 7515 section 2), through `base64ct`.
//!
//! `base64ct` rejects padding, whitespace, characters outside the URL-safe alphabet
//! and non-zero trailing bits, so each byte string has exactly one accepted encoding.

use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64UrlUnpadded, Encoding};

/// Returns the decoded length of `len` encoded characters, or `None` when no input of
/// that length is valid.
pub(crate) const fn decoded_len(len: usize) -> Option<usize> {
    match len % 4 {
        1 => None,
        rest => Some(len / 4 * 3 + rest.saturating_sub(1)),
    }
}

/// Decodes `text` into the start of `out`, returning the decoded bytes.
pub(crate) fn decode_into<'o>(text: &[u8], out: &'o mut [u8]) -> Option<&'o mut [u8]> {
    let len = decoded_len(text.len())?;
    let out = out.get_mut(..len)?;
    Base64UrlUnpadded::decode(text, out).ok()?;
    Some(out)
}

/// Decodes `text` into a new vector.
pub(crate) fn decode_to_vec(text: &str) -> Option<Vec<u8>> {
    let mut out = alloc::vec![0; decoded_len(text.len())?];
    Base64UrlUnpadded::decode(text, &mut out).ok()?;
    Some(out)
}

/// Feeds the encoding of `bytes` to `sink` in pieces, without allocating.
pub(crate) fn encode_chunks(bytes: &[u8], mut sink: impl FnMut(&[u8])) {
    // 48 input bytes encode to exactly 64 characters with no partial group.
    let mut buffer = [0u8; 64];
    for chunk in bytes.chunks(48) {
        if let Ok(encoded) = Base64UrlUnpadded::encode(chunk, &mut buffer) {
            sink(encoded.as_bytes());
        }
    }
}

/// Appends the encoding of `bytes` to `out`.
pub(crate) fn encode_to(out: &mut String, bytes: &[u8]) {
    // The base64url alphabet is ASCII, so each byte is one character.
    encode_chunks(bytes, |piece| {
        out.extend(piece.iter().map(|byte| char::from(*byte)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(decoded_len(0), Some(0));
        assert_eq!(decoded_len(1), None);
        assert_eq!(decoded_len(2), Some(1));
        assert_eq!(decoded_len(3), Some(2));
        assert_eq!(decoded_len(4), Some(3));
        assert_eq!(decoded_len(6), Some(4));
    }

    #[test]
    fn rejects_non_canonical_forms() {
        for text in ["QR", "QUF", "QQ==", "Q Q", "Q+", "Q/", "QQ\n", "Q"] {
            assert_eq!(decode_to_vec(text), None, "{text:?}");
        }
        assert_eq!(decode_to_vec("QUFB").as_deref(), Some(&b"AAA"[..]));
    }

    #[test]
    fn chunked_encoding_matches_whole() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut chunked = Vec::new();
        encode_chunks(&bytes, |piece| chunked.extend_from_slice(piece));
        assert_eq!(
            chunked,
            Base64UrlUnpadded::encode_string(&bytes).into_bytes()
        );
    }
}
