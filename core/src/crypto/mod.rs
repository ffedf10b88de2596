//! The seam between the JWS layer and the cryptographic backend.
//!
//! Every signature and MAC verification goes through [`VerifyingKey::verify`]; the
//! layers above only see keys built here and a pass or [`Error::BadSignature`]. ring
//! is the only backend today; another one would implement the same two functions in
//! a sibling module, selected by a cargo feature.

mod ring_backend;

pub(crate) use ring_backend::{Sha256, VerifyingKey};
