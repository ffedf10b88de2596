//! The revocation list: `jti` deny entries, subject cut-offs, capacity and expiry.
//!
//! Tokens come from introspection responses here, which give the same view as a
//! signed JWT without signing one per case.

use serde_json::json;

use tokenguard::{
    Error, JwkSet, Policy, RevocationList, Validator, MAX_LEEWAY_SECONDS, MAX_REVOCATION_ENTRIES,
};

const ISSUER: &str = "https://issuer.tokenguard.test";
const AUDIENCE: &str = "https://api.tokenguard.test";
const NOW: i64 = 1_767_225_600;
const EXP: i64 = NOW + 600;
const MARGIN: i64 = MAX_LEEWAY_SECONDS as i64;

fn validator() -> Validator {
    let policy = Policy::builder()
        .issuer(ISSUER)
        .issuer("https://other-issuer.test")
        .audience(AUDIENCE)
        .build()
        .unwrap();
    Validator::new(policy, JwkSet::from_json(br#"{"keys":[]}"#).unwrap())
}

fn response(jti: &str, sub: &str, iat: Option<i64>) -> String {
    let mut body = json!({
        "active": true, "iss": ISSUER, "aud": AUDIENCE, "exp": EXP,
        "jti": jti, "sub": sub,
    });
    if let Some(iat) = iat {
        body["iat"] = json!(iat);
    }
    body.to_string()
}

/// Validates `body` at [`NOW`] and checks it against `list`.
fn check(list: &RevocationList, body: &str) -> Result<(), Error> {
    let validator = validator();
    let token = validator.validate_introspection(body.as_bytes(), NOW)?;
    list.check(token.claims())
}

fn list(max_tokens: usize, max_subjects: usize) -> RevocationList {
    RevocationList::new(max_tokens, max_subjects).unwrap()
}

#[test]
fn revoked_jti_rejected() {
    let mut list = list(8, 8);
    list.revoke(ISSUER, "tok-1", EXP, NOW).unwrap();
    assert_eq!(
        check(&list, &response("tok-1", "alice", Some(NOW))),
        Err(Error::Revoked)
    );
    assert_eq!(check(&list, &response("tok-2", "alice", Some(NOW))), Ok(()));
    assert_eq!(list.token_count(), 1);
}

#[test]
fn jti_keyed_by_issuer() {
    let mut list = list(8, 8);
    list.revoke("https://other-issuer.test", "tok-1", EXP, NOW)
        .unwrap();
    assert_eq!(check(&list, &response("tok-1", "alice", Some(NOW))), Ok(()));

    let mut other = json!({
        "active": true, "iss": "https://other-issuer.test", "aud": AUDIENCE,
        "exp": EXP, "jti": "tok-1",
    });
    assert_eq!(check(&list, &other.to_string()), Err(Error::Revoked));
    other["jti"] = json!("tok-1 ");
    assert_eq!(check(&list, &other.to_string()), Ok(()));
}

#[test]
fn escaped_jti_matches_plain() {
    let mut list = list(8, 8);
    list.revoke(ISSUER, "tök-1", EXP, NOW).unwrap();
    let body = format!(
        r#"{{"active":true,"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"jti":"t\u00f6k\u002d1"}}"#
    );
    assert_eq!(check(&list, &body), Err(Error::Revoked));
}

#[test]
fn revoke_token_uses_its_claims() {
    let validator = validator();
    let body = response("tok-7", "alice", Some(NOW));
    let token = validator
        .validate_introspection(body.as_bytes(), NOW)
        .unwrap();
    let mut list = list(8, 8);
    list.revoke_token(token.claims(), NOW).unwrap();
    assert_eq!(list.check(token.claims()), Err(Error::Revoked));
    // The entry lives until the token's exp plus the leeway margin.
    assert_eq!(list.evict_expired(EXP + MARGIN), 0);
    assert_eq!(list.evict_expired(EXP + MARGIN + 1), 1);
    assert_eq!(list.check(token.claims()), Ok(()));

    let no_jti = format!(r#"{{"active":true,"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP}}}"#);
    let token = validator
        .validate_introspection(no_jti.as_bytes(), NOW)
        .unwrap();
    assert_eq!(
        list.revoke_token(token.claims(), NOW),
        Err(Error::MissingClaim {
            claim: "jti".try_into().unwrap()
        })
    );
}

#[test]
fn full_list_reports_and_keeps_entries() {
    let mut list = list(2, 0);
    list.revoke(ISSUER, "a", EXP, NOW).unwrap();
    list.revoke(ISSUER, "b", EXP, NOW).unwrap();
    assert_eq!(
        list.revoke(ISSUER, "c", EXP, NOW),
        Err(Error::RevocationListFull { capacity: 2 })
    );
    assert_eq!(list.token_count(), 2);
    assert_eq!(check(&list, &response("a", "x", None)), Err(Error::Revoked));
    assert_eq!(check(&list, &response("b", "x", None)), Err(Error::Revoked));
    assert_eq!(check(&list, &response("c", "x", None)), Ok(()));
    // Revoking an entry already present needs no room.
    assert_eq!(list.revoke(ISSUER, "a", EXP + 60, NOW), Ok(()));
}

#[test]
fn full_list_evicts_only_expired() {
    let mut list = list(2, 0);
    list.revoke(ISSUER, "short", NOW + 10, NOW).unwrap();
    list.revoke(ISSUER, "long", EXP, NOW).unwrap();

    // Within the margin after its exp, the short entry still counts.
    let later = NOW + 10 + MARGIN;
    assert_eq!(
        list.revoke(ISSUER, "new", EXP, later),
        Err(Error::RevocationListFull { capacity: 2 })
    );
    assert_eq!(list.revoke(ISSUER, "new", EXP, later + 1), Ok(()));
    assert_eq!(list.token_count(), 2);
    assert_eq!(
        check(&list, &response("long", "x", None)),
        Err(Error::Revoked)
    );
    assert_eq!(
        check(&list, &response("new", "x", None)),
        Err(Error::Revoked)
    );
    assert_eq!(check(&list, &response("short", "x", None)), Ok(()));
}

#[test]
fn zero_capacity_always_full() {
    let mut list = list(0, 0);
    assert_eq!(
        list.revoke(ISSUER, "a", EXP, NOW),
        Err(Error::RevocationListFull { capacity: 0 })
    );
    assert_eq!(
        list.revoke_subject(ISSUER, "alice", NOW, EXP, NOW),
        Err(Error::RevocationListFull { capacity: 0 })
    );
}

#[test]
fn long_expired_token_not_stored() {
    let mut list = list(1, 0);
    assert_eq!(list.revoke(ISSUER, "old", NOW - MARGIN - 1, NOW), Ok(()));
    assert_eq!(list.token_count(), 0);
    assert_eq!(list.revoke(ISSUER, "recent", NOW - MARGIN, NOW), Ok(()));
    assert_eq!(list.token_count(), 1);
}

#[test]
fn second_revocation_keeps_later_expiry() {
    let mut list = list(1, 0);
    list.revoke(ISSUER, "a", EXP + 600, NOW).unwrap();
    list.revoke(ISSUER, "a", EXP, NOW).unwrap();
    assert_eq!(list.token_count(), 1);
    assert_eq!(list.evict_expired(EXP + MARGIN + 1), 0);
    assert_eq!(list.evict_expired(EXP + 600 + MARGIN + 1), 1);
}

#[test]
fn subject_cutoff_revokes_older_tokens() {
    let mut list = list(0, 4);
    list.revoke_subject(ISSUER, "alice", NOW - 10, NOW + 3600, NOW)
        .unwrap();
    let alice = |iat: Option<i64>| check(&list, &response("t", "alice", iat));
    assert_eq!(alice(Some(NOW - 11)), Err(Error::Revoked));
    assert_eq!(alice(Some(NOW - 10)), Err(Error::Revoked));
    assert_eq!(alice(Some(NOW - 9)), Ok(()));
    // Without iat there is no telling when the token was issued.
    assert_eq!(alice(None), Err(Error::Revoked));

    assert_eq!(check(&list, &response("t", "bob", Some(NOW - 60))), Ok(()));
    assert_eq!(list.subject_count(), 1);
}

#[test]
fn fractional_iat_compared_exactly() {
    let mut list = list(0, 1);
    list.revoke_subject(ISSUER, "alice", NOW, NOW + 3600, NOW)
        .unwrap();
    let body = |iat: &str| {
        format!(
            r#"{{"active":true,"iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{EXP},"sub":"alice","iat":{iat}}}"#
        )
    };
    assert_eq!(
        check(&list, &body(&format!("{NOW}.0"))),
        Err(Error::Revoked)
    );
    assert_eq!(check(&list, &body(&format!("{NOW}.5"))), Ok(()));
}

#[test]
fn later_cutoff_wins() {
    let mut list = list(0, 1);
    list.revoke_subject(ISSUER, "alice", NOW - 100, NOW + 60, NOW)
        .unwrap();
    list.revoke_subject(ISSUER, "alice", NOW - 10, NOW + 3600, NOW)
        .unwrap();
    list.revoke_subject(ISSUER, "alice", NOW - 500, NOW, NOW)
        .unwrap();
    assert_eq!(
        check(&list, &response("t", "alice", Some(NOW - 20))),
        Err(Error::Revoked)
    );
    assert_eq!(list.evict_expired(NOW + 3600 + MARGIN), 0);
    assert_eq!(list.evict_expired(NOW + 3600 + MARGIN + 1), 1);
}

#[test]
fn subject_keyed_by_issuer() {
    let mut list = list(0, 1);
    list.revoke_subject("https://other-issuer.test", "alice", NOW, EXP, NOW)
        .unwrap();
    assert_eq!(
        check(&list, &response("t", "alice", Some(NOW - 60))),
        Ok(())
    );
}

#[test]
fn jti_and_subject_tables_separate() {
    let mut list = list(1, 1);
    list.revoke(ISSUER, "alice", EXP, NOW).unwrap();
    // A jti equal to the subject's name does not revoke the subject.
    assert_eq!(check(&list, &response("t", "alice", Some(NOW))), Ok(()));
    list.revoke_subject(ISSUER, "bob", NOW, EXP, NOW).unwrap();
    assert_eq!(list.subject_count(), 1);
    assert_eq!(list.token_count(), 1);
}

#[test]
fn clear_removes_everything() {
    let mut list = list(2, 2);
    list.revoke(ISSUER, "a", EXP, NOW).unwrap();
    list.revoke_subject(ISSUER, "alice", NOW, EXP, NOW).unwrap();
    list.clear();
    assert_eq!(list.token_count(), 0);
    assert_eq!(list.subject_count(), 0);
    assert_eq!(check(&list, &response("a", "alice", Some(NOW))), Ok(()));
}

#[test]
fn capacity_limit_checked() {
    assert!(RevocationList::new(MAX_REVOCATION_ENTRIES, 0).is_ok());
    assert!(matches!(
        RevocationList::new(MAX_REVOCATION_ENTRIES + 1, 0),
        Err(Error::InvalidConfig {
            field: "max_tokens",
            ..
        })
    ));
    assert!(matches!(
        RevocationList::new(0, MAX_REVOCATION_ENTRIES + 1),
        Err(Error::InvalidConfig {
            field: "max_subjects",
            ..
        })
    ));
}

#[test]
fn many_entries_all_found() {
    let mut list = list(1000, 0);
    for i in 0..1000 {
        list.revoke(ISSUER, &format!("tok-{i}"), EXP, NOW).unwrap();
    }
    for i in (0..1000).step_by(37) {
        assert_eq!(
            check(&list, &response(&format!("tok-{i}"), "x", None)),
            Err(Error::Revoked),
            "tok-{i}"
        );
    }
    assert_eq!(check(&list, &response("tok-1000", "x", None)), Ok(()));
}
