//! Writes JWK Sets as JSON text, one key a line.

/// Writes a JWK Set with one key a line, so that a change of key shows as one line
/// in a diff.
pub(crate) fn key_set(keys: &[String]) -> String {
    let lines: Vec<String> = keys.iter().map(|key| format!("    {key}")).collect();
    format!("{{\n  \"keys\": [\n{}\n  ]\n}}\n", lines.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_set_parses() {
        let set = key_set(&[r#"{"kty":"a"}"#.into(), r#"{"kty":"b"}"#.into()]);
        let parsed: serde_json::Value = serde_json::from_str(&set).expect("valid JSON");
        assert_eq!(parsed["keys"][1]["kty"], "b");
    }
}
