//! The structure-aware token generator of the `signed_token` and `differential`
//! targets.
//!
//! A [`TokenSpec`] describes a header and claims member by member. Each registered
//! member may be right, absent, `null` or any other value. Names and strings come
//! with several escapings, and dates as integers, fractions, exponents and
//! out-of-range numbers. Extra members may repeat a name. [`TokenSpec::build`]
//! writes the JSON, signs it with a fixed key and keeps the members for the model.
//! Input bytes that run out select the first variant and zero, so the empty input
//! builds a token that every access-token validator accepts.

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};

use crate::json_text::{self, Escape, Member, Val, SCALE};
use crate::keys::{encode, keys, SigningKey};
use crate::{AUDIENCE, ISSUER, LEEWAYS, NOW, REQUIRED_SCOPE};

/// Maximum number of extra header members written, beyond `alg`, `typ` and `kid`.
const MAX_EXTRA_HEADER_MEMBERS: usize = 12;

/// Maximum number of extra claims written, beyond the nine registered ones.
const MAX_EXTRA_CLAIMS: usize = 24;

/// Maximum number of items in a generated array or nested object.
const MAX_ITEMS: usize = 8;

/// Maximum number of characters kept from a fuzzed string.
const MAX_STRING_CHARS: usize = 48;

/// Seconds from the time base to the default `exp`.
const EXP_AFTER_BASE: i64 = 600;

/// Seconds from the default `nbf` and `iat` to the time base.
const ISSUED_BEFORE_BASE: i64 = 60;

/// A token to generate, sign and validate.
#[derive(Arbitrary, Clone, Debug)]
pub struct TokenSpec {
    /// The key and algorithm that sign the token.
    pub signer: Signer,
    /// The JOSE header.
    pub header: HeaderSpec,
    /// The claims.
    pub claims: ClaimsSpec,
    /// A change to the token text after signing.
    pub corruption: Corruption,
    /// Index into [`LEEWAYS`], modulo its length.
    pub leeway: u8,
    /// Seconds added to [`NOW`] to give the validation time.
    pub now_shift: i16,
}

/// The signing key, and the `alg` the header names when it is right.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signer {
    /// P-256, `ES256`.
    Es256,
    /// The HMAC secret, `HS256`.
    Hs256,
    /// Ed25519, named `EdDSA`.
    EdDsa,
    /// Ed25519, named `Ed25519` (RFC 9864).
    Ed25519,
    /// P-384, `ES384`.
    Es384,
    /// RSA `RS256`: one token signed once, because RSA signing is slow.
    Rs256,
    /// RSA `PS256`: one token signed once.
    Ps256,
}

impl Signer {
    /// Returns the key that signs.
    pub const fn key(self) -> SigningKey {
        match self {
            Self::Es256 => SigningKey::Es256,
            Self::Hs256 => SigningKey::Hs256,
            Self::EdDsa | Self::Ed25519 => SigningKey::Ed25519,
            Self::Es384 => SigningKey::Es384,
            Self::Rs256 => SigningKey::Rs256,
            Self::Ps256 => SigningKey::Ps256,
        }
    }

    /// Returns the `alg` a right header carries.
    pub const fn alg(self) -> &'static str {
        match self {
            Self::Ed25519 => "Ed25519",
            other => other.key().alg_names()[0],
        }
    }

    /// Returns whether this signer's token is signed once and reused.
    pub const fn is_fixed(self) -> bool {
        matches!(self, Self::Rs256 | Self::Ps256)
    }
}

/// A registered member: its value, and how its name is escaped.
#[derive(Arbitrary, Clone, Debug)]
pub struct Field<T> {
    /// The value.
    pub slot: Slot<T>,
    /// The escaping of the member name.
    pub name: Escape,
}

/// The value of a registered member.
#[derive(Arbitrary, Clone, Debug)]
pub enum Slot<T> {
    /// A value of the member's own kind.
    Value(T),
    /// No member.
    Absent,
    /// `null`.
    Null,
    /// Any other value.
    Other(AnyValue),
}

