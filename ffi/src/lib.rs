//! The C ABI of tokenguard: `libtokenguard.so` and `libtokenguard.a`, declared by
//! `include/tokenguard.h`, which cbindgen generates from this crate.
//!
//! The conventions every function follows (statuses, the per-thread last error,
//! out-parameters, pointer and length inputs, ownership, threads, panics) open the
//! header. They are written in `after_includes` in `ffi/cbindgen.toml`. Each
//! function's doc comment, which cbindgen copies into the header, states the
//! ownership and lifetime of its pointers.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    missing_docs,
    unreachable_pub,
    unused_qualifications,
    clippy::undocumented_unsafe_blocks,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]
// C names: `tg_validator`, `TG_SCHEME_BEARER`.
#![allow(non_camel_case_types)]

// cbindgen lists the items in the order of these modules, so each is a group of
// its own, which rustfmt does not sort.
mod status;

mod validator;

mod token;

mod revocation;

mod dpop;

mod assertion;

mod signing;

mod bearer;

mod last_error;

mod boundary;
mod config;

pub use assertion::*;
pub use bearer::{
    tg_parse_authorization, tg_scheme, tg_www_authenticate, tg_www_authenticate_dpop,
};
pub use dpop::*;
pub use last_error::{
    tg_last_error_bearer_error, tg_last_error_http_status, tg_last_error_message,
    tg_last_error_www_authenticate, tg_last_error_www_authenticate_dpop,
};
pub use revocation::*;
pub use signing::*;
pub use status::*;
pub use token::*;
pub use validator::*;
