//! Reading tokens, key files and claims from arguments, files and standard input,
//! each with a size limit so that no input is read into memory unbounded.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use tokenguard::MAX_TOKEN_BYTES_LIMIT;

use crate::Failure;

/// Maximum size of a token file or of a token read from standard input, in bytes:
/// the largest `--max-token-bytes`, plus room for surrounding whitespace.
pub(crate) const MAX_TOKEN_FILE_BYTES: usize = MAX_TOKEN_BYTES_LIMIT + 4096;

/// The token sources shared by `verify` and `inspect`.
#[derive(Args)]
pub(crate) struct TokenArgs {
    /// The compact JWS (header.payload.signature). Without TOKEN, --token-file or
    /// --header, the token is read from standard input.
    #[arg(value_name = "TOKEN", conflicts_with_all = ["token_file", "header"])]
    token: Option<String>,

    /// Reads the token from FILE, or from standard input when FILE is `-`.
    /// Whitespace around the token, such as a final newline, is ignored.
    #[arg(long, value_name = "FILE", conflicts_with = "header")]
    token_file: Option<PathBuf>,

    /// Takes the token from a whole Authorization header value, such as
    /// "Bearer eyJ..." (RFC 6750 section 2.1). verify accepts only the Bearer
    /// scheme, and inspect also decodes a DPoP token.
    #[arg(long, value_name = "VALUE")]
    header: Option<String>,
}

/// A token as given on the command line.
pub(crate) enum TokenInput {
    /// A bare compact JWS.
    Token(Vec<u8>),
    /// An `Authorization` header value, validated with its scheme.
    Authorization(String),
}

impl TokenArgs {
    /// Reads the token from the source the arguments name.
    ///
    /// `show_hint` prints a line on standard error when the token is about to be read
    /// from a terminal, so that a waiting command does not look stuck.
    pub(crate) fn read(&self, show_hint: bool) -> Result<TokenInput, Failure> {
        if let Some(header) = &self.header {
            return Ok(TokenInput::Authorization(header.clone()));
        }
        let (token, source) = match (&self.token, &self.token_file) {
            (Some(token), _) => (token.as_bytes().to_vec(), "the TOKEN argument".to_string()),
            (None, Some(path)) if path.as_os_str() != "-" => {
                let bytes = read_file(path, MAX_TOKEN_FILE_BYTES, "token file")?;
                (bytes, path.display().to_string())
            }
            _ => {
                if show_hint && io::stdin().is_terminal() {
                    report!("reading the token from standard input (end it with Ctrl-D)");
                }
                let bytes = read_stdin(MAX_TOKEN_FILE_BYTES, "token")?;
                (bytes, "standard input".to_string())
            }
        };

        let token = token.trim_ascii();
        if token.is_empty() {
            return Err(Failure::error(format!(
                "the token from {source} is empty: expected a compact JWS \
                 (header.payload.signature)"
            )));
        }
        Ok(TokenInput::Token(token.to_vec()))
    }
}

/// Reads the whole file at `path`, at most `max` bytes; `what` names the file in
/// messages, such as "key set" or "claims file".
pub(crate) fn read_file(path: &Path, max: usize, what: &str) -> Result<Vec<u8>, Failure> {
    let path_text = path.display();
    let file = File::open(path)
        .map_err(|e| Failure::error(format!("cannot open {what} {path_text}: {}", describe(&e))))?;
    read_bounded(file, max).map_err(|e| match e {
        BoundedReadError::TooLarge => Failure::error(format!(
            "{what} {path_text} is larger than {max} bytes, the maximum for a {what}"
        )),
        BoundedReadError::Io(e) => {
            Failure::error(format!("cannot read {what} {path_text}: {}", describe(&e)))
        }
    })
}

/// Reads a file, or standard input when `path` is `-`.
pub(crate) fn read_file_or_stdin(path: &Path, max: usize, what: &str) -> Result<Vec<u8>, Failure> {
    if path.as_os_str() == "-" {
        read_stdin(max, what)
    } else {
        read_file(path, max, what)
    }
}

/// Reads all of standard input, at most `max` bytes.
pub(crate) fn read_stdin(max: usize, what: &str) -> Result<Vec<u8>, Failure> {
    read_bounded(io::stdin().lock(), max).map_err(|e| match e {
        BoundedReadError::TooLarge => Failure::error(format!(
            "the {what} on standard input is larger than {max} bytes, the maximum"
        )),
        BoundedReadError::Io(e) => Failure::error(format!(
            "cannot read the {what} from standard input: {}",
            describe(&e)
        )),
    })
}

/// Removes one final line ending (`\n` or `\r\n`), which editors and `echo` add.
pub(crate) fn strip_final_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

enum BoundedReadError {
    TooLarge,
    Io(io::Error),
}

fn read_bounded(reader: impl Read, max: usize) -> Result<Vec<u8>, BoundedReadError> {
    // Reading one byte past the limit separates a file of exactly `max` bytes from a
    // larger one.
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(BoundedReadError::Io)?;
    if bytes.len() > max {
        return Err(BoundedReadError::TooLarge);
    }
    Ok(bytes)
}

/// Describes an I/O error in words, without the OS error number.
pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "file not found".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory".to_string(),
        _ => error.to_string(),
    }
}