/// The JOSE header.
#[derive(Arbitrary, Clone, Debug)]
pub struct HeaderSpec {
    /// `alg`.
    pub alg: Field<AlgValue>,
    /// `typ`.
    pub typ: Field<TypValue>,
    /// `kid`.
    pub kid: Field<KidValue>,
    /// Members after the three above, such as `crit`, `b64` or a repeated name.
    pub extras: Vec<ExtraMember>,
    /// Rotates the member order left by this much.
    pub rotate: u8,
}

/// An `alg` value.
#[derive(Arbitrary, Clone, Debug)]
pub enum AlgValue {
    /// The signer's algorithm.
    Right(Escape),
    /// A registered or near-registered name.
    Named(AlgLiteral),
    /// Any string.
    Custom(String),
}

/// Algorithm names, including rejected ones and wrong letter case.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum AlgLiteral {
    None,
    NoneCapitalized,
    Hs256,
    Hs384,
    Hs512,
    Rs256,
    Ps256,
    Es256,
    Es384,
    Es512,
    EdDsa,
    Ed25519,
    LowerEs256,
    UpperEd25519,
}

impl AlgLiteral {
    const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::NoneCapitalized => "None",
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
            Self::Rs256 => "RS256",
            Self::Ps256 => "PS256",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::EdDsa => "EdDSA",
            Self::Ed25519 => "Ed25519",
            Self::LowerEs256 => "es256",
            Self::UpperEd25519 => "ED25519",
        }
    }
}

/// A `typ` value.
#[derive(Arbitrary, Clone, Debug)]
pub enum TypValue {
    /// `at+jwt`.
    AtJwt(Escape),
    /// `application/at+jwt`.
    ApplicationAtJwt(Escape),
    /// One of the two, with the ASCII letters whose bit is set in `mask` upper-cased.
    CaseMask { mask: u32, application: bool },
    /// `JWT`, which the RFC 9068 profile rejects.
    Jwt,
    /// Any string.
    Custom(String, Escape),
}

/// A `kid` value.
#[derive(Arbitrary, Clone, Debug)]
pub enum KidValue {
    /// The signer's `kid`.
    Right(Escape),
    /// The `kid` of one of the fixed keys, chosen by index.
    OfKey(u8),
    /// Any string.
    Custom(String, Escape),
}

/// The claims.
#[derive(Arbitrary, Clone, Debug)]
pub struct ClaimsSpec {
    /// `iss`.
    pub iss: Field<StrValue>,
    /// `sub`.
    pub sub: Field<StrValue>,
    /// `aud`.
    pub aud: Field<AudValue>,
    /// `exp`, relative to 600 s after the time base.
    pub exp: Field<DateValue>,
    /// `nbf`, relative to 60 s before the time base.
    pub nbf: Field<DateValue>,
    /// `iat`, relative to 60 s before the time base.
    pub iat: Field<DateValue>,
    /// `jti`.
    pub jti: Field<StrValue>,
    /// `client_id`.
    pub client_id: Field<StrValue>,
    /// `scope`.
    pub scope: Field<ScopeValue>,
    /// Claims after the registered ones, such as `cnf` or a repeated name.
    pub extras: Vec<ExtraMember>,
    /// Rotates the member order left by this much.
    pub rotate: u8,
}

/// A string value, relative to the value its member expects.
#[derive(Arbitrary, Clone, Debug)]
pub enum StrValue {
    /// The expected value: the issuer for `iss`, the audience for `aud`, a fixed
    /// string for the others.
    Expected(Escape),
    /// The issuer.
    Issuer(Escape),
    /// The audience.
    Audience(Escape),
    /// The expected value with the case of its first letter changed.
    CaseFlipped,
    /// The expected value followed by more text.
    WithSuffix(String),
    /// Any string.
    Custom(String, Escape),
    /// The empty string.
    Empty,
}

