//! A strict, allocation-free JSON reader for token headers, claims and key sets.
//!
//! [`parse_object`] checks a whole text once against RFC 8259 and the stricter rules a
//! token validator needs (no byte order mark, no duplicate member names at any depth,
//! bounded nesting, no unpaired surrogates); the views it returns then walk the checked
//! text without copying it. Strings stay escaped in the text: [`JsonStr`] compares and
//! iterates them unescaped on the fly, so escapes never force an allocation.

use alloc::borrow::Cow;
use core::convert::Infallible;
use core::fmt;

use crate::error::Fault;
use crate::scan;

/// Maximum nesting depth of arrays and objects.
///
/// Token headers, claims and JWK Sets nest four or five levels deep; 32 leaves room
/// for nested claims such as `act` chains while bounding the recursion.
pub const MAX_DEPTH: usize = 32;

/// Maximum number of member names open at once, summed over the objects that enclose
/// the current position.
///
/// Each object's names are kept until it closes, to find duplicates, so this bounds
/// the stack used for them. Access tokens carry tens of claims.
pub const MAX_OPEN_MEMBERS: usize = 256;

/// Checks that `bytes` is one strict JSON object and returns a view of it.
///
/// # Errors
///
/// The [`Fault`] found first: [`Fault::ByteOrderMark`], [`Fault::Utf8`],
/// [`Fault::NotAnObject`], [`Fault::JsonSyntax`] (which includes trailing data),
/// [`Fault::LoneSurrogate`], [`Fault::DuplicateMember`], [`Fault::TooDeep`] or
/// [`Fault::TooManyMembers`].
pub fn parse_object(bytes: &[u8]) -> Result<Object<'_>, Fault> {
    match parse_object_with(bytes, |_, _| Ok::<(), Infallible>(()))? {
        Ok(object) => Ok(object),
        Err(never) => match never {},
    }
}

/// Checks `bytes` as [`parse_object`] does and hands each top-level member to
/// `visit` while checking, which saves the caller a second walk over the members.
///
/// `visit` sees members before the whole text is checked, so it must not act on
/// them beyond recording them. After its first error it is not called again.
///
/// # Errors
///
/// The outer error is the [`Fault`] of a text that is not strict JSON, which takes
/// precedence; the inner one is the first error `visit` returned.
pub(crate) fn parse_object_with<'a, E>(
    bytes: &'a [u8],
    mut visit: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), E>,
) -> Result<Result<Object<'a>, E>, Fault> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(Fault::ByteOrderMark);
    }
    let text = core::str::from_utf8(bytes).map_err(|_| Fault::Utf8)?;

    let mut checker = Checker {
        text,
        bytes,
        pos: 0,
        names: heapless::Vec::new(),
    };
    checker.skip_whitespace();
    if checker.peek() != Some(b'{') {
        return Err(Fault::NotAnObject);
    }

    let mut visited = Ok(());
    let object = checker.object(1, &mut |name, value| {
        if visited.is_ok() {
            visited = visit(name, value);
        }
    })?;
    checker.skip_whitespace();
    if checker.pos != bytes.len() {
        return Err(Fault::JsonSyntax);
    }
    Ok(visited.map(|()| object))
}

/// A checked JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Object<'a> {
    text: &'a str,
}

/// A checked JSON array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Array<'a> {
    text: &'a str,
}

/// A checked JSON number, kept as its source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number<'a> {
    text: &'a str,
}

