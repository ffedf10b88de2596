//! `tokenguard check-cases`: the project's case files, a wrong expectation, and
//! files not in the format.

mod support;

use std::fs;
use std::path::PathBuf;

use predicates::str::contains;
use serde_json::Value;
use support::*;

fn project_case_files() -> Vec<PathBuf> {
    let folder = repo_root().join("core/tests/cases");
    let mut files: Vec<PathBuf> = fs::read_dir(&folder)
        .expect("core/tests/cases exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", folder.display());
    files
}

#[test]
fn project_cases_pass() {
    let output = tokenguard()
        .arg("check-cases")
        .args(project_case_files())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");

    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the summary: {stdout}");
    let passed: usize = lines[0]
        .strip_suffix(" passed, 0 failed")
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("summary line: {stdout}"));
    assert!(passed > 100, "{passed} cases");
}

#[test]
fn wrong_expectation_fails() {
    let dir = temp_dir();
    let source = repo_root().join("core/tests/cases/claims.json");
    let mut cases: Value = serde_json::from_str(&fs::read_to_string(source).unwrap()).unwrap();
    let total = cases.as_array().unwrap().len();

    // The first case is valid; claim it expires.
    let first = &mut cases[0];
    let id = first["id"].as_str().unwrap().to_string();
    assert_eq!(first["expect"], "valid");
    first["expect"] = "invalid".into();
    first["expect_reason"] = "expired".into();
    let file = dir.path().join("wrong.json");
    fs::write(&file, cases.to_string()).unwrap();

    tokenguard()
        .arg("check-cases")
        .arg(&file)
        .assert()
        .code(1)
        .stdout(format!(
            "{id}: expected invalid (expired), got valid\n{} passed, 1 failed\n",
            total - 1
        ));
}

#[test]
fn file_not_in_format() {
    let dir = temp_dir();
    let file = dir.path().join("object.json");
    fs::write(&file, r#"{"cases": []}"#).unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&file)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {}: expected a JSON array of cases; see core/tests/cases/README.md \
             for the format\n",
            file.display()
        ));

    let unknown = dir.path().join("unknown.json");
    fs::write(
        &unknown,
        r#"[{"id": "x", "expect": "valid", "colour": "blue"}]"#,
    )
    .unwrap();
    tokenguard()
        .arg("check-cases")
        .arg(&unknown)
        .assert()
        .code(2)
        .stderr(contains("case 1 (x): unknown field \"colour\""));
}

#[test]
fn missing_file_and_no_files() {
    tokenguard()
        .args(["check-cases", "/nonexistent/cases.json"])
        .assert()
        .code(2)
        .stderr(contains("error: /nonexistent/cases.json: cannot read:"));
    tokenguard()
        .arg("check-cases")
        .assert()
        .code(2)
        .stderr(contains("<FILE>..."));
}
