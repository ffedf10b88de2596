//! Runs the project's token cases in `core/tests/cases/`, and the shared hostile
//! cases when `TOKENGUARD_SHARED` names the shared test-data folder.

use std::path::{Path, PathBuf};

fn assert_no_disagreements(path: &Path) {
    let report = tokenguard_cases::run_file(path).unwrap_or_else(|error| panic!("{error}"));
    println!("{}: {}", path.display(), report.summary());
    assert!(report.passed > 0, "{}: no cases", path.display());
    assert_eq!(
        report.failed,
        0,
        "{}\n{}",
        report.summary(),
        report.disagreements.join("\n")
    );
}

#[test]
fn project_cases() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("core/tests/cases exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", folder.display());
    for file in files {
        assert_no_disagreements(&file);
    }
}

#[test]
fn unknown_field_rejected() {
    let dir = std::env::temp_dir().join(format!("tokenguard-cases-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("unknown-field.json");
    std::fs::write(
        &file,
        r#"[{"id": "x", "expect": "valid", "colour": "blue"}]"#,
    )
    .unwrap();

    let error = tokenguard_cases::run_file(&file).unwrap_err();
    assert!(error.message.contains("colour"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Shared data is read in place and never copied here; `.ci/run` sets the variable
/// and runs this test with `--ignored`.
#[test]
#[ignore = "needs TOKENGUARD_SHARED, the folder of the shared test data"]
fn shared_hostile_cases() {
    let shared = std::env::var_os("TOKENGUARD_SHARED").expect("TOKENGUARD_SHARED is not set");
    assert_no_disagreements(&Path::new(&shared).join("cases/hostile-tokens.json"));
}
