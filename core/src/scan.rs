//! Byte searches that test 8 bytes per step, for the long runs of a token that hold
//! no byte of interest: base64url segments and JSON string contents.

/// `0x80` in every byte of a word.
const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Returns the index of the first byte of `bytes` for which `matches` is true.
///
/// `word_may_match` sees 8 bytes at a time and must return true for any word that
/// contains a matching byte; words it rejects are skipped without a closer look.
pub(crate) fn position(
    bytes: &[u8],
    word_may_match: impl Fn(u64) -> bool,
    matches: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut skipped = 0;
    for word in bytes.chunks_exact(8) {
        let word = u64::from_ne_bytes(word.try_into().unwrap_or([0; 8]));
        if word_may_match(word) {
            break;
        }
        skipped += 8;
    }
    let rest = bytes.get(skipped..)?;
    rest.iter()
        .position(|byte| matches(*byte))
        .map(|at| skipped + at)
}

/// Returns whether some byte of `word` equals `byte`.
pub(crate) const fn has_byte(word: u64, byte: u8) -> bool {
    has_byte_below(word ^ u64::from_ne_bytes([byte; 8]), 1)
}

/// Returns whether some byte of `word` is below `bound`, which is at most 128.
///
/// Subtracting `bound` from every byte borrows into the high bit of a byte below it.
/// A byte that already had its high bit set is masked out, so a borrow can only
/// appear once some byte is below `bound`, and the test never reports a false match.
pub(crate) const fn has_byte_below(word: u64, bound: u8) -> bool {
    let bounds = u64::from_ne_bytes([bound; 8]);
    word.wrapping_sub(bounds) & !word & HIGH_BITS != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_tests_match_bytewise() {
        // Every byte value at every position, among neighbours that never match.
        for filler in [0u8, 0x20, b'a', 0x7F, 0xFF] {
            for byte in 0..=255u8 {
                for at in 0..8 {
                    let mut bytes = [filler; 8];
                    bytes[at] = byte;
                    let word = u64::from_ne_bytes(bytes);
                    let expected_quote = bytes.contains(&b'"');
                    let expected_control = bytes.iter().any(|b| *b < 0x20);
                    assert_eq!(has_byte(word, b'"'), expected_quote, "{bytes:?}");
                    assert_eq!(has_byte_below(word, 0x20), expected_control, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn position_finds_first_match() {
        for len in 0..40 {
            for at in 0..=len {
                let mut bytes = [b'a'; 40];
                if at < len {
                    bytes[at] = b'.';
                    bytes[len - 1] = b'.';
                }
                let found = position(&bytes[..len], |word| has_byte(word, b'.'), |b| b == b'.');
                assert_eq!(found, (at < len).then_some(at), "len {len}");
            }
        }
    }
}
