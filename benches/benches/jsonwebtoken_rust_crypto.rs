//! jsonwebtoken with its rust_crypto backend, one validation per algorithm.
//!
//! jsonwebtoken picks its backend once per process, so this row has its own binary.
//! `validation` measures the aws_lc_rs backend and every other library, on tokens
//! made the same way.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tokenguard::TokenBuffer;
use tokenguard_benches::allocations::{self, CountingAllocator};
use tokenguard_benches::fixtures::{Alg, Fixture};
use tokenguard_benches::paired;
use tokenguard_benches::peers::{self, Floor, JsonWebToken, JsonWebTokenBackend};
use tokenguard_benches::records::AllocationTable;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const BACKEND: JsonWebTokenBackend = JsonWebTokenBackend::RustCrypto;

fn benches(c: &mut Criterion) {
    BACKEND.install();
    let now = peers::now();
    let mut all = Vec::new();
    let mut hs256_validator = None;
    for alg in Alg::ALL {
        let fixture = Fixture::new(alg, now);
        let jsonwebtoken = JsonWebToken::new(&fixture);
        let validator = peers::tokenguard_validator(&fixture, tokenguard::Backend::Ring);
        peers::check_agreement(
            &fixture,
            &Floor::new(&fixture),
            &validator,
            Some(&jsonwebtoken),
            None,
        );
        if alg == Alg::HS256 {
            hs256_validator = Some(validator);
        }
        all.push((fixture, jsonwebtoken));
    }

    let mut table = AllocationTable::default();
    for (fixture, jsonwebtoken) in &all {
        let group = format!("validate/{}", fixture.alg.name());
        let count = allocations::per_call(|| jsonwebtoken.validate(&fixture.token));
        table.push(&group, BACKEND.row(), count);
    }
    table.finish("jsonwebtoken_rust_crypto");

    // A paired ratio against tokenguard for the HS256 target, which other work on a
    // shared machine disturbs less than separate criterion rows.
    let (fixture, jsonwebtoken) = &all[0];
    let validator = hs256_validator.expect("HS256 is the first algorithm");
    let mut buffer = TokenBuffer::new();
    let pair = paired::compare(
        ("validate/HS256", "tokenguard", BACKEND.row()),
        Duration::from_millis(1500),
        || peers::tokenguard_validate(&validator, &fixture.token, &mut buffer),
        || jsonwebtoken.validate(&fixture.token),
    );
    paired::finish("jsonwebtoken_rust_crypto", &[pair]);

    for (fixture, jsonwebtoken) in &all {
        let mut group = c.benchmark_group(format!("validate/{}", fixture.alg.name()));
        group.bench_function(BACKEND.row(), |b| {
            b.iter(|| {
                jsonwebtoken
                    .validate(black_box(&fixture.token))
                    .expect("jsonwebtoken accepts the token")
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = jsonwebtoken_rust_crypto;
    config = tokenguard_benches::criterion();
    targets = benches
}
criterion_main!(jsonwebtoken_rust_crypto);
