//! Checks `include/tokenguard.h`: it must be what cbindgen generates from this crate
//! with `ffi/cbindgen.toml`, every item in it must have a doc comment, and its
//! version macros must match the package version.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::{env, fs};

/// Set to any value to write the generated header instead of comparing it.
const REGENERATE: &str = "TOKENGUARD_REGENERATE_HEADER";

const HOW_TO_REGENERATE: &str =
    "regenerate it with: TOKENGUARD_REGENERATE_HEADER=1 cargo test -p tokenguard-ffi --test header";

#[test]
fn header_matches_generated() {
    let generated = generated();
    let path = header_path();
    if env::var_os(REGENERATE).is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, generated).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }

    let committed = fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}; {HOW_TO_REGENERATE}",
            path.display()
        )
    });
    if committed == *generated {
        return;
    }
    let (line, committed_line, generated_line) = first_difference(&committed, generated);
    panic!(
        "{} differs from the generated header at line {line}:\n  committed: {committed_line}\n  \
         generated: {generated_line}\n{HOW_TO_REGENERATE}",
        path.display()
    );
}

#[test]
fn header_items_documented() {
    let undocumented = undocumented_items(generated());
    assert!(
        undocumented.is_empty(),
        "items without a doc comment (add /// to the Rust item): {undocumented:#?}"
    );
}

#[test]
fn undocumented_item_detected() {
    let header = "/**\n * Documented.\n */\n#define TG_A 1\n\n#define TG_B 2\n\
                  typedef enum tg_e {\n  /**\n   * Documented.\n   */\n  TG_E_A = 1,\n  TG_E_B = 2,\n} tg_e;\n\
                  tg_status tg_f(void);\n";
    assert_eq!(
        undocumented_items(header),
        [
            "#define TG_B 2",
            "typedef enum tg_e {",
            "TG_E_B = 2,",
            "tg_status tg_f(void);"
        ]
    );
}

#[test]
fn version_macros_match_package() {
    let header = generated();
    let expected = [
        (
            "TOKENGUARD_VERSION_MAJOR",
            env!("CARGO_PKG_VERSION_MAJOR").to_string(),
        ),
        (
            "TOKENGUARD_VERSION_MINOR",
            env!("CARGO_PKG_VERSION_MINOR").to_string(),
        ),
        (
            "TOKENGUARD_VERSION_PATCH",
            env!("CARGO_PKG_VERSION_PATCH").to_string(),
        ),
        (
            "TOKENGUARD_VERSION",
            format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (name, value) in expected {
        let defined = define_value(header, name).unwrap_or_else(|| {
            panic!("{name} is not defined; add it to after_includes in ffi/cbindgen.toml")
        });
        assert_eq!(
            defined, value,
            "{name} must match the package version; update after_includes in ffi/cbindgen.toml"
        );
    }
}

/// Returns the header cbindgen generates, made once for all tests.
fn generated() -> &'static str {
    static HEADER: OnceLock<String> = OnceLock::new();
    HEADER.get_or_init(|| {
        let crate_dir = env!("CARGO_MANIFEST_DIR");
        let config = cbindgen::Config::from_file(Path::new(crate_dir).join("cbindgen.toml"))
            .expect("ffi/cbindgen.toml is invalid");
        let bindings = cbindgen::Builder::new()
            .with_crate(crate_dir)
            .with_config(config)
            .generate()
            .expect("cbindgen failed to generate the header");
        let mut out = Vec::new();
        bindings.write(&mut out);
        String::from_utf8(out).expect("the generated header is not UTF-8")
    })
}

fn header_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/tokenguard.h")
}

/// Returns the 1-based number and the text of the first line that differs.
fn first_difference<'a>(a: &'a str, b: &'a str) -> (usize, &'a str, &'a str) {
    let mut a_lines = a.lines();
    let mut b_lines = b.lines();
    let mut number = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (x, y) => {
                return (
                    number,
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>"),
                )
            }
        }
    }
}

/// Returns the value of `#define name value`.
fn define_value(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let rest = line.strip_prefix("#define ")?.strip_prefix(name)?;
        rest.starts_with(' ').then(|| rest.trim().to_string())
    })
}

/// Returns the first line of every declaration, macro and enum constant that does
/// not directly follow a doc comment.
fn undocumented_items(header: &str) -> Vec<String> {
    let mut undocumented = Vec::new();
    let mut previous = "";
    let mut in_comment = false;
    let mut in_declaration = false;
    for line in header.lines() {
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if in_comment || text.starts_with("/*") {
            in_comment = !text.ends_with("*/");
            previous = text;
            continue;
        }

        // Lines that continue a function's parameter list or close a block are not
        // items of their own.
        let starts_item = !in_declaration && is_item(text);
        if starts_item && !previous.ends_with("*/") {
            undocumented.push(text.to_string());
        }
        in_declaration =
            text.ends_with(',') && text.contains('(') || in_declaration && !text.ends_with(';');
        previous = text;
    }
    undocumented
}

/// Returns whether a line starts something that needs documentation.
fn is_item(text: &str) -> bool {
    let preprocessor = [
        "#include",
        "#ifndef",
        "#ifdef",
        "#endif",
        "#define TOKENGUARD_H",
    ];
    if preprocessor.iter().any(|prefix| text.starts_with(prefix)) {
        return false;
    }
    let structural = ["extern \"C\" {", "}", "} // extern \"C\""];
    if structural.contains(&text) || text.starts_with("} ") {
        return false;
    }
    text.starts_with("#define")
        || text.starts_with("typedef")
        || text.starts_with("TG_")
        || text.contains('(')
}
