//! Examples from the JOSE RFCs, verified through the JWS layer.
//!
//! Their payloads are not access-token claims, so they go through [`JwsVerifier`] and
//! a [`JwkSet`] rather than a validator. Each example that verifies is also checked
//! with one bit of its signature flipped.
//!
//! Keys, tokens and thumbprints are transcribed from the RFCs, and the comment on each
//! names the RFC section it comes from. The RFCs wrap long values over several lines,
//! which `concat!` joins here.

use base64ct::{Base64UrlUnpadded, Encoding};
use tokenguard::{
    AlgRejection, AlgSet, Algorithm, Error, Jwk, JwkSet, JwsVerifier, MismatchReason, TokenBuffer,
};

/// The payload of RFC 7515 appendices A.1 to A.3, with its CR LF line breaks.
const RFC7515_PAYLOAD: &[u8] =
    b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

/// The payload of RFC 7515 appendices A.1 to A.3, base64url-encoded.
const RFC7515_PAYLOAD_B64: &str = concat!(
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
);

/// RFC 7520 section 4, figure 7: the payload of every signature example, with U+2019
/// RIGHT SINGLE QUOTATION MARK as apostrophe.
const RFC7520_PAYLOAD: &str = concat!(
    "It\u{2019}s a dangerous business, Frodo, going out your door. You step onto the ",
    "road, and if you don't keep your feet, there\u{2019}s no knowing where you might ",
    "be swept off to.",
);

/// RFC 7520 section 4, figure 8: [`RFC7520_PAYLOAD`] base64url-encoded.
const RFC7520_PAYLOAD_B64: &str = concat!(
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
);

/// RFC 7520 section 3.3, figure 3: the RSA 2048-bit public key.
const RFC7520_RSA_KEY: &str = concat!(
    r#"{"keys":[{"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","n":""#,
    "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT",
    "-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV",
    "wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-",
    "oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde",
    "3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC",
    "LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g",
    "HdrNP5zw",
    r#"","e":"AQAB"}]}"#,
);

/// RFC 7520 section 3.1, figure 1: the EC P-521 public key.
const RFC7520_EC_KEY: &str = concat!(
    r#"{"keys":[{"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","#,
    r#""crv":"P-521","x":""#,
    "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9",
    "A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",
    r#"","y":""#,
    "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVy",
    "SsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1",
    r#""}]}"#,
);

/// RFC 7520 section 3.5, figure 5: the HMAC SHA-256 key.
const RFC7520_HMAC_KEY: &str = concat!(
    r#"{"keys":[{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","#,
    r#""alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}]}"#,
);

/// RFC 8037 appendix A.2: the Ed25519 public key.
const RFC8037_ED25519_KEY: &str =
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

fn b64_decode(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).unwrap()
}

fn b64_encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Verifies `token` against `keys`, accepting only `alg`, and returns the payload.
fn verify(token: &str, keys: &JwkSet, alg: Algorithm) -> Result<Vec<u8>, Error> {
    let mut buffer = TokenBuffer::new();
    let verified =
        JwsVerifier::new(AlgSet::of(&[alg])).verify(token.as_bytes(), keys, &mut buffer)?;
    assert_eq!(verified.header().alg(), alg);
    Ok(verified.payload().to_vec())
}

/// Returns `token` with the lowest bit of the last signature byte flipped.
fn flip_signature_bit(token: &str) -> String {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let mut signature = b64_decode(signature);
    *signature.last_mut().unwrap() ^= 1;
    format!("{signing_input}.{}", b64_encode(&signature))
}

/// Checks that `token` verifies to `payload` and that a flipped bit breaks it.
fn assert_verifies(token: &str, keys: &JwkSet, alg: Algorithm, payload: &[u8]) {
    assert_eq!(verify(token, keys, alg), Ok(payload.to_vec()));
    let tampered = flip_signature_bit(token);
    assert_eq!(verify(&tampered, keys, alg), Err(Error::BadSignature));
}

