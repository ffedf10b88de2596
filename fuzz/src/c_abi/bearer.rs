//! `tg_parse_authorization`, `tg_www_authenticate` and the checks of a
//! `WWW-Authenticate` value.

use std::ffi::CStr;

use tokenguard::{parse_authorization, Scheme};
use tokenguard_ffi::{
    tg_parse_authorization, tg_status, tg_status_bearer_error, tg_status_message,
    tg_www_authenticate, TG_INVALID_ARGUMENT, TG_OK,
};

use super::args::{BufArg, BytesArg, Input, OutArg, OutCell, UNWRITTEN_LEN};
use super::calls::{bearer_error_name, Call, Checker, Expect, SENTINEL_STATUS};
use super::inputs::AuthArg;
use super::status::is_core_status;

/// The target of an unwritten token pointer.
static UNWRITTEN: u8 = 0;

/// Calls `tg_parse_authorization` and compares it with the core's parser.
pub fn parse(checker: &mut Checker, value: &AuthArg<'_>, outs: [OutArg; 3]) {
    let value = value.input();
    let mut scheme = OutCell::new(outs[0], u32::MAX);
    let mut token_ptr = OutCell::new(outs[1], &UNWRITTEN as *const u8);
    let mut token_len = OutCell::new(outs[2], UNWRITTEN_LEN);
    let call = Call {
        authorization: true,
        ..Call::new("tg_parse_authorization")
    }
    .with(value.faults())
    .with(scheme.faults())
    .with(token_ptr.faults())
    .with(token_len.faults());
    let (scheme_ptr, text_ptr, len_ptr) = (scheme.ptr(), token_ptr.ptr(), token_len.ptr());
    // SAFETY: the value is NULL or valid for its length. The scheme out-parameter is
    // a valid `int` or NULL, and the others are valid or NULL.
    let status = checker.invoke(call, || unsafe {
        tg_parse_authorization(
            value.ptr(),
            value.len(),
            scheme_ptr.cast(),
            text_ptr,
            len_ptr,
        )
    });
    let untouched = || {
        scheme.assert_untouched("tg_parse_authorization");
        token_ptr.assert_untouched("tg_parse_authorization");
        token_len.assert_untouched("tg_parse_authorization");
    };
    if call.faults.any() {
        untouched();
        return;
    }

    let bytes = value.bytes().expect("no fault");
    match parse_authorization(bytes) {
        Err(error) => {
            assert_eq!(status, tg_status::from(error.code()), "{error}");
            untouched();
        }
        Ok(credentials) => {
            assert_eq!(
                status, TG_OK,
                "tg_parse_authorization of a value the core parses"
            );
            let expected_scheme = match credentials.scheme() {
                Scheme::Bearer => 1,
                Scheme::DPoP => 2,
            };
            assert_eq!(
                scheme.get(),
                expected_scheme,
                "tg_parse_authorization scheme"
            );
            // The token is the end of the caller's value.
            let token = credentials.token();
            let offset = bytes.len() - token.len();
            assert_eq!(
                token_ptr.get(),
                value.ptr().wrapping_add(offset),
                "token pointer"
            );
            assert_eq!(token_len.get(), token.len(), "token length");
        }
    }
}

/// Calls `tg_www_authenticate` for `status` and checks the challenge.
pub fn www_authenticate(
    checker: &mut Checker,
    status: tg_status,
    realm: BytesArg<'_>,
    scope: BytesArg<'_>,
    buf: BufArg,
) {
    let (realm, scope) = (Input::new(realm), Input::new(scope));
    let call = Call {
        may_repeat_sentinel: status == SENTINEL_STATUS,
        ..Call::new("tg_www_authenticate")
    }
    .with(realm.text_faults())
    .with(scope.text_faults());
    let expect = if status == TG_OK || is_core_status(status) {
        Expect::Success
    } else {
        Expect::Status(TG_INVALID_ARGUMENT)
    };
    // SAFETY: realm and scope are NULL or valid for their lengths, and the checker
    // passes a buffer valid for its length and a valid or NULL `out_len`.
    let f = |buf, len, out_len| unsafe {
        tg_www_authenticate(
            status,
            realm.ptr(),
            realm.len(),
            scope.ptr(),
            scope.len(),
            buf,
            len,
            out_len,
        )
    };
    let Some(challenge) = checker.string(call, buf, expect, &f) else {
        return;
    };

    let error = bearer_error_name(tg_status_bearer_error(status), "tg_status_bearer_error");
    // SAFETY: `tg_status_message` returns a static NUL-terminated string.
    let message = unsafe { CStr::from_ptr(tg_status_message(status)) };
    let message = message.to_str().expect("status messages are UTF-8");
    let expect = ChallengeExpect {
        scheme: "Bearer",
        realm: &realm,
        scope: &scope,
        error,
        description: Some(message),
        algs: None,
    };
    check_challenge(&challenge, &expect);
}

