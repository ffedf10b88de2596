//! `WWW-Authenticate` challenges built from hostile text: the input splits at 0xFF
//! bytes into realm, description and scope. The output must be printable ASCII, and
//! every quoted value must close exactly where the builder put it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenguard::{BearerError, Challenge, Error, Scheme};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |byte| *byte == 0xFF);
    let mut next = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (realm, description, scope) = (next(), next(), next());
    let choice = data.last().copied().unwrap_or(0);
    let error = [
        None,
        Some(BearerError::InvalidRequest),
        Some(BearerError::InvalidToken),
        Some(BearerError::InsufficientScope),
    ][usize::from(choice % 4)];

    for scheme in [Scheme::Bearer, Scheme::DPoP] {
        let mut challenge = Challenge::new(scheme)
            .realm(&realm)
            .description(&description)
            .scope(&scope);
        if let Some(error) = error {
            challenge = challenge.error(error);
        }
        let mut expected = vec![("realm", quoted_realm(&realm))];
        if let Some(error) = error {
            expected.push(("error", error.as_str().to_string()));
        }
        expected.push(("error_description", replaced(&description)));
        expected.push(("scope", replaced(&scope)));
        check(&challenge.to_string(), scheme, &expected);

        // A challenge for a rejected token carries the error's own message.
        let rejected = Error::InsufficientScope;
        let for_error = Challenge::for_error(scheme, &rejected).realm(&realm);
        let expected = [
            ("realm", quoted_realm(&realm)),
            ("error", "insufficient_scope".to_string()),
            ("error_description", rejected.to_string()),
        ];
        check(&for_error.to_string(), scheme, &expected);
    }
});

/// Returns a realm as the builder must quote it: `"` and `\` backslash-escaped,
/// other printable ASCII kept, anything else `?`.
fn quoted_realm(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// Returns a description or scope as the builder must write it: printable ASCII
/// except `"` and `\` kept, anything else `?`.
fn replaced(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '?',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

/// Parses `output` as `scheme name="value", name="value"...` and panics unless it
/// has exactly the `expected` parameters, as written in the quoted string.
fn check(output: &str, scheme: Scheme, expected: &[(&str, String)]) {
    assert!(
        output.bytes().all(|byte| (b' '..=b'~').contains(&byte)),
        "challenge has a byte outside printable ASCII: {output:?}"
    );
    let rest = output.strip_prefix(scheme.as_str()).unwrap_or_else(|| {
        panic!(
            "challenge does not start with {}: {output:?}",
            scheme.as_str()
        )
    });

    let mut rest = rest.as_bytes();
    for (index, (name, value)) in expected.iter().enumerate() {
        let separator: &[u8] = if index == 0 { b" " } else { b", " };
        let prefix = [separator, name.as_bytes(), b"=\""].concat();
        assert!(
            rest.starts_with(&prefix),
            "expected parameter {name} at {:?} in {output:?}",
            String::from_utf8_lossy(rest)
        );
        rest = &rest[prefix.len()..];

        // The quoted string ends at the first `"` not escaped by a backslash.
        let mut end = 0;
        while rest[end] != b'"' {
            end += if rest[end] == b'\\' { 2 } else { 1 };
            assert!(
                end < rest.len(),
                "unterminated value of {name} in {output:?}"
            );
        }
        assert_eq!(
            &rest[..end],
            value.as_bytes(),
            "value of {name} differs in {output:?}"
        );
        rest = &rest[end + 1..];
    }
    assert!(
        rest.is_empty(),
        "text after the last parameter in {output:?}"
    );
}