/// A checked JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number<'a>),
    /// A string.
    String(JsonStr<'a>),
    /// An array.
    Array(Array<'a>),
    /// An object.
    Object(Object<'a>),
}

/// A JSON string, kept as its escaped source text and unescaped on demand.
///
/// Compare it with `==` against a `&str`, borrow it with [`as_plain`](Self::as_plain)
/// or [`unescaped`](Self::unescaped), or format it: `Display` writes the unescaped
/// text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> Object<'a> {
    /// The empty object `{}`.
    pub(crate) const EMPTY: Object<'static> = Object { text: "{}" };

    /// Iterates over the members in document order.
    pub fn members(&self) -> Members<'a> {
        Members {
            cursor: Cursor::inside(self.text),
        }
    }

    /// Returns the value of the member named `name`, compared after unescaping.
    ///
    /// Member names are unique in a checked object, so there is at most one match.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.members()
            .find(|(member, _)| member.eq_str(name))
            .map(|(_, value)| value)
    }

    /// Returns the object's JSON text.
    pub const fn as_text(&self) -> &'a str {
        self.text
    }
}

impl<'a> Array<'a> {
    /// Iterates over the elements in document order.
    pub fn iter(&self) -> Elements<'a> {
        Elements {
            cursor: Cursor::inside(self.text),
        }
    }

    /// Returns the array's JSON text.
    pub const fn as_text(&self) -> &'a str {
        self.text
    }
}

impl<'a> Number<'a> {
    /// Returns the number's source text, such as `1.8e9`.
    pub const fn as_text(&self) -> &'a str {
        self.text
    }

    /// Returns the number as an `i64` when it is written as a plain integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.text.parse().ok()
    }

    /// Returns the nearest `f64`, which may be infinite for a number like `1e400`.
    pub fn as_f64(&self) -> f64 {
        self.text.parse().unwrap_or(f64::NAN)
    }
}

impl<'a> Value<'a> {
    /// Returns the string, if this is a string.
    pub const fn as_str(&self) -> Option<JsonStr<'a>> {
        match self {
            Self::String(s) => Some(*s),
            _ => None,
        }
    }

    /// Returns the name of the value's JSON type, for messages.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }
}

impl<'a> JsonStr<'a> {
    /// Wraps text that is not JSON-escaped, such as a configured name.
    pub const fn from_plain(text: &'a str) -> Self {
        Self {
            raw: text,
            escaped: false,
        }
    }

    /// Wraps the source text between the quotes of a checked JSON string.
    fn from_source(raw: &'a str) -> Self {
        Self {
            raw,
            escaped: raw.as_bytes().contains(&b'\\'),
        }
    }

    /// Wraps a piece of a string's source text, escaped or plain as the whole was.
    pub(crate) fn from_source_part(raw: &'a str, escaped: bool) -> Self {
        if escaped {
            Self::from_source(raw)
        } else {
            Self::from_plain(raw)
        }
    }

    /// Returns the source text, still escaped when [`as_plain`](Self::as_plain) is
    /// `None`.
    pub(crate) const fn raw(&self) -> &'a str {
        self.raw
    }

    /// Returns the string without copying when it contains no escapes.
    pub const fn as_plain(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            Some(self.raw)
        }
    }

    /// Returns the unescaped string, borrowed when it has no escapes.
    pub fn unescaped(&self) -> Cow<'a, str> {
        match self.as_plain() {
            Some(plain) => Cow::Borrowed(plain),
            None => Cow::Owned(self.chars().collect()),
        }
    }

    /// Iterates over the unescaped characters.
    pub fn chars(&self) -> Chars<'a> {
        Chars {
            rest: self.raw,
            escaped: self.escaped,
        }
    }

    /// Returns whether the unescaped string equals `other`.
    pub fn eq_str(&self, other: &str) -> bool {
        match self.as_plain() {
            Some(plain) => plain == other,
            None => self.chars().eq(other.chars()),
        }
    }

    /// Returns whether the unescaped string equals `other`, ignoring ASCII letter case.
    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        if let Some(plain) = self.as_plain() {
            return plain.eq_ignore_ascii_case(other);
        }
        let mut theirs = other.chars();
        let mut ours = self.chars();
        loop {
            match (ours.next(), theirs.next()) {
                (None, None) => return true,
                (Some(a), Some(b)) if a.eq_ignore_ascii_case(&b) => {}
                _ => return false,
            }
        }
    }

    /// Returns whether the unescaped string is empty.
    pub const fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Returns whether both strings are equal after unescaping.
    pub fn eq_json(&self, other: &JsonStr<'_>) -> bool {
        match (self.as_plain(), other.as_plain()) {
            (Some(a), Some(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        self.eq_str(other)
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.eq_str(other)
    }
}

/// Writes the unescaped string.
impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_plain() {
            Some(plain) => f.write_str(plain),
            None => self.chars().try_for_each(|c| fmt::Write::write_char(f, c)),
        }
    }
}

