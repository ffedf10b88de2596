//! The validator operations: `tg_validator_new`, `tg_validator_set_jwks`,
//! `tg_validator_key_counts` and the two validations, checked against the core.

use tokenguard::{json, parse_authorization, Claims, Scheme};
use tokenguard_ffi::{
    tg_status, tg_token, tg_token_header, tg_token_payload, tg_validator, tg_validator_key_counts,
    tg_validator_new, tg_validator_set_jwks, tg_validator_validate,
    tg_validator_validate_authorization, tg_validator_validate_certificate_bound,
    tg_validator_validate_introspection, tg_validator_validate_signed_introspection,
    TG_INVALID_CONFIG, TG_MALFORMED, TG_NOT_FOUND, TG_OK, TG_TOO_LARGE,
};

use super::args::{self, HandleArg, Input, NowArg, OutArg, OutCell, UNWRITTEN_LEN};
use super::calls::{Call, Expect};
use super::fixtures::{self, MirrorKeys};
use super::inputs::{AuthArg, ConfigArg, JwksArg, TokenArg};
use super::mirror::{self, Kind, Mirror, Verdict};
use super::requests::{CertArg, IntrospectionArg};
use super::token_calls::LiveToken;
use super::{Harness, LiveValidator, UNWRITTEN};

impl Harness {
    pub(super) fn new_validator(&mut self, config: &ConfigArg<'_>, jwks: JwksArg<'_>, out: OutArg) {
        let (config_input, jwks_input) = (config.input(), jwks.input());
        let unwritten = (&UNWRITTEN as *const u8).cast_mut().cast::<tg_validator>();
        let mut cell = OutCell::new(out, unwritten);
        let call = Call::new("tg_validator_new")
            .with(config_input.text_faults())
            .with(jwks_input.faults())
            .with(cell.faults());
        let out_ptr = cell.ptr();
        // SAFETY: both inputs are NULL or valid for their lengths, and the
        // out-parameter is valid or NULL.
        let status = self.checker.invoke(call, || unsafe {
            tg_validator_new(
                config_input.ptr(),
                config_input.len(),
                jwks_input.ptr(),
                jwks_input.len(),
                out_ptr,
            )
        });
        if call.faults.any() {
            cell.assert_untouched("tg_validator_new");
            return;
        }

        // The core's verdict on the key set. An empty one means `hmac_secrets`.
        let jwks_bytes = jwks_input.bytes().expect("no fault");
        let key_set = (!jwks_bytes.is_empty()).then(|| mirror::key_set_verdict(jwks_bytes));
        let fixed = config
            .fixed()
            .map(|index| (index, &fixtures::configs()[index]));
        let expect = match (fixed, &key_set) {
            (Some((_, config)), None) if config.hmac => Expect::Success,
            (Some((_, config)), Some(_)) if config.hmac => Expect::Status(TG_INVALID_CONFIG),
            (Some(_), None) => Expect::Status(TG_INVALID_CONFIG),
            (Some(_), Some(Ok(_))) => Expect::Success,
            (Some(_), Some(Err(code))) => Expect::Status(*code),
            (None, _) => Expect::Unknown,
        };
        let name = "tg_validator_new";
        if self
            .checker
            .check_value(name, status, &cell, expect)
            .is_none()
        {
            self.check_new_failure(status, key_set);
            return;
        }

        let ptr = cell.get();
        assert!(!ptr.is_null(), "tg_validator_new returned TG_OK and NULL");
        let hmac = key_set.is_none();
        let (mirror, counts) = match key_set {
            Some(Ok(counts)) => {
                let mirror = fixed.map(|(index, _)| match jwks.fixed() {
                    Some(kind) => Mirror::fixed(index, MirrorKeys::Jwks(kind)),
                    None => Mirror::with_jwks(index, jwks_bytes),
                });
                (mirror, Some(counts))
            }
            Some(Err(code)) => {
                panic!("tg_validator_new accepted a JWK Set the core rejects ({code})")
            }
            None => {
                let mirror = fixed.map(|(index, _)| Mirror::fixed(index, MirrorKeys::HmacSecret));
                (mirror, None)
            }
        };
        self.validators.push(LiveValidator {
            ptr,
            mirror,
            counts,
        });
        self.summary.validators += 1;
        self.key_counts(
            Some(self.validators.len() - 1),
            OutArg::Valid,
            OutArg::Valid,
        );
        if hmac {
            let counts = self.validators.last().and_then(|v| v.counts);
            let (usable, skipped) = counts.expect("key counts read");
            assert!(
                usable > 0 && skipped == 0,
                "HMAC key counts {usable}, {skipped}"
            );
        }
    }

