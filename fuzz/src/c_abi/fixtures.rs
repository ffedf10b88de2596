//! The fixed configurations, key sets and signed tokens of the c_abi target, and the
//! core validators that mirror a C validator built from them.
//!
//! The tokens are signed with Ed25519 and HS256, whose signatures are deterministic,
//! so that a crashing input reproduces byte for byte.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

use ring::signature::{Ed25519KeyPair, KeyPair};
use tokenguard::{
    AlgSet, Algorithm, Jwk, JwkSet, Policy, Profile, ScopeClaims, ScopeMatch, TokenType, Validator,
};

use crate::keys::{encode, keys, SigningKey, HS256_SECRET};
use crate::{AUDIENCE, ISSUER, NOW, REQUIRED_SCOPE};

/// A second issuer that only the permissive configuration accepts.
pub const OTHER_ISSUER: &str = "https://other-issuer.tokenguard.test";

/// The `aud` of signed introspection responses under the RFC 9068 configuration.
pub const INTROSPECTION_AUDIENCE: &str = "fuzz-resource-server";

/// The client certificate that the certificate-bound token names. Only its SHA-256
/// matters, so it need not be DER.
pub const CERTIFICATE: &[u8] = b"tokenguard fuzz test-only client certificate";

/// The request URI of the fixed DPoP proofs.
pub const REQUEST_URI: &str = "https://api.tokenguard.test/orders";

/// A configuration document whose policy the core can also build.
pub struct FixedConfig {
    /// The JSON document passed to `tg_validator_new`.
    pub json: String,
    /// Whether it has `hmac_secrets`, which then need `jwks_len` 0.
    pub hmac: bool,
    /// The policy the document describes.
    pub policy: Policy,
}

/// Returns the fixed configurations: the RFC 9068 profile, an HS256 secret, and a
/// permissive policy with most options set.
pub fn configs() -> &'static [FixedConfig; 3] {
    static CONFIGS: OnceLock<[FixedConfig; 3]> = OnceLock::new();
    CONFIGS.get_or_init(|| [profile_config(), hmac_config(), permissive_config()])
}

fn profile_config() -> FixedConfig {
    let json = format!(
        r#"{{"issuers":["{ISSUER}"],"audiences":["{AUDIENCE}"],"profile":"rfc9068","required_scopes":["{REQUIRED_SCOPE}"],"introspection_audience":"{INTROSPECTION_AUDIENCE}"}}"#
    );
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .require_scope(REQUIRED_SCOPE)
        .profile(Profile::Rfc9068)
        .introspection_audience(INTROSPECTION_AUDIENCE);
    FixedConfig {
        json,
        hmac: false,
        policy: policy.build().expect("RFC 9068 policy"),
    }
}

fn hmac_config() -> FixedConfig {
    let json = format!(
        r#"{{"issuers":["{ISSUER}"],"audiences":["{AUDIENCE}"],"typ":"any","scope_claims":"scope-or-scp","hmac_secrets":[{{"kid":"{kid}","alg":"HS256","secret_base64url":"{secret}"}}]}}"#,
        kid = SigningKey::Hs256.kid(),
        secret = encode(HS256_SECRET),
    );
    let policy = Policy::builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .token_type(TokenType::Any)
        .scope_claims(ScopeClaims::ScopeOrScp)
        .algorithms(AlgSet::of(&[Algorithm::HS256]));
    FixedConfig {
        json,
        hmac: true,
        policy: policy.build().expect("HMAC policy"),
    }
}

fn permissive_config() -> FixedConfig {
    const ALGORITHMS: [Algorithm; 6] = [
        Algorithm::EdDSA,
        Algorithm::Ed25519,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::RS256,
        Algorithm::PS256,
    ];
    let json = format!(
        r#"{{"issuers":["{ISSUER}","{OTHER_ISSUER}"],"audiences":["{AUDIENCE}"],"algorithms":["EdDSA","Ed25519","ES256","ES384","RS256","PS256"],"typ":"jwt","leeway":300,"max_age":86400,"required_claims":["sub"],"required_scopes":["{REQUIRED_SCOPE}","admin"],"scope_match":"any","scope_claims":"scope-or-scp","scope_hierarchy":":","max_token_bytes":1048576}}"#
    );
    // In the order the C layer applies the fields.
    let policy = Policy::builder()
        .issuer(ISSUER)
        .issuer(OTHER_ISSUER)
        .audience(AUDIENCE)
        .require_claim("sub")
        .require_scope(REQUIRED_SCOPE)
        .require_scope("admin")
        .token_type(TokenType::Jwt)
        .scope_match(ScopeMatch::Any)
        .scope_claims(ScopeClaims::ScopeOrScp)
        .scope_hierarchy(':')
        .leeway(300)
        .max_age(86_400)
        .max_token_bytes(tokenguard::MAX_TOKEN_BYTES_LIMIT)
        .algorithms(AlgSet::of(&ALGORITHMS));
    FixedConfig {
        json,
        hmac: false,
        policy: policy.build().expect("permissive policy"),
    }
}