/// An `aud` value.
#[derive(Arbitrary, Clone, Debug)]
pub enum AudValue {
    /// One string.
    One(StrValue),
    /// An array of strings.
    Many(Vec<StrValue>),
    /// An array with the audience at `position` among `others`.
    WithExpected { others: Vec<StrValue>, position: u8 },
}

/// A NumericDate: `offset` seconds from the claim's base, written in `form`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct DateValue {
    /// Seconds from the claim's base.
    pub offset: i16,
    /// How the number is written.
    pub form: DateForm,
}

/// How a date is written.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum DateForm {
    /// An integer, `1767226200`.
    Integer,
    /// An integer and `width % 12 + 1` fraction digits of `digits`.
    Fraction { digits: u64, width: u8 },
    /// `1.767226200e9`.
    Scientific,
    /// `17672262000E-1`.
    ShiftedDown,
    /// `0.1767226200e+10`.
    ShiftedUp,
    /// An integer that ignores the base.
    Absolute(i64),
    /// An integer that ignores the base, with six fraction digits.
    AbsoluteFraction(i64, u32),
    /// A number at or beyond the limits of the signed 64-bit range.
    Special(SpecialNumber),
    /// The integer as a JSON string, which is no NumericDate.
    Quoted,
}

/// Numbers at the edges of the NumericDate range.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SpecialNumber {
    /// `1e400`, beyond `f64`.
    Huge,
    /// `-1e19`.
    NegativeHuge,
    /// `9223372036854775807`.
    I64Max,
    /// `9223372036854775808`.
    AboveI64Max,
    /// `-9223372036854775808`.
    I64Min,
    /// `-9223372036854775808.5`, whose floor is below the range.
    BelowI64Min,
    /// `0`.
    Zero,
    /// `-0`.
    NegativeZero,
    /// `1e-7`.
    Tiny,
    /// `-1e-7`.
    NegativeTiny,
}

/// A `scope` value.
#[derive(Arbitrary, Clone, Debug)]
pub enum ScopeValue {
    /// `openid orders:read`.
    Standard,
    /// Items joined by the separators in turn, each item escaped with `escape`.
    Built {
        items: Vec<ScopeItem>,
        separators: Vec<Separator>,
        escape: Escape,
    },
}

/// A scope value in a built `scope`.
#[derive(Arbitrary, Clone, Debug)]
pub enum ScopeItem {
    /// The required scope.
    Required,
    /// `openid`.
    Openid,
    /// The required scope with another letter case.
    CaseVariant,
    /// The required scope without its last character.
    Prefix,
    /// The required scope with a character added.
    Extended,
    /// Any text.
    Custom(String),
}

/// A separator in a built `scope`, written raw into the JSON string.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Separator {
    /// One space.
    Space,
    /// Two spaces.
    DoubleSpace,
    /// The escape `\u0020`, which decodes to a space.
    EscapedSpace,
    /// The escape `\t`, which is no scope separator.
    Tab,
    /// U+00A0, which is no scope separator.
    NoBreakSpace,
    /// The escape `\n`, which is no scope separator.
    Newline,
}

impl Separator {
    /// Returns the JSON text and the decoded text.
    const fn texts(self) -> (&'static str, &'static str) {
        match self {
            Self::Space => (" ", " "),
            Self::DoubleSpace => ("  ", "  "),
            Self::EscapedSpace => ("\\u0020", " "),
            Self::Tab => ("\\t", "\t"),
            Self::NoBreakSpace => ("\u{a0}", "\u{a0}"),
            Self::Newline => ("\\n", "\n"),
        }
    }
}

/// An extra member.
#[derive(Arbitrary, Clone, Debug)]
pub struct ExtraMember {
    /// The name.
    pub name: NameChoice,
    /// The value.
    pub value: AnyValue,
}

/// A member name.
#[derive(Arbitrary, Clone, Debug)]
pub enum NameChoice {
    /// A name the validator reads somewhere.
    Known(KnownName, Escape),
    /// Any name.
    Custom(String, Escape),
}

