//! Structure-aware: sequences of C ABI calls through the `tg_` functions' Rust
//! signatures, each checked for its status, outputs and last error, and validations
//! from fixed configurations compared with the core (`src/c_abi/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard_fuzz::c_abi::{self, Session};

fuzz_target!(|session: Session<'_>| {
    c_abi::run(&session);
});
