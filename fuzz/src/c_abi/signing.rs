//! The signing-key functions: keys from JWKs, DER and HMAC secrets, generated keys,
//! their public JWK and thumbprint, and compact JWS, client assertion and DPoP
//! proof signing. A key read from fixed or fuzzed bytes has a core `SigningKey`
//! twin read from the same bytes, and each output must equal the twin's. ECDSA and
//! RSA-PSS signatures are random, so for them only the signed part and the length
//! must.

use arbitrary::Arbitrary;
use tokenguard::{
    create_dpop_proof, Algorithm, AssertionBuilder, DpopRequest, HeaderParams, Jwk,
    SigningKey as CoreKey,
};
use tokenguard_ffi::{
    tg_client_assertion_create, tg_dpop_proof_create, tg_signing_key, tg_signing_key_free,
    tg_signing_key_from_der, tg_signing_key_from_hmac_secret, tg_signing_key_from_jwk,
    tg_signing_key_generate, tg_signing_key_public_jwk, tg_signing_key_sign_jws,
    tg_signing_key_thumbprint, tg_status, TG_INVALID_ARGUMENT, TG_NOT_FOUND,
};

use super::args::{BufArg, BytesArg, Faults, HandleArg, Input, NowArg, OutArg};
use super::calls::{Call, Expect};
use super::dpop::code;
use super::fixtures::ed25519_private_jwk;
use super::requests::{
    AccessTokenArg, JtiArg, SecondsArg, TextArg, ALGORITHMS, AUDIENCES, CLIENT_IDS, KIDS, METHODS,
    NONCES, TYPES, URIS,
};
use super::Harness;
use crate::keys::{encode, HS256_SECRET, P256_PKCS8, P384_PKCS8, RSA_PKCS8};

/// Maximum number of signed outputs kept for later operations.
const MAX_MADE: usize = 16;

/// The core's default lifetime of a client assertion, in seconds.
const DEFAULT_LIFETIME: u32 = 60;

/// The fixed PKCS#8 keys: RSA 2048, P-256 and P-384.
const DER_KEYS: [&[u8]; 3] = [RSA_PKCS8, P256_PKCS8, P384_PKCS8];