/// The parameters a `WWW-Authenticate` value must carry.
pub struct ChallengeExpect<'a> {
    /// The scheme, `Bearer` or `DPoP`.
    pub scheme: &'a str,
    /// The realm passed.
    pub realm: &'a Input,
    /// The scope passed.
    pub scope: &'a Input,
    /// The RFC 6750 error, when there is one.
    pub error: Option<&'a str>,
    /// The text of `error_description` before characters RFC 6750 does not allow
    /// are replaced, when known. There is a description exactly when there is an
    /// error.
    pub description: Option<&'a str>,
    /// The `algs` of a `DPoP` challenge, when there is one.
    pub algs: Option<String>,
}

/// Checks a `WWW-Authenticate` value: printable ASCII, the scheme and then
/// `name="value"` parameters. `realm` comes first when one was given, with only its
/// non-ASCII characters replaced by `?`. `scope`, `error_description` and `error`
/// are present as `expect` requires, with characters RFC 6750 does not allow in them
/// replaced by `?`.
pub fn check_challenge(challenge: &str, expect: &ChallengeExpect<'_>) {
    assert!(
        is_printable_ascii(challenge),
        "the challenge {challenge:?} is not printable ASCII"
    );
    let scheme = expect.scheme;
    let parameters = parameters(challenge, scheme)
        .unwrap_or_else(|| panic!("the challenge {challenge:?} is not {scheme} and parameters"));
    let value = |name: &str| {
        let found = parameters.iter().find(|(found, _)| found == name);
        found.map(|(_, value)| value.as_str())
    };

    let realm = expect.realm.text().filter(|realm| !realm.is_empty());
    let first = parameters.first().map(|(name, _)| name.as_str());
    assert_eq!(
        first == Some("realm"),
        realm.is_some(),
        "realm in {challenge:?}"
    );
    let expected_realm = realm.map(|realm| replace(realm, true));
    assert_eq!(
        value("realm"),
        expected_realm.as_deref(),
        "realm in {challenge:?}"
    );

    let scope = expect.scope.text().filter(|scope| !scope.is_empty());
    let expected_scope = scope.map(|scope| replace(scope, false));
    assert_eq!(
        value("scope"),
        expected_scope.as_deref(),
        "scope in {challenge:?}"
    );

    assert_eq!(value("error"), expect.error, "error in {challenge:?}");
    let description = value("error_description");
    assert_eq!(
        description.is_some(),
        expect.error.is_some(),
        "error_description in {challenge:?}"
    );
    if let (Some(found), Some(text)) = (description, expect.description) {
        assert_eq!(
            found,
            replace(text, false),
            "error_description in {challenge:?}"
        );
    }
    assert_eq!(
        value("algs"),
        expect.algs.as_deref(),
        "algs in {challenge:?}"
    );
}

/// Replaces each character but printable ASCII by `?`, and also `"` and `\`
/// unless `keep_quotes`, for a realm whose quotes are escaped.
fn replace(text: &str, keep_quotes: bool) -> String {
    let keep = |c: char| (' '..='~').contains(&c) && (keep_quotes || (c != '"' && c != '\\'));
    text.chars()
        .map(|c| if keep(c) { c } else { '?' })
        .collect()
}

/// Splits a challenge into its parameters, unescaping the values, or returns `None`
/// when it is not `scheme` followed by `name="value"` pairs separated by `, `.
pub fn parameters(challenge: &str, scheme: &str) -> Option<Vec<(String, String)>> {
    let mut rest = challenge.strip_prefix(scheme)?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    rest = rest.strip_prefix(' ')?;

    let mut parameters = Vec::new();
    loop {
        let (name, after) = rest.split_once("=\"")?;
        if name.is_empty()
            || !name
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'_')
        {
            return None;
        }
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => value.push(chars.next()?.1),
                (at, '"') => break at,
                (_, c) => value.push(c),
            }
        };
        parameters.push((name.to_string(), value));
        rest = &after[end + 1..];
        if rest.is_empty() {
            return Some(parameters);
        }
        rest = rest.strip_prefix(", ")?;
    }
}

fn is_printable_ascii(text: &str) -> bool {
    text.bytes().all(|byte| (0x20..0x7f).contains(&byte))
}
