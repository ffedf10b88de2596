//! The verification keys of `verify`: a JWK Set from a file or URL, or an HMAC
//! secret from configuration.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tokenguard::{Algorithm, Error, Jwk, JwkSet, MAX_KEY_SET_BYTES};

use crate::input::{read_file, strip_final_newline};
use crate::{fetch, Failure};

/// How long fetching a JWK Set may take when `--timeout` is not given, in seconds.
const DEFAULT_TIMEOUT_SECONDS: u64 = 10;

/// Maximum size of an HMAC secret file in bytes. Secrets are usually 32 to 64 bytes,
/// and HMAC hashes any secret longer than the hash block.
pub(crate) const MAX_SECRET_FILE_BYTES: usize = 64 * 1024;

/// The source of the verification keys: exactly one of `--jwks`, `--jwks-url` and
/// `--hmac-secret-file`, enforced by the `keys` group of `verify`.
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// Reads the JWK Set (RFC 7517 section 5) from FILE, at most 1048576 bytes.
    #[arg(long, value_name = "FILE")]
    jwks: Option<PathBuf>,

    /// Fetches the JWK Set from URL, which must start with http:// or https://.
    /// The response must have status 200 and at most 1048576 bytes.
    #[arg(long, value_name = "URL")]
    jwks_url: Option<String>,

    /// How long fetching --jwks-url may take in total, in seconds, at most 3600.
    /// Default: 10.
    // This option, --hmac-alg and --kid are checked in `load`: clap lets `requires`
    // pass when the required argument conflicts with a present one, as --jwks-url
    // and --hmac-secret-file do with --jwks.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(0..=3600))]
    timeout: Option<u64>,

    /// Verifies HMAC tokens with the secret in FILE instead of a JWK Set. The
    /// secret is the file's bytes, less one final newline. It must be at least as
    /// long as the hash output (32, 48 or 64 bytes).
    #[arg(long, value_name = "FILE", requires = "hmac_alg")]
    hmac_secret_file: Option<PathBuf>,

    /// The one algorithm the HMAC secret verifies. Unless --alg is given, it is
    /// also the only algorithm the policy allows.
    #[arg(long, value_name = "ALG", value_parser = parse_hmac_alg)]
    hmac_alg: Option<Algorithm>,

    /// The kid of the HMAC secret. A token whose header has a kid is verified only
    /// by the key with that kid.
    #[arg(long, value_name = "KID")]
    kid: Option<String>,
}

impl KeyArgs {
    /// Returns the HMAC algorithm when the keys are an HMAC secret.
    pub(crate) fn hmac_alg(&self) -> Option<Algorithm> {
        self.hmac_alg
    }

    /// Reads, fetches or builds the key set.
    pub(crate) fn load(&self) -> Result<JwkSet, Failure> {
        if self.timeout.is_some() && self.jwks_url.is_none() {
            return Err(Failure::error(
                "--timeout applies only to --jwks-url; remove it or fetch the keys from a URL",
            ));
        }
        if self.hmac_secret_file.is_none() && (self.hmac_alg.is_some() || self.kid.is_some()) {
            return Err(Failure::error(
                "--hmac-alg and --kid apply only to --hmac-secret-file; remove them, since \
                 the keys of a JWK Set carry their own alg and kid",
            ));
        }
        if let (Some(path), Some(alg)) = (&self.hmac_secret_file, self.hmac_alg) {
            let bytes = read_file(path, MAX_SECRET_FILE_BYTES, "HMAC secret file")?;
            let secret = strip_final_newline(&bytes);
            let unusable = |error: Error| {
                Failure::error(format!(
                    "cannot use the HMAC secret in {}: {}",
                    path.display(),
                    crate::verify::error_line(&error)
                ))
            };
            let key = Jwk::hmac_secret(self.kid.as_deref(), alg, secret).map_err(unusable)?;
            return JwkSet::from_keys(vec![key]).map_err(unusable);
        }

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
        let (document, source) = match (&self.jwks, &self.jwks_url) {
            (Some(path), _) => (
                read_file(path, MAX_KEY_SET_BYTES, "JWK Set file")?,
                path.display().to_string(),
            ),
            (None, Some(url)) => (
                fetch::jwk_set(url, Duration::from_secs(timeout))?,
                url.clone(),
            ),
            // The `keys` argument group of `verify` requires one of the three sources.
            (None, None) => {
                return Err(Failure::error(
                    "no keys given: use --jwks, --jwks-url or --hmac-secret-file",
                ))
            }
        };
        JwkSet::from_json(&document).map_err(|error| {
            Failure::error(format!(
                "cannot use the JWK Set from {source}: {}",
                crate::verify::error_line(&error)
            ))
        })
    }
}

/// Parses an algorithm name for the command line, with the core's own reasons for
/// `none`, ES512 and unknown names.
pub(crate) fn parse_alg(name: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(name).map_err(|error| {
        let names: Vec<&str> = Algorithm::ALL.iter().map(|alg| alg.name()).collect();
        format!("{error}; expected one of {}", names.join(", "))
    })
}

fn parse_hmac_alg(name: &str) -> Result<Algorithm, String> {
    match Algorithm::from_name(name) {
        Ok(alg @ (Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)) => Ok(alg),
        _ => Err(format!("{name:?} is not HS256, HS384 or HS512")),
    }
}
