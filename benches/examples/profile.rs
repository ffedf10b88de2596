//! Runs one library's validation of one algorithm's benchmark token in a loop, for
//! a profiler to sample:
//!
//!     cargo build --release --example profile
//!     perf record -g target/release/examples/profile tokenguard HS256 5
//!
//! Arguments: the library (`floor`, `tokenguard`, `jsonwebtoken`, `jwt-simple`), the
//! algorithm, and the seconds to run (default 5). jsonwebtoken uses aws_lc_rs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tokenguard::TokenBuffer;
use tokenguard_benches::fixtures::{Alg, Fixture};
use tokenguard_benches::peers::{self, Floor, JsonWebToken, JsonWebTokenBackend, JwtSimple};

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: profile LIBRARY ALG [SECONDS]";
    let library = args.next().expect(usage);
    let alg_name = args.next().expect(usage);
    let seconds: f64 = args.next().map_or(5.0, |text| text.parse().expect(usage));
    let alg = Alg::ALL
        .into_iter()
        .find(|alg| alg.name() == alg_name)
        .unwrap_or_else(|| panic!("unknown algorithm {alg_name}; {usage}"));

    JsonWebTokenBackend::AwsLcRs.install();
    let fixture = Fixture::new(alg, peers::now());
    let floor = Floor::new(&fixture);
    let validator = peers::tokenguard_validator(&fixture, tokenguard::Backend::Ring);
    let jsonwebtoken = JsonWebToken::new(&fixture);
    let jwt_simple = JwtSimple::new(&fixture);
    peers::check_agreement(
        &fixture,
        &floor,
        &validator,
        Some(&jsonwebtoken),
        Some(&jwt_simple),
    );

    let mut buffer = TokenBuffer::new();
    let mut call: Box<dyn FnMut()> = match library.as_str() {
        "floor" => Box::new(|| {
            black_box(floor.verify(fixture.signing_input(), &fixture.signature));
        }),
        "tokenguard" => Box::new(|| {
            black_box(peers::tokenguard_validate(&validator, &fixture.token, &mut buffer).ok());
        }),
        "jsonwebtoken" => Box::new(|| {
            black_box(jsonwebtoken.validate(&fixture.token).ok());
        }),
        "jwt-simple" => Box::new(|| {
            black_box(jwt_simple.validate(&fixture.token).ok());
        }),
        other => panic!("unknown library {other}; {usage}"),
    };

    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut calls = 0u64;
    while Instant::now() < deadline {
        for _ in 0..100 {
            call();
        }
        calls += 100;
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    println!(
        "{library} {alg_name}: {calls} calls, {:.0} ns per call",
        per_call * 1e9
    );
}
