//! The documents, tokens and names that the operations pass, decoded from the fuzz
//! input: fixed ones, generated ones, and raw bytes.

use arbitrary::Arbitrary;

use super::args::{Bytes, BytesArg, Input};
use super::fixtures::{self, FixedJwks};
use crate::json_text::{quote, Escape};
use crate::keys::HS256_SECRET;
use crate::spec::TokenSpec;
use crate::{AUDIENCE, ISSUER, NOW};

/// Maximum number of members of a generated configuration.
const MAX_CONFIG_MEMBERS: usize = 16;

/// Maximum number of strings in a generated array.
const MAX_WORDS: usize = 8;

/// Bytes of `pad` claim per unit of [`TokenArg::Padded`]: 255 units make a token of
/// about 1.09 MB, past every buffer size of the C layer and the 1 MiB maximum.
const PAD_UNIT_BYTES: usize = 3200;

/// Length of the spaces after an oversized document: one more than the 1 MiB that
/// the C layer reads of a configuration or a JWK Set.
const OVERSIZED_PADDING_BYTES: usize = tokenguard::MAX_KEY_SET_BYTES + 1;

/// Length of the spaces after an oversized clients document: one more than the 4 MiB
/// that `tg_assertion_verifier_new` reads of it.
const OVERSIZED_CLIENTS_PADDING_BYTES: usize = 4 * tokenguard::MAX_KEY_SET_BYTES + 1;

/// The configuration fields, in the order the header documents them.
const CONFIG_FIELDS: [&str; 14] = [
    "issuers",
    "audiences",
    "algorithms",
    "leeway",
    "max_age",
    "typ",
    "profile",
    "required_claims",
    "required_scopes",
    "scope_match",
    "scope_claims",
    "scope_hierarchy",
    "max_token_bytes",
    "hmac_secrets",
];

/// Strings that configuration fields accept or nearly accept.
const WORDS: [&str; 28] = [
    ISSUER,
    AUDIENCE,
    "at+jwt",
    "jwt",
    "any",
    "rfc9068",
    "all",
    "scope",
    "scope-or-scp",
    ":",
    " ",
    "::",
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "PS256",
    "ES256",
    "ES384",
    "EdDSA",
    "Ed25519",
    "none",
    "ES512",
    "rs256",
    "orders:read",
    "sub",
    "JWT",
    "",
];

/// Number texts around the limits of the numeric fields.
const NUMBERS: [&str; 14] = [
    "0",
    "300",
    "301",
    "-1",
    "1048576",
    "1048577",
    "4294967295",
    "4294967296",
    "1.5",
    "1e3",
    "-0",
    "1E2",
    "9223372036854775808",
    "0.0",
];

/// Claim names of the fixed tokens, and a few that no token has.
pub const CLAIM_NAMES: [&str; 32] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "client_id",
    "scope",
    "scp",
    "tenant",
    "ratio",
    "huge",
    "wide",
    "min",
    "flag",
    "off",
    "nothing",
    "nested",
    "mixed",
    "empty",
    "tenant2",
    "long",
    "pad",
    "cnf",
    "",
    "missing",
    "orders:read",
    "orders",
    "admin:x",
    "scp-a",
    "t\u{0}x",
];

/// The configuration of `tg_validator_new`.
#[derive(Arbitrary, Debug)]
pub enum ConfigArg<'a> {
    /// A fixed configuration by position, modulo their number.
    Fixed(u8),
    /// A generated document.
    Built(ConfigSpec<'a>),
    /// Raw bytes.
    Raw(BytesArg<'a>),
    /// A fixed configuration followed by spaces, longer than any document the C
    /// layer reads.
    Oversized(u8),
}

impl ConfigArg<'_> {
    /// Returns the fixed configuration's position, if it is one.
    pub fn fixed(&self) -> Option<usize> {
        match self {
            Self::Fixed(index) => Some(usize::from(*index) % fixtures::configs().len()),
            _ => None,
        }
    }

    /// Returns the document to pass.
    pub fn input(&self) -> Input {
        match self {
            Self::Fixed(_) => {
                let index = self.fixed().expect("fixed configuration");
                Input::owned(fixtures::configs()[index].json.clone().into_bytes())
            }
            Self::Built(spec) => Input::owned(spec.json().into_bytes()),
            Self::Raw(bytes) => Input::new(*bytes),
            Self::Oversized(index) => {
                let configs = fixtures::configs();
                let json = &configs[usize::from(*index) % configs.len()].json;
                Input::owned(oversized(json))
            }
        }
    }
}

