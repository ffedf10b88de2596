//! Runs Project Wycheproof's JOSE vectors (`json_web_signature_test.json` and
//! `json_web_key_test.json`) through the JWS layer, read in place from the folder
//! that `TOKENGUARD_SHARED` names; `.ci/run` sets it and runs these with `--ignored`.
//!
//! Every verdict must agree, except for the known divergences listed below, which
//! must still disagree: a listed test that starts to agree fails the run too, so the
//! list cannot go stale.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{json, Value};
use tokenguard::{AlgSet, Error, JwkSet, JwsVerifier, TokenBuffer};

/// Tests where tokenguard's verdict differs from the suite's on purpose.
const KNOWN_DIVERGENCES: [(u64, &str); 8] = [
    (
        346,
        "the key's JWK says PS256 and the signature is PS384: keys are bound to their alg",
    ),
    (
        350,
        "the key's JWK says PS256 and the signature is PS384: keys are bound to their alg",
    ),
    (
        347,
        "ES512: ring has no P-521, so the algorithm is unsupported",
    ),
    (
        351,
        "ES512: ring has no P-521, so the algorithm is unsupported",
    ),
    (
        372,
        "a character outside the base64url alphabet is in the header: strict base64url",
    ),
    (
        373,
        "a character outside the base64url alphabet is in the payload: strict base64url",
    ),
    // Named for padding, but the JWS in this copy of the suite has none: it is byte for
    // byte test 357, which the suite marks valid. No verifier can agree with both.
    (
        367,
        "byte-identical to valid test 357 (the padding the name refers to is absent)",
    ),
    (
        370,
        "byte-identical to valid test 357 (the padding the name refers to is absent)",
    ),
];

/// JWK members that only private keys have; removed to get a group's public key.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

fn vectors(name: &str) -> Value {
    let shared = std::env::var_os("TOKENGUARD_SHARED").expect("TOKENGUARD_SHARED is not set");
    let path = PathBuf::from(shared).join("vectors/wycheproof").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Returns the key a group verifies with: `public`, else `private` with any private
/// members removed (HMAC groups only have a `private` secret).
fn verification_key(group: &Value) -> Value {
    if let Some(public) = group.get("public") {
        return public.clone();
    }
    let mut key = group["private"].clone();
    if let Some(members) = key.as_object_mut() {
        for member in PRIVATE_MEMBERS {
            members.remove(member);
        }
    }
    key
}

fn verify(key_set: &Value, jws: &str) -> Result<(), Error> {
    let keys = JwkSet::from_json(&serde_json::to_vec(key_set).unwrap())?;
    let mut buffer = TokenBuffer::new();
    JwsVerifier::new(AlgSet::ALL)
        .verify(jws.as_bytes(), &keys, &mut buffer)
        .map(|_| ())
}

/// Compares every verdict with the suite's and returns the summary line.
fn check(document: &Value, key_set: impl Fn(&Value) -> Value) -> String {
    let divergences: BTreeMap<u64, &str> = KNOWN_DIVERGENCES.into_iter().collect();
    let mut passed = 0;
    let mut failures = Vec::new();

    for group in document["testGroups"].as_array().unwrap() {
        let keys = key_set(group);
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let expected_valid = match test["result"].as_str().unwrap() {
                "valid" => true,
                "invalid" => false,
                other => panic!("test {id}: unknown result {other:?}"),
            };
            let actual = verify(&keys, test["jws"].as_str().unwrap());
            let agrees = actual.is_ok() == expected_valid;

            match (agrees, divergences.get(&id)) {
                (true, None) | (false, Some(_)) => passed += 1,
                (false, None) => {
                    failures.push(format!("{id}: expected {}, got {actual:?}", test["result"]))
                }
                (true, Some(reason)) => failures.push(format!(
                    "{id}: listed as divergent ({reason}) but now agrees"
                )),
            }
        }
    }

    let summary = format!("{passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{summary}\n{}", failures.join("\n"));
    summary
}

#[test]
#[ignore = "needs TOKENGUARD_SHARED, the folder of the shared test data"]
fn json_web_signature_vectors() {
    let document = vectors("json_web_signature_test.json");
    let summary = check(
        &document,
        |group| json!({ "keys": [verification_key(group)] }),
    );
    println!("json_web_signature_test.json: {summary}");
    assert_eq!(document["numberOfTests"], 401);
}

#[test]
#[ignore = "needs TOKENGUARD_SHARED, the folder of the shared test data"]
fn json_web_key_vectors() {
    let document = vectors("json_web_key_test.json");
    let summary = check(&document, |group| {
        group.get("public").unwrap_or(&group["private"]).clone()
    });
    println!("json_web_key_test.json: {summary}");
    assert_eq!(document["numberOfTests"], 26);
}

/// Checks that the two padding tests are the valid test 357, so listing them is sound.
#[test]
#[ignore = "needs TOKENGUARD_SHARED, the folder of the shared test data"]
fn padding_divergences_equal_valid_test() {
    let document = vectors("json_web_signature_test.json");
    let jws_of = |id: u64| {
        document["testGroups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|group| group["tests"].as_array().unwrap())
            .find(|test| test["tcId"] == id)
            .map(|test| test["jws"].clone())
            .unwrap()
    };
    assert_eq!(jws_of(367), jws_of(357));
    assert_eq!(jws_of(370), jws_of(357));
}
