//! Runs the project's token cases in `tests/cases/`, and the shared hostile cases
//! when `TOKENGUARD_SHARED` names the shared test-data folder.

mod support;

use std::path::{Path, PathBuf};

fn assert_no_disagreements(path: &Path) {
    let report = support::run_file(path);
    println!("{}: {}", path.display(), report.summary());
    assert!(report.passed > 0, "{}: no cases", path.display());
    assert_eq!(report.failed, 0, "{}\n{}", report.summary(), report.lines);
}

#[test]
fn project_cases() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("tests/cases exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", folder.display());
    for file in files {
        assert_no_disagreements(&file);
    }
}

/// Shared data is read in place and never copied here; `.ci/run` sets the variable
/// and runs this test with `--ignored`.
#[test]
#[ignore = "needs TOKENGUARD_SHARED, the folder of the shared test data"]
fn shared_hostile_cases() {
    let shared = std::env::var_os("TOKENGUARD_SHARED").expect("TOKENGUARD_SHARED is not set");
    assert_no_disagreements(&Path::new(&shared).join("cases/hostile-tokens.json"));
}
