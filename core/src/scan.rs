//! Byte searches that test 8 bytes per step, for the long runs of a token that hold
//! no byte of interest: base64url segments and JSON string contents.

/// `0x80` in every byte of a word.
const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Returns the index of the first byte of `bytes` for which `matches` is true.
///
/// `word_matches` receives 8 bytes at a time, read little-endian, and returns a mask
/// whose lowest set bit, if any, is the high bit of the first matching byte, such as
/// an OR of [`equal_bytes`] and [`bytes_below`].
pub(crate) fn position(
    bytes: &[u8],
    word_matches: impl Fn(u64) -> u64,
    matches: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut skipped = 0;
    for word in words.by_ref() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let mask = word_matches(word);
        if mask != 0 {
            // The bit index is below 64, so the byte index fits any usize.
            return Some(skipped + (mask.trailing_zeros() / 8) as usize);
        }
        skipped += 8;
    }
    let at = words.remainder().iter().position(|byte| matches(*byte))?;
    Some(skipped + at)
}

/// Returns a mask of the bytes of `word` equal to `byte`, exact up to the first one.
pub(crate) const fn equal_bytes(word: u64, byte: u8) -> u64 {
    bytes_below(word ^ u64::from_ne_bytes([byte; 8]), 1)
}

/// Returns a mask of the bytes of `word` below `bound`, which is at most 128, exact
/// up to the first one: the high bit of that byte is the lowest bit set.
///
/// Subtracting `bound` from every byte borrows into the high bit of each byte below
/// it, and bytes whose high bit was already set are masked out. A borrow carried
/// into a later byte can flag that one wrongly, but only after a true match.
pub(crate) const fn bytes_below(word: u64, bound: u8) -> u64 {
    let bounds = u64::from_ne_bytes([bound; 8]);
    word.wrapping_sub(bounds) & !word & HIGH_BITS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Returns the byte index of the lowest bit of `mask`, or 8 when it is zero.
    fn first(mask: u64) -> usize {
        (mask.trailing_zeros() / 8) as usize
    }

    #[test]
    fn word_masks_find_first_byte() {
        // Every byte value at every position, among neighbours that match or not.
        for filler in [0u8, 0x1F, 0x20, b'"', b'a', 0x7F, 0xFF] {
            for byte in 0..=255u8 {
                for at in 0..8 {
                    let mut bytes = [filler; 8];
                    bytes[at] = byte;
                    let word = u64::from_le_bytes(bytes);
                    let quote = bytes.iter().position(|b| *b == b'"').unwrap_or(8);
                    let control = bytes.iter().position(|b| *b < 0x20).unwrap_or(8);
                    assert_eq!(first(equal_bytes(word, b'"')), quote, "{bytes:?}");
                    assert_eq!(first(bytes_below(word, 0x20)), control, "{bytes:?}");
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
                let found = position(&bytes[..len], |word| equal_bytes(word, b'.'), |b| b == b'.');
                assert_eq!(found, (at < len).then_some(at), "len {len}");
            }
        }
    }
}