/// Names the validator reads in the header or the claims, and some it ignores.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum KnownName {
    Alg,
    Typ,
    Kid,
    Cty,
    Crit,
    B64,
    Jwk,
    Jku,
    X5u,
    X5c,
    Iss,
    Sub,
    Aud,
    Exp,
    Nbf,
    Iat,
    Jti,
    ClientId,
    Scope,
    Scp,
    Cnf,
    Act,
}

impl KnownName {
    const fn name(self) -> &'static str {
        match self {
            Self::Alg => "alg",
            Self::Typ => "typ",
            Self::Kid => "kid",
            Self::Cty => "cty",
            Self::Crit => "crit",
            Self::B64 => "b64",
            Self::Jwk => "jwk",
            Self::Jku => "jku",
            Self::X5u => "x5u",
            Self::X5c => "x5c",
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Aud => "aud",
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
            Self::Jti => "jti",
            Self::ClientId => "client_id",
            Self::Scope => "scope",
            Self::Scp => "scp",
            Self::Cnf => "cnf",
            Self::Act => "act",
        }
    }
}

/// Any JSON value, including some invalid text.
#[derive(Arbitrary, Clone, Debug)]
pub enum AnyValue {
    Null,
    Bool(bool),
    Int(i64),
    Date(DateValue),
    Str(StrValue),
    StrArray(Vec<StrValue>),
    Array(Vec<Leaf>),
    Object(Vec<(NameChoice, Leaf)>),
    Invalid(InvalidJson),
}

/// A value inside a generated array or nested object.
#[derive(Arbitrary, Clone, Debug)]
pub enum Leaf {
    Null,
    Bool(bool),
    Int(i32),
    Str(String),
}

/// Text that is not valid JSON where a value belongs.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum InvalidJson {
    LoneHighSurrogate,
    LoneLowSurrogate,
    HighSurrogateThenLetter,
    UnknownEscape,
    LeadingZero,
    TrailingDot,
    BareExponent,
    Truncated,
    NotANumber,
    TrailingComma,
}

impl InvalidJson {
    const fn text(self) -> &'static str {
        match self {
            Self::LoneHighSurrogate => "\"\\ud800\"",
            Self::LoneLowSurrogate => "\"\\udc00\"",
            Self::HighSurrogateThenLetter => "\"\\ud800\\u0041\"",
            Self::UnknownEscape => "\"\\x\"",
            Self::LeadingZero => "01",
            Self::TrailingDot => "1.",
            Self::BareExponent => "1e",
            Self::Truncated => "nul",
            Self::NotANumber => "NaN",
            Self::TrailingComma => "[1,]",
        }
    }
}

/// A change to the token text after signing; any real change must be rejected.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Corruption {
    None,
    /// Replaces the byte at `position` modulo the length with `byte` when it is
    /// printable ASCII.
    ReplaceByte {
        position: u16,
        byte: u8,
    },
    /// Removes the last character of the signature.
    DropLastChar,
    /// Appends `A` to the signature.
    AppendChar,
}

/// A signed token with the members it was written from.
#[derive(Clone, Debug)]
pub struct BuiltToken {
    /// The key that signed it.
    pub signer: SigningKey,
    /// The header members, in order.
    pub header: Vec<Member>,
    /// The claims, in order.
    pub claims: Vec<Member>,
    /// Length of the header JSON in bytes.
    pub header_len: usize,
    /// The compact JWS.
    pub text: String,
    /// Whether the text was changed after signing.
    pub corrupted: bool,
}

impl TokenSpec {
    /// Returns the validator leeway this spec selects, in seconds, and its index.
    pub fn leeway(&self) -> (usize, u32) {
        let index = usize::from(self.leeway) % LEEWAYS.len();
        (index, LEEWAYS[index])
    }

    /// Returns the validation time, [`NOW`] shifted by `now_shift`.
    pub fn now(&self) -> i64 {
        NOW + i64::from(self.now_shift)
    }

