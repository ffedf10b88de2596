//! The policy options of `verify`, turned into a [`Policy`].

use clap::{Args, ValueEnum};
use tokenguard::{
    AlgSet, Algorithm, Error, Policy, Profile, ScopeClaims, ScopeMatch, TokenType,
    DEFAULT_LEEWAY_SECONDS, MAX_LEEWAY_SECONDS, MAX_TOKEN_BYTES_LIMIT,
};

use crate::key_set::parse_alg;
use crate::Failure;

/// The conditions a verified token's header and claims must satisfy.
#[derive(Args)]
pub(crate) struct PolicyArgs {
    /// An accepted issuer, compared exactly with the iss claim. Repeat it to accept
    /// several.
    #[arg(long, value_name = "ISS", required = true)]
    issuer: Vec<String>,

    /// An accepted audience; the aud claim must be or contain one of them exactly.
    /// Repeat it to accept several.
    #[arg(long, value_name = "AUD", required = true)]
    audience: Vec<String>,

    /// An allowed signature algorithm; repeat it to allow several. Default: every
    /// asymmetric algorithm (RS*, PS*, ES256, ES384, EdDSA, Ed25519), or the
    /// --hmac-alg with --hmac-secret-file.
    #[arg(long = "alg", value_name = "ALG", value_parser = parse_alg)]
    algorithms: Vec<Algorithm>,

    /// A scope the token must grant, in its space-delimited scope claim. Repeat it
    /// to require several.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,

    /// Whether every --scope must be granted, or any one of them.
    #[arg(long, value_name = "RULE", value_enum, default_value_t = ScopeMatchArg::All)]
    scope_match: ScopeMatchArg,

    /// The claims that grant scopes: only scope (RFC 9068), or scope and, when it
    /// is absent, scp as a string or an array of strings.
    #[arg(long, value_name = "CLAIMS", value_enum, default_value_t = ScopeClaimsArg::Scope)]
    scope_claims: ScopeClaimsArg,

    /// Lets a granted scope cover the scopes below it: with SEP ":", a granted
    /// "orders" covers a required "orders:read". Off unless given.
    #[arg(long, value_name = "SEP")]
    scope_hierarchy: Option<char>,

    /// Clock leeway for exp, nbf and iat, in seconds (at most 300).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = DEFAULT_LEEWAY_SECONDS,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_LEEWAY_SECONDS)),
    )]
    leeway: u32,

    /// Rejects tokens issued more than SECONDS ago (plus the leeway); iat is then
    /// required.
    #[arg(long, value_name = "SECONDS")]
    max_age: Option<u32>,

    /// The validation time in Unix seconds. Default: the system clock.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    pub(crate) now: Option<i64>,

    /// Applies a preset: rfc9068 requires typ at+jwt and the claims iss, exp, aud,
    /// sub, client_id, iat and jti.
    #[arg(long, value_name = "PROFILE", value_enum, conflicts_with = "typ")]
    profile: Option<ProfileArg>,

    /// The header typ required: at+jwt (RFC 9068, the default), jwt (JWT,
    /// application/jwt, at+jwt or none at all) or any (not checked).
    #[arg(long, value_name = "TYP", value_enum)]
    typ: Option<TypArg>,

    /// A claim that must be present and not null. Repeat it to require several.
    #[arg(long, value_name = "NAME")]
    require_claim: Vec<String>,

    /// Rejects tokens longer than BYTES before decoding them (1 to 1048576).
    /// Default: 16384.
    #[arg(
        long,
        value_name = "BYTES",
        value_parser = clap::value_parser!(u64).range(1..=MAX_TOKEN_BYTES_LIMIT as u64),
    )]
    max_token_bytes: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeMatchArg {
    All,
    Any,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeClaimsArg {
    Scope,
    ScopeOrScp,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProfileArg {
    Rfc9068,
}

#[derive(Clone, Copy, ValueEnum)]
enum TypArg {
    #[value(name = "at+jwt")]
    AtJwt,
    Jwt,
    Any,
}

impl PolicyArgs {
    /// Builds the policy; `hmac_alg` is the algorithm of an HMAC secret key set,
    /// allowed by default in place of the asymmetric algorithms.
    pub(crate) fn build(&self, hmac_alg: Option<Algorithm>) -> Result<Policy, Failure> {
        let mut builder = Policy::builder()
            .leeway(self.leeway)
            .scope_match(match self.scope_match {
                ScopeMatchArg::All => ScopeMatch::All,
                ScopeMatchArg::Any => ScopeMatch::Any,
            })
            .scope_claims(match self.scope_claims {
                ScopeClaimsArg::Scope => ScopeClaims::Scope,
                ScopeClaimsArg::ScopeOrScp => ScopeClaims::ScopeOrScp,
            });
        for issuer in &self.issuer {
            builder = builder.issuer(issuer);
        }
        for audience in &self.audience {
            builder = builder.audience(audience);
        }

        if !self.algorithms.is_empty() {
            builder = builder.algorithms(self.algorithms.iter().copied().collect());
        } else if let Some(alg) = hmac_alg {
            builder = builder.algorithms(AlgSet::EMPTY.with(alg));
        }
        for scope in &self.scopes {
            builder = builder.require_scope(scope);
        }
        if let Some(separator) = self.scope_hierarchy {
            builder = builder.scope_hierarchy(separator);
        }

        if let Some(seconds) = self.max_age {
            builder = builder.max_age(seconds);
        }
        if let Some(ProfileArg::Rfc9068) = self.profile {
            builder = builder.profile(Profile::Rfc9068);
        }
        if let Some(typ) = self.typ {
            builder = builder.token_type(match typ {
                TypArg::AtJwt => TokenType::AccessToken,
                TypArg::Jwt => TokenType::Jwt,
                TypArg::Any => TokenType::Any,
            });
        }
        for claim in &self.require_claim {
            builder = builder.require_claim(claim);
        }
        if let Some(bytes) = self.max_token_bytes {
            // The value parser bounds it to MAX_TOKEN_BYTES_LIMIT, which fits a usize.
            builder = builder.max_token_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
        }

        builder.build().map_err(invalid_option)
    }
}

/// Names the command-line option behind a policy the core rejected.
fn invalid_option(error: Error) -> Failure {
    let Error::InvalidConfig { field, reason } = error else {
        return Failure::error(format!("invalid policy: {error}"));
    };
    let option = match field {
        "issuer" => "--issuer",
        "audience" => "--audience",
        "algorithms" => "--alg",
        "leeway" => "--leeway",
        "required_claims" => "--require-claim",
        "required_scopes" => "--scope",
        "scope_separator" => "--scope-hierarchy",
        "max_token_bytes" => "--max-token-bytes",
        other => other,
    };
    Failure::error(format!("invalid {option}: {reason}"))
}
