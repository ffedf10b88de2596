//! A plain model of the access-token rules in `core/tests/cases/README.md`, applied to
//! the members a [`BuiltToken`] was written from rather than to its text.
//!
//! The model covers the RFC 9068 profile with [`ISSUER`], [`AUDIENCE`] and
//! [`REQUIRED_SCOPE`] against the fixed keys. Its rules are the size limits, JSON
//! validity and duplicate names, and the header members `alg`, `kid`, `typ`, `cty`,
//! `crit` and `b64`. For the claims they are the registered types, `exp`, `nbf` and
//! `iat` with leeway, `iss`, `aud`, the required claims, `scope` and `cnf`.

use crate::json_text::{has_duplicate, Member, Val, SCALE};
use crate::spec::BuiltToken;
use crate::{AUDIENCE, ISSUER, REQUIRED_SCOPE};

/// Maximum token length in bytes, the default of the policies.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Maximum decoded header length in bytes.
const MAX_HEADER_BYTES: usize = 4096;

/// Claims the RFC 9068 profile requires.
const RFC9068_CLAIMS: [&str; 7] = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];

/// Returns `Ok` when the model accepts `token` at `now` with `leeway` seconds, or the
/// first rule it breaks.
///
/// # Errors
///
/// A short description of the broken rule, for the panic message.
pub fn judge(token: &BuiltToken, now: i64, leeway: u32) -> Result<(), &'static str> {
    if token.text.len() > MAX_TOKEN_BYTES {
        return Err("token over 16 KiB");
    }
    if token.header_len > MAX_HEADER_BYTES {
        return Err("header over 4096 bytes");
    }
    if token.corrupted {
        return Err("token text changed after signing");
    }
    judge_header(token)?;
    judge_claims(&token.claims, now, leeway)
}

/// Checks the header alone: JSON, `alg`, `kid`, `typ`, `cty`, `crit` and `b64`.
///
/// # Errors
///
/// As [`judge`].
pub fn judge_header(token: &BuiltToken) -> Result<(), &'static str> {
    let header = &token.header;
    check_json(header)?;
    if find(header, "b64").is_some() {
        return Err("header has b64");
    }
    if find(header, "crit").is_some() {
        return Err("header has crit");
    }
    for name in ["alg", "kid", "typ", "cty"] {
        if find(header, name).is_some_and(|value| value.as_str().is_none()) {
            return Err("header alg, kid, typ or cty is not a string");
        }
    }

    let alg = find(header, "alg").and_then(Val::as_str);
    if !alg.is_some_and(|alg| token.signer.alg_names().contains(&alg)) {
        return Err("header alg does not match the signing key");
    }
    if let Some(kid) = find(header, "kid").and_then(Val::as_str) {
        if kid != token.signer.kid() {
            return Err("header kid names another key");
        }
    }
    let typ = find(header, "typ").and_then(Val::as_str);
    let access_token = |typ: &str| {
        typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
    };
    if !typ.is_some_and(access_token) {
        return Err("header typ is not at+jwt");
    }
    Ok(())
}

/// Checks the claims against the RFC 9068 access-token policy.
///
/// # Errors
///
/// As [`judge`].
pub fn judge_claims(claims: &[Member], now: i64, leeway: u32) -> Result<(), &'static str> {
    check_json(claims)?;
    let registered = Registered::read(claims)?;

    let leeway = i128::from(leeway);
    let earliest = (i128::from(now) - leeway) * SCALE;
    let latest = (i128::from(now) + leeway) * SCALE;
    let exp = registered.exp.ok_or("exp missing")?;
    if exp <= earliest {
        return Err("expired");
    }
    if registered.nbf.is_some_and(|nbf| nbf > latest) {
        return Err("not yet valid");
    }
    if registered.iat.is_some_and(|iat| iat > latest) {
        return Err("issued in the future");
    }
    check_iss_aud(&registered)?;

    for name in RFC9068_CLAIMS {
        if present(claims, name).is_none() {
            return Err("an RFC 9068 claim is missing");
        }
    }
    let scope = registered.scope.ok_or("scope missing")?;
    if !scope.split(' ').any(|value| value == REQUIRED_SCOPE) {
        return Err("required scope not granted");
    }
    if present(claims, "cnf").is_some() {
        return Err("token has cnf");
    }
    Ok(())
}

/// Checks `iss` and `aud` alone, for the plain-JWT policy of the differential target.
///
/// # Errors
///
/// As [`judge`].
pub fn judge_iss_aud(claims: &[Member]) -> Result<(), &'static str> {
    check_json(claims)?;
    check_iss_aud(&Registered::read(claims)?)
}

fn check_iss_aud(registered: &Registered<'_>) -> Result<(), &'static str> {
    if registered.iss.ok_or("iss missing")? != ISSUER {
        return Err("wrong issuer");
    }
    let aud = registered.aud.as_ref().ok_or("aud missing")?;
    if !aud.contains(&AUDIENCE) {
        return Err("wrong audience");
    }
    Ok(())
}

fn check_json(members: &[Member]) -> Result<(), &'static str> {
    if members.iter().any(|member| member.value.has_invalid()) {
        return Err("invalid JSON");
    }
    if has_duplicate(members) {
        return Err("duplicate member name");
    }
    Ok(())
}

/// The registered claims with their types checked; `null` counts as absent.
struct Registered<'a> {
    iss: Option<&'a str>,
    aud: Option<Vec<&'a str>>,
    exp: Option<i128>,
    nbf: Option<i128>,
    iat: Option<i128>,
    scope: Option<&'a str>,
}

impl<'a> Registered<'a> {
    fn read(claims: &'a [Member]) -> Result<Self, &'static str> {
        for name in ["iss", "sub", "jti", "client_id", "scope"] {
            if present(claims, name).is_some_and(|value| value.as_str().is_none()) {
                return Err("a string claim has another type");
            }
        }
        let aud = match present(claims, "aud") {
            None => None,
            Some(Val::Str { text, .. }) => Some(vec![text.as_str()]),
            Some(Val::Array(items)) => Some(
                items
                    .iter()
                    .map(Val::as_str)
                    .collect::<Option<Vec<_>>>()
                    .ok_or("aud array has a non-string")?,
            ),
            Some(_) => return Err("aud is not a string or array"),
        };
        Ok(Self {
            iss: present(claims, "iss").and_then(Val::as_str),
            aud,
            exp: date(claims, "exp")?,
            nbf: date(claims, "nbf")?,
            iat: date(claims, "iat")?,
            scope: present(claims, "scope").and_then(Val::as_str),
        })
    }
}

/// Returns the date claim `name` times [`SCALE`].
fn date(claims: &[Member], name: &str) -> Result<Option<i128>, &'static str> {
    match present(claims, name) {
        None => Ok(None),
        Some(Val::Number {
            scaled: Some(scaled),
            ..
        }) => {
            let floor = scaled.div_euclid(SCALE);
            if i64::try_from(floor).is_err() {
                return Err("date outside the signed 64-bit range");
            }
            Ok(Some(*scaled))
        }
        Some(_) => Err("date is not a number in range"),
    }
}

/// Returns the first member named `name`.
fn find<'a>(members: &'a [Member], name: &str) -> Option<&'a Val> {
    members
        .iter()
        .find(|member| member.name == name)
        .map(|member| &member.value)
}

/// Returns the member named `name` unless it is absent or `null`.
fn present<'a>(members: &'a [Member], name: &str) -> Option<&'a Val> {
    find(members, name).filter(|value| !matches!(value, Val::Null))
}
