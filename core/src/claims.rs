//! The registered claims of a verified payload (RFC 7519 section 4.1, RFC 9068,
//! RFC 8693), read in one pass with their types checked.

use crate::error::{Error, Part};
use crate::json::{self, Array, JsonStr, Object, Value};
use crate::numeric_date::NumericDate;

/// The claims of a verified token.
///
/// Registered claims are type-checked when read; a JSON `null` counts as absent.
/// Other claims are reachable through [`get`](Claims::get).
#[derive(Clone, Copy, Debug)]
pub struct Claims<'a> {
    object: Object<'a>,
    pub(crate) iss: Option<JsonStr<'a>>,
    pub(crate) sub: Option<JsonStr<'a>>,
    pub(crate) aud: Option<Audience<'a>>,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) jti: Option<JsonStr<'a>>,
    pub(crate) client_id: Option<JsonStr<'a>>,
    pub(crate) scope: Option<JsonStr<'a>>,
    pub(crate) scp: Option<Value<'a>>,
    /// `cnf` (RFC 7800) as sent, read in the same pass so that the bearer check
    /// needs no second walk over the claims.
    pub(crate) cnf: Option<Value<'a>>,
}

/// The `aud` claim: one string or an array of strings.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Audience<'a> {
    One(JsonStr<'a>),
    Many(Array<'a>),
}

impl<'a> Claims<'a> {
    /// Reads the claims from a verified payload.
    ///
    /// # Errors
    ///
    /// [`Error::Malformed`] when the payload is not a strict JSON object, and
    /// [`Error::InvalidClaim`] when a registered claim has the wrong type or a date
    /// is out of range.
    pub fn parse(payload: &'a [u8]) -> Result<Self, Error> {
        // The claims are read while the text is checked, in one pass over it.
        let mut claims = Self::empty(Object::EMPTY);
        claims.object = json::parse_object_with(payload, |name, value| claims.read(name, value))
            .map_err(|fault| Error::malformed(Part::Payload, fault))??;
        Ok(claims)
    }

    /// Reads the claims from a checked JSON object, such as an introspection response.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidClaim`] when a registered claim has the wrong type or a date
    /// is out of range.
    pub(crate) fn from_object(object: Object<'a>) -> Result<Self, Error> {
        let mut claims = Self::empty(object);
        for (name, value) in object.members() {
            claims.read(name, value)?;
        }
        Ok(claims)
    }

    /// Returns claims with none of the registered ones read from `object` yet.
    const fn empty(object: Object<'a>) -> Self {
        Self {
            object,
            iss: None,
            sub: None,
            aud: None,
            exp: None,
            nbf: None,
            iat: None,
            jti: None,
            client_id: None,
            scope: None,
            scp: None,
            cnf: None,
        }
    }

    fn read(&mut self, name: JsonStr<'a>, value: Value<'a>) -> Result<(), Error> {
        if value == Value::Null {
            return Ok(());
        }
        // Names are matched after unescaping: `\u0065xp` is `exp`.
        let claim = match name.as_plain() {
            Some(plain) => Registered::from_name(plain),
            None => Registered::ALL
                .into_iter()
                .find(|claim| name.eq_str(claim.name())),
        };
        let Some(claim) = claim else {
            return Ok(());
        };
        let invalid = || Error::invalid_claim(claim.name());
        let string = || value.as_str().ok_or_else(invalid);
        let date = || match value {
            Value::Number(number) => NumericDate::from_json(number).ok_or_else(invalid),
            _ => Err(invalid()),
        };

        match claim {
            Registered::Iss => self.iss = Some(string()?),
            Registered::Sub => self.sub = Some(string()?),
            Registered::Jti => self.jti = Some(string()?),
            Registered::ClientId => self.client_id = Some(string()?),
            Registered::Scope => self.scope = Some(string()?),
            Registered::Exp => self.exp = Some(date()?),
            Registered::Nbf => self.nbf = Some(date()?),
            Registered::Iat => self.iat = Some(date()?),
            Registered::Aud => self.aud = Some(audience(value).ok_or_else(invalid)?),
            // `scp` is no registered claim: it is kept as sent and read only when a
            // policy opts in, where a value of another type grants no scope.
            Registered::Scp => self.scp = Some(value),
            // A `cnf` is a JSON object (RFC 7800 section 3.1), and any binds the token;
            // the proof checks read its members.
            Registered::Cnf => match value {
                Value::Object(_) => self.cnf = Some(value),
                _ => return Err(invalid()),
            },
        }
        Ok(())
    }

    /// Returns the claim named `name`, compared after unescaping, or `None` when it
    /// is absent or `null`.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.object.get(name).filter(|value| *value != Value::Null)
    }

    /// Returns the claims as a JSON object.
    pub const fn as_object(&self) -> Object<'a> {
        self.object
    }

    /// Returns `iss`.
    pub const fn issuer(&self) -> Option<JsonStr<'a>> {
        self.iss
    }

    /// Returns `sub`.
    pub const fn subject(&self) -> Option<JsonStr<'a>> {
        self.sub
    }

    /// Returns `jti`.
    pub const fn jwt_id(&self) -> Option<JsonStr<'a>> {
        self.jti
    }

    /// Returns `client_id` (RFC 9068 section 2.2).
    pub const fn client_id(&self) -> Option<JsonStr<'a>> {
        self.client_id
    }

    /// Returns `exp`.
    pub const fn expires_at(&self) -> Option<NumericDate> {
        self.exp
    }

    /// Returns `nbf`.
    pub const fn not_before(&self) -> Option<NumericDate> {
        self.nbf
    }

    /// Returns `iat`.
    pub const fn issued_at(&self) -> Option<NumericDate> {
        self.iat
    }

    /// Iterates over the audiences in `aud`, whether it is a string or an array.
    pub fn audiences(&self) -> impl Iterator<Item = JsonStr<'a>> {
        let (one, many) = match self.aud {
            Some(Audience::One(aud)) => (Some(aud), None),
            Some(Audience::Many(items)) => (None, Some(items.iter())),
            None => (None, None),
        };
        one.into_iter()
            .chain(many.into_iter().flatten().filter_map(|item| item.as_str()))
    }

    /// Iterates over the space-delimited values of the `scope` claim.
    pub fn scopes(&self) -> ScopeTokens<'a> {
        ScopeTokens::new(self.scope)
    }

    /// Returns the `scp` claim as sent, when present; its type is not checked.
    pub const fn scp(&self) -> Option<Value<'a>> {
        self.scp
    }
}

