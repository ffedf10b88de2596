//! Full walks over tokenguard's JSON views, asserting that every view of a value
//! agrees with the others and with serde_json.

use tokenguard::json::{Number, Object, Value};
use tokenguard::{JsonStr, NumericDate};

/// Walks every member of `object`, recursively, and checks each value.
pub fn object(object: Object<'_>) {
    for (name, value) in object.members() {
        let name_text = string(name);
        // Names are unique in a checked object, so looking a member up by its own
        // name finds it.
        let found = object.get(&name_text);
        assert_eq!(
            found,
            Some(value),
            "get({name_text:?}) found another member"
        );
        self::value(value);
    }
}

/// Checks a value and everything inside it.
pub fn value(value: Value<'_>) {
    match value {
        Value::Null | Value::Bool(_) => {}
        Value::Number(number) => self::number(number),
        Value::String(text) => {
            string(text);
        }
        Value::Array(items) => items.iter().for_each(self::value),
        Value::Object(inner) => object(inner),
    }
    let _ = value.type_name();
}

/// Checks that every view of a string agrees, and returns its unescaped text.
pub fn string(text: JsonStr<'_>) -> String {
    let chars: String = text.chars().collect();
    assert_eq!(text.unescaped(), chars, "unescaped() and chars() differ");
    assert_eq!(text.to_string(), chars, "Display and chars() differ");
    if let Some(plain) = text.as_plain() {
        assert_eq!(plain, chars, "as_plain() and chars() differ");
    }
    assert!(text.eq_str(&chars), "eq_str() rejects its own text");
    assert!(text == chars.as_str(), "== rejects its own text");
    assert!(
        text.eq_ignore_ascii_case(&chars.to_ascii_uppercase()),
        "eq_ignore_ascii_case() rejects its own text in upper case"
    );
    assert!(text.eq_json(&text), "eq_json() rejects itself");
    assert!(
        !text.eq_str(&format!("{chars}x")),
        "eq_str() accepts a longer text"
    );
    assert_eq!(text.is_empty(), chars.is_empty(), "is_empty() is wrong");
    chars
}

/// Checks that a number reads the same as an integer, a float and a NumericDate.
pub fn number(number: Number<'_>) {
    let float = number.as_f64();
    let date = NumericDate::from_json(number);
    if let Some(integer) = number.as_i64() {
        let date = date.unwrap_or_else(|| panic!("{}: i64 but no NumericDate", number.as_text()));
        assert_eq!(date.seconds(), integer, "{}: seconds", number.as_text());
        assert!(!date.has_fraction(), "{}: fraction", number.as_text());
    }
    match date {
        // Loose bounds: f64 rounds, while the NumericDate is exact.
        Some(date) if float.abs() < 1e15 => {
            let seconds = date.seconds() as f64;
            assert!(
                seconds <= float + 0.5 && float <= seconds + 1.5,
                "{}: NumericDate {date:?} but f64 {float}",
                number.as_text()
            );
        }
        Some(_) => {}
        // Out of range means beyond about 9.2e18 seconds; NaN is no number at all.
        None => assert!(
            float.is_nan() || float.abs() >= 9.2e18,
            "{}: no NumericDate for {float}",
            number.as_text()
        ),
    }
}

/// Checks that serde_json reads the same object: every member, element, string,
/// boolean and integer agrees.
pub fn same_as_serde(object: Object<'_>, expected: &serde_json::Value) {
    let expected = expected.as_object().expect("serde_json read an object");
    let mut count = 0;
    for (name, value) in object.members() {
        let name = name.unescaped();
        let other = expected
            .get(name.as_ref())
            .unwrap_or_else(|| panic!("serde_json has no member {name:?}"));
        same_value(value, other);
        count += 1;
    }
    assert_eq!(
        count,
        expected.len(),
        "member count differs from serde_json"
    );
}

fn same_value(value: Value<'_>, expected: &serde_json::Value) {
    use serde_json::Value as Json;
    match (value, expected) {
        (Value::Null, Json::Null) => {}
        (Value::Bool(a), Json::Bool(b)) => assert_eq!(a, *b, "boolean differs"),
        (Value::Number(number), Json::Number(other)) => {
            if let (Some(a), Some(b)) = (number.as_i64(), other.as_i64()) {
                assert_eq!(a, b, "integer differs from serde_json");
            }
        }
        (Value::String(text), Json::String(other)) => {
            assert_eq!(
                text.unescaped(),
                other.as_str(),
                "string differs from serde_json"
            );
        }
        (Value::Array(items), Json::Array(others)) => {
            let mut count = 0;
            for (item, other) in items.iter().zip(others) {
                same_value(item, other);
                count += 1;
            }
            assert_eq!(count, others.len(), "array length differs from serde_json");
            assert_eq!(items.iter().count(), others.len(), "array length differs");
        }
        (Value::Object(inner), other @ Json::Object(_)) => same_as_serde(inner, other),
        (value, other) => panic!("{} but serde_json read {other}", value.type_name()),
    }
}
