//! Just enough DER to read the key algorithm of a PKCS#8 document, and the private
//! scalar of an EC key out of the PKCS#8 document ring generates, since ring has
//! no accessor for it.

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OBJECT_IDENTIFIER: u8 = 0x06;

/// rsaEncryption, 1.2.840.113549.1.1.1 (RFC 8017 appendix A.1).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-ecPublicKey, 1.2.840.10045.2.1 (RFC 5480 section 2.1.1).
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// secp256r1, 1.2.840.10045.3.1.7 (RFC 5480 section 2.1.1.1).
const SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1, 1.3.132.0.34 (RFC 5480 section 2.1.1.1).
const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// id-Ed25519, 1.3.101.112 (RFC 8410 section 3).
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The key algorithm named by a PKCS#8 `PrivateKeyInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pkcs8Algorithm {
    Rsa,
    P256,
    P384,
    Ed25519,
    /// An algorithm or curve that tokenguard does not sign with.
    Other,
}

/// Returns the key algorithm of a PKCS#8 `PrivateKeyInfo` (RFC 5208 section 5,
/// RFC 5958 section 2), or `None` when `der` is not one.
pub(crate) fn pkcs8_algorithm(der: &[u8]) -> Option<Pkcs8Algorithm> {
    let mut info = Reader::new(Reader::new(der).element(SEQUENCE)?);
    info.element(INTEGER)?;
    let mut algorithm = Reader::new(info.element(SEQUENCE)?);
    info.element(OCTET_STRING)?;

    let oid = algorithm.element(OBJECT_IDENTIFIER)?;
    let parameter = algorithm.element(OBJECT_IDENTIFIER);
    Some(match (oid, parameter) {
        (RSA_ENCRYPTION, _) => Pkcs8Algorithm::Rsa,
        (EC_PUBLIC_KEY, Some(SECP256R1)) => Pkcs8Algorithm::P256,
        (EC_PUBLIC_KEY, Some(SECP384R1)) => Pkcs8Algorithm::P384,
        (ED25519, _) => Pkcs8Algorithm::Ed25519,
        _ => Pkcs8Algorithm::Other,
    })
}

/// Returns the private key octets of an EC `PrivateKeyInfo` (RFC 5208 section 5)
/// that wraps an `ECPrivateKey` (RFC 5915 section 3): the `d` of the private JWK.
///
/// Returns `None` for any other structure.
pub(crate) fn ec_private_key(pkcs8: &[u8]) -> Option<&[u8]> {
    let mut info = Reader::new(Reader::new(pkcs8).element(SEQUENCE)?);
    info.element(INTEGER)?;
    info.element(SEQUENCE)?;
    let private_key = info.element(OCTET_STRING)?;

    let mut ec = Reader::new(Reader::new(private_key).element(SEQUENCE)?);
    let version = ec.element(INTEGER)?;
    if version != [1] {
        return None;
    }
    ec.element(OCTET_STRING)
}

/// Reads DER elements one after another.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    /// Reads the next element, which must have `tag`, and returns its contents.
    fn element(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.rest.split_first()?;
        if found != tag {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;

        // Short form below 0x80; otherwise the low bits count the length bytes that
        // follow (X.690 section 8.1.3). Keys need at most two of them.
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 2 || rest.len() < count {
                return None;
            }
            let (len_bytes, after) = rest.split_at(count);
            rest = after;
            len_bytes
                .iter()
                .fold(0, |len, byte| (len << 8) | usize::from(*byte))
        };

        if rest.len() < len {
            return None;
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Some(contents)
    }
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

    use super::*;

    #[test]
    fn reads_ring_p256_scalar() {
        let rng = SystemRandom::new();
        let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key generation");
        let d = ec_private_key(pkcs8.as_ref()).expect("EC private key");
        assert_eq!(d.len(), 32);

        // The scalar and the public key rebuild the same key pair.
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("PKCS#8");
        let public = ring::signature::KeyPair::public_key(&pair).as_ref();
        assert!(EcdsaKeyPair::from_private_key_and_public_key(alg, d, public, &rng).is_ok());
    }

    #[test]
    fn names_pkcs8_algorithms() {
        let rng = SystemRandom::new();
        let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
        let p256 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("key generation");
        assert_eq!(pkcs8_algorithm(p256.as_ref()), Some(Pkcs8Algorithm::P256));

        let ed25519 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).expect("key");
        assert_eq!(
            pkcs8_algorithm(ed25519.as_ref()),
            Some(Pkcs8Algorithm::Ed25519)
        );

        let rsa = include_bytes!("../../tests/fixtures/rsa-2048-test-only-1.pk8.der");
        assert_eq!(pkcs8_algorithm(rsa), Some(Pkcs8Algorithm::Rsa));
        assert_eq!(pkcs8_algorithm(b"not DER"), None);
    }

    #[test]
    fn rejects_other_structures() {
        assert_eq!(ec_private_key(&[]), None);
        assert_eq!(ec_private_key(&[0x30, 0x03, 0x02, 0x01]), None);
        assert_eq!(ec_private_key(&[0x30, 0x80]), None);
        assert_eq!(ec_private_key(&[0x04, 0x00]), None);
    }
}