    /// Builds the token with dates relative to `base` and applies the corruption.
    ///
    /// An RSA signer ignores the header and claims of the spec and reuses one token
    /// signed at start-up with dates relative to [`NOW`].
    pub fn build(&self, base: i64) -> BuiltToken {
        let mut token = if self.signer.is_fixed() {
            fixed_token(self.signer).clone()
        } else {
            let (header, claims) = self.members(base);
            assemble(self.signer.key(), header, claims)
        };
        corrupt(&mut token, self.corruption);
        token
    }

    /// Returns the header members and claims, with dates relative to `base`.
    pub fn members(&self, base: i64) -> (Vec<Member>, Vec<Member>) {
        let header = self.header.members(self.signer);
        let claims = self.claims.members(base);
        (header, claims)
    }
}

/// Returns the token of a signer that signs once, built from the empty spec.
fn fixed_token(signer: Signer) -> &'static BuiltToken {
    static RS256: OnceLock<BuiltToken> = OnceLock::new();
    static PS256: OnceLock<BuiltToken> = OnceLock::new();
    let cell = if signer == Signer::Ps256 {
        &PS256
    } else {
        &RS256
    };
    cell.get_or_init(|| {
        let mut spec = empty_spec();
        spec.signer = signer;
        let (header, claims) = spec.members(NOW);
        assemble(signer.key(), header, claims)
    })
}

/// Returns the spec that the empty input builds: a token every access-token
/// validator accepts.
pub fn empty_spec() -> TokenSpec {
    TokenSpec::arbitrary(&mut Unstructured::new(&[])).expect("spec from empty input")
}

/// Writes the JSON, signs it with `signer` and returns the token.
pub fn assemble(signer: SigningKey, header: Vec<Member>, claims: Vec<Member>) -> BuiltToken {
    let mut header_json = String::new();
    json_text::write_object(&header, &mut header_json);
    let mut claims_json = String::new();
    json_text::write_object(&claims, &mut claims_json);

    let signing_input = format!(
        "{}.{}",
        encode(header_json.as_bytes()),
        encode(claims_json.as_bytes())
    );
    let signature = keys().sign(signer, signing_input.as_bytes());
    BuiltToken {
        signer,
        header,
        claims,
        header_len: header_json.len(),
        text: format!("{signing_input}.{}", encode(&signature)),
        corrupted: false,
    }
}

/// Applies `corruption` to the token text, marking the token when the text changed.
pub fn corrupt(token: &mut BuiltToken, corruption: Corruption) {
    let before = token.text.clone();
    match corruption {
        Corruption::None => {}
        Corruption::ReplaceByte { position, byte } => {
            if (0x21..0x7f).contains(&byte) {
                let at = usize::from(position) % token.text.len();
                token
                    .text
                    .replace_range(at..at + 1, char::from(byte).encode_utf8(&mut [0; 4]));
            }
        }
        Corruption::DropLastChar => {
            token.text.pop();
        }
        Corruption::AppendChar => token.text.push('A'),
    }
    token.corrupted |= token.text != before;
}

impl HeaderSpec {
    fn members(&self, signer: Signer) -> Vec<Member> {
        let mut members = Vec::new();
        push_field(&mut members, "alg", &self.alg, |alg| match alg {
            AlgValue::Right(escape) => Val::string(signer.alg(), *escape),
            AlgValue::Named(literal) => Val::string(literal.name(), Escape::Minimal),
            AlgValue::Custom(text) => Val::string(&truncate(text), Escape::Minimal),
        });
        push_field(&mut members, "typ", &self.typ, TypValue::to_val);
        push_field(&mut members, "kid", &self.kid, |kid| match kid {
            KidValue::Right(escape) => Val::string(signer.key().kid(), *escape),
            KidValue::OfKey(index) => {
                Val::string(KIDS[usize::from(*index) % KIDS.len()], Escape::Minimal)
            }
            KidValue::Custom(text, escape) => Val::string(&truncate(text), *escape),
        });
        push_extras(&mut members, &self.extras, MAX_EXTRA_HEADER_MEMBERS, NOW);
        rotate(&mut members, self.rotate);
        members
    }
}