/// A generated configuration document: its members, mostly known fields with
/// values of the right or a nearly right kind.
#[derive(Arbitrary, Debug)]
pub struct ConfigSpec<'a> {
    /// Whether to start with the fixed issuer and audience.
    pub with_issuer_and_audience: bool,
    /// The further members, at most [`MAX_CONFIG_MEMBERS`].
    pub members: Vec<(ConfigField<'a>, ConfigValue<'a>)>,
}

/// A member name of a configuration.
#[derive(Arbitrary, Debug)]
pub enum ConfigField<'a> {
    /// A known field by position, modulo their number.
    Known(u8),
    /// A known field with its name written in `\u` escapes.
    Escaped(u8),
    /// Any name.
    Other(Bytes<'a>),
}

/// A member value of a configuration.
#[derive(Arbitrary, Debug)]
pub enum ConfigValue<'a> {
    /// An array of strings.
    Words(Vec<Word<'a>>),
    /// One string.
    Word(Word<'a>),
    /// A whole number.
    Integer(i64),
    /// A number near a limit, by position modulo their number.
    Number(u8),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array of HMAC secret entries.
    Secrets(Vec<SecretSpec<'a>>),
    /// An empty object.
    Object,
    /// Raw JSON text, valid or not.
    Text(Bytes<'a>),
}

/// A string of a configuration.
#[derive(Arbitrary, Debug)]
pub enum Word<'a> {
    /// A known string by position, modulo their number.
    Known(u8),
    /// Any bytes, read as UTF-8 with replacement characters.
    Other(Bytes<'a>),
}

/// An entry of `hmac_secrets`.
#[derive(Arbitrary, Debug)]
pub struct SecretSpec<'a> {
    /// The `kid`, when present.
    pub kid: Option<Word<'a>>,
    /// The `alg`, when present.
    pub alg: Option<Word<'a>>,
    /// The `secret_base64url`.
    pub secret: SecretValue<'a>,
    /// Whether to add a member that entries do not have.
    pub unknown_member: bool,
}

/// The `secret_base64url` of a secret entry.
#[derive(Arbitrary, Debug)]
pub enum SecretValue<'a> {
    /// The fixed 32-byte secret.
    Fixed,
    /// A 4-byte secret, too short for HMAC.
    Short,
    /// The fixed secret with base64 padding.
    Padded,
    /// Any string.
    Other(Word<'a>),
    /// No member.
    Absent,
    /// A number.
    Number,
}

impl ConfigSpec<'_> {
    /// Writes the document.
    pub fn json(&self) -> String {
        let mut members = Vec::new();
        if self.with_issuer_and_audience {
            members.push(format!(r#""issuers":["{ISSUER}"]"#));
            members.push(format!(r#""audiences":["{AUDIENCE}"]"#));
        }
        for (field, value) in self.members.iter().take(MAX_CONFIG_MEMBERS) {
            members.push(format!("{}:{}", field.json(), value.json()));
        }
        format!("{{{}}}", members.join(","))
    }
}

impl ConfigField<'_> {
    fn json(&self) -> String {
        let known = |index: u8| CONFIG_FIELDS[usize::from(index) % CONFIG_FIELDS.len()];
        match self {
            Self::Known(index) => quote(known(*index), Escape::Minimal),
            Self::Escaped(index) => quote(known(*index), Escape::Hex),
            Self::Other(bytes) => quote(&String::from_utf8_lossy(bytes.0), Escape::Minimal),
        }
    }
}

impl ConfigValue<'_> {
    fn json(&self) -> String {
        match self {
            Self::Words(words) => {
                let items: Vec<String> = words.iter().take(MAX_WORDS).map(Word::json).collect();
                format!("[{}]", items.join(","))
            }
            Self::Word(word) => word.json(),
            Self::Integer(value) => value.to_string(),
            Self::Number(index) => NUMBERS[usize::from(*index) % NUMBERS.len()].to_string(),
            Self::Bool(value) => value.to_string(),
            Self::Null => "null".to_string(),
            Self::Secrets(secrets) => {
                let items: Vec<String> = secrets
                    .iter()
                    .take(MAX_WORDS)
                    .map(SecretSpec::json)
                    .collect();
                format!("[{}]", items.join(","))
            }
            Self::Object => "{}".to_string(),
            Self::Text(bytes) => String::from_utf8_lossy(bytes.0).into_owned(),
        }
    }
}

impl Word<'_> {
    fn json(&self) -> String {
        match self {
            Self::Known(index) => quote(WORDS[usize::from(*index) % WORDS.len()], Escape::Minimal),
            Self::Other(bytes) => quote(&String::from_utf8_lossy(bytes.0), Escape::Minimal),
        }
    }
}

impl SecretSpec<'_> {
    fn json(&self) -> String {
        let mut members = Vec::new();
        if let Some(kid) = &self.kid {
            members.push(format!(r#""kid":{}"#, kid.json()));
        }
        if let Some(alg) = &self.alg {
            members.push(format!(r#""alg":{}"#, alg.json()));
        }
        let secret = match &self.secret {
            SecretValue::Fixed => Some(quote(&crate::keys::encode(HS256_SECRET), Escape::Minimal)),
            SecretValue::Short => Some(r#""YWJjZA""#.to_string()),
            SecretValue::Padded => Some(format!(r#""{}=""#, crate::keys::encode(HS256_SECRET))),
            SecretValue::Other(word) => Some(word.json()),
            SecretValue::Absent => None,
            SecretValue::Number => Some("32".to_string()),
        };
        if let Some(secret) = secret {
            members.push(format!(r#""secret_base64url":{secret}"#));
        }
        if self.unknown_member {
            members.push(r#""use":"sig""#.to_string());
        }
        format!("{{{}}}", members.join(","))
    }
}

/// Returns `document` followed by [`OVERSIZED_PADDING_BYTES`] spaces.
fn oversized(document: &str) -> Vec<u8> {
    padded(document, OVERSIZED_PADDING_BYTES)
}

/// Returns `document` followed by `padding` spaces.
fn padded(document: &str, padding: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(document.len() + padding);
    bytes.extend_from_slice(document.as_bytes());
    bytes.resize(document.len() + padding, b' ');
    bytes
}

/// The JWK Set of `tg_validator_new` and `tg_validator_set_jwks`.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum JwksArg<'a> {
    /// The fixed public keys.
    Public,
    /// The fixed Ed25519 key alone.
    Ed25519,
    /// The Ed25519 key and two keys that the set skips.
    WithSkipped,
    /// NULL with length 0, as for `hmac_secrets`.
    Empty,
    /// Raw bytes.
    Raw(BytesArg<'a>),
    /// The fixed public keys followed by spaces, longer than the core reads.
    Oversized,
}

impl JwksArg<'_> {
    /// Returns the fixed document, if it is one.
    pub const fn fixed(self) -> Option<FixedJwks> {
        match self {
            Self::Public => Some(FixedJwks::Public),
            Self::Ed25519 => Some(FixedJwks::Ed25519),
            Self::WithSkipped => Some(FixedJwks::WithSkipped),
            Self::Empty | Self::Raw(_) | Self::Oversized => None,
        }
    }

    /// Returns the document to pass.
    pub fn input(self) -> Input {
        match self {
            Self::Empty => Input::null(0),
            Self::Raw(bytes) => Input::new(bytes),
            Self::Oversized => Input::owned(oversized(FixedJwks::Public.document())),
            fixed => Input::owned(fixed.fixed().expect("fixed").document().as_bytes().to_vec()),
        }
    }
}

/// The clients document of `tg_assertion_verifier_new`: client identifiers and
/// their JWK Sets.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum ClientsArg<'a> {
    /// A fixed document by position, modulo their number.
    Fixed(u8),
    /// NULL with length 0.
    Empty,
    /// Raw bytes.
    Raw(BytesArg<'a>),
    /// The fixed document that registers both clients with the fixed public keys,
    /// followed by spaces, longer than the C layer reads.
    Oversized,
}

impl ClientsArg<'_> {
    /// Returns the document to pass.
    pub fn input(self) -> Input {
        let documents = fixtures::clients_documents();
        match self {
            Self::Fixed(index) => {
                let document = &documents[usize::from(index) % documents.len()];
                Input::owned(document.clone().into_bytes())
            }
            Self::Empty => Input::null(0),
            Self::Raw(bytes) => Input::new(bytes),
            Self::Oversized => Input::owned(padded(&documents[1], OVERSIZED_CLIENTS_PADDING_BYTES)),
        }
    }
}

/// A token to validate.
#[derive(Arbitrary, Debug)]
pub enum TokenArg<'a> {
    /// A fixed token by position, modulo their number.
    Fixed(u8),
    /// A token of the structure-aware generator, signed with the fixed keys.
    Generated(Box<TokenSpec>),
    /// A fixed token with one byte replaced.
    Changed {
        /// The fixed token, modulo their number.
        base: u8,
        /// The position, modulo the length.
        at: u16,
        /// The new byte.
        byte: u8,
    },
    /// A fixed token signed again with a `pad` claim of `units` times
    /// [`PAD_UNIT_BYTES`] bytes.
    Padded {
        /// The fixed token, modulo their number.
        base: u8,
        /// The padding length in units.
        units: u8,
    },
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl TokenArg<'_> {
    /// Returns the token to pass.
    pub fn input(&self) -> Input {
        match self {
            Self::Raw(bytes) => Input::new(*bytes),
            other => Input::owned(other.text()),
        }
    }

    /// Returns the token's bytes, for every choice but raw bytes.
    fn text(&self) -> Vec<u8> {
        let tokens = fixtures::tokens();
        let fixed = |index: u8| &tokens[usize::from(index) % tokens.len()];
        match self {
            Self::Fixed(index) => fixed(*index).text.clone().into_bytes(),
            Self::Generated(spec) => spec.build(NOW).text.into_bytes(),
            Self::Changed { base, at, byte } => {
                let mut text = fixed(*base).text.clone().into_bytes();
                let at = usize::from(*at) % text.len();
                text[at] = *byte;
                text
            }
            Self::Padded { base, units } => fixed(*base)
                .padded(usize::from(*units) * PAD_UNIT_BYTES)
                .into_bytes(),
            Self::Raw(bytes) => match bytes {
                BytesArg::Bytes(bytes) => bytes.0.to_vec(),
                BytesArg::NullEmpty | BytesArg::NullWithLen(_) => Vec::new(),
            },
        }
    }
}

/// An `Authorization` header value.
#[derive(Arbitrary, Debug)]
pub enum AuthArg<'a> {
    /// A scheme, spaces, a token and what follows it.
    Header {
        /// The scheme.
        scheme: SchemeWord,
        /// The number of spaces after the scheme, modulo 4.
        spaces: u8,
        /// The token.
        token: TokenArg<'a>,
        /// Text after the token.
        trailer: Trailer,
    },
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

/// The scheme of an `Authorization` value.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum SchemeWord {
    /// `Bearer`.
    Bearer,
    /// `bearer`.
    Lower,
    /// `BEARER`.
    Upper,
    /// `DPoP`, which validation rejects.
    DPoP,
    /// `Basic`, another scheme.
    Basic,
    /// No scheme.
    Missing,
}

/// The text after the token of an `Authorization` value.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Trailer {
    /// Nothing.
    None,
    /// A space.
    Space,
    /// `, x=1`.
    Parameter,
    /// A tab.
    Tab,
}

impl AuthArg<'_> {
    /// Returns the value to pass.
    pub fn input(&self) -> Input {
        match self {
            Self::Header {
                scheme,
                spaces,
                token,
                trailer,
            } => Input::owned(header_value(*scheme, *spaces, token, *trailer)),
            Self::Raw(bytes) => Input::new(*bytes),
        }
    }
}

fn header_value(scheme: SchemeWord, spaces: u8, token: &TokenArg<'_>, trailer: Trailer) -> Vec<u8> {
    let scheme = match scheme {
        SchemeWord::Bearer => "Bearer",
        SchemeWord::Lower => "bearer",
        SchemeWord::Upper => "BEARER",
        SchemeWord::DPoP => "DPoP",
        SchemeWord::Basic => "Basic",
        SchemeWord::Missing => "",
    };
    let mut value = scheme.as_bytes().to_vec();
    value.extend(std::iter::repeat_n(b' ', usize::from(spaces % 4)));
    value.extend(token.text());
    value.extend_from_slice(match trailer {
        Trailer::None => b"",
        Trailer::Space => b" ",
        Trailer::Parameter => b", x=1",
        Trailer::Tab => b"\t",
    });
    value
}

/// A claim name or scope argument.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum NameArg<'a> {
    /// One of [`CLAIM_NAMES`] by position, modulo their number.
    Known(u8),
    /// Raw bytes.
    Raw(BytesArg<'a>),
}

impl NameArg<'_> {
    /// Returns the name to pass.
    pub fn input(self) -> Input {
        match self {
            Self::Known(index) => {
                let name = CLAIM_NAMES[usize::from(index) % CLAIM_NAMES.len()];
                Input::owned(name.as_bytes().to_vec())
            }
            Self::Raw(bytes) => Input::new(bytes),
        }
    }
}