fn es512_unsupported() -> Error {
    Error::UnsupportedAlg {
        reason: AlgRejection::Es512Unsupported,
    }
}

/// RFC 7515 appendix A.1: HMAC SHA-256.
const RFC7515_A1_TOKEN: &str = concat!(
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
);

/// RFC 7515 appendix A.1: the `k` of the HMAC key.
const RFC7515_A1_SECRET: &str = concat!(
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0i",
    "PS4hcgUuTwjAzZr1Z9CAow",
);

#[test]
fn rfc7515_a1_hs256_configured_secret() {
    let secret = b64_decode(RFC7515_A1_SECRET);
    let key = Jwk::hmac_secret(None, Algorithm::HS256, &secret).unwrap();
    let keys = JwkSet::from_keys(vec![key]).unwrap();
    assert_verifies(RFC7515_A1_TOKEN, &keys, Algorithm::HS256, RFC7515_PAYLOAD);
}

#[test]
fn rfc7515_a1_hs256_oct_key_set() {
    let set = format!(r#"{{"keys":[{{"kty":"oct","k":"{RFC7515_A1_SECRET}"}}]}}"#);
    let keys = JwkSet::from_json(set.as_bytes()).unwrap();
    assert_verifies(RFC7515_A1_TOKEN, &keys, Algorithm::HS256, RFC7515_PAYLOAD);
}

#[test]
fn rfc7515_payload_encoding() {
    assert_eq!(b64_decode(RFC7515_PAYLOAD_B64), RFC7515_PAYLOAD);
}

/// RFC 7515 appendix A.2: the RSA key, public members only.
const RFC7515_A2_KEY: &str = concat!(
    r#"{"keys":[{"kty":"RSA","n":""#,
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx",
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs",
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH",
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV",
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8",
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
    r#"","e":"AQAB"}]}"#,
);

/// RFC 7515 appendix A.2: RSASSA-PKCS1-v1_5 with SHA-256.
const RFC7515_A2_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw",
);

#[test]
fn rfc7515_a2_rs256() {
    let keys = JwkSet::from_json(RFC7515_A2_KEY.as_bytes()).unwrap();
    assert_verifies(RFC7515_A2_TOKEN, &keys, Algorithm::RS256, RFC7515_PAYLOAD);
}

/// RFC 7515 appendix A.3: the EC P-256 key, public members only.
const RFC7515_A3_KEY: &str = concat!(
    r#"{"keys":[{"kty":"EC","crv":"P-256","#,
    r#""x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","#,
    r#""y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#,
);

/// RFC 7515 appendix A.3: ECDSA P-256 with SHA-256.
const RFC7515_A3_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA",
    "pmWQxfKTUJqPP3-Kg6NU1Q",
);

#[test]
fn rfc7515_a3_es256() {
    let keys = JwkSet::from_json(RFC7515_A3_KEY.as_bytes()).unwrap();
    assert_verifies(RFC7515_A3_TOKEN, &keys, Algorithm::ES256, RFC7515_PAYLOAD);
}

/// RFC 7515 appendix A.4: the EC P-521 key, public members only.
const RFC7515_A4_KEY: &str = concat!(
    r#"{"keys":[{"kty":"EC","crv":"P-521","x":""#,
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_",
    "NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
    r#"","y":""#,
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl",
    "y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",
    r#""}]}"#,
);

/// RFC 7515 appendix A.4: ECDSA P-521 with SHA-512, over the payload `Payload`.
const RFC7515_A4_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzUxMiJ9",
    ".",
    "UGF5bG9hZA",
    ".",
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq",
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp",
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn",
);

