//! `tokenguard verify`: validates an access token as an API would.

use std::time::{SystemTime, UNIX_EPOCH};

use clap::{ArgGroup, Args};
use tokenguard::{
    Challenge, Error, Scheme, TokenBuffer, Validator, DEFAULT_MAX_TOKEN_BYTES,
    MAX_TOKEN_BYTES_LIMIT,
};

use crate::input::{TokenArgs, TokenInput};
use crate::json_out::token_json;
use crate::key_set::KeyArgs;
use crate::policy_args::PolicyArgs;
use crate::{print_line, Failure};

/// Capacity of the buffer used for tokens longer than the default limit: the
/// decoded size of the largest token any policy accepts.
const LARGE_BUFFER_BYTES: usize = MAX_TOKEN_BYTES_LIMIT / 4 * 3;

/// Validates an access token: signature, typ, issuer, audience, dates and scopes.
///
/// On success, prints the verified header and claims as JSON on standard output
/// and exits with 0. On rejection, prints the error's name, code and message and
/// the WWW-Authenticate value an API would send on standard error, and exits
/// with 1. Usage errors and keys or tokens that cannot be read exit with 2.
#[derive(Args)]
#[command(group(
    ArgGroup::new("keys")
        .required(true)
        .args(["jwks", "jwks_url", "hmac_secret_file"]),
))]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    token: TokenArgs,

    #[command(flatten)]
    keys: KeyArgs,

    #[command(flatten)]
    policy: PolicyArgs,

    /// Prints nothing, not even errors: only the exit code shows the result.
    /// Usage errors found while parsing the options are still printed.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Runs `verify`.
pub(crate) fn run(args: VerifyArgs) -> Result<(), Failure> {
    let policy = args.policy.build(args.keys.hmac_alg())?;
    let now = now_or_clock(args.policy.now)?;
    let input = args.token.read(!args.quiet)?;
    let keys = args.keys.load()?;

    let validator = Validator::new(policy, keys);
    let result = if validator.policy().max_token_bytes() <= DEFAULT_MAX_TOKEN_BYTES {
        validate(&validator, &input, now, &mut TokenBuffer::new())
    } else {
        let mut buffer = Box::new(TokenBuffer::<LARGE_BUFFER_BYTES>::with_capacity());
        validate(&validator, &input, now, &mut buffer)
    };

    match result {
        Ok(json) => {
            if args.quiet {
                return Ok(());
            }
            print_line(&json)
        }
        Err(error) => {
            if !args.quiet {
                report_rejection(&validator, &error);
            }
            Err(Failure::Rejected)
        }
    }
}

/// Formats an error as `name (code): message`.
pub(crate) fn error_line(error: &Error) -> String {
    format!("{} ({}): {error}", error.name(), error.code())
}

/// Validates the token and returns the verified header and claims as JSON text.
fn validate<const N: usize>(
    validator: &Validator,
    input: &TokenInput,
    now: i64,
    buffer: &mut TokenBuffer<N>,
) -> Result<String, Error> {
    let token = match input {
        TokenInput::Token(token) => validator.validate(token, now, buffer)?,
        TokenInput::Authorization(value) => validator.validate_authorization(value, now, buffer)?,
    };
    Ok(token_json(
        token.header().map(|header| header.as_object()),
        token.claims().as_object(),
    ))
}

/// Prints a rejection as an operator needs it: the error, the HTTP response an API
/// would send, and the keys the set skipped when the error is about key selection.
fn report_rejection(validator: &Validator, error: &Error) {
    report!("error: {}", error_line(error));

    let scopes: Vec<&str> = validator.policy().required_scopes().collect();
    let scopes = scopes.join(" ");
    let mut challenge = Challenge::for_error(Scheme::Bearer, error);
    if matches!(error, Error::InsufficientScope) && !scopes.is_empty() {
        challenge = challenge.scope(&scopes);
    }
    report!("HTTP status: {}", error.http_status());
    report!("WWW-Authenticate: {challenge}");

    let about_keys = matches!(
        error,
        Error::UnknownKid
            | Error::KidRequired
            | Error::KeyMismatch { .. }
            | Error::WeakKey { .. }
            | Error::InvalidKey { .. }
    );
    if !about_keys {
        return;
    }
    let keys = validator.keys();
    if keys.keys().is_empty() {
        report!("warning: the key set has no usable key");
    }
    for rejected in keys.rejected() {
        let kid = match rejected.kid() {
            Some(kid) => format!("the key with kid {kid:?}"),
            None => "a key without kid".to_string(),
        };
        report!(
            "warning: the key set skipped {kid}: {}",
            error_line(rejected.error())
        );
    }
}

/// Returns the system clock in Unix seconds.
fn system_time() -> Result<i64, Failure> {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Failure::error("the system clock is before 1970; pass --now"))?;
    i64::try_from(elapsed.as_secs())
        .map_err(|_| Failure::error("the system clock is out of range; pass --now"))
}

/// Returns the system clock in Unix seconds, for subcommands that show times.
pub(crate) fn now_or_clock(now: Option<i64>) -> Result<i64, Failure> {
    match now {
        Some(now) => Ok(now),
        None => system_time(),
    }
}
