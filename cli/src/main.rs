//! The `tokenguard` command: verifies and inspects JWT access tokens with the
//! tokenguard crate, signs test tokens, makes keys and runs token case files.
//!
//! Exit codes are the same for every subcommand. 0 is success. 1 means the input
//! was examined and rejected: a token that fails validation, a case that
//! disagrees, a token that cannot be decoded. 2 is a usage error or an input that
//! could not be read.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, unused_qualifications)]

/// Writes a line to standard error, like `eprintln!`, but ignores a write error.
///
/// `eprintln!` panics when standard error is a closed pipe; a diagnostic that
/// cannot be shown must not change the documented exit code.
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cases;
mod dates;
mod fetch;
mod input;
mod inspect;
mod json_out;
mod jwk_out;
mod key_set;
mod keygen;
mod policy_args;
mod private_key;
mod public_jwk;
mod sign;
mod thumbprint;
mod verify;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Validates OAuth 2.0 / OpenID Connect JWT access tokens.
///
/// Exit codes: 0 success, 1 rejected (the token, case or key was examined and
/// failed), 2 usage error or unreadable input.
#[derive(Parser)]
#[command(name = "tokenguard", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Verify(Box<verify::VerifyArgs>),
    Inspect(inspect::InspectArgs),
    Thumbprint(thumbprint::ThumbprintArgs),
    PublicJwk(public_jwk::PublicJwkArgs),
    Keygen(keygen::KeygenArgs),
    Sign(sign::SignArgs),
    CheckCases(cases::CheckCasesArgs),
}

/// The reason a subcommand did not succeed.
pub(crate) enum Failure {
    /// The input was examined and rejected, and the subcommand has already printed
    /// why. Exit code 1.
    Rejected,
    /// The subcommand could not do its work: a usage error, a file that cannot be
    /// read, a key set that cannot be fetched. Exit code 2.
    Error(String),
}

impl Failure {
    /// Builds [`Failure::Error`] from a message.
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Self::Error(message.into())
    }
}

/// Writes `text` and a newline to standard output.
///
/// A closed pipe, as when the output goes to `head`, ends the output without an
/// error, because the reader has all it wanted.
pub(crate) fn print_line(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(Failure::error(format!(
            "cannot write to standard output: {error}"
        ))),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = matches!(&cli.command, Command::Verify(args) if args.quiet);

    let result = match cli.command {
        Command::Verify(args) => verify::run(*args),
        Command::Inspect(args) => inspect::run(args),
        Command::Thumbprint(args) => thumbprint::run(args),
        Command::PublicJwk(args) => public_jwk::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Sign(args) => sign::run(args),
        Command::CheckCases(args) => cases::run(args),
    };

    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected) => ExitCode::from(1),
        Err(Failure::Error(message)) => {
            if !quiet {
                report!("error: {message}");
            }
            ExitCode::from(2)
        }
    }
}