#[test]
fn rfc7515_a4_es512_unsupported() {
    let keys = JwkSet::from_json(RFC7515_A4_KEY.as_bytes()).unwrap();
    assert!(keys.keys().is_empty());
    let unsupported_key = Error::KeyMismatch {
        reason: MismatchReason::UnsupportedKey,
    };
    assert_eq!(keys.rejected().len(), 1);
    assert_eq!(keys.rejected()[0].error(), &unsupported_key);

    // The header is rejected before any key is looked at, whatever the allow-list.
    let mut buffer = TokenBuffer::new();
    let result =
        JwsVerifier::new(AlgSet::ALL).verify(RFC7515_A4_TOKEN.as_bytes(), &keys, &mut buffer);
    assert_eq!(result.err(), Some(es512_unsupported()));
}

/// RFC 7515 appendix A.5: an Unsecured JWS, `alg` `none` with an empty signature.
const RFC7515_A5_TOKEN: &str = concat!(
    "eyJhbGciOiJub25lIn0",
    ".",
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".",
);

#[test]
fn rfc7515_a5_unsecured_rejected() {
    let none = Error::UnsupportedAlg {
        reason: AlgRejection::None,
    };
    let secret = b64_decode(RFC7515_A1_SECRET);
    let key = Jwk::hmac_secret(None, Algorithm::HS256, &secret).unwrap();
    let keys = JwkSet::from_keys(vec![key]).unwrap();

    let mut buffer = TokenBuffer::new();
    let verifier = JwsVerifier::new(AlgSet::ALL);
    let decoded = verifier.decode(RFC7515_A5_TOKEN.as_bytes(), &mut buffer);
    assert_eq!(decoded.err(), Some(none.clone()));
    let mut buffer = TokenBuffer::new();
    let verified = verifier.verify(RFC7515_A5_TOKEN.as_bytes(), &keys, &mut buffer);
    assert_eq!(verified.err(), Some(none));
}

/// RFC 8037 appendix A.4: Ed25519 over `Example of Ed25519 signing`.
const RFC8037_A4_TOKEN: &str = concat!(
    "eyJhbGciOiJFZERTQSJ9",
    ".",
    "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
    ".",
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B",
    "hVsPt9g7sVvpAr_MuM0KAg",
);

#[test]
fn rfc8037_a4_ed25519() {
    let key = Jwk::from_json(RFC8037_ED25519_KEY.as_bytes()).unwrap();
    let keys = JwkSet::from_keys(vec![key]).unwrap();
    let payload = b"Example of Ed25519 signing";
    assert_verifies(RFC8037_A4_TOKEN, &keys, Algorithm::EdDSA, payload);
}

