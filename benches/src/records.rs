//! Allocation counts printed as a table and written as JSON for `report.py`.

use std::fs;
use std::path::PathBuf;

use serde::Serialize;

use crate::allocations::Allocations;

/// One row's allocation count.
#[derive(Debug, Serialize)]
pub struct AllocationRecord {
    /// The criterion group, such as `validate/HS256`.
    pub group: String,
    /// The row, such as `tokenguard` or `floor`.
    pub row: String,
    /// Allocations per call.
    pub count: f64,
    /// Bytes requested per call.
    pub bytes: f64,
}

/// The allocation counts of one bench binary.
#[derive(Debug, Default)]
pub struct AllocationTable {
    records: Vec<AllocationRecord>,
}

impl AllocationTable {
    /// Adds a row.
    pub fn push(&mut self, group: &str, row: &str, allocations: Allocations) {
        self.records.push(AllocationRecord {
            group: group.to_owned(),
            row: row.to_owned(),
            count: allocations.count,
            bytes: allocations.bytes,
        });
    }

    /// Prints the table and writes it to
    /// `target/tokenguard-benches/allocations-<binary>.json`.
    ///
    /// # Panics
    ///
    /// When the file cannot be written.
    pub fn finish(&self, binary: &str) {
        println!("\nheap allocations per call ({binary}):");
        println!(
            "{:<28} {:<28} {:>8} {:>10}",
            "group", "row", "count", "bytes"
        );
        for record in &self.records {
            println!(
                "{:<28} {:<28} {:>8.2} {:>10.0}",
                record.group, record.row, record.count, record.bytes
            );
        }
        println!();

        write_json(&format!("allocations-{binary}.json"), &self.records);
    }
}

/// Writes `value` as JSON to `target/tokenguard-benches/<name>`.
///
/// # Panics
///
/// When the file cannot be written.
pub fn write_json<T: Serialize + ?Sized>(name: &str, value: &T) {
    let directory = target_directory().join("tokenguard-benches");
    fs::create_dir_all(&directory).expect("create target/tokenguard-benches");
    let path = directory.join(name);
    let json = serde_json::to_string_pretty(value).expect("serialize records");
    fs::write(&path, json).unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
}

/// Returns cargo's target directory: the bench executable lives in
/// `<target>/<profile>/deps/`.
fn target_directory() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the bench executable");
    exe.ancestors()
        .nth(3)
        .map(PathBuf::from)
        .expect("the bench executable is in <target>/<profile>/deps")
}