/// The `kid`s of the fixed keys.
const KIDS: [&str; 5] = ["hs256-1", "rsa-1", "p256-1", "p384-1", "ed25519-1"];

impl TypValue {
    fn to_val(&self) -> Val {
        match self {
            Self::AtJwt(escape) => Val::string("at+jwt", *escape),
            Self::ApplicationAtJwt(escape) => Val::string("application/at+jwt", *escape),
            Self::CaseMask { mask, application } => {
                let base = if *application {
                    "application/at+jwt"
                } else {
                    "at+jwt"
                };
                let text: String = base
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if mask & (1 << (i % 32)) != 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                Val::string(&text, Escape::Minimal)
            }
            Self::Jwt => Val::string("JWT", Escape::Minimal),
            Self::Custom(text, escape) => Val::string(&truncate(text), *escape),
        }
    }
}

impl ClaimsSpec {
    fn members(&self, base: i64) -> Vec<Member> {
        let exp_base = base + EXP_AFTER_BASE;
        let issued_base = base - ISSUED_BEFORE_BASE;
        let mut members = Vec::new();
        push_field(&mut members, "iss", &self.iss, |v| v.to_val(ISSUER));
        push_field(&mut members, "sub", &self.sub, |v| v.to_val("user-1042"));
        push_field(&mut members, "aud", &self.aud, AudValue::to_val);
        push_field(&mut members, "exp", &self.exp, |v| v.to_val(exp_base));
        push_field(&mut members, "nbf", &self.nbf, |v| v.to_val(issued_base));
        push_field(&mut members, "iat", &self.iat, |v| v.to_val(issued_base));
        push_field(&mut members, "jti", &self.jti, |v| v.to_val("token-0001"));
        push_field(&mut members, "client_id", &self.client_id, |v| {
            v.to_val("orders-web")
        });
        push_field(&mut members, "scope", &self.scope, ScopeValue::to_val);
        push_extras(&mut members, &self.extras, MAX_EXTRA_CLAIMS, base);
        rotate(&mut members, self.rotate);
        members
    }
}

fn push_field<T>(
    members: &mut Vec<Member>,
    name: &str,
    field: &Field<T>,
    value: impl Fn(&T) -> Val,
) {
    let value = match &field.slot {
        Slot::Value(inner) => value(inner),
        Slot::Absent => return,
        Slot::Null => Val::Null,
        Slot::Other(any) => any.to_val(name, NOW),
    };
    members.push(Member::new(name, field.name, value));
}

fn push_extras(members: &mut Vec<Member>, extras: &[ExtraMember], max: usize, base: i64) {
    for extra in extras.iter().take(max) {
        let (name, escape) = extra.name.resolve();
        let value = extra.value.to_val(&name, base);
        members.push(Member::new(&name, escape, value));
    }
}

fn rotate(members: &mut [Member], by: u8) {
    if !members.is_empty() {
        let by = usize::from(by) % members.len();
        members.rotate_left(by);
    }
}

/// Returns at most [`MAX_STRING_CHARS`] characters of `text`.
fn truncate(text: &str) -> String {
    text.chars().take(MAX_STRING_CHARS).collect()
}

impl NameChoice {
    fn resolve(&self) -> (String, Escape) {
        match self {
            Self::Known(name, escape) => (name.name().to_string(), *escape),
            Self::Custom(name, escape) => (truncate(name), *escape),
        }
    }
}

