//! `tokenguard inspect`: decodes a token without verifying it.

use base64ct::{Base64UrlUnpadded, Encoding};
use clap::Args;
use tokenguard::json::{self, Object, Value};
use tokenguard::{parse_authorization, Error, Fault, NumericDate, Part};

use crate::dates::{rfc3339, span};
use crate::input::{TokenArgs, TokenInput};
use crate::json_out::token_json;
use crate::verify::{error_line, now_or_clock};
use crate::{print_line, Failure};

/// Decodes a token WITHOUT verifying it, for debugging.
///
/// Prints the header and claims as JSON on standard output, in the shape verify
/// prints them. Standard error gets the label "UNVERIFIED: signature not
/// checked", the iat, nbf and exp claims as RFC 3339 UTC dates, and how long
/// until or since exp. Decoding is strict: exactly three base64url segments
/// without padding, and a header and payload that are each one JSON object
/// without duplicate members.
///
/// Exits with 0 when the token decodes, 1 when it does not (not three segments,
/// invalid base64url, not a JSON object), and 2 for usage errors and unreadable
/// files.
#[derive(Args)]
pub(crate) struct InspectArgs {
    #[command(flatten)]
    token: TokenArgs,

    /// The time that exp is compared with, in Unix seconds. Default: the system
    /// clock.
    #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
    now: Option<i64>,
}

/// Runs `inspect`.
pub(crate) fn run(args: InspectArgs) -> Result<(), Failure> {
    let now = now_or_clock(args.now)?;
    let input = args.token.read(true)?;
    let reject = |error: Error| {
        report!("error: {}", error_line(&error));
        Failure::Rejected
    };
    let decoded = decode(&input).map_err(reject)?;
    let header = json::parse_object(&decoded.header)
        .map_err(|fault| reject(malformed(Part::Header, fault)))?;
    let claims = json::parse_object(&decoded.payload)
        .map_err(|fault| reject(malformed(Part::Payload, fault)))?;

    report!("UNVERIFIED: signature not checked");
    print_line(&token_json(Some(header), claims))?;
    report!("signature: {} bytes", decoded.signature_len);
    for line in date_lines(claims, now, args.now.is_some()) {
        report!("{line}");
    }
    Ok(())
}

/// The decoded parts of a compact JWS.
struct Decoded {
    header: Vec<u8>,
    payload: Vec<u8>,
    signature_len: usize,
}

/// Splits a token and decodes its segments as strict base64url, reporting faults
/// as the core's [`Error::Malformed`].
fn decode(input: &TokenInput) -> Result<Decoded, Error> {
    let token = match input {
        TokenInput::Token(token) => token.as_slice(),
        TokenInput::Authorization(value) => {
            parse_authorization(value.as_bytes())?.token().as_bytes()
        }
    };

    let segments: Vec<&[u8]> = token.split(|byte| *byte == b'.').collect();
    let [header, payload, signature] = segments[..] else {
        return Err(malformed(Part::Token, Fault::SegmentCount));
    };
    let header = base64url(header, Part::Header)?;
    let payload = base64url(payload, Part::Payload)?;
    let signature = base64url(signature, Part::Signature)?;
    Ok(Decoded {
        header,
        payload,
        signature_len: signature.len(),
    })
}

fn base64url(segment: &[u8], part: Part) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(segment).map_err(|_| malformed(part, Fault::Base64))?;
    Base64UrlUnpadded::decode_vec(text).map_err(|_| malformed(part, Fault::Base64))
}

fn malformed(part: Part, fault: Fault) -> Error {
    Error::Malformed { part, fault }
}

/// Describes `iat`, `nbf` and `exp`, and the time they are compared with.
fn date_lines(claims: Object<'_>, now: i64, now_given: bool) -> Vec<String> {
    let clock = if now_given {
        "--now"
    } else {
        "the system clock"
    };
    let now_line = format!("now: {}, from {clock}", date_text(now, &now.to_string()));
    let mut lines = vec![now_line];

    for name in ["iat", "nbf", "exp"] {
        let line = match claims.get(name) {
            None | Some(Value::Null) if name == "exp" => {
                "exp: missing; tokenguard verify rejects a token without exp".to_string()
            }
            None | Some(Value::Null) => continue,
            Some(Value::Number(number)) => match NumericDate::from_json(number) {
                Some(date) => {
                    let text = date_text(date.seconds(), number.as_text());
                    if name == "exp" {
                        format!("exp: {text}, {}", expiry(date, now))
                    } else {
                        format!("{name}: {text}")
                    }
                }
                None => format!(
                    "{name}: {} is outside the signed 64-bit range of Unix seconds",
                    number.as_text()
                ),
            },
            Some(other) => format!(
                "{name}: not a NumericDate: a JSON {}, where a number is required",
                other.type_name()
            ),
        };
        lines.push(line);
    }
    lines
}

/// Writes a date as RFC 3339 with its number of seconds, as in
/// `2026-01-01T00:00:00Z (1767225600)`.
fn date_text(seconds: i64, number: &str) -> String {
    match rfc3339(seconds) {
        Some(date) => format!("{date} ({number})"),
        None => format!("{number} (a year outside 0000 to 9999)"),
    }
}

/// Says how long until, or since, `exp` at `now`.
fn expiry(exp: NumericDate, now: i64) -> String {
    let difference = i128::from(exp.seconds()) - i128::from(now);
    let expired = difference < 0 || (difference == 0 && !exp.has_fraction());
    let seconds = u64::try_from(difference.unsigned_abs()).unwrap_or(u64::MAX);
    if expired {
        format!("expired {} ago", span(seconds))
    } else {
        format!("expires in {}", span(seconds))
    }
}