#[test]
fn rfc8037_a1_private_key_rejected() {
    // RFC 8037 appendix A.1: the private key of the same pair.
    let private = concat!(
        r#"{"kty":"OKP","crv":"Ed25519","#,
        r#""d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","#,
        r#""x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    );
    let rejected = Error::InvalidKey {
        fault: tokenguard::KeyFault::PrivateMembers,
    };
    assert_eq!(Jwk::from_json(private.as_bytes()).err(), Some(rejected));
}

#[test]
fn rfc8037_a3_ed25519_thumbprint() {
    let key = Jwk::from_json(RFC8037_ED25519_KEY.as_bytes()).unwrap();
    let thumbprint = b64_encode(&key.thumbprint());
    assert_eq!(thumbprint, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

#[test]
fn rfc7638_rsa_thumbprint() {
    // RFC 7638 section 3.1: the example key, with its `alg` and `kid`, which the
    // thumbprint leaves out.
    let key = concat!(
        r#"{"kty":"RSA","n":""#,
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAt",
        "VT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn6",
        "4tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FD",
        "W2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9",
        "1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINH",
        "aQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        r#"","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    );
    let key = Jwk::from_json(key.as_bytes()).unwrap();
    let thumbprint = b64_encode(&key.thumbprint());
    assert_eq!(thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn rfc7520_payload_encoding() {
    assert_eq!(b64_decode(RFC7520_PAYLOAD_B64), RFC7520_PAYLOAD.as_bytes());
}

/// RFC 7520 section 4.1.3, figure 13: RSASSA-PKCS1-v1_5 with SHA-256.
const RFC7520_4_1_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX",
    "hhbXBsZSJ9",
    ".",
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
    ".",
    "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK",
    "ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J",
    "IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w",
    "W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP",
    "xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f",
    "cIe8u9ipH84ogoree7vjbU5y18kDquDg",
);

#[test]
fn rfc7520_4_1_rs256() {
    let keys = JwkSet::from_json(RFC7520_RSA_KEY.as_bytes()).unwrap();
    let payload = RFC7520_PAYLOAD.as_bytes();
    assert_verifies(RFC7520_4_1_TOKEN, &keys, Algorithm::RS256, payload);
}

/// RFC 7520 section 4.2.3, figure 20: RSASSA-PSS with SHA-384. PSS signatures are
/// randomized, so this one can only be verified, not reproduced.
const RFC7520_4_2_TOKEN: &str = concat!(
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX",
    "hhbXBsZSJ9",
    ".",
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
    ".",
    "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2I",
    "pN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXU",
    "vdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRX",
    "e8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT",
    "0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a",
    "6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw",
);

#[test]
fn rfc7520_4_2_ps384() {
    let keys = JwkSet::from_json(RFC7520_RSA_KEY.as_bytes()).unwrap();
    let payload = RFC7520_PAYLOAD.as_bytes();
    assert_verifies(RFC7520_4_2_TOKEN, &keys, Algorithm::PS384, payload);
}

/// RFC 7520 section 4.3.3, figure 27: ECDSA P-521 with SHA-512.
const RFC7520_4_3_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX",
    "hhbXBsZSJ9",
    ".",
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
    ".",
    "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvb",
    "u9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kv",
    "AD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2",
);

#[test]
fn rfc7520_4_3_es512_unsupported() {
    let keys = JwkSet::from_json(RFC7520_EC_KEY.as_bytes()).unwrap();
    assert!(keys.keys().is_empty());
    let rejected = &keys.rejected()[0];
    assert_eq!(rejected.kid(), Some("bilbo.baggins@hobbiton.example"));
    let unsupported_key = Error::KeyMismatch {
        reason: MismatchReason::UnsupportedKey,
    };
    assert_eq!(rejected.error(), &unsupported_key);

    let mut buffer = TokenBuffer::new();
    let result =
        JwsVerifier::new(AlgSet::ALL).verify(RFC7520_4_3_TOKEN.as_bytes(), &keys, &mut buffer);
    assert_eq!(result.err(), Some(es512_unsupported()));
}

/// RFC 7520 section 4.4.3, figure 34: HMAC SHA-256.
const RFC7520_4_4_TOKEN: &str = concat!(
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LW",
    "VlZjMxNGJjNzAzNyJ9",
    ".",
    "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH",
    "lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk",
    "b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm",
    "UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4",
    ".",
    "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0",
);

#[test]
fn rfc7520_4_4_hs256_oct_key_set() {
    let keys = JwkSet::from_json(RFC7520_HMAC_KEY.as_bytes()).unwrap();
    let payload = RFC7520_PAYLOAD.as_bytes();
    assert_verifies(RFC7520_4_4_TOKEN, &keys, Algorithm::HS256, payload);
}

#[test]
fn rfc7520_4_4_hs256_configured_secret() {
    let secret = b64_decode("hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg");
    let kid = "018c0ae5-4d9b-471b-bfd6-eef314bc7037";
    let key = Jwk::hmac_secret(Some(kid), Algorithm::HS256, &secret).unwrap();
    let keys = JwkSet::from_keys(vec![key]).unwrap();
    let payload = RFC7520_PAYLOAD.as_bytes();
    assert_verifies(RFC7520_4_4_TOKEN, &keys, Algorithm::HS256, payload);
}