/// The unescaped characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: &'a str,
    escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let mut chars = self.rest.chars();
        let c = chars.next()?;
        if c != '\\' || !self.escaped {
            self.rest = chars.as_str();
            return Some(c);
        }

        // The text was checked, so every escape is complete; a broken one would end the
        // iteration rather than panic.
        let code = chars.next()?;
        let decoded = match code {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let (unit, rest) = hex4(chars.as_str())?;
                chars = rest.chars();
                if (0xD800..0xDC00).contains(&unit) {
                    let (low, rest) = hex4(rest.strip_prefix("\\u")?)?;
                    chars = rest.chars();
                    let scalar = 0x10000 + ((unit - 0xD800) << 10) + (low.checked_sub(0xDC00)?);
                    char::from_u32(scalar)?
                } else {
                    char::from_u32(unit)?
                }
            }
            other => other,
        };
        self.rest = chars.as_str();
        Some(decoded)
    }
}

/// Reads four hex digits at the start of `text`.
fn hex4(text: &str) -> Option<(u32, &str)> {
    let digits = text.get(..4)?;
    let value = u32::from_str_radix(digits, 16).ok()?;
    // from_str_radix accepts a leading '+', which JSON does not.
    if digits.starts_with('+') {
        return None;
    }
    Some((value, text.get(4..)?))
}

/// The members of an [`Object`].
#[derive(Clone, Debug)]
pub struct Members<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let cursor = &mut self.cursor;
        cursor.skip_separators();
        let name = cursor.string()?;
        cursor.skip_separators();
        let value = cursor.value()?;
        Some((name, value))
    }
}

/// The elements of an [`Array`].
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        self.cursor.skip_separators();
        self.cursor.value()
    }
}

/// A position in checked JSON text, used by the views to walk it.
#[derive(Clone, Debug)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// Starts inside the brackets of an object or array text.
    fn inside(text: &'a str) -> Self {
        let inner = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
        Self {
            text: inner,
            pos: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips whitespace, commas and colons, which carry no information once checked.
    fn skip_separators(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b':') = self.peek() {
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Option<JsonStr<'a>> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = string_end(self.text.as_bytes(), start)?;
        self.pos = end + 1;
        Some(JsonStr::from_source(self.text.get(start..end)?))
    }

    fn value(&mut self) -> Option<Value<'a>> {
        let start = self.pos;
        let value = match self.peek()? {
            b'"' => Value::String(self.string()?),
            b'{' | b'[' => {
                let end = container_end(self.text.as_bytes(), start)?;
                self.pos = end;
                let text = self.text.get(start..end)?;
                if text.starts_with('{') {
                    Value::Object(Object { text })
                } else {
                    Value::Array(Array { text })
                }
            }
            b't' => self.literal("true", Value::Bool(true))?,
            b'f' => self.literal("false", Value::Bool(false))?,
            b'n' => self.literal("null", Value::Null)?,
            _ => {
                let len = self.text.as_bytes()[start..]
                    .iter()
                    .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .count();
                // Checked text always has a value here; stop rather than loop if not.
                if len == 0 {
                    return None;
                }
                self.pos += len;
                Value::Number(Number {
                    text: self.text.get(start..start + len)?,
                })
            }
        };
        Some(value)
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Option<Value<'a>> {
        self.pos += word.len();
        Some(value)
    }
}

