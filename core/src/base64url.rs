//! Strict base64url without padding (RFC 7515 section 2).
//!
//! Every decoder here rejects padding, whitespace, characters outside the URL-safe
//! alphabet, a length of 1 modulo 4 and non-zero trailing bits, so each byte string
//! has exactly one accepted encoding.
//!
//! Two decoders exist, one per reason:
//!
//! - [`decode_into`] is table-driven and takes time that depends on the input. It
//!   decodes the parts of a compact JWS and the thumbprints that bind a token to a
//!   key, none of which is secret. The header and payload are parsed next by the
//!   JSON reader, which is variable-time anyway, and signatures and thumbprints are
//!   public. Constant-time decoding would only slow those parts down.
//! - [`decode_to_vec`] goes through `base64ct`, whose decoding is constant-time. It
//!   decodes JWK members, among them secret key material (`d`, `k`, the RSA primes),
//!   where timing could leak bits of a secret.
//!
//! Encoding always goes through `base64ct`.

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

/// Decodes `text`, which is not secret, into the start of `out`, returning the decoded
/// bytes.
///
/// Returns `None` for any input [`decode_to_vec`] rejects, and when `out` is too short.
pub(crate) fn decode_into<'o>(text: &[u8], out: &'o mut [u8]) -> Option<&'o mut [u8]> {
    let len = decoded_len(text.len())?;
    let out = out.get_mut(..len)?;

    // Groups of 8 characters become 6 bytes.
    let mut groups = text.chunks_exact(8);
    let mut outputs = out.chunks_exact_mut(6);
    for (group, output) in groups.by_ref().zip(outputs.by_ref()) {
        let group: &[u8; 8] = group.try_into().ok()?;
        let quad = |at: usize| {
            PLACED[0][usize::from(group[at])]
                | PLACED[1][usize::from(group[at + 1])]
                | PLACED[2][usize::from(group[at + 2])]
                | PLACED[3][usize::from(group[at + 3])]
        };
        let (high, low) = (quad(0), quad(4));
        if (high | low) & PLACED_INVALID != 0 {
            return None;
        }
        let bits = u64::from(high) << 24 | u64::from(low);
        output.copy_from_slice(&bits.to_be_bytes()[2..]);
    }

    // The last 0 to 7 characters carry a few bits more than their bytes need. Those
    // bits must be zero, or two encodings would decode to the same bytes.
    let rest = groups.remainder();
    let tail = outputs.into_remainder();
    let bits = sextets(rest)?;
    let spare = (rest.len() * 6).checked_sub(tail.len() * 8)?;
    if bits & ((1 << spare) - 1) != 0 {
        return None;
    }
    let bytes = (bits >> spare).to_be_bytes();
    tail.copy_from_slice(bytes.get(8 - tail.len()..)?);
    Some(out)
}

/// Returns the 6-bit values of up to 10 `chars`, concatenated, or `None` when one of
/// them is outside the alphabet.
fn sextets<'c>(chars: impl IntoIterator<Item = &'c u8>) -> Option<u64> {
    // A character outside the alphabet maps to a value with the high bit set, so
    // one test after the loop catches it, and the bits it spoils are never used.
    let mut bits = 0u64;
    let mut seen = 0u8;
    for char in chars {
        let value = DECODE[usize::from(*char)];
        seen |= value;
        bits = bits << 6 | u64::from(value);
    }
    (seen & INVALID == 0).then_some(bits)
}

/// Decodes `text` into a new vector, in constant time for a given length.
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

/// Marks a byte outside the base64url alphabet in [`DECODE`].
const INVALID: u8 = 0x80;

/// The 6-bit value of each byte of the base64url alphabet (RFC 4648 section 5), and
/// [`INVALID`] for every other byte, `=` included.
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut value: u8 = 0;
    while value < 64 {
        table[alphabet[value as usize] as usize] = value;
        value += 1;
    }
    table
};

/// Marks a byte outside the alphabet in [`PLACED`], above the 24 bits of a group.
const PLACED_INVALID: u32 = 1 << 24;

/// For each position in a group of 4 characters, the value of each byte already
/// shifted into its place among the group's 24 bits, or [`PLACED_INVALID`].
///
/// A group then decodes with one OR per character.
const PLACED: [[u32; 256]; 4] = {
    let mut tables = [[PLACED_INVALID; 256]; 4];
    let mut position = 0;
    while position < 4 {
        let mut byte = 0;
        while byte < 256 {
            let value = DECODE[byte];
            if value & INVALID == 0 {
                tables[position][byte] = (value as u32) << (18 - 6 * position);
            }
            byte += 1;
        }
        position += 1;
    }
    tables
};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = [0u8; 64];
        decode_into(text.as_bytes(), &mut out).map(|bytes| bytes.to_vec())
    }

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
        for text in [
            "QR", "QUF", "QQ==", "QUE=", "Q Q", "Q+", "Q/", "QQ\n", "Q", "QUFBQ", "QU\u{e9}",
        ] {
            assert_eq!(decode_to_vec(text), None, "{text:?}");
            assert_eq!(decode(text), None, "{text:?}");
        }
        for (text, bytes) in [
            ("QUFB", &b"AAA"[..]),
            ("QQ", b"A"),
            ("QUE", b"AA"),
            ("", b""),
        ] {
            assert_eq!(decode_to_vec(text).as_deref(), Some(bytes), "{text:?}");
            assert_eq!(decode(text).as_deref(), Some(bytes), "{text:?}");
        }
    }

    #[test]
    fn table_decoder_needs_room() {
        let mut out = [0u8; 2];
        assert_eq!(decode_into(b"QUFB", &mut out), None);
        let mut out = [0u8; 4];
        assert_eq!(decode_into(b"QUFB", &mut out).as_deref(), Some(&b"AAA"[..]));
    }

    #[test]
    fn whole_alphabet_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        let text = Base64UrlUnpadded::encode_string(&bytes);
        let mut out = [0u8; 256];
        assert_eq!(
            decode_into(text.as_bytes(), &mut out).as_deref(),
            Some(&bytes[..])
        );
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

    /// Text of base64url characters with, now and then, a byte from anywhere.
    fn near_base64url() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            8 => proptest::sample::select(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec()
            ),
            1 => any::<u8>(),
        ];
        proptest::collection::vec(byte, 0..40)
    }

    proptest! {
        #[test]
        fn table_decoder_agrees_with_base64ct(text in near_base64url()) {
            let mut out = [0u8; 64];
            let ours = decode_into(&text, &mut out).map(|bytes| bytes.to_vec());
            let theirs = Base64UrlUnpadded::decode_vec(&String::from_utf8_lossy(&text)).ok();
            // Lossy conversion changes only non-UTF-8 input, which both must reject.
            let theirs = theirs.filter(|_| core::str::from_utf8(&text).is_ok());
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn table_decoder_reads_every_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            let text = Base64UrlUnpadded::encode_string(&bytes);
            let mut out = [0u8; 64];
            let ours = decode_into(text.as_bytes(), &mut out).map(|bytes| bytes.to_vec());
            prop_assert_eq!(ours, Some(bytes));
        }
    }
}
