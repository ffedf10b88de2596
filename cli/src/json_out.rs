//! Writes JSON checked by tokenguard's strict reader, pretty or compact.
//!
//! The writer walks `tokenguard::json` views instead of re-parsing the text with
//! serde_json, so members stay in document order and numbers keep their exact
//! source text (`1e400` or a 30-digit integer are printed as they were signed).

use tokenguard::json::{Object, Value};

/// Writes `{"header": ..., "claims": ...}` with two-space indentation.
pub(crate) fn token_json(header: Option<Object<'_>>, claims: Object<'_>) -> String {
    let mut out = String::from("{\n  \"header\": ");
    write_value(&mut out, header.map_or(Value::Null, Value::Object), Some(1));
    out.push_str(",\n  \"claims\": ");
    write_value(&mut out, Value::Object(claims), Some(1));
    out.push_str("\n}");
    out
}

/// Writes an object with no whitespace, as a JWS payload is signed.
pub(crate) fn compact(object: Object<'_>) -> String {
    let mut out = String::new();
    write_value(&mut out, Value::Object(object), None);
    out
}

/// Writes `value`; `indent` is the nesting level for pretty output, `None` for
/// compact output.
fn write_value(out: &mut String, value: Value<'_>, indent: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(number.as_text()),
        Value::String(text) => write_string(out, &text.chars().collect::<String>()),
        Value::Array(array) => {
            let items = array.iter().map(|item| (None, item));
            write_container(out, ('[', ']'), items, indent);
        }
        Value::Object(object) => {
            let members = object
                .members()
                .map(|(name, value)| (Some(name.chars().collect::<String>()), value));
            write_container(out, ('{', '}'), members, indent);
        }
    }
}

/// Writes the members of an object (with names) or the elements of an array.
fn write_container<'a>(
    out: &mut String,
    (open, close): (char, char),
    entries: impl Iterator<Item = (Option<String>, Value<'a>)>,
    indent: Option<usize>,
) {
    out.push(open);
    let inner = indent.map(|level| level + 1);
    let mut empty = true;
    for (name, value) in entries {
        if !empty {
            out.push(',');
        }
        empty = false;
        new_line(out, inner);
        if let Some(name) = name {
            write_string(out, &name);
            out.push_str(if indent.is_some() { ": " } else { ":" });
        }
        write_value(out, value, inner);
    }
    if !empty {
        new_line(out, indent);
    }
    out.push(close);
}

fn new_line(out: &mut String, indent: Option<usize>) {
    if let Some(level) = indent {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    }
}

/// Writes `text` as a JSON string, escaped by serde_json.
pub(crate) fn write_string(out: &mut String, text: &str) {
    // serde_json fails only on non-string map keys and failing `Serialize` impls,
    // and a `&str` has neither.
    out.push_str(&serde_json::to_string(text).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Object<'_> {
        tokenguard::json::parse_object(text.as_bytes()).expect("valid JSON")
    }

    #[test]
    fn compact_keeps_order_and_numbers() {
        let text =
            r#"{ "z": 1e400, "a": [1, 2.50, {"b": null}], "s": "\u00e9\"", "e": {}, "f": [] }"#;
        assert_eq!(
            compact(object(text)),
            r#"{"z":1e400,"a":[1,2.50,{"b":null}],"s":"é\"","e":{},"f":[]}"#
        );
    }

    #[test]
    fn pretty_token_json() {
        let header = object(r#"{"alg":"ES256"}"#);
        let claims = object(r#"{"aud":["a","b"],"x":{}}"#);
        let expected = "{\n  \"header\": {\n    \"alg\": \"ES256\"\n  },\n  \"claims\": {\n    \
                        \"aud\": [\n      \"a\",\n      \"b\"\n    ],\n    \"x\": {}\n  }\n}";
        assert_eq!(token_json(Some(header), claims), expected);
    }

    #[test]
    fn pretty_output_is_json() {
        let header = object(r#"{"alg":"HS256","kid":"k\n1"}"#);
        let claims = object(r#"{"exp":4102444800,"nested":{"deep":[true,false]}}"#);
        let parsed: serde_json::Value =
            serde_json::from_str(&token_json(Some(header), claims)).expect("output parses");
        assert_eq!(parsed["header"]["kid"], "k\n1");
        assert_eq!(parsed["claims"]["nested"]["deep"][1], false);
    }
}
