//! The access-token policy: what a verified token's header and claims must satisfy
//! (RFC 8725 section 3, RFC 9068 section 4).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::alg::AlgSet;
use crate::claims::{Claims, ScopeTokens};
use crate::error::{Error, ExpiryRule, MAX_CLAIM_NAME_BYTES};
use crate::json::{JsonStr, Value};
use crate::jws::{Header, DEFAULT_MAX_TOKEN_BYTES};

/// Largest leeway a policy accepts, in seconds.
///
/// Leeway absorbs clock differences between issuer and API; five minutes covers any
/// synchronised clock, and more would quietly extend every token's lifetime.
pub const MAX_LEEWAY_SECONDS: u32 = 300;

/// Leeway used when the builder is given none, in seconds.
pub const DEFAULT_LEEWAY_SECONDS: u32 = 30;

/// Largest accepted `max_token_bytes`, so that a typo cannot disable the size limit.
pub const MAX_TOKEN_BYTES_LIMIT: usize = 1 << 20;

/// Maximum age of a signed introspection response used when the builder is given
/// none, in seconds: a response is an answer about now, not a credential to keep.
pub const DEFAULT_INTROSPECTION_MAX_AGE_SECONDS: u32 = 60;

/// The header `typ` a policy requires (RFC 8725 section 3.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// RFC 9068: `at+jwt` or `application/at+jwt`, ASCII case-insensitive. The default.
    AccessToken,
    /// For issuers that type access tokens as plain JWTs: `JWT`, `application/jwt`,
    /// the two RFC 9068 values, or no `typ` at all.
    Jwt,
    /// No `typ` check, for issuers whose `typ` is something else entirely.
    Any,
}

/// A preset of several policy options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// RFC 9068: `typ` `at+jwt`, and `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`
    /// and `jti` required.
    Rfc9068,
}

/// The rule for matching required scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeMatch {
    /// Every required scope must be granted. The default.
    All,
    /// At least one required scope must be granted.
    Any,
}

/// The claims scopes are read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeClaims {
    /// Only the space-delimited `scope` claim (RFC 9068 section 2.2.3). The default.
    Scope,
    /// `scope`, or when absent `scp` as a space-delimited string or an array of
    /// strings, as some issuers send.
    ScopeOrScp,
}

/// RFC 9068 section 2.2: the claims an access token must carry.
const RFC9068_CLAIMS: [&str; 7] = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];

/// The conditions a verified access token must satisfy, built with
/// [`Policy::builder`] and immutable afterwards.
///
/// `exp` is always required, `nbf` and `iat` are checked when present, and `iss`
/// and `aud` must match one of the configured values exactly.
#[derive(Clone, Debug)]
pub struct Policy {
    issuers: Box<[Box<str>]>,
    audiences: Box<[Box<str>]>,
    algorithms: AlgSet,
    leeway: u32,
    max_age: Option<u32>,
    token_type: TokenType,
    required_claims: Box<[Box<str>]>,
    required_scopes: Box<[Box<str>]>,
    scope_match: ScopeMatch,
    scope_claims: ScopeClaims,
    scope_separator: Option<char>,
    max_token_bytes: usize,
    introspection_audience: Option<Box<str>>,
    introspection_max_age: u32,
}

/// Builds a [`Policy`]; invalid values are reported by [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    policy: Policy,
    error: Option<Error>,
}

impl Policy {
    /// Starts a policy with the defaults: every asymmetric algorithm, a
    /// [`DEFAULT_LEEWAY_SECONDS`] leeway, `typ` [`TokenType::AccessToken`], tokens up
    /// to [`DEFAULT_MAX_TOKEN_BYTES`], no required scopes. At least one issuer and
    /// one audience must be added.
    pub fn builder() -> PolicyBuilder {
        let asymmetric = AlgSet::ALL
            .iter()
            .filter(|alg| alg.min_secret_len() == 0)
            .collect();
        PolicyBuilder {
            policy: Self {
                issuers: Box::new([]),
                audiences: Box::new([]),
                algorithms: asymmetric,
                leeway: DEFAULT_LEEWAY_SECONDS,
                max_age: None,
                token_type: TokenType::AccessToken,
                required_claims: Box::new([]),
                required_scopes: Box::new([]),
                scope_match: ScopeMatch::All,
                scope_claims: ScopeClaims::Scope,
                scope_separator: None,
                max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
                introspection_audience: None,
                introspection_max_age: DEFAULT_INTROSPECTION_MAX_AGE_SECONDS,
            },
            error: None,
        }
    }

    /// Returns the allowed algorithms.
    pub const fn algorithms(&self) -> AlgSet {
        self.algorithms
    }

