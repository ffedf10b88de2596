//! Key checks that ring does not expose: EC point validation and the ROCA fingerprint.
//!
//! Both run once, when a key is read, never on the validation path, so they favour
//! short, obviously correct code over speed.

/// An EC curve whose public points can be checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
}

impl Curve {
    /// Returns the length in bytes of a coordinate.
    pub(crate) const fn coordinate_len(self) -> usize {
        match self {
            Self::P256 => 32,
            Self::P384 => 48,
        }
    }
}

/// Little-endian 64-bit limbs; seven hold a P-384 element and the carry of a shift.
const LIMBS: usize = 7;
type Big = [u64; LIMBS];

/// The field prime and the `b` coefficient of each curve (FIPS 186-5 / SEC 2), big-endian.
const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P256_B: &str = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";
const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe\
                      ffffffff0000000000000000ffffffff";
const P384_B: &str = "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a\
                      c656398d8a2ed19d2a85c8edd3ec2aef";

/// Returns whether `(x, y)` is a point of `curve`: both coordinates below the field
/// prime and `y^2 = x^3 - 3x + b (mod p)`.
///
/// The point at infinity has no affine coordinates, so it can never pass.
pub(crate) fn is_on_curve(curve: Curve, x: &[u8], y: &[u8]) -> bool {
    let (p, b) = match curve {
        Curve::P256 => (from_hex(P256_P), from_hex(P256_B)),
        Curve::P384 => (from_hex(P384_P), from_hex(P384_B)),
    };
    let (Some(x), Some(y)) = (from_be_bytes(x), from_be_bytes(y)) else {
        return false;
    };
    if !less_than(&x, &p) || !less_than(&y, &p) {
        return false;
    }

    let left = mul_mod(&y, &y, &p);
    let x_cubed = mul_mod(&mul_mod(&x, &x, &p), &x, &p);
    let three_x = add_mod(&add_mod(&x, &x, &p), &x, &p);
    let right = add_mod(&sub_mod(&x_cubed, &three_x, &p), &b, &p);
    left == right
}

fn from_hex(hex: &str) -> Big {
    let mut out = [0u64; LIMBS];
    let digits = hex
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'\\');
    for digit in digits {
        let nibble = u64::from((digit as char).to_digit(16).unwrap_or(0));
        shift_left(&mut out, 4);
        out[0] |= nibble;
    }
    out
}

/// Reads a big-endian integer of at most 48 bytes.
fn from_be_bytes(bytes: &[u8]) -> Option<Big> {
    if bytes.len() > 48 {
        return None;
    }
    let mut out = [0u64; LIMBS];
    for byte in bytes {
        shift_left(&mut out, 8);
        out[0] |= u64::from(*byte);
    }
    Some(out)
}

fn shift_left(value: &mut Big, bits: u32) {
    for i in (0..LIMBS).rev() {
        let carry = if i == 0 {
            0
        } else {
            value[i - 1] >> (64 - bits)
        };
        value[i] = (value[i] << bits) | carry;
    }
}

