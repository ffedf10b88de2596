//! `tokenguard check-cases`: runs token case files through the validator.

use std::path::PathBuf;

use clap::Args;

use crate::{print_line, Failure};

/// Runs token case files and reports each case that disagrees with its
/// expectation.
///
/// The files are in the format of core/tests/cases/README.md. Prints one line
/// per case whose verdict or reason disagrees (id, expected, actual), then
/// "N passed, N failed".
/// Exits with 0 when every case agrees, 1 when any disagrees, and 2 when a file
/// cannot be read or is not in the format.
#[derive(Args)]
pub(crate) struct CheckCasesArgs {
    /// The case files, each a JSON array of cases.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// Runs `check-cases`.
pub(crate) fn run(args: CheckCasesArgs) -> Result<(), Failure> {
    let (mut passed, mut failed) = (0, 0);
    for file in &args.files {
        let report = tokenguard_cases::run_file(file).map_err(|error| {
            Failure::error(format!(
                "{error}; see core/tests/cases/README.md for the format"
            ))
        })?;
        for line in &report.disagreements {
            print_line(line)?;
        }
        passed += report.passed;
        failed += report.failed;
    }

    print_line(&format!("{passed} passed, {failed} failed"))?;
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure::Rejected)
    }
}