impl StrValue {
    /// Returns the value for a member that expects `expected`.
    fn to_val(&self, expected: &str) -> Val {
        match self {
            Self::Expected(escape) => Val::string(expected, *escape),
            Self::Issuer(escape) => Val::string(ISSUER, *escape),
            Self::Audience(escape) => Val::string(AUDIENCE, *escape),
            Self::CaseFlipped => {
                let mut chars = expected.chars();
                let text: String = match chars.next() {
                    Some(first) if first.is_ascii_lowercase() => {
                        first.to_ascii_uppercase().to_string() + chars.as_str()
                    }
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                };
                Val::string(&text, Escape::Minimal)
            }
            Self::WithSuffix(suffix) => {
                Val::string(&format!("{expected}{}", truncate(suffix)), Escape::Minimal)
            }
            Self::Custom(text, escape) => Val::string(&truncate(text), *escape),
            Self::Empty => Val::string("", Escape::Minimal),
        }
    }
}

impl AudValue {
    fn to_val(&self) -> Val {
        match self {
            Self::One(value) => value.to_val(AUDIENCE),
            Self::Many(values) => Val::Array(
                values
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|value| value.to_val(AUDIENCE))
                    .collect(),
            ),
            Self::WithExpected { others, position } => {
                let others = &others[..others.len().min(MAX_ITEMS)];
                // Others are written against another expected value, so that their
                // `Expected` is not the audience.
                let mut items: Vec<Val> = others
                    .iter()
                    .map(|value| value.to_val("https://other.tokenguard.test"))
                    .collect();
                let at = usize::from(*position) % (items.len() + 1);
                items.insert(at, Val::string(AUDIENCE, Escape::Minimal));
                Val::Array(items)
            }
        }
    }
}

impl DateValue {
    /// Returns the date `offset` seconds from `base`, written in its form.
    pub fn to_val(&self, base: i64) -> Val {
        let value = base + i64::from(self.offset);
        match self.form {
            DateForm::Integer => Val::integer(value),
            DateForm::Fraction { digits, width } => {
                fraction(value, digits, u32::from(width) % 12 + 1)
            }
            DateForm::Scientific => {
                let (sign, digits) = sign_and_digits(value);
                let (first, rest) = digits.split_at(1);
                let rest = if rest.is_empty() { "0" } else { rest };
                let text = format!("{sign}{first}.{rest}e{}", digits.len() - 1);
                exact(text, value)
            }
            DateForm::ShiftedDown => {
                let (sign, digits) = sign_and_digits(value);
                exact(format!("{sign}{digits}0E-1"), value)
            }
            DateForm::ShiftedUp => {
                let (sign, digits) = sign_and_digits(value);
                exact(format!("{sign}0.{digits}e+{}", digits.len()), value)
            }
            DateForm::Absolute(value) => Val::integer(value),
            DateForm::AbsoluteFraction(value, digits) => fraction(value, u64::from(digits), 6),
            DateForm::Special(special) => special.to_val(),
            DateForm::Quoted => Val::string(&value.to_string(), Escape::Minimal),
        }
    }
}

fn sign_and_digits(value: i64) -> (&'static str, String) {
    let sign = if value < 0 { "-" } else { "" };
    (sign, value.unsigned_abs().to_string())
}

fn exact(text: String, value: i64) -> Val {
    Val::Number {
        text,
        scaled: Some(i128::from(value) * SCALE),
    }
}

/// Returns `value` with `width` fraction digits taken from `digits`; the fraction
/// has the sign of the number, as in `-5.25`.
fn fraction(value: i64, digits: u64, width: u32) -> Val {
    let digits = digits % 10u64.pow(width);
    let (sign, whole) = sign_and_digits(value);
    let text = format!("{sign}{whole}.{digits:0width$}", width = width as usize);
    let fraction = i128::from(digits) * 10i128.pow(12 - width);
    let whole = i128::from(value) * SCALE;
    let scaled = if value < 0 {
        whole - fraction
    } else {
        whole + fraction
    };
    Val::Number {
        text,
        scaled: Some(scaled),
    }
}

