//! Fetches a JWK Set over HTTP or HTTPS with ureq and rustls.

use std::io;
use std::time::Duration;

use tokenguard::MAX_KEY_SET_BYTES;

use crate::Failure;

/// Fetches the JWK Set document at `url`, waiting at most `timeout` in total.
///
/// Proxies are taken from the usual environment variables (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), as ureq does by default.
///
/// # Errors
///
/// A [`Failure::Error`] for a URL that is not `http://` or `https://`, a refused
/// connection, a timeout, a status other than 200 and a body larger than
/// [`MAX_KEY_SET_BYTES`].
pub(crate) fn jwk_set(url: &str, timeout: Duration) -> Result<Vec<u8>, Failure> {
    let lower = url.to_ascii_lowercase();
    let https = lower.starts_with("https://");
    if !https && !lower.starts_with("http://") {
        return Err(Failure::error(format!(
            "--jwks-url {url:?} is not an http:// or https:// URL; \
             use --jwks for a file"
        )));
    }

    // An https URL must not be redirected to plain http, where the keys could be
    // replaced in transit.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .https_only(https)
        .max_redirects(5)
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("Accept", "application/jwk-set+json, application/json")
        .call()
        .map_err(|error| describe(url, timeout, error))?;

    let status = response.status().as_u16();
    if status != 200 {
        return Err(Failure::error(format!(
            "fetching the JWK Set from {url} failed: HTTP status {status} \
             (expected 200); check the URL"
        )));
    }

    let limit = u64::try_from(MAX_KEY_SET_BYTES).unwrap_or(u64::MAX);
    response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|error| describe(url, timeout, error))
}

/// Turns a ureq error into a message that names the URL and what to check.
fn describe(url: &str, timeout: Duration, error: ureq::Error) -> Failure {
    let reason = match error {
        ureq::Error::Timeout(_) => timed_out(timeout),
        ureq::Error::Io(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            "the connection was refused; check the host and port, and that the \
             server is running"
                .to_string()
        }
        ureq::Error::Io(e) if e.kind() == io::ErrorKind::TimedOut => timed_out(timeout),
        ureq::Error::HostNotFound => "the host name was not found (DNS lookup failed)".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::BodyExceedsLimit(limit) => {
            format!("the response body is larger than {limit} bytes, the maximum JWK Set size")
        }
        ureq::Error::RequireHttpsOnly(_) => {
            "the server redirected the https URL to plain http, which is not followed".into()
        }
        other => other.to_string(),
    };
    Failure::error(format!("fetching the JWK Set from {url} failed: {reason}"))
}

fn timed_out(timeout: Duration) -> String {
    let seconds = timeout.as_secs();
    let unit = if seconds == 1 { "second" } else { "seconds" };
    format!("timed out after {seconds} {unit}; raise --timeout or check that the server responds")
}