/// A fixed JWK Set document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixedJwks {
    /// RSA 2048, P-256, P-384 and Ed25519.
    Public,
    /// The Ed25519 key alone.
    Ed25519,
    /// The Ed25519 key, an encryption key and a key of an unknown type, which the
    /// set skips.
    WithSkipped,
}

impl FixedJwks {
    /// Returns the document.
    pub fn document(self) -> &'static str {
        static ED25519: OnceLock<String> = OnceLock::new();
        static WITH_SKIPPED: OnceLock<String> = OnceLock::new();
        match self {
            Self::Public => keys().public_jwks(),
            Self::Ed25519 => ED25519.get_or_init(|| format!(r#"{{"keys":[{}]}}"#, ed25519_jwk())),
            Self::WithSkipped => WITH_SKIPPED.get_or_init(|| {
                let (x, y) = keys().ec_components(SigningKey::Es256);
                format!(
                    r#"{{"keys":[{},{{"kty":"EC","kid":"enc-1","use":"enc","crv":"P-256","x":"{x}","y":"{y}"}},{{"kty":"XYZ","kid":"odd-1"}}]}}"#,
                    ed25519_jwk()
                )
            }),
        }
    }
}

fn ed25519_jwk() -> String {
    format!(
        r#"{{"kty":"OKP","kid":"{}","crv":"Ed25519","x":"{}"}}"#,
        SigningKey::Ed25519.kid(),
        keys().ed25519_component()
    )
}

/// The seed of the Ed25519 key that the fixed clients documents register for
/// "client-2" under the `kid` of the fixed Ed25519 key, so that an assertion the
/// fixed key signs for "client-1" fails the signature check as "client-2".
const OTHER_ED25519_SEED: &[u8; 32] = b"tokenguard fuzz client-2 seed 32";

/// Returns the fixed documents of client identifiers and JWK Sets that
/// `tg_assertion_verifier_new` reads.
///
/// The first registers "client-1" with the fixed Ed25519 key and "client-2" with
/// another Ed25519 key under the same `kid`. The second registers both with the
/// fixed public keys, so each client's keys verify the other's signatures and only
/// the `iss` check separates them. The third registers "client-1" alone. The others
/// name a client with escapes, skip keys, or are rejected: a value that is not an
/// object, a bad key set, an empty client identifier, a client named twice, no
/// client, and an array.
pub fn clients_documents() -> &'static [String; 10] {
    static DOCUMENTS: OnceLock<[String; 10]> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let ed25519 = FixedJwks::Ed25519.document();
        let public = FixedJwks::Public.document();
        let skipped = FixedJwks::WithSkipped.document();
        let other = format!(
            r#"{{"keys":[{{"kty":"OKP","kid":"{}","crv":"Ed25519","x":"{}"}}]}}"#,
            SigningKey::Ed25519.kid(),
            other_ed25519_component()
        );
        [
            format!(r#"{{"client-1":{ed25519},"client-2":{other}}}"#),
            format!(r#"{{"client-1":{public},"client-2":{public}}}"#),
            format!(r#"{{"client-1":{ed25519}}}"#),
            format!(r#"{{"client\u002d2":{public},"client-1":{skipped}}}"#),
            format!(r#"{{"client-1":{ed25519},"client-2":[{other}]}}"#),
            r#"{"client-1":{"keys":7}}"#.to_string(),
            format!(r#"{{"":{ed25519}}}"#),
            format!(r#"{{"client-1":{ed25519},"client\u002d1":{public}}}"#),
            "{}".to_string(),
            format!("[{ed25519}]"),
        ]
    })
}

fn other_ed25519_component() -> String {
    let pair = Ed25519KeyPair::from_seed_unchecked(OTHER_ED25519_SEED).expect("Ed25519 seed");
    encode(pair.public_key().as_ref())
}

/// Returns the private JWK of the fixed Ed25519 key, which signs the fixed DPoP
/// proofs and client assertions.
pub fn ed25519_private_jwk() -> &'static str {
    static JWK: OnceLock<String> = OnceLock::new();
    JWK.get_or_init(|| {
        format!(
            r#"{{"kty":"OKP","kid":"{}","crv":"Ed25519","x":"{}","d":"{}"}}"#,
            SigningKey::Ed25519.kid(),
            keys().ed25519_component(),
            encode(crate::keys::ED25519_SEED)
        )
    })
}

/// Returns the RFC 7638 thumbprint of the fixed Ed25519 key, base64url-encoded.
fn ed25519_thumbprint() -> String {
    let jwk = Jwk::from_json(ed25519_jwk().as_bytes()).expect("Ed25519 JWK");
    encode(&jwk.thumbprint())
}

/// The key set of a mirror validator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MirrorKeys {
    /// A fixed document.
    Jwks(FixedJwks),
    /// The HS256 secret of the HMAC configuration.
    HmacSecret,
}

/// Returns the core validator for fixed configuration `config` with `keys`, built
/// once per thread.
pub fn mirror(config: usize, keys: MirrorKeys) -> Rc<Validator> {
    thread_local! {
        static MIRRORS: RefCell<HashMap<(usize, MirrorKeys), Rc<Validator>>> =
            RefCell::new(HashMap::new());
    }
    MIRRORS.with(|mirrors| {
        let mut mirrors = mirrors.borrow_mut();
        let validator = mirrors.entry((config, keys)).or_insert_with(|| {
            let set = match keys {
                MirrorKeys::Jwks(jwks) => {
                    JwkSet::from_json(jwks.document().as_bytes()).expect("fixed JWK Set")
                }
                MirrorKeys::HmacSecret => crate::keys().hmac_set(),
            };
            Rc::new(Validator::new(configs()[config].policy.clone(), set))
        });
        Rc::clone(validator)
    })
}

/// A token signed once, valid at [`NOW`] under one of the fixed configurations.
pub struct FixedToken {
    /// The signing key.
    pub signer: SigningKey,
    /// The header JSON.
    pub header: String,
    /// The claims JSON.
    pub payload: String,
    /// The compact JWS.
    pub text: String,
}

/// Position in [`tokens`] of the token bound to the Ed25519 key by `cnf` `jkt`.
pub const DPOP_BOUND_TOKEN: usize = 3;

/// Returns the fixed tokens: Ed25519 for the RFC 9068 configuration and HS256 for
/// the HMAC one, both with claims of every JSON type, Ed25519 without `kid` or `typ`
/// for the permissive one, and two RFC 9068 tokens bound by `cnf`, to the Ed25519
/// key (`jkt`) and to [`CERTIFICATE`] (`x5t#S256`).
pub fn tokens() -> &'static [FixedToken; 5] {
    static TOKENS: OnceLock<[FixedToken; 5]> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let ed25519_kid = SigningKey::Ed25519.kid();
        let hs256_kid = SigningKey::Hs256.kid();
        [
            FixedToken::sign(
                SigningKey::Ed25519,
                format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{ed25519_kid}"}}"#),
                rich_claims(),
            ),
            FixedToken::sign(
                SigningKey::Hs256,
                format!(r#"{{"typ":"at+jwt","kid":"{hs256_kid}","alg":"HS256"}}"#),
                rich_claims(),
            ),
            FixedToken::sign(
                SigningKey::Ed25519,
                r#"{"alg":"Ed25519"}"#.to_string(),
                format!(
                    r#"{{"iss":"{OTHER_ISSUER}","aud":"{AUDIENCE}","sub":"svc","exp":{},"iat":{},"scp":"orders admin:x  "}}"#,
                    NOW + 600,
                    NOW - 30
                ),
            ),
            FixedToken::sign(
                SigningKey::Ed25519,
                format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{ed25519_kid}"}}"#),
                bound_claims("dpop", &format!(r#"{{"jkt":"{}"}}"#, ed25519_thumbprint())),
            ),
            FixedToken::sign(
                SigningKey::Ed25519,
                format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{ed25519_kid}"}}"#),
                bound_claims("mtls", &format!(r#"{{"x5t#S256":"{}"}}"#, certificate_hash())),
            ),
        ]
    })
}

/// Returns the base64url SHA-256 of [`CERTIFICATE`].
fn certificate_hash() -> String {
    encode(ring::digest::digest(&ring::digest::SHA256, CERTIFICATE).as_ref())
}

/// Returns RFC 9068 claims with the `jti` `bound-{name}` and the `cnf` object `cnf`.
fn bound_claims(name: &str, cnf: &str) -> String {
    format!(
        r#"{{"iss":"{ISSUER}","sub":"user-7","aud":"{AUDIENCE}","exp":{},"iat":{},"jti":"bound-{name}","client_id":"client-1","scope":"{REQUIRED_SCOPE}","cnf":{cnf}}}"#,
        NOW + 3600,
        NOW - 60
    )
}

/// Returns the fixed introspection responses: an active body valid under the RFC
/// 9068 configuration, an inactive one, that active body in a signed response,
/// and an active body bound by `cnf`.
pub fn introspection_responses() -> &'static [String; 4] {
    static RESPONSES: OnceLock<[String; 4]> = OnceLock::new();
    RESPONSES.get_or_init(|| {
        let body = |extra: &str| {
            format!(
                r#"{{"active":true,"iss":"{ISSUER}","aud":"{AUDIENCE}","sub":"user-8","client_id":"client-1","scope":"{REQUIRED_SCOPE} orders:write","exp":{},"iat":{},"jti":"introspected-1"{extra}}}"#,
                NOW + 3600,
                NOW - 60
            )
        };
        let active = body("");
        let signed_claims = format!(
            r#"{{"iss":"{ISSUER}","aud":"{INTROSPECTION_AUDIENCE}","iat":{},"token_introspection":{active}}}"#,
            NOW - 5
        );
        let header = format!(
            r#"{{"alg":"EdDSA","typ":"token-introspection+jwt","kid":"{}"}}"#,
            SigningKey::Ed25519.kid()
        );
        [
            active.clone(),
            r#"{"active":false}"#.to_string(),
            sign(SigningKey::Ed25519, &header, &signed_claims),
            body(&format!(r#","cnf":{{"jkt":"{}"}}"#, ed25519_thumbprint())),
        ]
    })
}

/// Claims with every registered claim, escapes, and values of every JSON type.
fn rich_claims() -> String {
    let long = "x".repeat(300);
    format!(
        concat!(
            r#"{{"iss":"{iss}","sub":"user-\u00e9 42","aud":["{aud}","https://other-api.tokenguard.test","a\"b"],"#,
            r#""exp":{exp},"nbf":{nbf},"iat":{iat}.25,"jti":"jti-\/1","client_id":"client-1","#,
            r#""scope":"orders:read  orders:write orders:read","scp":["scp-a",1,"scp-b"],"#,
            r#""tenant":"t\u0000x","ratio":12.5,"huge":1e400,"wide":92233720368547758080,"#,
            r#""min":-9223372036854775808,"flag":true,"off":false,"nothing":null,"#,
            r#""nested":{{"a":[1,{{"b":2}}]}},"mixed":["a",2,null,"\ud83d\ude00",[],{{}}],"#,
            r#""empty":"","t\u0065nant2":"escaped name","long":"{long}"}}"#
        ),
        iss = ISSUER,
        aud = AUDIENCE,
        exp = NOW + 3600,
        nbf = NOW - 60,
        iat = NOW - 61,
        long = long,
    )
}

impl FixedToken {
    fn sign(signer: SigningKey, header: String, payload: String) -> Self {
        let text = sign(signer, &header, &payload);
        Self {
            signer,
            header,
            payload,
            text,
        }
    }

    /// Signs the same header and claims with a `pad` claim of `pad_len` bytes added.
    pub fn padded(&self, pad_len: usize) -> String {
        let body = self.payload.strip_suffix('}').expect("claims object");
        let payload = format!(r#"{body},"pad":"{}"}}"#, "p".repeat(pad_len));
        sign(self.signer, &self.header, &payload)
    }
}

/// Returns the compact JWS of `header` and `payload` signed with `signer`.
pub fn sign(signer: SigningKey, header: &str, payload: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        encode(header.as_bytes()),
        encode(payload.as_bytes())
    );
    let signature = keys().sign(signer, signing_input.as_bytes());
    format!("{signing_input}.{}", encode(&signature))
}
