//! The edge of an API: `Authorization` header parsing (RFC 6750 section 2.1, RFC 9449
//! section 7.1) and the `WWW-Authenticate` challenge (RFC 6750 section 3, and RFC
//! 9449 section 7.1 for the `DPoP` scheme).

use core::fmt::{self, Write};

use crate::alg::AlgSet;
use crate::error::{BearerError, Error, Fault, Part};

/// An HTTP authentication scheme for access tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Bearer` (RFC 6750).
    Bearer,
    /// `DPoP` (RFC 9449): the token must come with a DPoP proof.
    DPoP,
}

impl Scheme {
    /// Returns the scheme's name as registered.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
        }
    }
}

/// The scheme and token of an `Authorization` header value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Credentials<'a> {
    scheme: Scheme,
    token: &'a str,
}

impl<'a> Credentials<'a> {
    /// Returns the scheme.
    pub const fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Returns the token, a `b64token`.
    pub const fn token(&self) -> &'a str {
        self.token
    }
}

/// Parses an `Authorization` header value as `scheme 1*SP b64token`.
///
/// The scheme is `Bearer` or `DPoP`, in any ASCII letter case; the separator is one
/// or more spaces (no tabs); the token is `1*( ALPHA / DIGIT / "-" / "." / "_" / "~"
/// / "+" / "/" ) *"="`; nothing may precede the scheme or follow the token.
///
/// # Errors
///
/// [`Error::Malformed`] with [`Part::AuthorizationHeader`]: [`Fault::Scheme`] for
/// another scheme, [`Fault::Credentials`] for anything else.
pub fn parse_authorization(value: &[u8]) -> Result<Credentials<'_>, Error> {
    let malformed = |fault| Error::malformed(Part::AuthorizationHeader, fault);
    let scheme_len = value.iter().take_while(|byte| is_tchar(**byte)).count();
    let (scheme_name, rest) = value.split_at(scheme_len);

    let spaces = rest.iter().take_while(|byte| **byte == b' ').count();
    let token = &rest[spaces..];
    if scheme_name.is_empty() || spaces == 0 || !is_b64token(token) {
        return Err(malformed(Fault::Credentials));
    }

    let scheme = if scheme_name.eq_ignore_ascii_case(b"Bearer") {
        Scheme::Bearer
    } else if scheme_name.eq_ignore_ascii_case(b"DPoP") {
        Scheme::DPoP
    } else {
        return Err(malformed(Fault::Scheme));
    };

    // A b64token is ASCII, so this cannot fail.
    let token = core::str::from_utf8(token).map_err(|_| malformed(Fault::Credentials))?;
    Ok(Credentials { scheme, token })
}

/// RFC 9110 `tchar`, the characters of an authentication scheme name.
fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn is_b64token(token: &[u8]) -> bool {
    let body = token.iter().take_while(|byte| **byte != b'=').count();
    let (chars, padding) = token.split_at(body);
    !chars.is_empty()
        && chars
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-._~+/".contains(byte))
        && padding.iter().all(|byte| *byte == b'=')
}

/// A `WWW-Authenticate` challenge (RFC 6750 section 3), written with [`fmt::Display`].
///
/// Every value is written as a quoted string that its content cannot end early:
/// `realm` escapes `"` and `\`, and characters that RFC 6750 does not allow in
/// `error_description` or `scope` (quotes, backslashes, control characters and
/// non-ASCII) are replaced by `?`.
#[derive(Clone, Copy)]
pub struct Challenge<'a> {
    scheme: Scheme,
    realm: Option<&'a str>,
    error: Option<BearerError>,
    description: Option<&'a dyn fmt::Display>,
    scope: Option<&'a str>,
    algs: AlgSet,
}

impl<'a> Challenge<'a> {
    /// Starts a challenge with no parameters, as sent when a request has no token.
    pub const fn new(scheme: Scheme) -> Self {
        Self {
            scheme,
            realm: None,
            error: None,
            description: None,
            scope: None,
            algs: AlgSet::EMPTY,
        }
    }

    /// Starts a challenge for a rejected token: the RFC 6750 error code of `error`
    /// and its message as `error_description`.
    ///
    /// An error without an RFC 6750 code gets a bare challenge: another
    /// authentication scheme, or a configuration error, whose message is for the
    /// server's operators and not for the client.
    pub fn for_error(scheme: Scheme, error: &'a Error) -> Self {
        match error.bearer_error() {
            None => Self::new(scheme),
            Some(code) => Self {
                error: Some(code),
                description: Some(error),
                ..Self::new(scheme)
            },
        }
    }

    /// Sets `realm`.
    #[must_use]
    pub const fn realm(self, realm: &'a str) -> Self {
        Self {
            realm: Some(realm),
            ..self
        }
    }

    /// Sets `error`.
    #[must_use]
    pub const fn error(self, error: BearerError) -> Self {
        Self {
            error: Some(error),
            ..self
        }
    }

    /// Sets `error_description`.
    #[must_use]
    pub const fn description(self, description: &'a dyn fmt::Display) -> Self {
        Self {
            description: Some(description),
            ..self
        }
    }

    /// Sets `scope`, the space-delimited scopes the resource needs.
    #[must_use]
    pub const fn scope(self, scope: &'a str) -> Self {
        Self {
            scope: Some(scope),
            ..self
        }
    }

    /// Sets `algs`, the JWS algorithms the server accepts for DPoP proofs (RFC
    /// 9449 section 7.1), written space-delimited. An empty set writes no `algs`.
    #[must_use]
    pub const fn algs(self, algs: AlgSet) -> Self {
        Self { algs, ..self }
    }
}

