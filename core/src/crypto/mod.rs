//! The seam between the JWS layer and the cryptographic backend.
//!
//! Every signature and MAC verification goes through [`VerifyingKey::verify`], and
//! every signature made goes through [`PrivateKey::sign`]; the layers above only
//! see keys built here and a pass or an [`Error`](crate::Error). ring is the only
//! backend today; another one would implement the same functions in sibling
//! modules, selected by a cargo feature.

mod ring_backend;
mod ring_signing;

pub(crate) use ring_backend::{Sha256, VerifyingKey};
pub(crate) use ring_signing::{
    fill_random, generate_ec_pkcs8, PrivateKey, PublicKey, RsaPrivateMembers,
};