/// Returns the index of the closing quote of a string whose content starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        match bytes.get(i)? {
            b'"' => return Some(i),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// Returns the index just past the bracket that closes the container opened at `start`.
fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        match bytes.get(i)? {
            b'"' => i = string_end(bytes, i + 1)?,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Maximum number of names in an object whose names are compared pairwise for
/// duplicates; larger objects sort their names instead.
///
/// Comparing each name with the others in its object costs at most 15 comparisons
/// per name, each bounded by that name's length, so the check stays linear in the
/// text. Most objects in tokens are this small, and for them the pairwise check
/// is cheaper than sorting.
const PAIRWISE_NAMES: usize = 16;

/// A member name recorded for the duplicate check: its position in the text, and a
/// key that tells most unequal plain names apart without reading them again.
#[derive(Clone, Copy)]
struct Name {
    start: u32,
    end: u32,
    /// The length and first bytes of the source text, meaningful when both names
    /// compared are plain.
    key: u64,
    escaped: bool,
}

impl Name {
    /// Records the name whose source text `raw`, of `len` bytes, starts at `start`.
    fn new(start: usize, len: usize, raw: &str, escaped: bool) -> Result<Self, Fault> {
        let to_u32 = |n: usize| u32::try_from(n).map_err(|_| Fault::TooManyMembers);

        // Only equal keys need a full comparison. A length over 16 bits saturates,
        // which keeps the key a filter: names with different keys always differ.
        let short_len = u16::try_from(len).unwrap_or(u16::MAX);
        let key = raw
            .bytes()
            .take(6)
            .fold(u64::from(short_len), |key, byte| key << 8 | u64::from(byte));
        Ok(Self {
            start: to_u32(start)?,
            end: to_u32(start + len)?,
            key,
            escaped,
        })
    }

    fn as_json_str<'a>(&self, text: &'a str) -> JsonStr<'a> {
        JsonStr {
            raw: text
                .get(self.start as usize..self.end as usize)
                .unwrap_or(""),
            escaped: self.escaped,
        }
    }
}

/// The one-pass strict checker behind [`parse_object`].
struct Checker<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// Names of the members of every open object, innermost last.
    names: heapless::Vec<Name, MAX_OPEN_MEMBERS>,
}

