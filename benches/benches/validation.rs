//! One validation per algorithm: the ring and aws-lc-rs floors, tokenguard with each
//! of its crypto backends, jsonwebtoken with its aws_lc_rs backend, and jwt-simple,
//! on the same token bytes and key. The row "tokenguard" is tokenguard with ring; the rows
//! "tokenguard (aws-lc-rs)" and "tokenguard (rust-crypto)" are the other backends.
//!
//! jsonwebtoken's rust_crypto backend runs in its own binary,
//! `jsonwebtoken_rust_crypto`, because jsonwebtoken's backend is chosen once per
//! process.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use tokenguard::{Backend, TokenBuffer};
use tokenguard_benches::allocations::{self, CountingAllocator};
use tokenguard_benches::fixtures::{Alg, Fixture};
use tokenguard_benches::paired;
use tokenguard_benches::peers::{
    self, AwsLcFloor, Floor, JsonWebToken, JsonWebTokenBackend, JwtSimple,
};
use tokenguard_benches::records::AllocationTable;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const BACKEND: JsonWebTokenBackend = JsonWebTokenBackend::AwsLcRs;

/// The rows of tokenguard's other backends; "tokenguard" alone is ring.
const BACKEND_ROWS: [(Backend, &str); 2] = [
    (Backend::AwsLcRs, "tokenguard (aws-lc-rs)"),
    (Backend::RustCrypto, "tokenguard (rust-crypto)"),
];

/// The row of aws-lc-rs verifying the signing input alone; "floor" alone is ring.
const AWS_LC_FLOOR_ROW: &str = "floor (aws-lc-rs)";

/// Time each paired comparison runs.
const PAIRED_BUDGET: Duration = Duration::from_millis(1500);

struct Libraries {
    fixture: Fixture,
    floor: Floor,
    aws_lc_floor: AwsLcFloor,
    validator: tokenguard::Validator,
    /// Validators with the backends of [`BACKEND_ROWS`], in that order.
    backends: Vec<tokenguard::Validator>,
    jsonwebtoken: JsonWebToken,
    jwt_simple: JwtSimple,
}

impl Libraries {
    fn new(alg: Alg, now: i64) -> Self {
        let fixture = Fixture::new(alg, now);
        let libraries = Self {
            floor: Floor::new(&fixture),
            aws_lc_floor: AwsLcFloor::new(&fixture),
            validator: peers::tokenguard_validator(&fixture, Backend::Ring),
            backends: BACKEND_ROWS
                .iter()
                .map(|(backend, _)| peers::tokenguard_validator(&fixture, *backend))
                .collect(),
            jsonwebtoken: JsonWebToken::new(&fixture),
            jwt_simple: JwtSimple::new(&fixture),
            fixture,
        };
        peers::check_agreement(
            &libraries.fixture,
            &libraries.floor,
            &libraries.validator,
            Some(&libraries.jsonwebtoken),
            Some(&libraries.jwt_simple),
        );
        assert!(
            libraries.aws_lc_floor(),
            "the aws-lc-rs floor rejects the token"
        );
        let mut buffer = TokenBuffer::new();
        for index in 0..BACKEND_ROWS.len() {
            libraries.tokenguard_with(index, &mut buffer);
        }
        libraries
    }

    fn floor(&self) -> bool {
        self.floor.verify(
            black_box(self.fixture.signing_input()),
            &self.fixture.signature,
        )
    }

    fn tokenguard(&self, buffer: &mut TokenBuffer) -> usize {
        peers::tokenguard_validate(&self.validator, black_box(&self.fixture.token), buffer)
            .expect("tokenguard accepts the token")
    }

    fn aws_lc_floor(&self) -> bool {
        self.aws_lc_floor.verify(
            black_box(self.fixture.signing_input()),
            &self.fixture.signature,
        )
    }

    /// Validates with the backend at `index` of [`BACKEND_ROWS`].
    fn tokenguard_with(&self, index: usize, buffer: &mut TokenBuffer) -> usize {
        peers::tokenguard_validate(
            &self.backends[index],
            black_box(&self.fixture.token),
            buffer,
        )
        .unwrap_or_else(|error| panic!("{} rejects the token: {error}", BACKEND_ROWS[index].1))
    }

