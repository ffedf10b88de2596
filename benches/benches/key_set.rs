//! Key-set work: reading a JWK Set of 1, 10 and 1,000 RSA keys, and finding a `kid`
//! in the 1,000-key set.
//!
//! The moduli are random odd 2048-bit numbers rather than products of two primes:
//! ring cannot generate RSA keys, and tokenguard's checks on reading a key (length,
//! oddness, exponent, the ROCA fingerprint) cost the same for either.

use std::hint::black_box;

use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ring::rand::{SecureRandom, SystemRandom};
use tokenguard::JwkSet;
use tokenguard_benches::allocations::{self, CountingAllocator};
use tokenguard_benches::fixtures::{public_jwk, Alg, PublicKey};
use tokenguard_benches::records::AllocationTable;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SET_SIZES: [usize; 3] = [1, 10, 1000];

/// Returns a JWK Set document of `count` RSA keys with random 43-character kids,
/// and the kids in document order.
fn rsa_key_set(count: usize) -> (String, Vec<String>) {
    let rng = SystemRandom::new();
    let mut kids = Vec::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    for _ in 0..count {
        let mut n = vec![0u8; 256];
        rng.fill(&mut n).expect("random modulus");
        n[0] |= 0x80;
        n[255] |= 1;
        let mut kid = [0u8; 32];
        rng.fill(&mut kid).expect("random kid");
        let kid = Base64UrlUnpadded::encode_string(&kid);
        let key = PublicKey::Rsa {
            n,
            e: vec![1, 0, 1],
        };
        keys.push(public_jwk(Alg::RS256, &kid, &key));
        kids.push(kid);
    }
    (serde_json::json!({ "keys": keys }).to_string(), kids)
}

fn read(document: &str) -> JwkSet {
    // ring, the crate's default backend, keeps RSA keys as their components; aws-lc-rs
    // would also parse each key here, which is a different measurement.
    JwkSet::from_json_with(document.as_bytes(), tokenguard::Backend::Ring)
        .expect("tokenguard reads the key set")
}

fn benches(c: &mut Criterion) {
    let sets: Vec<(usize, String, Vec<String>)> = SET_SIZES
        .iter()
        .map(|&count| {
            let (document, kids) = rsa_key_set(count);
            (count, document, kids)
        })
        .collect();

    let (_, largest_document, largest_kids) = sets.last().expect("three sets");
    let largest = read(largest_document);
    let present = largest_kids[largest_kids.len() * 5 / 8].clone();
    let absent = "kid-not-in-this-set-0123456789abcdefghijklm".to_owned();

    for (count, document, kids) in &sets {
        let set = read(document);
        assert_eq!(set.keys().len(), *count, "every key is usable");
        assert!(set.rejected().is_empty(), "no key is skipped");
        assert!(
            kids.iter().all(|kid| set.get(kid).is_some()),
            "every kid is found"
        );
    }
    assert!(largest.get(&present).is_some());
    assert!(largest.get(&absent).is_none());

    let mut table = AllocationTable::default();
    for (count, document, _) in &sets {
        let row = key_count(*count);
        table.push("jwks/parse", &row, allocations::per_call(|| read(document)));
    }
    table.push(
        "jwks/lookup",
        "kid present",
        allocations::per_call(|| largest.get(&present).is_some()),
    );
    table.push(
        "jwks/lookup",
        "kid absent",
        allocations::per_call(|| largest.get(&absent).is_some()),
    );
    table.finish("key_set");

    let mut group = c.benchmark_group("jwks/parse");
    for (count, document, _) in &sets {
        println!("JWK Set of {}: {} bytes", key_count(*count), document.len());
        group.bench_with_input(
            BenchmarkId::from_parameter(key_count(*count)),
            document,
            |b, d| b.iter(|| read(black_box(d))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("jwks/lookup");
    group.bench_function("kid present", |b| {
        b.iter(|| largest.get(black_box(&present)).is_some())
    });
    group.bench_function("kid absent", |b| {
        b.iter(|| largest.get(black_box(&absent)).is_some())
    });
    group.finish();
}

criterion_group! {
    name = key_set;
    config = tokenguard_benches::criterion();
    targets = benches
}
criterion_main!(key_set);

/// Returns the row name for a set of `count` keys, such as `10 keys`.
fn key_count(count: usize) -> String {
    if count == 1 {
        "1 key".to_owned()
    } else {
        format!("{count} keys")
    }
}
