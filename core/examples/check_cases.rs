//! Runs token case files in the project's test-data format and prints one line per
//! disagreement, then `N passed, N failed`. Exits 1 on any failure, 2 on bad usage.
//!
//! ```text
//! cargo run -p tokenguard --example check_cases -- core/tests/cases/*.json
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

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
        let report = support::run_file(Path::new(file));
        print!("{}", report.lines);
        passed += report.passed;
        failed += report.failed;
    }

    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