    /// Checks the status of a failed `tg_validator_new` whose configuration may be
    /// unknown: a configuration failure, or the core's verdict on the key set.
    fn check_new_failure(&self, status: tg_status, key_set: Option<mirror::KeySetVerdict>) {
        let message = &self.checker.last().message;
        let key_set_status = key_set.and_then(Result::err);
        if status == TG_INVALID_CONFIG {
            assert!(
                message.starts_with("invalid configuration"),
                "TG_INVALID_CONFIG with the message {message:?}"
            );
        } else if status != TG_TOO_LARGE {
            assert_eq!(Some(status), key_set_status, "tg_validator_new: {message}");
            assert!(
                message.starts_with("jwks: "),
                "a key set failure: {message:?}"
            );
        }
    }

    pub(super) fn set_jwks(&mut self, validator: HandleArg, jwks: JwksArg<'_>) {
        let index = validator.pick(self.validators.len());
        let ptr = index.map_or(std::ptr::null(), |i| self.validators[i].ptr.cast_const());
        let input = jwks.input();
        let call = Call::new("tg_validator_set_jwks")
            .with(args::Faults::null_if(ptr.is_null()))
            .with(input.faults());
        // SAFETY: `ptr` is NULL or a live validator, and the input is NULL or valid
        // for its length.
        let status = self.checker.invoke(call, || unsafe {
            tg_validator_set_jwks(ptr, input.ptr(), input.len())
        });
        let Some(index) = index.filter(|_| !call.faults.any()) else {
            return;
        };

        let jwks_bytes = input.bytes().expect("no fault");
        match mirror::key_set_verdict(jwks_bytes) {
            Ok(counts) => {
                assert_eq!(
                    status, TG_OK,
                    "tg_validator_set_jwks of a set the core reads"
                );
                let live = &mut self.validators[index];
                live.counts = Some(counts);
                let fixed = jwks.fixed().map(MirrorKeys::Jwks);
                let mirror = live.mirror.take();
                live.mirror = mirror.map(|mirror| mirror.replace_keys(fixed, jwks_bytes));
            }
            Err(code) => {
                assert_eq!(status, code, "tg_validator_set_jwks and the core disagree");
                let message = &self.checker.last().message;
                assert!(
                    message.starts_with("jwks: "),
                    "a key set failure: {message:?}"
                );
            }
        }
        // On failure the old set stays in force.
        self.key_counts(Some(index), OutArg::Valid, OutArg::Valid);
    }

    pub(super) fn key_counts(&mut self, index: Option<usize>, usable: OutArg, skipped: OutArg) {
        let ptr = index.map_or(std::ptr::null(), |i| self.validators[i].ptr.cast_const());
        let mut usable = OutCell::new(usable, UNWRITTEN_LEN);
        let mut skipped = OutCell::new(skipped, UNWRITTEN_LEN);
        let call = Call::new("tg_validator_key_counts")
            .with(args::Faults::null_if(ptr.is_null()))
            .with(usable.faults())
            .with(skipped.faults());
        let (usable_ptr, skipped_ptr) = (usable.ptr(), skipped.ptr());
        // SAFETY: `ptr` is NULL or a live validator, and the out-parameters are valid
        // or NULL.
        let status = self.checker.invoke(call, || unsafe {
            tg_validator_key_counts(ptr, usable_ptr, skipped_ptr)
        });
        if status != TG_OK {
            usable.assert_untouched("tg_validator_key_counts");
            skipped.assert_untouched("tg_validator_key_counts");
            return;
        }
        let live = &mut self.validators[index.expect("TG_OK for a live validator")];
        let counts = (usable.get(), skipped.get());
        match live.counts {
            Some(expected) => assert_eq!(counts, expected, "tg_validator_key_counts"),
            None => live.counts = Some(counts),
        }
    }

