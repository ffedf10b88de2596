//! JSON text for generated tokens: values with their decoded meaning, so the model
//! can judge the text the validator reads.

use std::fmt::Write;

use arbitrary::Arbitrary;

/// The escaping of a generated string or member name in the JSON text.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Only what JSON requires: `"`, `\` and control characters.
    Minimal,
    /// Every character but ASCII letters and digits as `\uxxxx`, lower-case hex.
    Hex,
    /// Every character as `\uXXXX`, upper-case hex.
    HexUpper,
    /// As [`Escape::Minimal`], and `/` as `\/`.
    Solidus,
}

/// Numbers in the model are exact: value times `SCALE`, which covers the 12 fraction
/// digits the generator writes at most.
pub const SCALE: i128 = 1_000_000_000_000;

/// A JSON value as the generator wrote it, with the meaning the model reads.
#[derive(Clone, Debug)]
pub enum Val {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number: its text, and its value times [`SCALE`] when that fits an `i128`.
    Number { text: String, scaled: Option<i128> },
    /// A string: the decoded text and the JSON text with quotes.
    Str { text: String, json: String },
    /// An array.
    Array(Vec<Val>),
    /// An object.
    Object(Vec<Member>),
    /// Text that is not valid JSON, such as a lone surrogate escape.
    Invalid(&'static str),
}

/// An object member: decoded name, JSON text of the name with quotes, and value.
#[derive(Clone, Debug)]
pub struct Member {
    /// The decoded name.
    pub name: String,
    /// The name as written, quotes included.
    pub name_json: String,
    /// The value.
    pub value: Val,
}

impl Member {
    /// Returns a member whose name is written with `escape`.
    pub fn new(name: &str, escape: Escape, value: Val) -> Self {
        Self {
            name: name.to_string(),
            name_json: quote(name, escape),
            value,
        }
    }
}

impl Val {
    /// Returns a string value written with `escape`.
    pub fn string(text: &str, escape: Escape) -> Self {
        Self::Str {
            text: text.to_string(),
            json: quote(text, escape),
        }
    }

    /// Returns an integer value.
    pub fn integer(value: i64) -> Self {
        Self::Number {
            text: value.to_string(),
            scaled: Some(i128::from(value) * SCALE),
        }
    }

    /// Returns the decoded string, when this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Appends the JSON text of this value to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
            Self::Number { text, .. } => out.push_str(text),
            Self::Str { json, .. } => out.push_str(json),
            Self::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Self::Object(members) => write_object(members, out),
            Self::Invalid(text) => out.push_str(text),
        }
    }

    /// Returns whether this value or one inside it is not valid JSON.
    pub fn has_invalid(&self) -> bool {
        match self {
            Self::Invalid(_) => true,
            Self::Array(items) => items.iter().any(Self::has_invalid),
            Self::Object(members) => members.iter().any(|member| member.value.has_invalid()),
            _ => false,
        }
    }

    /// Returns whether this value contains an object with a repeated member name.
    pub fn has_duplicate(&self) -> bool {
        match self {
            Self::Array(items) => items.iter().any(Self::has_duplicate),
            Self::Object(members) => has_duplicate(members),
            _ => false,
        }
    }
}

/// Appends `{members}` to `out`.
pub fn write_object(members: &[Member], out: &mut String) {
    out.push('{');
    for (index, member) in members.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&member.name_json);
        out.push(':');
        member.value.write(out);
    }
    out.push('}');
}

/// Returns whether two members share a decoded name, here or in a nested object.
pub fn has_duplicate(members: &[Member]) -> bool {
    let repeated = members
        .iter()
        .enumerate()
        .any(|(i, member)| members[..i].iter().any(|other| other.name == member.name));
    repeated || members.iter().any(|member| member.value.has_duplicate())
}

/// Returns `text` as a JSON string with quotes, escaped with `escape`.
pub fn quote(text: &str, escape: Escape) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    push_escaped(&mut out, text, escape);
    out.push('"');
    out
}

/// Appends the JSON string content for `text`, without quotes.
pub fn push_escaped(out: &mut String, text: &str, escape: Escape) {
    for c in text.chars() {
        match escape {
            Escape::Hex if !c.is_ascii_alphanumeric() => push_unicode_escape(out, c, false),
            Escape::HexUpper => push_unicode_escape(out, c, true),
            Escape::Solidus if c == '/' => out.push_str("\\/"),
            _ => push_minimal(out, c),
        }
    }
}

fn push_minimal(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if u32::from(c) < 0x20 => push_unicode_escape(out, c, false),
        c => out.push(c),
    }
}

/// Appends `\uXXXX`, or a surrogate pair for a character outside the BMP.
fn push_unicode_escape(out: &mut String, c: char, upper: bool) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        if upper {
            write!(out, "\\u{:04X}", unit).expect("write to String");
        } else {
            write!(out, "\\u{:04x}", unit).expect("write to String");
        }
    }
}
