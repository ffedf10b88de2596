//! SHA-256 for RFC 7638 thumbprints and the hashes of DPoP and revocation checks,
//! from the first backend compiled in of ring, aws-lc-rs and RustCrypto.

#[cfg(feature = "ring")]
use ring::digest;

#[cfg(all(not(feature = "ring"), feature = "aws-lc-rs"))]
use aws_lc_rs::digest;

/// An incremental SHA-256 digest.
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
pub(crate) struct Sha256(digest::Context);

#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
impl Sha256 {
    pub(crate) fn new() -> Self {
        Self(digest::Context::new(&digest::SHA256))
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        let mut out = [0; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

/// An incremental SHA-256 digest.
#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
pub(crate) struct Sha256(sha2::Sha256);

#[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
impl Sha256 {
    pub(crate) fn new() -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::new())
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        use sha2::Digest as _;
        self.0.update(data);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        use sha2::Digest as _;
        self.0.finalize().into()
    }
}
