//! Shared set-up for the tokenguard benchmarks: keys, tokens, the libraries under
//! test prepared for one algorithm, and a counting allocator.
//!
//! Every bench binary builds its fixtures with [`fixtures::Fixture::new`] at
//! start-up, then calls [`peers::check_agreement`] so that no row can silently
//! measure an error path.

pub mod allocations;
pub mod fixtures;
pub mod paired;
pub mod peers;
pub mod records;

use std::time::Duration;

use criterion::Criterion;

/// The `iss` of every benchmark token, and the issuer every library requires.
pub const ISSUER: &str = "https://auth.example.com/";

/// The `aud` of every valid benchmark token, and the audience every library requires.
pub const AUDIENCE: &str = "https://api.example.com";

/// The `aud` of the token that every library must reject.
pub const OTHER_AUDIENCE: &str = "https://billing.example.com";

/// Clock leeway given to every library, in seconds.
pub const LEEWAY_SECONDS: u32 = 30;

/// Returns criterion settings that keep a full run of every row under about ten
/// minutes on a 2-core machine: 1 s of warm-up and 3 s of measurement a row.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args()
}
