//! Compiles the README's C example against the committed header, so that the
//! example cannot drift from the API.

use std::path::Path;
use std::process::Command;

#[test]
fn readme_c_example_compiles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("```c\n").expect("the README has a C example") + 5;
    let end = start + readme[start..].find("```").expect("the C example ends");
    let example = &readme[start..end];

    // The example is the body of a request handler; its inputs become parameters.
    let program = format!(
        "#include <stdio.h>\n#include <string.h>\n#include <time.h>\n\
         #include \"tokenguard.h\"\n\
         void handle(const uint8_t *config, size_t config_len, const uint8_t *jwks,\n\
                     size_t jwks_len, const char *header);\n\
         void handle(const uint8_t *config, size_t config_len, const uint8_t *jwks,\n\
                     size_t jwks_len, const char *header) {{\n{example}}}\n"
    );
    let dir = std::env::temp_dir().join(format!("tokenguard-readme-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("readme.c");
    std::fs::write(&source, program).unwrap();

    let output = Command::new("gcc")
        .args([
            "-fsyntax-only",
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-I",
        ])
        .arg(root.join("include"))
        .arg(&source)
        .output()
        .expect("run gcc");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