    /// Returns the maximum token length in bytes.
    pub const fn max_token_bytes(&self) -> usize {
        self.max_token_bytes
    }

    /// Returns the leeway in seconds.
    pub const fn leeway(&self) -> u32 {
        self.leeway
    }

    /// Returns the audience a signed introspection response must name: this API's
    /// client identifier at the authorization server.
    pub fn introspection_audience(&self) -> Option<&str> {
        self.introspection_audience.as_deref()
    }

    /// Returns the maximum age of a signed introspection response in seconds.
    pub const fn introspection_max_age(&self) -> u32 {
        self.introspection_max_age
    }

    /// Returns whether `iss` is one of the configured issuers.
    pub(crate) fn accepts_issuer(&self, iss: JsonStr<'_>) -> bool {
        self.issuers.iter().any(|issuer| iss.eq_str(issuer))
    }

    /// Returns the required scopes.
    pub fn required_scopes(&self) -> impl Iterator<Item = &str> {
        self.required_scopes.iter().map(|scope| &**scope)
    }

    /// Checks the header `typ`, before the signature is verified.
    ///
    /// # Errors
    ///
    /// [`Error::WrongType`] when `typ` is not the required type.
    pub fn check_header(&self, header: &Header<'_>) -> Result<(), Error> {
        let typ = header.typ();
        let is = |names: &[&str]| {
            typ.is_some_and(|typ| names.iter().any(|n| typ.eq_ignore_ascii_case(n)))
        };
        let accepted = match self.token_type {
            TokenType::AccessToken => is(&["at+jwt", "application/at+jwt"]),
            TokenType::Jwt => {
                typ.is_none() || is(&["JWT", "application/jwt", "at+jwt", "application/at+jwt"])
            }
            TokenType::Any => true,
        };
        if !accepted {
            return Err(Error::WrongType);
        }
        Ok(())
    }

    /// Checks verified claims at `now`, in Unix seconds.
    ///
    /// The checks run in this order and the first failure is returned: `exp`, `nbf`,
    /// `iat`, maximum age, `iss`, `aud`, required claims, scopes.
    ///
    /// # Errors
    ///
    /// [`Error::MissingClaim`], [`Error::Expired`], [`Error::NotYetValid`],
    /// [`Error::IssuedInFuture`], [`Error::WrongIssuer`], [`Error::WrongAudience`] or
    /// [`Error::InsufficientScope`].
    pub fn check_claims(&self, claims: &Claims<'_>, now: i64) -> Result<(), Error> {
        self.check_times(claims, now)?;

        let iss = claims.iss.ok_or_else(|| Error::missing_claim("iss"))?;
        if !self.accepts_issuer(iss) {
            return Err(Error::WrongIssuer);
        }

        if claims.aud.is_none() {
            return Err(Error::missing_claim("aud"));
        }
        let accepted =
            |aud: JsonStr<'_>| self.audiences.iter().any(|expected| aud.eq_str(expected));
        if !claims.audiences().any(accepted) {
            return Err(Error::WrongAudience);
        }

        for name in self.required_claims.iter() {
            if !has_claim(claims, name) {
                return Err(Error::missing_claim(name));
            }
        }
        self.check_scopes(claims)
    }

    /// Checks `exp`, `nbf`, `iat` and the maximum age with saturating arithmetic in
    /// 128 bits, so no date or leeway can wrap around.
    fn check_times(&self, claims: &Claims<'_>, now: i64) -> Result<(), Error> {
        let leeway = i128::from(self.leeway);
        let earliest = i128::from(now) - leeway;
        let latest = i128::from(now) + leeway;

        let exp = claims.exp.ok_or_else(|| Error::missing_claim("exp"))?;
        if exp.cmp_seconds(earliest).is_le() {
            return Err(expired(ExpiryRule::Exp, exp.seconds(), now));
        }

        if let Some(nbf) = claims.nbf {
            if nbf.cmp_seconds(latest).is_gt() {
                return Err(Error::NotYetValid {
                    nbf: nbf.seconds(),
                    now,
                });
            }
        }

        if let Some(iat) = claims.iat {
            if iat.cmp_seconds(latest).is_gt() {
                return Err(Error::IssuedInFuture {
                    iat: iat.seconds(),
                    now,
                });
            }
        }

        if let Some(max_age) = self.max_age {
            let iat = claims.iat.ok_or_else(|| Error::missing_claim("iat"))?;
            // Like `exp`: the token is too old once `iat + max_age + leeway` has come.
            if iat.cmp_seconds(earliest - i128::from(max_age)).is_le() {
                let at = iat.seconds().saturating_add(i64::from(max_age));
                return Err(expired(ExpiryRule::MaxAge, at, now));
            }
        }
        Ok(())
    }