    fn jsonwebtoken(&self) -> peers::AccessClaims {
        self.jsonwebtoken
            .validate(black_box(&self.fixture.token))
            .expect("jsonwebtoken accepts the token")
    }

    fn jwt_simple(&self) -> usize {
        let claims = self
            .jwt_simple
            .validate(black_box(&self.fixture.token))
            .expect("jwt-simple accepts the token");
        claims.custom.scope.len()
    }
}

fn benches(c: &mut Criterion) {
    BACKEND.install();
    let now = peers::now();
    let all: Vec<Libraries> = Alg::ALL
        .iter()
        .map(|alg| Libraries::new(*alg, now))
        .collect();

    // Allocations first, while no other thread runs.
    let mut table = AllocationTable::default();
    let mut buffer = TokenBuffer::new();
    for libraries in &all {
        let group = format!("validate/{}", libraries.fixture.alg.name());
        table.push(&group, "floor", allocations::per_call(|| libraries.floor()));
        table.push(
            &group,
            AWS_LC_FLOOR_ROW,
            allocations::per_call(|| libraries.aws_lc_floor()),
        );
        table.push(
            &group,
            "tokenguard",
            allocations::per_call(|| libraries.tokenguard(&mut buffer)),
        );
        for (index, (_, row)) in BACKEND_ROWS.iter().enumerate() {
            table.push(
                &group,
                row,
                allocations::per_call(|| libraries.tokenguard_with(index, &mut buffer)),
            );
        }
        table.push(
            &group,
            BACKEND.row(),
            allocations::per_call(|| libraries.jsonwebtoken()),
        );
        table.push(
            &group,
            "jwt-simple",
            allocations::per_call(|| libraries.jwt_simple()),
        );
    }
    table.finish("validation");

    // Paired ratios, which other work on a shared machine disturbs less than the
    // separate criterion rows below.
    let mut pairs = Vec::new();
    for libraries in &all {
        let group = format!("validate/{}", libraries.fixture.alg.name());
        pairs.push(paired::compare(
            (&group, "floor", "tokenguard"),
            PAIRED_BUDGET,
            || libraries.floor(),
            || libraries.tokenguard(&mut buffer),
        ));
        // The aws-lc-rs backend is judged against the ring floor, and the aws-lc-rs
        // floor shows how much of that ratio the library itself allows.
        pairs.push(paired::compare(
            (&group, "floor", AWS_LC_FLOOR_ROW),
            PAIRED_BUDGET,
            || libraries.floor(),
            || libraries.aws_lc_floor(),
        ));
        pairs.push(paired::compare(
            (&group, "floor", BACKEND_ROWS[0].1),
            PAIRED_BUDGET,
            || libraries.floor(),
            || libraries.tokenguard_with(0, &mut buffer),
        ));
        if libraries.fixture.alg == Alg::HS256 {
            pairs.push(paired::compare(
                (&group, "tokenguard", BACKEND.row()),
                PAIRED_BUDGET,
                || libraries.tokenguard(&mut buffer),
                || libraries.jsonwebtoken(),
            ));
        }
    }
    paired::finish("validation", &pairs);

    for libraries in &all {
        let name = libraries.fixture.alg.name();
        println!(
            "{name}: token of {} bytes, key set of {} keys",
            libraries.fixture.token.len(),
            libraries.validator.keys().keys().len()
        );
        let mut group = c.benchmark_group(format!("validate/{name}"));
        group.bench_function("floor", |b| b.iter(|| libraries.floor()));
        group.bench_function(AWS_LC_FLOOR_ROW, |b| b.iter(|| libraries.aws_lc_floor()));
        group.bench_function("tokenguard", |b| {
            b.iter(|| libraries.tokenguard(&mut buffer))
        });
        for (index, (_, row)) in BACKEND_ROWS.iter().enumerate() {
            group.bench_function(*row, |b| {
                b.iter(|| libraries.tokenguard_with(index, &mut buffer))
            });
        }
        group.bench_function(BACKEND.row(), |b| b.iter(|| libraries.jsonwebtoken()));
        group.bench_function("jwt-simple", |b| b.iter(|| libraries.jwt_simple()));
        group.finish();
    }
}

criterion_group! {
    name = validation;
    config = tokenguard_benches::criterion();
    targets = benches
}
criterion_main!(validation);