    pub(super) fn validate(
        &mut self,
        validator: HandleArg,
        token: &TokenArg<'_>,
        now: NowArg,
        out: OutArg,
    ) {
        let input = token.input();
        self.validate_input(validator, &input, now.value(), out, Kind::Token);
    }

    pub(super) fn validate_authorization(
        &mut self,
        validator: HandleArg,
        value: &AuthArg<'_>,
        now: NowArg,
        out: OutArg,
    ) {
        let input = value.input();
        self.validate_input(validator, &input, now.value(), out, Kind::Authorization);
    }

    pub(super) fn validate_introspection(
        &mut self,
        validator: HandleArg,
        response: &IntrospectionArg<'_>,
        signed: bool,
        now: NowArg,
        out: OutArg,
    ) {
        let kind = if signed {
            Kind::SignedIntrospection
        } else {
            Kind::Introspection
        };
        self.validate_input(validator, &response.input(), now.value(), out, kind);
    }

    pub(super) fn validate_certificate_bound(
        &mut self,
        validator: HandleArg,
        token: &TokenArg<'_>,
        certificate: &CertArg<'_>,
        now: NowArg,
        out: OutArg,
    ) {
        let input = token.input();
        let certificate = certificate.input().bytes().map(<[u8]>::to_vec);
        let kind = Kind::CertificateBound(certificate);
        self.validate_input(validator, &input, now.value(), out, kind);
    }

    /// Validates `input` as `kind` and compares the verdict with the mirror's.
    fn validate_input(
        &mut self,
        validator: HandleArg,
        input: &Input,
        now: i64,
        out: OutArg,
        kind: Kind,
    ) {
        let index = validator.pick(self.validators.len());
        let ptr = index.map_or(std::ptr::null(), |i| self.validators[i].ptr.cast_const());
        let mut cell = OutCell::new(out, unwritten_token());
        let authorization = kind == Kind::Authorization;
        let name = match kind {
            Kind::Token => "tg_validator_validate",
            Kind::Authorization => "tg_validator_validate_authorization",
            Kind::Introspection => "tg_validator_validate_introspection",
            Kind::SignedIntrospection => "tg_validator_validate_signed_introspection",
            Kind::CertificateBound(_) => "tg_validator_validate_certificate_bound",
        };
        let call = Call {
            authorization,
            ..Call::new(name)
        }
        .with(args::Faults::null_if(ptr.is_null()))
        .with(input.faults())
        .with(args::Faults::null_if(kind == Kind::CertificateBound(None)))
        .with(cell.faults());
        let out_ptr = cell.ptr();
        let (input_ptr, input_len) = (input.ptr(), input.len());
        // SAFETY: `ptr` is NULL or a live validator, the inputs are NULL or valid for
        // their lengths, and the out-parameter is valid or NULL.
        let status = self.checker.invoke(call, || unsafe {
            match &kind {
                Kind::Token => tg_validator_validate(ptr, input_ptr, input_len, now, out_ptr),
                Kind::Authorization => {
                    tg_validator_validate_authorization(ptr, input_ptr, input_len, now, out_ptr)
                }
                Kind::Introspection => {
                    tg_validator_validate_introspection(ptr, input_ptr, input_len, now, out_ptr)
                }
                Kind::SignedIntrospection => tg_validator_validate_signed_introspection(
                    ptr, input_ptr, input_len, now, out_ptr,
                ),
                Kind::CertificateBound(certificate) => {
                    // `None` is NULL with a length.
                    let (cert_ptr, cert_len) = certificate
                        .as_ref()
                        .map_or((std::ptr::null(), 1), |cert| (cert.as_ptr(), cert.len()));
                    tg_validator_validate_certificate_bound(
                        ptr, input_ptr, input_len, cert_ptr, cert_len, now, out_ptr,
                    )
                }
            }
        });
        let Some(index) = index.filter(|_| !call.faults.any()) else {
            cell.assert_untouched(name);
            return;
        };

        let bytes = input.bytes().expect("no fault");
        let mirror = self.validators[index].mirror.clone();
        let expected = mirror.map(|mirror| mirror.verdict(bytes, now, &kind));
        if authorization && status != TG_MALFORMED {
            // Only a value that parses as Bearer reaches the token checks.
            let parsed = parse_authorization(bytes);
            let bearer = parsed.is_ok_and(|credentials| credentials.scheme() == Scheme::Bearer);
            assert!(
                bearer,
                "{name} returned {status} for a value that is not Bearer"
            );
        }
        if self.check_verdict(name, status, &cell, expected) {
            match kind {
                Kind::Introspection | Kind::SignedIntrospection => self.summary.introspected += 1,
                Kind::CertificateBound(_) => self.summary.certificate_bound += 1,
                Kind::Token | Kind::Authorization => {}
            }
        }
    }