    fn check_scopes(&self, claims: &Claims<'_>) -> Result<(), Error> {
        if self.required_scopes.is_empty() {
            return Ok(());
        }
        let reads_scp = self.scope_claims == ScopeClaims::ScopeOrScp && claims.scope.is_none();
        if reads_scp && claims.scp.is_some_and(|scp| !is_scp(scp)) {
            return Err(Error::invalid_claim("scp"));
        }
        let granted = |required: &str| {
            Granted::new(claims, self.scope_claims)
                .any(|scope| covers(scope, required, self.scope_separator))
        };
        let satisfied = match self.scope_match {
            ScopeMatch::All => self.required_scopes.iter().all(|scope| granted(scope)),
            ScopeMatch::Any => self.required_scopes.iter().any(|scope| granted(scope)),
        };
        if !satisfied {
            return Err(Error::InsufficientScope);
        }
        Ok(())
    }
}

fn expired(rule: ExpiryRule, at: i64, now: i64) -> Error {
    Error::Expired { rule, at, now }
}

/// Returns whether a non-null claim `name` is present, using the values already
/// read for registered claims.
fn has_claim(claims: &Claims<'_>, name: &str) -> bool {
    match name {
        "iss" => claims.iss.is_some(),
        "sub" => claims.sub.is_some(),
        "aud" => claims.aud.is_some(),
        "exp" => claims.exp.is_some(),
        "nbf" => claims.nbf.is_some(),
        "iat" => claims.iat.is_some(),
        "jti" => claims.jti.is_some(),
        "client_id" => claims.client_id.is_some(),
        "scope" => claims.scope.is_some(),
        "cnf" => claims.cnf.is_some(),
        _ => claims.get(name).is_some(),
    }
}

/// Returns whether `scp` is a string or an array of strings.
fn is_scp(scp: Value<'_>) -> bool {
    match scp {
        Value::String(_) => true,
        Value::Array(items) => items.iter().all(|item| item.as_str().is_some()),
        _ => false,
    }
}

/// Returns whether `granted` covers `required`: equal, or with a separator
/// configured, a prefix of it followed by the separator (`orders` covers
/// `orders.read` when the separator is `.`).
fn covers(granted: JsonStr<'_>, required: &str, separator: Option<char>) -> bool {
    if granted.is_empty() {
        return false;
    }
    let mut rest = required.chars();
    for c in granted.chars() {
        if rest.next() != Some(c) {
            return false;
        }
    }
    match rest.next() {
        None => true,
        next => separator.is_some() && next == separator,
    }
}

/// The scope values a token grants.
enum Granted<'a> {
    Tokens(ScopeTokens<'a>),
    Array(crate::json::Elements<'a>),
}

impl<'a> Granted<'a> {
    fn new(claims: &Claims<'a>, source: ScopeClaims) -> Self {
        if claims.scope.is_some() || source == ScopeClaims::Scope {
            return Self::Tokens(claims.scopes());
        }
        match claims.scp {
            Some(Value::Array(items)) => Self::Array(items.iter()),
            Some(Value::String(scp)) => Self::Tokens(ScopeTokens::of(scp)),
            _ => Self::Tokens(claims.scopes()),
        }
    }
}

impl<'a> Iterator for Granted<'a> {
    type Item = JsonStr<'a>;

    fn next(&mut self) -> Option<JsonStr<'a>> {
        match self {
            Self::Tokens(tokens) => tokens.next(),
            Self::Array(items) => items.find_map(|item| item.as_str()),
        }
    }
}

impl PolicyBuilder {
    /// Adds an accepted issuer, compared exactly with `iss`.
    #[must_use]
    pub fn issuer(mut self, issuer: &str) -> Self {
        self.check(!issuer.is_empty(), "issuer", "must not be empty");
        self.policy.issuers = push(&self.policy.issuers, issuer);
        self
    }

    /// Adds an accepted audience; `aud` must contain one of them exactly.
    #[must_use]
    pub fn audience(mut self, audience: &str) -> Self {
        self.check(!audience.is_empty(), "audience", "must not be empty");
        self.policy.audiences = push(&self.policy.audiences, audience);
        self
    }

    /// Sets the allowed algorithms, replacing the default of every asymmetric one.
    #[must_use]
    pub fn algorithms(mut self, algorithms: AlgSet) -> Self {
        self.check(
            !algorithms.is_empty(),
            "algorithms",
            "must name at least one algorithm",
        );
        self.policy.algorithms = algorithms;
        self
    }