fn less_than(a: &Big, b: &Big) -> bool {
    for i in (0..LIMBS).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// Returns `a - b`, assuming `a >= b`.
fn sub(a: &Big, b: &Big) -> Big {
    let mut out = [0u64; LIMBS];
    let mut borrow = false;
    for i in 0..LIMBS {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[i] = d2;
        borrow = b1 || b2;
    }
    out
}

fn add_mod(a: &Big, b: &Big, p: &Big) -> Big {
    let mut out = [0u64; LIMBS];
    let mut carry = false;
    for i in 0..LIMBS {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 || c2;
    }
    if less_than(&out, p) {
        out
    } else {
        sub(&out, p)
    }
}

fn sub_mod(a: &Big, b: &Big, p: &Big) -> Big {
    if less_than(a, b) {
        sub(&add_plain(a, p), b)
    } else {
        sub(a, b)
    }
}

fn add_plain(a: &Big, b: &Big) -> Big {
    let mut out = [0u64; LIMBS];
    let mut carry = 0u128;
    for i in 0..LIMBS {
        let sum = u128::from(a[i]) + u128::from(b[i]) + carry;
        (out[i], carry) = split(sum);
    }
    out
}

/// Splits a double-width value into its low limb and the carry above it.
#[allow(clippy::cast_possible_truncation)]
const fn split(value: u128) -> (u64, u128) {
    (value as u64, value >> 64)
}

/// Returns `a * b mod p` for `a, b < p`, by shift-and-subtract over the product's bits.
fn mul_mod(a: &Big, b: &Big, p: &Big) -> Big {
    let mut product = [0u64; 2 * LIMBS];
    for i in 0..LIMBS {
        let mut carry = 0u128;
        for j in 0..LIMBS {
            let cell = u128::from(product[i + j]) + u128::from(a[i]) * u128::from(b[j]) + carry;
            (product[i + j], carry) = split(cell);
        }
        product[i + LIMBS] = split(carry).0;
    }

    let mut remainder = [0u64; LIMBS];
    for bit in (0..2 * LIMBS * 64).rev() {
        shift_left(&mut remainder, 1);
        remainder[0] |= (product[bit / 64] >> (bit % 64)) & 1;
        if !less_than(&remainder, p) {
            remainder = sub(&remainder, p);
        }
    }
    remainder
}

/// The Ed25519 field prime `2^255 - 19` (RFC 8032 section 5.1), big-endian.
const ED25519_P: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";

/// The y coordinate of two of the four points of order 8 on edwards25519,
/// big-endian; the other two have `p - y`.
const ED25519_ORDER_8_Y: &str = "7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7";

/// Returns whether an encoded Ed25519 public key is a point of small order or a
/// non-canonical encoding (`y >= p`).
///
/// Under a small-order key, signatures with a small-order `R` and `S = 0` verify
/// for any message, so such a key must never be trusted. The eight small-order
/// points have y in {1, p - 1, 0, y8, p - y8}; the sign bit selects x.
pub(crate) fn is_weak_ed25519_key(encoded: &[u8; 32]) -> bool {
    let p = from_hex(ED25519_P);
    let mut big_endian = *encoded;
    big_endian.reverse();
    big_endian[0] &= 0x7f;
    let Some(y) = from_be_bytes(&big_endian) else {
        return true;
    };
    if !less_than(&y, &p) {
        return true;
    }

    let one = from_hex("1");
    let order_8 = from_hex(ED25519_ORDER_8_Y);
    let small_order_y = [one, sub(&p, &one), [0; LIMBS], order_8, sub(&p, &order_8)];
    small_order_y.contains(&y)
}

/// The small primes whose product divides the ROCA generator's modulus for every key
/// size (Nemec et al., "The Return of Coppersmith's Attack", CCS 2017, section 2.3).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// Returns whether the big-endian RSA modulus `n` has the ROCA fingerprint.
///
/// A vulnerable key's modulus is `k * M + 65537^a mod M`, so for every prime `r`
/// dividing `M`, `n mod r` lies in the subgroup that 65537 generates modulo `r`. A
/// random modulus passes all 38 tests with negligible probability.
pub(crate) fn has_roca_fingerprint(n: &[u8]) -> bool {
    ROCA_PRIMES.iter().all(|&prime| {
        let residue = n
            .iter()
            .fold(0u32, |acc, byte| (acc * 256 + u32::from(*byte)) % prime);
        in_subgroup_of_65537(residue, prime)
    })
}

fn in_subgroup_of_65537(residue: u32, prime: u32) -> bool {
    let generator = 65537 % prime;
    let mut power = 1;
    loop {
        if power == residue {
            return true;
        }
        power = power * generator % prime;
        if power == 1 {
            return false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_bytes(hex: &str) -> alloc::vec::Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    // The base points of both curves (FIPS 186-5, appendix G).
    const P256_GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const P256_GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    const P384_GX: &str = "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38\
                           5502f25dbf55296c3a545e3872760ab7";
    const P384_GY: &str = "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0\
                           0a60b1ce1d7e819d7a431d7c90ea0e5f";

    fn joined(hex: &str) -> alloc::string::String {
        hex.chars().filter(|c| c.is_ascii_hexdigit()).collect()
    }

    #[test]
    fn base_points_on_curve() {
        let (x, y) = (hex_bytes(P256_GX), hex_bytes(P256_GY));
        assert!(is_on_curve(Curve::P256, &x, &y));
        let (x, y) = (hex_bytes(&joined(P384_GX)), hex_bytes(&joined(P384_GY)));
        assert!(is_on_curve(Curve::P384, &x, &y));
    }

    #[test]
    fn modified_points_off_curve() {
        let (x, mut y) = (hex_bytes(P256_GX), hex_bytes(P256_GY));
        y[31] ^= 1;
        assert!(!is_on_curve(Curve::P256, &x, &y));
        assert!(!is_on_curve(Curve::P256, &[0; 32], &[0; 32]));
        // A P-256 point is not a P-384 point.
        assert!(!is_on_curve(
            Curve::P384,
            &hex_bytes(P256_GX),
            &hex_bytes(P256_GY)
        ));
    }

    #[test]
    fn coordinates_at_or_above_prime_rejected() {
        let p = hex_bytes(P256_P);
        assert!(!is_on_curve(Curve::P256, &p, &hex_bytes(P256_GY)));
        assert!(!is_on_curve(Curve::P256, &[0xff; 49], &[0; 32]));
    }

    #[test]
    fn ed25519_small_order_keys() {
        let key = |y_le: [u8; 32]| is_weak_ed25519_key(&y_le);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(key(identity));
        assert!(key([0; 32]));
        let mut order_4_signed = [0u8; 32];
        order_4_signed[31] = 0x80;
        assert!(key(order_4_signed));

        // y = p - 1 (order 2) and y = p (non-canonical).
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        assert!(key(minus_one));
        let mut p = minus_one;
        p[0] = 0xed;
        assert!(key(p));

        // The base point (RFC 8032 section 5.1) is of large order.
        let mut base = [0x66u8; 32];
        base[0] = 0x58;
        assert!(!key(base));
    }

    /// Checks the order-8 constant: doubling a point of order 8 gives one of order 4,
    /// whose y is 0, which on edwards25519 means `d y^4 + 2 y^2 - 1 = 0 (mod p)`.
    #[test]
    fn ed25519_order_8_constant() {
        let p = from_hex(ED25519_P);
        let d = from_hex("52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3");
        for y in [
            from_hex(ED25519_ORDER_8_Y),
            sub(&p, &from_hex(ED25519_ORDER_8_Y)),
        ] {
            let y2 = mul_mod(&y, &y, &p);
            let dy4 = mul_mod(&d, &mul_mod(&y2, &y2, &p), &p);
            let sum = add_mod(&dy4, &add_mod(&y2, &y2, &p), &p);
            assert_eq!(sum, from_hex("1"));
        }
    }

    #[test]
    fn roca_residues() {
        // 65537 = 4 (mod 13), and 4 generates {1, 4, 3, 12, 9, 10}.
        for inside in [1, 4, 3, 12, 9, 10] {
            assert!(in_subgroup_of_65537(inside, 13), "{inside}");
        }
        for outside in [2, 5, 6, 7, 8, 11] {
            assert!(!in_subgroup_of_65537(outside, 13), "{outside}");
        }
    }
}
