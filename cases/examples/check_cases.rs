//! Runs token case files and prints one line per disagreement, then
//! `N passed, N failed`. Exits 1 on any disagreement, 2 on bad usage or a file not
//! in the format.
//!
//! ```text
//! cargo run -p tokenguard-cases --example check_cases -- core/tests/cases/*.json
//! ```

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: check_cases FILE...");
        return ExitCode::from(2);
    }

    let (mut passed, mut failed) = (0, 0);
    for file in &files {
        match tokenguard_cases::run_file(Path::new(file)) {
            Ok(report) => {
                for line in &report.disagreements {
                    println!("{line}");
                }
                passed += report.passed;
                failed += report.failed;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        }
    }

    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