    /// Sets the clock leeway in seconds, at most [`MAX_LEEWAY_SECONDS`].
    #[must_use]
    pub fn leeway(mut self, seconds: u32) -> Self {
        self.check(
            seconds <= MAX_LEEWAY_SECONDS,
            "leeway",
            "must be at most 300 seconds",
        );
        self.policy.leeway = seconds;
        self
    }

    /// Rejects tokens once `seconds` plus the leeway have passed since `iat`, which it
    /// then requires.
    #[must_use]
    pub fn max_age(mut self, seconds: u32) -> Self {
        self.policy.max_age = Some(seconds);
        self
    }

    /// Sets the required header `typ`.
    #[must_use]
    pub fn token_type(mut self, token_type: TokenType) -> Self {
        self.policy.token_type = token_type;
        self
    }

    /// Applies a preset.
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        match profile {
            Profile::Rfc9068 => {
                self.policy.token_type = TokenType::AccessToken;
                for claim in RFC9068_CLAIMS {
                    self = self.require_claim(claim);
                }
            }
        }
        self
    }

    /// Requires the claim `name` to be present and not `null`.
    #[must_use]
    pub fn require_claim(mut self, name: &str) -> Self {
        let valid = !name.is_empty() && name.len() <= MAX_CLAIM_NAME_BYTES;
        self.check(valid, "required_claims", "names must be 1 to 64 bytes");
        if !self
            .policy
            .required_claims
            .iter()
            .any(|claim| &**claim == name)
        {
            self.policy.required_claims = push(&self.policy.required_claims, name);
        }
        self
    }

    /// Requires the scope `scope`.
    #[must_use]
    pub fn require_scope(mut self, scope: &str) -> Self {
        let valid = !scope.is_empty() && !scope.contains(' ');
        self.check(
            valid,
            "required_scopes",
            "scopes must be non-empty and contain no space",
        );
        self.policy.required_scopes = push(&self.policy.required_scopes, scope);
        self
    }

    /// Sets whether all required scopes or any one of them must be granted.
    #[must_use]
    pub fn scope_match(mut self, scope_match: ScopeMatch) -> Self {
        self.policy.scope_match = scope_match;
        self
    }

    /// Sets which claims grant scopes.
    #[must_use]
    pub fn scope_claims(mut self, scope_claims: ScopeClaims) -> Self {
        self.policy.scope_claims = scope_claims;
        self
    }

    /// Lets a granted scope cover the scopes below it in a hierarchy: with separator
    /// `:`, `orders` covers `orders:read`. Off unless set.
    #[must_use]
    pub fn scope_hierarchy(mut self, separator: char) -> Self {
        self.check(separator != ' ', "scope_separator", "must not be a space");
        self.policy.scope_separator = Some(separator);
        self
    }

    /// Sets the maximum token length in bytes, checked before any decoding.
    #[must_use]
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        let valid = (1..=MAX_TOKEN_BYTES_LIMIT).contains(&bytes);
        self.check(valid, "max_token_bytes", "must be between 1 and 1048576");
        self.policy.max_token_bytes = bytes;
        self
    }

    /// Sets the audience a signed introspection response (RFC 9701) must carry in
    /// `aud`: the client identifier this API uses at the authorization server.
    /// Without it, signed responses are rejected as a configuration error.
    #[must_use]
    pub fn introspection_audience(mut self, audience: &str) -> Self {
        self.check(
            !audience.is_empty(),
            "introspection_audience",
            "must not be empty",
        );
        self.policy.introspection_audience = Some(audience.into());
        self
    }

    /// Sets how old a signed introspection response may be, in seconds after its
    /// `iat` plus the leeway; the default is [`DEFAULT_INTROSPECTION_MAX_AGE_SECONDS`].
    #[must_use]
    pub fn introspection_max_age(mut self, seconds: u32) -> Self {
        self.policy.introspection_max_age = seconds;
        self
    }

    /// Finishes the policy.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the first invalid option, or `issuer` or
    /// `audience` when none was added.
    pub fn build(self) -> Result<Policy, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.policy.issuers.is_empty() {
            return Err(config("issuer", "at least one issuer is required"));
        }
        if self.policy.audiences.is_empty() {
            return Err(config("audience", "at least one audience is required"));
        }
        Ok(self.policy)
    }

    /// Records the first failed check of an option.
    fn check(&mut self, valid: bool, field: &'static str, reason: &'static str) {
        if !valid && self.error.is_none() {
            self.error = Some(config(field, reason));
        }
    }
}

fn config(field: &'static str, reason: &'static str) -> Error {
    Error::InvalidConfig { field, reason }
}

fn push(values: &[Box<str>], value: &str) -> Box<[Box<str>]> {
    let mut all: Vec<Box<str>> = values.to_vec();
    all.push(value.into());
    all.into_boxed_slice()
}