impl SpecialNumber {
    fn to_val(self) -> Val {
        let (text, scaled) = match self {
            Self::Huge => ("1e400", None),
            Self::NegativeHuge => ("-1e19", Some(-10i128.pow(19) * SCALE)),
            Self::I64Max => ("9223372036854775807", Some(i128::from(i64::MAX) * SCALE)),
            Self::AboveI64Max => (
                "9223372036854775808",
                Some((i128::from(i64::MAX) + 1) * SCALE),
            ),
            Self::I64Min => ("-9223372036854775808", Some(i128::from(i64::MIN) * SCALE)),
            Self::BelowI64Min => (
                "-9223372036854775808.5",
                Some(i128::from(i64::MIN) * SCALE - SCALE / 2),
            ),
            Self::Zero => ("0", Some(0)),
            Self::NegativeZero => ("-0", Some(0)),
            Self::Tiny => ("1e-7", Some(SCALE / 10_000_000)),
            Self::NegativeTiny => ("-1e-7", Some(-SCALE / 10_000_000)),
        };
        Val::Number {
            text: text.to_string(),
            scaled,
        }
    }
}

impl ScopeValue {
    fn to_val(&self) -> Val {
        match self {
            Self::Standard => Val::string(&format!("openid {REQUIRED_SCOPE}"), Escape::Minimal),
            Self::Built {
                items,
                separators,
                escape,
            } => {
                let mut json = String::from("\"");
                let mut text = String::new();
                for (index, item) in items.iter().take(MAX_ITEMS).enumerate() {
                    if index > 0 {
                        let separator = separators
                            .get((index - 1) % separators.len().max(1))
                            .copied()
                            .unwrap_or(Separator::Space);
                        let (raw, decoded) = separator.texts();
                        json.push_str(raw);
                        text.push_str(decoded);
                    }
                    let item = item.text();
                    json_text::push_escaped(&mut json, &item, *escape);
                    text.push_str(&item);
                }
                json.push('"');
                Val::Str { text, json }
            }
        }
    }
}

impl ScopeItem {
    fn text(&self) -> String {
        match self {
            Self::Required => REQUIRED_SCOPE.to_string(),
            Self::Openid => "openid".to_string(),
            Self::CaseVariant => REQUIRED_SCOPE.to_ascii_uppercase(),
            Self::Prefix => REQUIRED_SCOPE[..REQUIRED_SCOPE.len() - 1].to_string(),
            Self::Extended => format!("{REQUIRED_SCOPE}s"),
            Self::Custom(text) => truncate(text),
        }
    }
}

impl AnyValue {
    /// Returns the value for a member named `name`, with dates relative to `base`.
    fn to_val(&self, name: &str, base: i64) -> Val {
        match self {
            Self::Null => Val::Null,
            Self::Bool(value) => Val::Bool(*value),
            Self::Int(value) => Val::integer(*value),
            Self::Date(date) => date.to_val(base),
            Self::Str(value) => value.to_val(expected_for(name)),
            Self::StrArray(values) => Val::Array(
                values
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|value| value.to_val(expected_for(name)))
                    .collect(),
            ),
            Self::Array(leaves) => {
                Val::Array(leaves.iter().take(MAX_ITEMS).map(Leaf::to_val).collect())
            }
            Self::Object(members) => Val::Object(
                members
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|(name, leaf)| {
                        let (name, escape) = name.resolve();
                        Member::new(&name, escape, leaf.to_val())
                    })
                    .collect(),
            ),
            Self::Invalid(invalid) => Val::Invalid(invalid.text()),
        }
    }
}

/// Returns the value a member named `name` expects, for [`StrValue::Expected`].
fn expected_for(name: &str) -> &'static str {
    match name {
        "iss" => ISSUER,
        "aud" => AUDIENCE,
        "scope" => REQUIRED_SCOPE,
        "typ" => "at+jwt",
        "alg" => "ES256",
        "kid" => "p256-1",
        _ => "value",
    }
}

impl Leaf {
    fn to_val(&self) -> Val {
        match self {
            Self::Null => Val::Null,
            Self::Bool(value) => Val::Bool(*value),
            Self::Int(value) => Val::integer(i64::from(*value)),
            Self::Str(text) => Val::string(&truncate(text), Escape::Minimal),
        }
    }
}
