//! Writes JWKs and JWK Sets as JSON text with members in a fixed, readable order.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::json_out::write_string;

/// A JSON object of string members, written in the order they were added.
#[derive(Default)]
pub(crate) struct JsonObject {
    text: String,
}

impl JsonObject {
    /// Adds the string member `name`.
    pub(crate) fn text(mut self, name: &str, value: &str) -> Self {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        write_string(&mut self.text, name);
        self.text.push(':');
        write_string(&mut self.text, value);
        self
    }

    /// Adds the member `name` when `value` is present.
    pub(crate) fn optional(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.text(name, value),
            None => self,
        }
    }

    /// Adds the member `name` with `bytes` in base64url without padding.
    pub(crate) fn encoded(self, name: &str, bytes: &[u8]) -> Self {
        self.text(name, &Base64UrlUnpadded::encode_string(bytes))
    }

    /// Returns the object's JSON text on one line.
    pub(crate) fn finish(mut self) -> String {
        if self.text.is_empty() {
            self.text.push('{');
        }
        self.text.push('}');
        self.text
    }
}

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
    fn members_in_order() {
        let jwk = JsonObject::default()
            .text("kty", "OKP")
            .optional("kid", None)
            .optional("use", Some("sig"))
            .encoded("x", &[0xfb, 0xff])
            .finish();
        assert_eq!(jwk, r#"{"kty":"OKP","use":"sig","x":"-_8"}"#);
    }

    #[test]
    fn key_set_parses() {
        let set = key_set(&[r#"{"kty":"a"}"#.into(), r#"{"kty":"b"}"#.into()]);
        let parsed: serde_json::Value = serde_json::from_str(&set).expect("valid JSON");
        assert_eq!(parsed["keys"][1]["kty"], "b");
    }
}