    /// Checks the result of a call that returns a token against the core's
    /// verdict, when known, and keeps an accepted token. Returns whether the call
    /// accepted it.
    pub(super) fn check_verdict(
        &mut self,
        name: &str,
        status: tg_status,
        cell: &OutCell<*mut tg_token>,
        expected: Option<Verdict>,
    ) -> bool {
        if status != TG_OK {
            cell.assert_untouched(name);
            match expected {
                Some(Ok(_)) => panic!("{name} returned {status} for a token the core accepts"),
                Some(Err(code)) => assert_eq!(status, code, "{name} and the core disagree"),
                None => {}
            }
            return false;
        }
        let token = cell.get();
        assert!(!token.is_null(), "{name} returned TG_OK and NULL");
        let (header, payload) = self.read_parts(token);
        match expected {
            Some(Ok((core_header, core_payload))) => {
                assert_eq!(
                    header, core_header,
                    "{name}: the header differs from the core's"
                );
                assert_eq!(
                    payload, core_payload,
                    "{name}: the payload differs from the core's"
                );
            }
            Some(Err(code)) => panic!("{name} accepted a token the core rejects with {code}"),
            None => {}
        }
        if let Some(header) = &header {
            json::parse_object(header.as_bytes()).expect("a verified header is an object");
        }
        Claims::parse(payload.as_bytes()).expect("verified claims parse");
        self.tokens.push(LiveToken {
            ptr: token,
            header,
            payload,
        });
        self.summary.tokens += 1;
        true
    }

    /// Returns the header, `None` for a token without one, and the payload of a
    /// token with valid arguments.
    pub(super) fn read_parts(&mut self, token: *const tg_token) -> (Option<String>, String) {
        type PartFn =
            unsafe extern "C" fn(*const tg_token, *mut *const u8, *mut usize) -> tg_status;
        let mut read = |name, function: PartFn| {
            let (mut ptr, mut len) = (std::ptr::null(), UNWRITTEN_LEN);
            // SAFETY: `token` is live and both out-parameters are valid.
            let status = self.checker.invoke(Call::new(name), || unsafe {
                function(token, &mut ptr, &mut len)
            });
            if status == TG_NOT_FOUND && name == "tg_token_header" {
                assert_eq!(len, UNWRITTEN_LEN, "{name} failed and wrote out_len");
                return None;
            }
            assert_eq!(status, TG_OK, "{name}");
            // SAFETY: on success the pointer and length describe text the token owns.
            let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
            let text = String::from_utf8(bytes.to_vec());
            Some(text.unwrap_or_else(|_| panic!("{name} is not UTF-8")))
        };
        let header = read("tg_token_header", tg_token_header);
        let payload = read("tg_token_payload", tg_token_payload).expect("a payload");
        (header, payload)
    }
}

/// Returns the value of an unwritten token out-parameter.
pub(super) fn unwritten_token() -> *mut tg_token {
    (&UNWRITTEN as *const u8).cast_mut().cast::<tg_token>()
}
