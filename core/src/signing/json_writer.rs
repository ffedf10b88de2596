//! Writes the small JSON objects of signed tokens: JOSE headers, claims and JWKs.

use alloc::string::String;
use core::fmt::Write as _;

use crate::base64url;

/// A JSON object written member by member, in the order they are added.
///
/// The caller adds each name once; the names used here are fixed strings, and
/// the strict parser would reject a duplicate.
#[derive(Default)]
pub(crate) struct ObjectWriter {
    text: String,
}

impl ObjectWriter {
    /// Adds the string member `name`.
    pub(crate) fn string(&mut self, name: &str, value: &str) -> &mut Self {
        self.name(name);
        write_string(&mut self.text, value);
        self
    }

    /// Adds the member `name` when `value` is present.
    pub(crate) fn optional(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.string(name, value);
        }
        self
    }

    /// Adds the member `name` with `bytes` in base64url without padding.
    pub(crate) fn encoded(&mut self, name: &str, bytes: &[u8]) -> &mut Self {
        self.name(name);
        self.text.push('"');
        base64url::encode_to(&mut self.text, bytes);
        self.text.push('"');
        self
    }

    /// Adds the integer member `name`.
    pub(crate) fn integer(&mut self, name: &str, value: i64) -> &mut Self {
        self.name(name);
        // Writing to a String cannot fail.
        let _ = write!(self.text, "{value}");
        self
    }

    /// Adds the member `name` with `json`, which must be one complete JSON value.
    pub(crate) fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.name(name);
        self.text.push_str(json);
        self
    }

    /// Returns the object's text, on one line without whitespace.
    pub(crate) fn finish(&mut self) -> String {
        let mut text = core::mem::take(&mut self.text);
        if text.is_empty() {
            text.push('{');
        }
        text.push('}');
        text
    }

    fn name(&mut self, name: &str) {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        write_string(&mut self.text, name);
        self.text.push(':');
    }
}

/// Writes `value` as a JSON string: quotes, backslashes and control characters
/// escaped (RFC 8259 section 7), everything else as UTF-8.
pub(crate) fn write_string(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let byte = u8::try_from(u32::from(c)).unwrap_or(0);
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0xf)]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn escapes_parse_back() {
        let value = "a\"b\\c\nd\u{1}e\u{1f}f é \u{7f}";
        let text = ObjectWriter::default().string("v", value).finish();
        assert_eq!(text, "{\"v\":\"a\\\"b\\\\c\\nd\\u0001e\\u001ff é \u{7f}\"}");
        let object = json::parse_object(text.as_bytes()).expect("strict JSON");
        let parsed = object.get("v").and_then(|v| v.as_str()).expect("string");
        assert!(parsed.eq_str(value));
    }

    #[test]
    fn members_in_order() {
        let text = ObjectWriter::default()
            .string("kty", "OKP")
            .optional("kid", None)
            .encoded("x", &[0xfb, 0xff])
            .integer("iat", -5)
            .raw("jwk", "{}")
            .finish();
        assert_eq!(text, r#"{"kty":"OKP","x":"-_8","iat":-5,"jwk":{}}"#);
        assert_eq!(ObjectWriter::default().finish(), "{}");
    }
}
