//! NumericDate (RFC 7519 section 2): seconds since the Unix epoch, possibly fractional.

use core::cmp::Ordering;

use crate::json::Number;

/// Bound on the magnitude of a decimal exponent. It is far beyond any digit count a
/// bounded input can have, so clamping there never changes which side of the
/// decimal point a digit falls on, and the sums below cannot overflow.
const MAX_EXPONENT: i64 = 1 << 50;

/// A NumericDate within the signed 64-bit range, compared exactly.
///
/// The value is kept as its floor plus whether a fraction remains, which is all that
/// comparisons with whole-second instants need: nothing is truncated or rounded, so
/// `exp: 1767229199.5` is still valid at 1767229199 and expired at 1767229200.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumericDate {
    floor: i64,
    fraction: bool,
}

impl NumericDate {
    /// Returns a whole-second date.
    pub const fn from_seconds(seconds: i64) -> Self {
        Self {
            floor: seconds,
            fraction: false,
        }
    }

    /// Reads a JSON number exactly, including fractions and exponents.
    ///
    /// Returns `None` when the value is outside the signed 64-bit range of seconds,
    /// such as `1e400` or `-1e19`.
    pub fn from_json(number: Number<'_>) -> Option<Self> {
        parse(number.as_text())
    }

    /// Returns the date in whole seconds, rounded down.
    pub const fn seconds(&self) -> i64 {
        self.floor
    }

    /// Returns whether the date has a non-zero fractional part.
    pub const fn has_fraction(&self) -> bool {
        self.fraction
    }

    /// Compares this date with the whole-second instant `seconds`.
    pub(crate) fn cmp_seconds(&self, seconds: i128) -> Ordering {
        match i128::from(self.floor).cmp(&seconds) {
            Ordering::Equal if self.fraction => Ordering::Greater,
            other => other,
        }
    }
}

/// Parses checked JSON number text; the grammar was enforced by the JSON reader.
fn parse(text: &str) -> Option<NumericDate> {
    // Dates are nearly always plain integers, read here directly: up to 18 digits
    // stay below 2^63.
    if (1..=18).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit()) {
        let seconds = text
            .bytes()
            .fold(0, |seconds, digit| seconds * 10 + i64::from(digit - b'0'));
        return Some(NumericDate::from_seconds(seconds));
    }

    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])?),
        None => (unsigned, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));

    // The digits of integer and fraction in sequence; the decimal point sits after
    // `point` of them, which may lie beyond either end.
    let digits = integer.bytes().chain(fraction.bytes());
    let point = i64::try_from(integer.len()).ok()?.checked_add(exponent)?;

    let mut magnitude: u128 = 0;
    let mut has_fraction = false;
    let mut count: i64 = 0;
    for digit in digits {
        let value = u128::from(digit.checked_sub(b'0')?);
        if count < point {
            magnitude = magnitude.checked_mul(10)?.checked_add(value)?;
            if magnitude > 1 << 63 {
                return None;
            }
        } else if value != 0 {
            has_fraction = true;
        }
        count += 1;
    }

    // Trailing zeros implied by a positive exponent.
    if magnitude != 0 {
        for _ in count..point {
            magnitude = magnitude.checked_mul(10)?;
            if magnitude > 1 << 63 {
                return None;
            }
        }
    }

    let magnitude = i128::try_from(magnitude).ok()?;
    let floor = match (negative, has_fraction) {
        (false, _) => magnitude,
        (true, false) => -magnitude,
        (true, true) => -magnitude - 1,
    };
    Some(NumericDate {
        floor: i64::try_from(floor).ok()?,
        fraction: has_fraction,
    })
}

/// Parses an exponent, saturating at [`MAX_EXPONENT`] in either direction.
fn parse_exponent(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let mut value: i64 = 0;
    for digit in digits.bytes() {
        value = (value.saturating_mul(10) + i64::from(digit.checked_sub(b'0')?)).min(MAX_EXPONENT);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Option<(i64, bool)> {
        parse(text).map(|d| (d.floor, d.fraction))
    }

    #[test]
    fn integers_and_fractions() {
        assert_eq!(date("0"), Some((0, false)));
        assert_eq!(date("1767229200"), Some((1767229200, false)));
        assert_eq!(date("1767229199.5"), Some((1767229199, true)));
        assert_eq!(date("1767229200.000"), Some((1767229200, false)));
        assert_eq!(date("-1"), Some((-1, false)));
        assert_eq!(date("-0.5"), Some((-1, true)));
        assert_eq!(date("-0"), Some((0, false)));
    }

    #[test]
    fn exponents() {
        assert_eq!(date("1.8e9"), Some((1_800_000_000, false)));
        assert_eq!(date("18E+8"), Some((1_800_000_000, false)));
        assert_eq!(date("17672292005e-1"), Some((1767229200, true)));
        assert_eq!(date("1e-100000000000"), Some((0, true)));
        assert_eq!(date("1e-99999999999999999999999999"), Some((0, true)));
        assert_eq!(date("0e100000000000"), Some((0, false)));
    }

    #[test]
    fn range_limits() {
        assert_eq!(date("9223372036854775807"), Some((i64::MAX, false)));
        assert_eq!(date("9223372036854775808"), None);
        assert_eq!(date("-9223372036854775808"), Some((i64::MIN, false)));
        assert_eq!(date("-9223372036854775808.5"), None);
        assert_eq!(date("-9223372036854775809"), None);
        assert_eq!(date("1e400"), None);
        assert_eq!(date("1e19"), None);
        assert_eq!(date("-1e19"), None);
        assert_eq!(date("100000000000000000000000000000000000000000"), None);
    }

    #[test]
    fn compares_without_truncation() {
        let half = parse("100.5").unwrap();
        assert_eq!(half.cmp_seconds(100), Ordering::Greater);
        assert_eq!(half.cmp_seconds(101), Ordering::Less);
        let whole = NumericDate::from_seconds(100);
        assert_eq!(whole.cmp_seconds(100), Ordering::Equal);
    }
}