/// A call of the signing-key functions.
#[derive(Arbitrary, Debug)]
pub enum SigningOp<'a> {
    /// `tg_signing_key_from_jwk`.
    FromJwk {
        /// The JWK.
        jwk: PrivateJwkArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_signing_key_from_der`.
    FromDer {
        /// The DER key.
        der: DerArg<'a>,
        /// The `kid`.
        kid: TextArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_signing_key_from_hmac_secret`.
    FromHmacSecret {
        /// The algorithm.
        alg: TextArg<'a>,
        /// The secret.
        secret: SecretArg<'a>,
        /// The `kid`.
        kid: TextArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_signing_key_generate`.
    Generate {
        /// The algorithm.
        alg: TextArg<'a>,
        /// The `kid`.
        kid: TextArg<'a>,
        /// The out-parameter.
        out: OutArg,
    },
    /// `tg_signing_key_free`, for which NULL is a no-op.
    Free {
        /// The key.
        key: HandleArg,
    },
    /// `tg_signing_key_public_jwk`.
    PublicJwk {
        /// The key.
        key: HandleArg,
        /// The output buffer.
        buf: BufArg,
    },
    /// `tg_signing_key_thumbprint`.
    Thumbprint {
        /// The key.
        key: HandleArg,
        /// The output buffer.
        buf: BufArg,
    },
    /// `tg_signing_key_sign_jws`.
    SignJws {
        /// The key.
        key: HandleArg,
        /// The algorithm.
        alg: TextArg<'a>,
        /// The `typ`.
        typ: TextArg<'a>,
        /// Whether to embed the public key as `jwk`.
        embed_jwk: bool,
        /// The payload: the claims of a fixed token, or raw bytes.
        payload: MadePayload<'a>,
        /// The output buffer.
        buf: BufArg,
    },
    /// `tg_client_assertion_create`.
    CreateAssertion {
        /// The key.
        key: HandleArg,
        /// The algorithm.
        alg: TextArg<'a>,
        /// The client identifier.
        client_id: TextArg<'a>,
        /// The audience.
        audience: TextArg<'a>,
        /// The lifetime.
        lifetime: SecondsArg,
        /// The `jti_random`.
        jti: JtiArg<'a>,
        /// The time of `iat`.
        now: NowArg,
        /// The output buffer.
        buf: BufArg,
    },
    /// `tg_dpop_proof_create`.
    CreateProof {
        /// The key.
        key: HandleArg,
        /// The algorithm.
        alg: TextArg<'a>,
        /// The method.
        method: TextArg<'a>,
        /// The URI.
        uri: TextArg<'a>,
        /// The access token that `ath` covers.
        access_token: AccessTokenArg<'a>,
        /// The nonce.
        nonce: TextArg<'a>,
        /// The `jti_random`.
        jti: JtiArg<'a>,
        /// The time of `iat`.
        now: NowArg,
        /// The output buffer.
        buf: BufArg,
    },
}

/// The JWK of `tg_signing_key_from_jwk`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum PrivateJwkArg<'a> {
    /// The fixed Ed25519 private key.
    Ed25519,
    /// That JWK with `d` renamed `e`: a public key with an unknown member.
    Public,
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

/// The DER key of `tg_signing_key_from_der`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum DerArg<'a> {
    /// A fixed PKCS#8 key by position, modulo their number.
    Fixed(u8),
    /// A fixed key with one byte replaced.
    Changed {
        /// The key, modulo their number.
        base: u8,
        /// The position, modulo the length.
        at: u16,
        /// The new byte.
        byte: u8,
    },
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

/// The secret of `tg_signing_key_from_hmac_secret`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SecretArg<'a> {
    /// The fixed 32-byte secret.
    Fixed,
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

/// The payload of `tg_signing_key_sign_jws`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum MadePayload<'a> {
    /// The claims of a fixed token, by position modulo their number.
    Claims(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

/// A live signing key and the core key read from the same bytes, `None` for a
/// generated key.
pub struct LiveSigningKey {
    /// The handle.
    pub ptr: *mut tg_signing_key,
    /// The core key.
    pub twin: Option<CoreKey>,
}

/// Returns the algorithm the C layer signs with for the name `name`, or its
/// failure status: an unknown name, or none for a key without a default.
fn chosen_algorithm(key: &CoreKey, name: &str) -> Result<Algorithm, tg_status> {
    if !name.is_empty() {
        return Algorithm::from_name(name).map_err(|_| TG_INVALID_ARGUMENT);
    }
    key.default_algorithm().ok_or(TG_INVALID_ARGUMENT)
}

/// Returns how a string result must compare with the core's `expected`: equal
/// for a deterministic signature, else equal up to the signature, which the
/// caller checks on the result.
fn signed_expect(expected: &Result<(String, Algorithm), tg_status>) -> Expect<&str> {
    match expected {
        Ok((text, alg)) if is_deterministic(*alg) => Expect::Value(text.as_str()),
        Ok(_) => Expect::Success,
        Err(status) => Expect::Status(*status),
    }
}

/// Returns whether `alg` signs the same input the same way every time.
fn is_deterministic(alg: Algorithm) -> bool {
    !matches!(
        alg,
        Algorithm::ES256
            | Algorithm::ES384
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512
    )
}

/// Checks a random signature's result against the core's: the same header and
/// payload, and a signature of the same length.
fn check_signed(name: &str, result: &str, expected: &Result<(String, Algorithm), tg_status>) {
    let Ok((expected, _)) = expected else { return };
    let signed = |text: &str| text.rsplit_once('.').map(|(signed, _)| signed.to_string());
    assert_eq!(
        signed(result),
        signed(expected),
        "{name}: the signed part differs"
    );
    assert_eq!(result.len(), expected.len(), "{name}: the length differs");
}

impl Harness {
    pub(super) fn signing(&mut self, op: &SigningOp<'_>) {
        match *op {
            SigningOp::FromJwk { jwk, out } => self.key_from_jwk(jwk, out),
            SigningOp::FromDer { der, kid, out } => {
                let der = match der {
                    DerArg::Fixed(index) => Input::owned(fixed_der(index).to_vec()),
                    DerArg::Changed { base, at, byte } => {
                        let mut bytes = fixed_der(base).to_vec();
                        let at = usize::from(at) % bytes.len();
                        bytes[at] = byte;
                        Input::owned(bytes)
                    }
                    DerArg::Raw(bytes) => Input::new(bytes),
                };
                let kid = kid.input(&KIDS);
                let call = Call::new("tg_signing_key_from_der")
                    .with(der.faults())
                    .with(kid.text_faults());
                let twin = match (der.bytes(), kid.text()) {
                    (Some(der), Some(kid)) => Some(
                        CoreKey::from_der(der)
                            .map(|key| {
                                if kid.is_empty() {
                                    key
                                } else {
                                    key.with_kid(kid)
                                }
                            })
                            .map_err(code),
                    ),
                    _ => None,
                };
                // SAFETY: the inputs are NULL or valid for their lengths, and the
                // out-parameter is valid or NULL.
                self.new_key(call, out, twin, |out| unsafe {
                    tg_signing_key_from_der(der.ptr(), der.len(), kid.ptr(), kid.len(), out)
                });
            }
            SigningOp::FromHmacSecret {
                alg,
                secret,
                kid,
                out,
            } => {
                let alg = alg.input(&ALGORITHMS);
                let secret = match secret {
                    SecretArg::Fixed => Input::owned(HS256_SECRET.to_vec()),
                    SecretArg::Raw(bytes) => Input::new(bytes),
                };
                let kid = kid.input(&KIDS);
                let call = Call::new("tg_signing_key_from_hmac_secret")
                    .with(alg.text_faults())
                    .with(secret.faults())
                    .with(kid.text_faults());
                let twin = match (alg.text(), secret.bytes(), kid.text()) {
                    (Some(alg), Some(secret), Some(kid)) => Some(
                        Algorithm::from_name(alg)
                            .map_err(|_| TG_INVALID_ARGUMENT)
                            .and_then(|alg| CoreKey::hmac_secret(alg, secret).map_err(code))
                            .map(|key| {
                                if kid.is_empty() {
                                    key
                                } else {
                                    key.with_kid(kid)
                                }
                            }),
                    ),
                    _ => None,
                };
                // SAFETY: the inputs are NULL or valid for their lengths, and the
                // out-parameter is valid or NULL.
                self.new_key(call, out, twin, |out| unsafe {
                    tg_signing_key_from_hmac_secret(
                        alg.ptr(),
                        alg.len(),
                        secret.ptr(),
                        secret.len(),
                        kid.ptr(),
                        kid.len(),
                        out,
                    )
                });
            }
            SigningOp::Generate { alg, kid, out } => {
                let (alg, kid) = (alg.input(&ALGORITHMS), kid.input(&KIDS));
                let call = Call::new("tg_signing_key_generate")
                    .with(alg.text_faults())
                    .with(kid.text_faults());
                // The core generates another key, so only the status is compared.
                let expected = alg.text().map(|alg| {
                    let alg = Algorithm::from_name(alg).map_err(|_| TG_INVALID_ARGUMENT)?;
                    CoreKey::generate(alg).map(|_| ()).map_err(code)
                });
                // SAFETY: the inputs are NULL or valid for their lengths, and the
                // out-parameter is valid or NULL.
                let ptr = self.checker.handle(call, out, expected, |out| unsafe {
                    tg_signing_key_generate(alg.ptr(), alg.len(), kid.ptr(), kid.len(), out)
                });
                if let Some(ptr) = ptr {
                    self.keys.push(LiveSigningKey { ptr, twin: None });
                }
            }
            SigningOp::Free { key } => self.free_signing_key(key),
            SigningOp::PublicJwk { key, buf } => {
                let (index, ptr) = self.signing_key(key);
                let call =
                    Call::new("tg_signing_key_public_jwk").with(Faults::null_if(ptr.is_null()));
                let expected = index
                    .and_then(|index| self.keys[index].twin.as_ref())
                    .map(|twin| twin.public_jwk(twin.kid(), twin.alg()));
                let expect = match &expected {
                    None => Expect::Unknown,
                    Some(None) => Expect::Status(TG_NOT_FOUND),
                    Some(Some(jwk)) => Expect::Value(jwk.as_str()),
                };
                // SAFETY: `ptr` is NULL or a live key, and the checker passes a buffer
                // valid for its length and a valid or NULL `out_len`.
                let f = |buf, len, out_len| unsafe {
                    tg_signing_key_public_jwk(ptr, buf, len, out_len)
                };
                if let Some(jwk) = self.checker.string(call, buf, expect, &f) {
                    let read = Jwk::from_json(jwk.as_bytes()).err();
                    assert_eq!(read, None, "the core rejects the public JWK {jwk}");
                }
            }
            SigningOp::Thumbprint { key, buf } => {
                let (index, ptr) = self.signing_key(key);
                let call =
                    Call::new("tg_signing_key_thumbprint").with(Faults::null_if(ptr.is_null()));
                let expected = index
                    .and_then(|index| self.keys[index].twin.as_ref())
                    .map(|twin| twin.thumbprint().map(|thumbprint| encode(&thumbprint)));
                let expect = match &expected {
                    None => Expect::Unknown,
                    Some(None) => Expect::Status(TG_NOT_FOUND),
                    Some(Some(text)) => Expect::Value(text.as_str()),
                };
                // SAFETY: as above.
                let f = |buf, len, out_len| unsafe {
                    tg_signing_key_thumbprint(ptr, buf, len, out_len)
                };
                if let Some(text) = self.checker.string(call, buf, expect, &f) {
                    assert_eq!(
                        text.len(),
                        43,
                        "tg_signing_key_thumbprint returned {text:?}"
                    );
                }
            }
            SigningOp::SignJws { .. } => self.sign_jws(op),
            SigningOp::CreateAssertion { .. } => self.create_assertion(op),
            SigningOp::CreateProof { .. } => self.create_proof(op),
        }
    }

    /// Calls `tg_signing_key_from_jwk`.
    pub(super) fn key_from_jwk(&mut self, jwk: PrivateJwkArg<'_>, out: OutArg) {
        let jwk = match jwk {
            PrivateJwkArg::Ed25519 => Input::owned(ed25519_private_jwk().as_bytes().to_vec()),
            PrivateJwkArg::Public => {
                let public = ed25519_private_jwk().replace(r#","d":"#, r#","e":"#);
                Input::owned(public.into_bytes())
            }
            PrivateJwkArg::Raw(bytes) => Input::new(bytes),
        };
        let call = Call::new("tg_signing_key_from_jwk").with(jwk.faults());
        let twin = jwk.bytes().map(|jwk| CoreKey::from_jwk(jwk).map_err(code));
        // SAFETY: the input is NULL or valid for its length, and the out-parameter
        // is valid or NULL.
        self.new_key(call, out, twin, |out| unsafe {
            tg_signing_key_from_jwk(jwk.ptr(), jwk.len(), out)
        });
    }

    /// Makes a key with `f` and keeps it with its twin, `twin` being the core's key
    /// or status when the arguments have no fault.
    fn new_key(
        &mut self,
        call: Call,
        out: OutArg,
        twin: Option<Result<CoreKey, tg_status>>,
        f: impl FnOnce(*mut *mut tg_signing_key) -> tg_status,
    ) {
        let expected = twin
            .as_ref()
            .map(|twin| twin.as_ref().map(|_| ()).map_err(|c| *c));
        let ptr = self.checker.handle(call, out, expected, f);
        if let (Some(ptr), Some(Ok(twin))) = (ptr, twin) {
            self.keys.push(LiveSigningKey {
                ptr,
                twin: Some(twin),
            });
        }
    }

    fn free_signing_key(&mut self, key: HandleArg) {
        match key.pick(self.keys.len()) {
            // SAFETY: NULL is a no-op.
            None => unsafe { tg_signing_key_free(std::ptr::null_mut()) },
            Some(index) => {
                let live = self.keys.remove(index);
                // SAFETY: the key is live and removed from the handles, so it is freed
                // once.
                unsafe { tg_signing_key_free(live.ptr) };
            }
        }
    }

    /// Returns the position and pointer of the key that `key` picks, or `None` and
    /// NULL.
    fn signing_key(&self, key: HandleArg) -> (Option<usize>, *const tg_signing_key) {
        let index = key.pick(self.keys.len());
        let ptr = index.map_or(std::ptr::null(), |i| self.keys[i].ptr.cast_const());
        (index, ptr)
    }

    /// Keeps a signed output for later operations.
    fn keep_made(&mut self, text: String) {
        if self.made.len() == MAX_MADE {
            self.made.remove(0);
        }
        self.made.push(text.into_bytes());
        self.summary.signed += 1;
    }

    fn sign_jws(&mut self, op: &SigningOp<'_>) {
        let SigningOp::SignJws {
            key,
            alg,
            typ,
            embed_jwk,
            payload,
            buf,
        } = *op
        else {
            unreachable!("tg_signing_key_sign_jws")
        };
        let (index, ptr) = self.signing_key(key);
        let (alg, typ) = (alg.input(&ALGORITHMS), typ.input(&TYPES));
        let payload = match payload {
            MadePayload::Claims(index) => {
                let tokens = super::fixtures::tokens();
                let token = &tokens[usize::from(index) % tokens.len()];
                Input::owned(token.payload.as_bytes().to_vec())
            }
            MadePayload::Raw(bytes) => Input::new(bytes),
        };
        let call = Call::new("tg_signing_key_sign_jws")
            .with(Faults::null_if(ptr.is_null()))
            .with(alg.text_faults())
            .with(typ.text_faults())
            .with(payload.faults());

        let twin = index.and_then(|index| self.keys[index].twin.as_ref());
        let expected = match (twin, alg.text(), typ.text(), payload.bytes()) {
            (Some(twin), Some(alg), Some(typ), Some(payload)) => {
                Some(chosen_algorithm(twin, alg).and_then(|alg| {
                    let header = HeaderParams {
                        typ: (!typ.is_empty()).then_some(typ),
                        kid: twin.kid(),
                        embed_jwk,
                    };
                    let text = twin.sign_jws(alg, &header, payload).map_err(code)?;
                    Ok((text, alg))
                }))
            }
            _ => None,
        };
        let expect = expected.as_ref().map_or(Expect::Unknown, signed_expect);

        // SAFETY: `ptr` is NULL or a live key, the inputs are NULL or valid for their
        // lengths, and the checker passes a buffer valid for its length and a valid
        // or NULL `out_len`.
        let f = |buf, len, out_len| unsafe {
            tg_signing_key_sign_jws(
                ptr,
                alg.ptr(),
                alg.len(),
                typ.ptr(),
                typ.len(),
                embed_jwk,
                payload.ptr(),
                payload.len(),
                buf,
                len,
                out_len,
            )
        };
        if let Some(text) = self.checker.string(call, buf, expect, &f) {
            if let Some(expected) = &expected {
                check_signed(call.name, &text, expected);
            }
            self.keep_made(text);
        }
    }

    fn create_assertion(&mut self, op: &SigningOp<'_>) {
        let SigningOp::CreateAssertion {
            key,
            alg,
            client_id,
            audience,
            lifetime,
            jti,
            now,
            buf,
        } = *op
        else {
            unreachable!("tg_client_assertion_create")
        };
        let (index, ptr) = self.signing_key(key);
        let alg = alg.input(&ALGORITHMS);
        let (client_id, audience) = (client_id.input(&CLIENT_IDS), audience.input(&AUDIENCES));
        let jti = jti.input(&mut self.fresh);
        let (lifetime, now) = (lifetime.value(DEFAULT_LIFETIME), now.value());
        let call = Call::new("tg_client_assertion_create")
            .with(Faults::null_if(ptr.is_null()))
            .with(alg.text_faults())
            .with(client_id.text_faults())
            .with(audience.text_faults())
            .with(jti.faults());

        let twin = index.and_then(|index| self.keys[index].twin.as_ref());
        let expected = match (
            twin,
            alg.text(),
            client_id.text(),
            audience.text(),
            jti.bytes(),
        ) {
            (Some(twin), Some(alg), Some(client_id), Some(audience), Some(jti)) => {
                Some(chosen_algorithm(twin, alg).and_then(|alg| {
                    let builder = AssertionBuilder::new(client_id, audience)
                        .and_then(|builder| builder.with_lifetime(lifetime))
                        .map_err(code)?;
                    let text = builder.sign(twin, Some(alg), now, jti).map_err(code)?;
                    Ok((text, alg))
                }))
            }
            _ => None,
        };
        let expect = expected.as_ref().map_or(Expect::Unknown, signed_expect);

        // SAFETY: `ptr` is NULL or a live key, the inputs are NULL or valid for their
        // lengths, and the checker passes a buffer valid for its length and a valid
        // or NULL `out_len`.
        let f = |buf, len, out_len| unsafe {
            tg_client_assertion_create(
                ptr,
                alg.ptr(),
                alg.len(),
                client_id.ptr(),
                client_id.len(),
                audience.ptr(),
                audience.len(),
                lifetime,
                jti.ptr(),
                jti.len(),
                now,
                buf,
                len,
                out_len,
            )
        };
        if let Some(text) = self.checker.string(call, buf, expect, &f) {
            if let Some(expected) = &expected {
                check_signed(call.name, &text, expected);
            }
            self.keep_made(text);
        }
    }

    fn create_proof(&mut self, op: &SigningOp<'_>) {
        let SigningOp::CreateProof {
            key,
            alg,
            method,
            uri,
            access_token,
            nonce,
            jti,
            now,
            buf,
        } = *op
        else {
            unreachable!("tg_dpop_proof_create")
        };
        let (index, ptr) = self.signing_key(key);
        let alg = alg.input(&ALGORITHMS);
        let (method, uri, nonce) = (
            method.input(&METHODS),
            uri.input(&URIS),
            nonce.input(&NONCES),
        );
        let access_token = access_token.input();
        let jti = jti.input(&mut self.fresh);
        let now = now.value();
        let call = Call::new("tg_dpop_proof_create")
            .with(Faults::null_if(ptr.is_null()))
            .with(alg.text_faults())
            .with(method.text_faults())
            .with(uri.text_faults())
            .with(access_token.text_faults())
            .with(nonce.text_faults())
            .with(jti.faults());

        let twin = index.and_then(|index| self.keys[index].twin.as_ref());
        let texts = (
            alg.text(),
            method.text(),
            uri.text(),
            access_token.text(),
            nonce.text(),
        );
        let expected = match (twin, texts, jti.bytes()) {
            (
                Some(twin),
                (Some(alg), Some(method), Some(uri), Some(token), Some(nonce)),
                Some(jti),
            ) => Some(chosen_algorithm(twin, alg).and_then(|alg| {
                let request = DpopRequest {
                    method,
                    uri,
                    nonce: (!nonce.is_empty()).then_some(nonce),
                };
                let token = (!token.is_empty()).then_some(token);
                let text = create_dpop_proof(twin, Some(alg), &request, token, now, jti);
                Ok((text.map_err(code)?, alg))
            })),
            _ => None,
        };
        let expect = expected.as_ref().map_or(Expect::Unknown, signed_expect);

        // SAFETY: `ptr` is NULL or a live key, the inputs are NULL or valid for their
        // lengths, and the checker passes a buffer valid for its length and a valid
        // or NULL `out_len`.
        let f = |buf, len, out_len| unsafe {
            tg_dpop_proof_create(
                ptr,
                alg.ptr(),
                alg.len(),
                method.ptr(),
                method.len(),
                uri.ptr(),
                uri.len(),
                access_token.ptr(),
                access_token.len(),
                nonce.ptr(),
                nonce.len(),
                jti.ptr(),
                jti.len(),
                now,
                buf,
                len,
                out_len,
            )
        };
        if let Some(text) = self.checker.string(call, buf, expect, &f) {
            if let Some(expected) = &expected {
                check_signed(call.name, &text, expected);
            }
            self.keep_made(text);
        }
    }
}

/// Returns a fixed PKCS#8 key by position, modulo their number.
fn fixed_der(index: u8) -> &'static [u8] {
    DER_KEYS[usize::from(index) % DER_KEYS.len()]
}