impl<'a> Checker<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Fault> {
        if self.peek() != Some(byte) {
            return Err(Fault::JsonSyntax);
        }
        self.pos += 1;
        Ok(())
    }

    /// Returns the checked text from `start` to the current position.
    fn text_from(&self, start: usize) -> Result<&'a str, Fault> {
        self.text.get(start..self.pos).ok_or(Fault::JsonSyntax)
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Fault> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => Ok(Value::Object(self.object(depth + 1, &mut |_, _| {})?)),
            Some(b'[') => Ok(Value::Array(self.array(depth + 1)?)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Fault::JsonSyntax),
        }
    }

    /// Checks an object at nesting level `depth` and hands each member to `visit`.
    fn object(
        &mut self,
        depth: usize,
        visit: &mut impl FnMut(JsonStr<'a>, Value<'a>),
    ) -> Result<Object<'a>, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        let start = self.pos;
        self.expect(b'{')?;
        let first_name = self.names.len();

        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Object {
                text: self.text_from(start)?,
            });
        }

        loop {
            self.skip_whitespace();
            // The name's text starts after the quote at the current position.
            let name_start = self.pos + 1;
            let name = self.string()?;
            let recorded = Name::new(name_start, name.raw.len(), name.raw, name.escaped)?;
            self.names
                .push(recorded)
                .map_err(|_| Fault::TooManyMembers)?;

            self.skip_whitespace();
            self.expect(b':')?;
            let value = self.value(depth)?;
            visit(name, value);

            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => break,
                _ => return Err(Fault::JsonSyntax),
            }
        }
        self.pos += 1;

        // The object is closed, so its names leave the stack.
        self.check_unique_names(first_name)?;
        self.names.truncate(first_name);
        Ok(Object {
            text: self.text_from(start)?,
        })
    }

    /// Rejects a closed object that has a member name twice.
    ///
    /// Up to [`PAIRWISE_NAMES`] names are compared pairwise. Larger objects sort
    /// their names by unescaped characters and compare neighbours, O(n log n)
    /// comparisons where comparing every pair would let a hostile header with a few
    /// hundred escaped names cost milliseconds.
    fn check_unique_names(&mut self, first_name: usize) -> Result<(), Fault> {
        let text = self.text;
        let names = self.names.get_mut(first_name..).unwrap_or(&mut []);
        let same = |a: &Name, b: &Name| {
            if !a.escaped && !b.escaped {
                a.key == b.key && a.as_json_str(text).raw == b.as_json_str(text).raw
            } else {
                a.as_json_str(text).eq_json(&b.as_json_str(text))
            }
        };

        let repeated = if names.len() <= PAIRWISE_NAMES {
            // Among plain names, the keys alone tell nearly every pair apart.
            let plain = names.iter().all(|name| !name.escaped);
            (1..names.len()).any(|i| {
                let name = &names[i];
                names[..i]
                    .iter()
                    .any(|other| (!plain || other.key == name.key) && same(name, other))
            })
        } else {
            names.sort_unstable_by(|a, b| {
                let (a, b) = (a.as_json_str(text), b.as_json_str(text));
                match (a.as_plain(), b.as_plain()) {
                    (Some(a), Some(b)) => a.cmp(b),
                    _ => a.chars().cmp(b.chars()),
                }
            });
            names.windows(2).any(|pair| same(&pair[0], &pair[1]))
        };
        if repeated {
            return Err(Fault::DuplicateMember);
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Array<'a>, Fault> {
        if depth > MAX_DEPTH {
            return Err(Fault::TooDeep);
        }
        let start = self.pos;
        self.expect(b'[')?;

        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Array {
                text: self.text_from(start)?,
            });
        }

        loop {
            self.value(depth)?;
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => break,
                _ => return Err(Fault::JsonSyntax),
            }
        }
        self.pos += 1;
        Ok(Array {
            text: self.text_from(start)?,
        })
    }

    fn literal(&mut self, word: &[u8], value: Value<'a>) -> Result<Value<'a>, Fault> {
        if !self.bytes[self.pos..].starts_with(word) {
            return Err(Fault::JsonSyntax);
        }
        self.pos += word.len();
        Ok(value)
    }

    fn string(&mut self) -> Result<JsonStr<'a>, Fault> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Skip to the next quote, backslash or control character.
            let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
            let run = scan::position(
                rest,
                |word| {
                    scan::equal_bytes(word, b'"')
                        | scan::equal_bytes(word, b'\\')
                        | scan::bytes_below(word, 0x20)
                },
                |byte| matches!(byte, b'"' | b'\\' | 0x00..=0x1F),
            )
            .ok_or(Fault::JsonSyntax)?;
            self.pos += run + 1;
            match rest.get(run) {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                _ => return Err(Fault::JsonSyntax),
            }
        }

        let raw = self
            .text
            .get(start..self.pos - 1)
            .ok_or(Fault::JsonSyntax)?;
        Ok(JsonStr { raw, escaped })
    }

    /// Checks the escape after a backslash, including surrogate pairing.
    fn escape(&mut self) -> Result<(), Fault> {
        let code = self.peek().ok_or(Fault::JsonSyntax)?;
        self.pos += 1;
        match code {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if !self.bytes[self.pos..].starts_with(b"\\u") {
                            return Err(Fault::LoneSurrogate);
                        }
                        self.pos += 2;
                        match self.hex4()? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => Err(Fault::LoneSurrogate),
                        }
                    }
                    0xDC00..=0xDFFF => Err(Fault::LoneSurrogate),
                    _ => Ok(()),
                }
            }
            _ => Err(Fault::JsonSyntax),
        }
    }

    fn hex4(&mut self) -> Result<u32, Fault> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(Fault::JsonSyntax)?;
        let mut value = 0;
        for digit in digits {
            let nibble = (*digit as char).to_digit(16).ok_or(Fault::JsonSyntax)?;
            value = value * 16 + nibble;
        }
        self.pos += 4;
        Ok(value)
    }

    /// Checks `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Result<Value<'a>, Fault> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Fault::JsonSyntax),
        }

        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.require_digits()?;
        }

        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.require_digits()?;
        }
        Ok(Value::Number(Number {
            text: self.text_from(start)?,
        }))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn require_digits(&mut self) -> Result<(), Fault> {
        let start = self.pos;
        self.digits();
        if self.pos == start {
            return Err(Fault::JsonSyntax);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloc::borrow::Cow;
    use alloc::format;
    use alloc::string::String;

    use super::*;

    fn fault(text: &str) -> Fault {
        parse_object(text.as_bytes()).expect_err(text)
    }

    #[test]
    fn accepts_objects_with_all_value_kinds() {
        let text = r#" {"a":1,"b":[true,false,null,-0.5e+3,"x"],"c":{"d":{}},"e":[]} "#;
        let object = parse_object(text.as_bytes()).unwrap();
        let names: String = object.members().map(|(n, _)| format!("{n}")).collect();
        assert_eq!(names, "abce");

        let b = object.get("b").unwrap();
        let Value::Array(items) = b else {
            panic!("{b:?}")
        };
        let kinds: alloc::vec::Vec<_> = items.iter().map(|v| v.type_name()).collect();
        assert_eq!(kinds, ["boolean", "boolean", "null", "number", "string"]);
    }

    #[test]
    fn rejects_syntax_errors() {
        for text in [
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{,}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":1e}",
            "{\"a\":+1}",
            "{\"a\":NaN}",
            "{\"a\":tru}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12g4\"}",
            "{a:1}",
            "{\"a\":1}/**/",
            "{\"a\":1} {}",
            "{\"a\":[1,]}",
            "{\"a\":'x'}",
        ] {
            assert_eq!(fault(text), Fault::JsonSyntax, "{text}");
        }
    }

    #[test]
    fn rejects_non_objects_and_bom() {
        assert_eq!(fault("[1]"), Fault::NotAnObject);
        assert_eq!(fault("\"{}\""), Fault::NotAnObject);
        assert_eq!(fault(""), Fault::NotAnObject);
        assert_eq!(fault("\u{feff}{}"), Fault::ByteOrderMark);
        assert_eq!(parse_object(b"{\"a\":\"\xC0\xAF\"}"), Err(Fault::Utf8));
    }

    #[test]
    fn rejects_duplicates_after_unescaping_and_nested() {
        assert_eq!(fault(r#"{"a":1,"a":2}"#), Fault::DuplicateMember);
        assert_eq!(fault(r#"{"exp":1,"\u0065xp":2}"#), Fault::DuplicateMember);
        assert_eq!(fault(r#"{"x":{"k":1,"k":1}}"#), Fault::DuplicateMember);
        assert_eq!(fault(r#"{"x":[{"k":1,"k":1}]}"#), Fault::DuplicateMember);
        // Equal names in sibling objects are not duplicates.
        assert!(parse_object(br#"{"x":{"k":1},"y":{"k":1},"k":0}"#).is_ok());
    }

    #[test]
    fn duplicates_found_in_small_and_large_objects() {
        // Objects up to 16 names compare pairwise, larger ones sort: both sizes, with
        // the repeated name first, last, plain or escaped.
        for count in [2, PAIRWISE_NAMES, PAIRWISE_NAMES + 1, 40] {
            let names: alloc::vec::Vec<String> = (0..count).map(|i| format!("name{i}")).collect();
            let object = |names: &[String]| {
                let members: alloc::vec::Vec<String> =
                    names.iter().map(|name| format!("\"{name}\":0")).collect();
                format!("{{{}}}", members.join(","))
            };
            assert!(parse_object(object(&names).as_bytes()).is_ok(), "{count}");

            let mut repeated = names.clone();
            repeated[count - 1] = names[0].clone();
            assert_eq!(fault(&object(&repeated)), Fault::DuplicateMember, "{count}");

            let mut escaped = names.clone();
            escaped[count - 1] = names[count - 2].replacen('n', "\\u006e", 1);
            assert_eq!(fault(&object(&escaped)), Fault::DuplicateMember, "{count}");

            // Same length and first six bytes, different later: not a duplicate.
            let mut similar = names.clone();
            similar[0] = String::from("name_long_a");
            similar[1] = String::from("name_long_b");
            assert!(parse_object(object(&similar).as_bytes()).is_ok(), "{count}");
        }
    }

    #[test]
    fn rejects_lone_surrogates() {
        assert_eq!(fault(r#"{"a":"\ud800"}"#), Fault::LoneSurrogate);
        assert_eq!(fault(r#"{"a":"\udc00"}"#), Fault::LoneSurrogate);
        assert_eq!(fault(r#"{"a":"\ud800\u0041"}"#), Fault::LoneSurrogate);
        let object = parse_object(br#"{"a":"\ud83d\ude00"}"#).unwrap();
        let value = object.get("a").unwrap().as_str().unwrap();
        assert!(value.eq_str("\u{1F600}"));
    }

    #[test]
    fn bounds_depth_and_members() {
        let deep_ok = format!(
            "{}{}",
            "{\"a\":".repeat(MAX_DEPTH - 1) + "1",
            "}".repeat(MAX_DEPTH - 1)
        );
        assert!(parse_object(deep_ok.as_bytes()).is_ok());
        let too_deep = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(fault(&too_deep), Fault::TooDeep);

        let members = |n: usize| {
            let body: alloc::vec::Vec<String> = (0..n).map(|i| format!("\"m{i}\":0")).collect();
            format!("{{{}}}", body.join(","))
        };
        assert!(parse_object(members(MAX_OPEN_MEMBERS).as_bytes()).is_ok());
        assert_eq!(fault(&members(MAX_OPEN_MEMBERS + 1)), Fault::TooManyMembers);
    }

    #[test]
    fn strings_unescape_on_demand() {
        let object = parse_object(br#"{"s":"a\"b\\c\/d\n\u00e9","p":"plain"}"#).unwrap();
        let s = object.get("s").unwrap().as_str().unwrap();
        assert_eq!(s.as_plain(), None);
        assert_eq!(format!("{s}"), "a\"b\\c/d\n\u{e9}");
        assert!(s.eq_str("a\"b\\c/d\n\u{e9}"));
        assert!(!s.eq_str("a\"b\\c/d\n\u{e9}x"));

        let p = object.get("p").unwrap().as_str().unwrap();
        assert_eq!(p.as_plain(), Some("plain"));
        assert!(object.get("\u{73}").is_some());
        assert!(object.get("missing").is_none());
    }

    #[test]
    fn json_str_conveniences() {
        let object = parse_object(br#"{"e":"a\u0062","p":"ab"}"#).unwrap();
        for name in ["e", "p"] {
            let value = object.get(name).unwrap().as_str().unwrap();
            assert!(value == "ab", "{name}");
            assert!(value != "abc", "{name}");
            assert_eq!(value.unescaped(), "ab", "{name}");
        }
        let plain = object.get("p").unwrap().as_str().unwrap();
        assert!(matches!(plain.unescaped(), Cow::Borrowed("ab")));
    }

    #[test]
    fn escaped_member_names_found() {
        let object = parse_object(br#"{"\u0069ss":"x"}"#).unwrap();
        assert!(object.get("iss").is_some());
    }
}