impl fmt::Display for Challenge<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme.as_str())?;
        let mut separator = " ";
        let mut param = |f: &mut fmt::Formatter<'_>, name: &str| {
            let result = write!(f, "{separator}{name}=\"");
            separator = ", ";
            result
        };

        if let Some(realm) = self.realm {
            param(f, "realm")?;
            QuotedText {
                out: f,
                escape: true,
            }
            .write_str(realm)?;
            f.write_char('"')?;
        }
        if let Some(error) = self.error {
            param(f, "error")?;
            write!(f, "{}\"", error.as_str())?;
        }
        if let Some(description) = self.description {
            param(f, "error_description")?;
            write!(
                QuotedText {
                    out: f,
                    escape: false
                },
                "{description}"
            )?;
            f.write_char('"')?;
        }
        if let Some(scope) = self.scope {
            param(f, "scope")?;
            QuotedText {
                out: f,
                escape: false,
            }
            .write_str(scope)?;
            f.write_char('"')?;
        }
        if !self.algs.is_empty() {
            param(f, "algs")?;
            for (index, alg) in self.algs.iter().enumerate() {
                if index > 0 {
                    f.write_char(' ')?;
                }
                f.write_str(alg.name())?;
            }
            f.write_char('"')?;
        }
        Ok(())
    }
}

/// Writes text inside a quoted string so that it cannot close the string.
struct QuotedText<'f, W: Write> {
    out: &'f mut W,
    /// Backslash-escape `"` and `\` (a `realm`) instead of replacing them.
    escape: bool,
}

impl<W: Write> Write for QuotedText<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for c in text.chars() {
            match c {
                '"' | '\\' if self.escape => {
                    self.out.write_char('\\')?;
                    self.out.write_char(c)?;
                }
                ' '..='~' if c != '"' && c != '\\' => self.out.write_char(c)?,
                _ => self.out.write_char('?')?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    fn credentials(value: &str) -> Result<(Scheme, &str), Error> {
        parse_authorization(value.as_bytes()).map(|c| (c.scheme, c.token))
    }

    #[test]
    fn parses_bearer_and_dpop() {
        assert_eq!(
            credentials("Bearer abc.def-_~+/=="),
            Ok((Scheme::Bearer, "abc.def-_~+/=="))
        );
        assert_eq!(credentials("bearer   x"), Ok((Scheme::Bearer, "x")));
        assert_eq!(credentials("BEARER x"), Ok((Scheme::Bearer, "x")));
        assert_eq!(credentials("dpop x"), Ok((Scheme::DPoP, "x")));
    }

    #[test]
    fn rejects_bad_credentials() {
        let credentials_fault = Error::malformed(Part::AuthorizationHeader, Fault::Credentials);
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer\tx",
            "Bearer:x",
            " Bearer x",
            "Bearer x ",
            "Bearer x y",
            "Bearer x,Bearer y",
            "Bearer =x",
            "Bearer x=y",
            "Bearer x\n",
            "x",
            "Bearer \u{e9}",
        ] {
            assert_eq!(
                credentials(value),
                Err(credentials_fault.clone()),
                "{value:?}"
            );
        }
        let scheme_fault = Error::malformed(Part::AuthorizationHeader, Fault::Scheme);
        assert_eq!(credentials("Basic dXNlcjpwYXNz"), Err(scheme_fault.clone()));
        assert_eq!(credentials("Bearerx y"), Err(scheme_fault));
    }

    #[test]
    fn challenge_for_error() {
        let error = Error::InsufficientScope;
        let challenge = Challenge::for_error(Scheme::Bearer, &error)
            .realm("api")
            .scope("orders:read orders:write");
        assert_eq!(
            challenge.to_string(),
            "Bearer realm=\"api\", error=\"insufficient_scope\", \
             error_description=\"token lacks a required scope\", \
             scope=\"orders:read orders:write\""
        );
        assert_eq!(Challenge::new(Scheme::Bearer).to_string(), "Bearer");
    }

    #[test]
    fn dpop_challenge_with_algs() {
        let error = Error::UseDpopNonce;
        let algs = AlgSet::of(&[crate::Algorithm::PS256, crate::Algorithm::ES256]);
        let challenge = Challenge::for_error(Scheme::DPoP, &error).algs(algs);
        assert_eq!(
            challenge.to_string(),
            "DPoP error=\"use_dpop_nonce\", \
             error_description=\"DPoP proof must carry the nonce from the DPoP-Nonce header\", \
             algs=\"PS256 ES256\""
        );
        let bare = Challenge::new(Scheme::DPoP).algs(AlgSet::EMPTY);
        assert_eq!(bare.to_string(), "DPoP");
        let one = Challenge::new(Scheme::DPoP).algs(AlgSet::of(&[crate::Algorithm::EdDSA]));
        assert_eq!(one.to_string(), "DPoP algs=\"EdDSA\"");
    }

    #[test]
    fn challenge_quoting_cannot_be_broken() {
        let hostile = "a\"b\\c\r\nSet-Cookie: x=\u{e9}";
        let challenge = Challenge::new(Scheme::DPoP)
            .realm(hostile)
            .description(&hostile)
            .scope(hostile);
        assert_eq!(
            challenge.to_string(),
            "DPoP realm=\"a\\\"b\\\\c??Set-Cookie: x=?\", \
             error_description=\"a?b?c??Set-Cookie: x=?\", scope=\"a?b?c??Set-Cookie: x=?\""
        );
    }
}