fn audience(value: Value<'_>) -> Option<Audience<'_>> {
    match value {
        Value::String(aud) => Some(Audience::One(aud)),
        Value::Array(items) if items.iter().all(|item| item.as_str().is_some()) => {
            Some(Audience::Many(items))
        }
        _ => None,
    }
}

/// The registered claims whose types are checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Registered {
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
    ClientId,
    Scope,
    Scp,
    Cnf,
}

impl Registered {
    const ALL: [Self; 11] = [
        Self::Iss,
        Self::Sub,
        Self::Aud,
        Self::Exp,
        Self::Nbf,
        Self::Iat,
        Self::Jti,
        Self::ClientId,
        Self::Scope,
        Self::Scp,
        Self::Cnf,
    ];

    /// Returns the claim named `name`, which is unescaped.
    fn from_name(name: &str) -> Option<Self> {
        let claim = match name {
            "iss" => Self::Iss,
            "sub" => Self::Sub,
            "aud" => Self::Aud,
            "exp" => Self::Exp,
            "nbf" => Self::Nbf,
            "iat" => Self::Iat,
            "jti" => Self::Jti,
            "client_id" => Self::ClientId,
            "scope" => Self::Scope,
            "scp" => Self::Scp,
            "cnf" => Self::Cnf,
            _ => return None,
        };
        Some(claim)
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Aud => "aud",
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Jti => "jti",
            Self::ClientId => "client_id",
            Self::Scope => "scope",
            Self::Scp => "scp",
            Self::Cnf => "cnf",
        }
    }
}

/// The values of a space-delimited `scope` string (RFC 6749 section 3.3).
///
/// Splits on a literal space and on its escape `\u0020`, so a value is split the
/// same way whether or not the issuer escaped it; empty values are skipped.
#[derive(Clone, Debug)]
pub struct ScopeTokens<'a> {
    rest: &'a str,
    escaped: bool,
}

impl<'a> ScopeTokens<'a> {
    /// Splits a space-delimited string claim value.
    pub(crate) fn of(value: JsonStr<'a>) -> Self {
        Self::new(Some(value))
    }

    fn new(scope: Option<JsonStr<'a>>) -> Self {
        match scope {
            None => Self {
                rest: "",
                escaped: false,
            },
            Some(scope) => Self {
                rest: scope.raw(),
                escaped: scope.as_plain().is_none(),
            },
        }
    }

    /// Returns the length of the next value and of the delimiter after it.
    fn next_split(&self) -> (usize, usize) {
        let bytes = self.rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b' ' => return (i, 1),
                b'\\' if self.escaped => {
                    let escape = bytes.get(i..i + 6).unwrap_or(&[]);
                    if escape.eq_ignore_ascii_case(b"\\u0020") {
                        return (i, 6);
                    }
                    // Skip the escaped character so that `\\u0020` stays literal.
                    i += 2;
                }
                _ => i += 1,
            }
        }
        (bytes.len(), 0)
    }
}

impl<'a> Iterator for ScopeTokens<'a> {
    type Item = JsonStr<'a>;

    fn next(&mut self) -> Option<JsonStr<'a>> {
        while !self.rest.is_empty() {
            let (len, delimiter) = self.next_split();
            let value = self.rest.get(..len)?;
            self.rest = self.rest.get(len + delimiter..).unwrap_or("");
            if !value.is_empty() {
                return Some(JsonStr::from_source_part(value, self.escaped));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_names_round_trip() {
        for claim in Registered::ALL {
            assert!(
                Registered::from_name(claim.name()) == Some(claim),
                "{}",
                claim.name()
            );
        }
        assert!(Registered::from_name("Iss").is_none());
        assert!(Registered::from_name("").is_none());
    }
}
