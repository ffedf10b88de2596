//! The `tg_token_` accessors, checked against the core's reading of the verified
//! header and claims that the token returned at validation.

use std::ffi::{c_char, CStr};

use arbitrary::Arbitrary;
use tokenguard::json::{self, Object, Value};
use tokenguard::{Algorithm, Claims, JsonStr};
use tokenguard_ffi::{
    tg_status, tg_token, tg_token_algorithm, tg_token_audience, tg_token_audience_count,
    tg_token_claim_array_len, tg_token_claim_array_string, tg_token_claim_bool,
    tg_token_claim_int64, tg_token_claim_number, tg_token_claim_string, tg_token_claim_type,
    tg_token_client_id, tg_token_expires_at, tg_token_has_scope, tg_token_header,
    tg_token_issued_at, tg_token_issuer, tg_token_jwt_id, tg_token_key_id, tg_token_not_before,
    tg_token_payload, tg_token_scope, tg_token_scope_count, tg_token_subject, TG_NOT_FOUND, TG_OK,
    TG_OUT_OF_RANGE, TG_TYPE_MISMATCH,
};

use super::args::{BufArg, Faults, IndexArg, OutArg, OutCell, UNWRITTEN_LEN};
use super::calls::{Call, Checker, Expect};
use super::inputs::NameArg;

/// Maximum number of scopes read one by one to check the scope accessors.
const MAX_SCOPES_READ: usize = 64;

/// Initial value of `int64_t` out-parameters.
const UNWRITTEN_I64: i64 = i64::MIN + 0x5a5a;

/// Initial value of `double` out-parameters, a value no fixed token has.
const UNWRITTEN_F64: f64 = -1.0e-300;

/// Initial value of `bool` out-parameters, which are read back as a byte: neither
/// `false` nor `true`.
const UNWRITTEN_BOOL: u8 = 0x5a;

/// Initial value of enum out-parameters, read back as their `int`.
const UNWRITTEN_ENUM: u32 = u32::MAX;

/// The target of an unwritten pointer out-parameter.
static UNWRITTEN: u8 = 0;

// The `bool` and enum out-parameters are passed as pointers to a `u8` and a `u32`.
const _: () = assert!(size_of::<bool>() == 1);
const _: () = assert!(size_of::<tokenguard_ffi::tg_json_type>() == 4);

/// A validated token: its handle and what `tg_validator_validate` returned for it.
pub struct LiveToken {
    /// The handle.
    pub ptr: *mut tg_token,
    /// The verified header JSON, `None` for a token without one: an introspected
    /// token or a client assertion.
    pub header: Option<String>,
    /// The verified claims JSON.
    pub payload: String,
}

/// A call of the `tg_token_` functions.
#[derive(Arbitrary, Debug)]
pub enum TokenCall<'a> {
    /// Every accessor of the header and registered claims, with these arguments.
    Registered {
        /// The index of `tg_token_audience` and `tg_token_scope`.
        index: IndexArg,
        /// The buffer of every string result.
        buf: BufArg,
        /// Every other out-parameter.
        out: OutArg,
        /// The scope of `tg_token_has_scope`.
        scope: NameArg<'a>,
    },
    /// Every typed claim accessor on one claim name.
    Claim {
        /// The claim name.
        name: NameArg<'a>,
        /// The index of `tg_token_claim_array_string`.
        index: IndexArg,
        /// The buffer of the string results.
        buf: BufArg,
        /// Every other out-parameter.
        out: OutArg,
    },
    /// The borrowed header and payload, and the algorithm name.
    Parts {
        /// The pointer out-parameters.
        ptr: OutArg,
        /// The length out-parameters.
        len: OutArg,
    },
}

/// The token a call uses: the handle, NULL when none, and the core's reading of it.
struct Target<'t> {
    ptr: *const tg_token,
    model: Option<Model<'t>>,
}

/// The core's reading of a verified token.
struct Model<'t> {
    header: Option<Object<'t>>,
    claims: Claims<'t>,
    token: &'t LiveToken,
}

impl Target<'_> {
    fn faults(&self) -> Faults {
        Faults::null_if(self.ptr.is_null())
    }
}

/// Runs `call` on `token`, or on NULL when there is none.
pub fn run(checker: &mut Checker, token: Option<&LiveToken>, call: &TokenCall<'_>) {
    let target = Target {
        ptr: token.map_or(std::ptr::null(), |token| token.ptr.cast_const()),
        model: token.map(|token| Model {
            header: token
                .header
                .as_ref()
                .map(|header| json::parse_object(header.as_bytes()).expect("verified header")),
            claims: Claims::parse(token.payload.as_bytes()).expect("verified claims"),
            token,
        }),
    };
    match *call {
        TokenCall::Registered {
            index,
            buf,
            out,
            scope,
        } => {
            strings(checker, &target, buf);
            dates(checker, &target, out);
            audiences(checker, &target, index.value(), buf, out);
            scopes(checker, &target, index.value(), buf, out, scope);
        }
        TokenCall::Claim {
            name,
            index,
            buf,
            out,
        } => claim(checker, &target, name, index.value(), buf, out),
        TokenCall::Parts { ptr, len } => check_parts(checker, &target, ptr, len),
    }
}

/// A `tg_token_` function with a string result.
type StringFn = unsafe extern "C" fn(*const tg_token, *mut u8, usize, *mut usize) -> tg_status;

/// A `tg_token_` function with a date result.
type DateFn = unsafe extern "C" fn(*const tg_token, *mut i64) -> tg_status;

fn strings(checker: &mut Checker, target: &Target<'_>, buf: BufArg) {
    let model = target.model.as_ref();
    let kid = model.map(|model| {
        let header = model.header.as_ref();
        let kid = header.and_then(|header| header.get("kid").and_then(|kid| kid.as_str()));
        kid.map(|kid| kid.unescaped().into_owned())
    });
    let claim = |pick: for<'c> fn(&Claims<'c>) -> Option<JsonStr<'c>>| {
        model.map(|model| pick(&model.claims).map(|text| text.unescaped().into_owned()))
    };
    let accessors: [(&'static str, StringFn, Option<Option<String>>); 5] = [
        ("tg_token_key_id", tg_token_key_id, kid),
        (
            "tg_token_subject",
            tg_token_subject,
            claim(|claims| claims.subject()),
        ),
        (
            "tg_token_issuer",
            tg_token_issuer,
            claim(|claims| claims.issuer()),
        ),
        (
            "tg_token_client_id",
            tg_token_client_id,
            claim(|claims| claims.client_id()),
        ),
        (
            "tg_token_jwt_id",
            tg_token_jwt_id,
            claim(|claims| claims.jwt_id()),
        ),
    ];
    for (name, function, expected) in accessors {
        let expect = match &expected {
            None => Expect::Unknown,
            Some(None) => Expect::Status(TG_NOT_FOUND),
            Some(Some(text)) => Expect::Value(text.as_str()),
        };
        let ptr = target.ptr;
        let call = Call::new(name).with(target.faults());
        // SAFETY: `ptr` is NULL or a live token, and the checker passes a buffer
        // valid for its length and a valid or NULL `out_len`.
        let f = |buf, len, out_len| unsafe { function(ptr, buf, len, out_len) };
        checker.string(call, buf, expect, &f);
    }
    if let Some(model) = model {
        assert!(
            model.claims.issuer().is_some(),
            "a verified token without iss"
        );
    }
}

fn dates(checker: &mut Checker, target: &Target<'_>, out: OutArg) {
    let claims = target.model.as_ref().map(|model| &model.claims);
    let accessors: [(&'static str, DateFn, Option<Option<i64>>); 3] = [
        (
            "tg_token_expires_at",
            tg_token_expires_at,
            claims.map(|claims| claims.expires_at().map(|date| date.seconds())),
        ),
        (
            "tg_token_issued_at",
            tg_token_issued_at,
            claims.map(|claims| claims.issued_at().map(|date| date.seconds())),
        ),
        (
            "tg_token_not_before",
            tg_token_not_before,
            claims.map(|claims| claims.not_before().map(|date| date.seconds())),
        ),
    ];
    for (name, function, expected) in accessors {
        let expect = match expected {
            None => Expect::Unknown,
            Some(None) => Expect::Status(TG_NOT_FOUND),
            Some(Some(seconds)) => Expect::Value(seconds),
        };
        let ptr = target.ptr;
        let call = Call::new(name).with(target.faults());
        // SAFETY: `ptr` is NULL or a live token, and the out-parameter is valid or NULL.
        let f = |out| unsafe { function(ptr, out) };
        checker.value(call, out, UNWRITTEN_I64, expect, f);
    }
    if let Some(claims) = claims {
        assert!(
            claims.expires_at().is_some(),
            "a verified token without exp"
        );
    }
}

fn audiences(checker: &mut Checker, target: &Target<'_>, index: usize, buf: BufArg, out: OutArg) {
    let ptr = target.ptr;
    let expected: Option<Vec<String>> = target.model.as_ref().map(|model| {
        let audiences = model.claims.audiences();
        audiences.map(|aud| aud.unescaped().into_owned()).collect()
    });

    let expect = expected
        .as_ref()
        .map_or(Expect::Unknown, |list| Expect::Value(list.len()));
    let call = Call::new("tg_token_audience_count").with(target.faults());
    // SAFETY: `ptr` is NULL or a live token, and the out-parameter is valid or NULL.
    let f = |out| unsafe { tg_token_audience_count(ptr, out) };
    checker.value(call, out, UNWRITTEN_LEN, expect, f);

    let expect = match &expected {
        None => Expect::Unknown,
        Some(list) => list
            .get(index)
            .map_or(Expect::Status(TG_OUT_OF_RANGE), |aud| {
                Expect::Value(aud.as_str())
            }),
    };
    let call = Call::new("tg_token_audience").with(target.faults());
    // SAFETY: as above, with a buffer valid for its length.
    let f = |buf, len, out_len| unsafe { tg_token_audience(ptr, index, buf, len, out_len) };
    checker.string(call, buf, expect, &f);
}

/// Checks the scope accessors against each other: the count, every scope by index,
/// and `tg_token_has_scope`. Which claims grant scopes depends on the validator's
/// `scope_claims`, which a token does not show, so the list equals the `scope`
/// claim's values only when the token has one.
fn scopes(
    checker: &mut Checker,
    target: &Target<'_>,
    index: usize,
    buf: BufArg,
    out: OutArg,
    scope: NameArg<'_>,
) {
    let ptr = target.ptr;
    let call = Call::new("tg_token_scope_count").with(target.faults());
    // SAFETY: `ptr` is NULL or a live token, and the out-parameter is valid or NULL.
    let f = |out| unsafe { tg_token_scope_count(ptr, out) };
    checker.value(call, out, UNWRITTEN_LEN, Expect::Unknown, f);

    let granted = target.model.as_ref().and_then(|model| {
        let list = read_scopes(checker, ptr)?;
        if model.claims.get("scope").is_some() {
            let from_scope: Vec<String> = model
                .claims
                .scopes()
                .map(|scope| scope.unescaped().into_owned())
                .collect();
            assert_eq!(list, from_scope, "the scopes of a token with a scope claim");
        }
        if model.claims.get("scope").is_none() && model.claims.scp().is_none() {
            assert!(list.is_empty(), "scopes of a token without scope and scp");
        }
        Some(list)
    });

    let expect = match &granted {
        None => Expect::Unknown,
        Some(list) => list
            .get(index)
            .map_or(Expect::Status(TG_OUT_OF_RANGE), |scope| {
                Expect::Value(scope.as_str())
            }),
    };
    let call = Call::new("tg_token_scope").with(target.faults());
    // SAFETY: as above, with a buffer valid for its length.
    let f = |buf, len, out_len| unsafe { tg_token_scope(ptr, index, buf, len, out_len) };
    checker.string(call, buf, expect, &f);

    let scope = scope.input();
    let expect = match (&granted, scope.text()) {
        (Some(list), Some(text)) => Expect::Value(u8::from(list.iter().any(|s| s == text))),
        _ => Expect::Unknown,
    };
    let call = Call::new("tg_token_has_scope")
        .with(target.faults())
        .with(scope.text_faults());
    // SAFETY: `ptr` is NULL or a live token, the scope input is NULL or valid for
    // its length, and the `bool` out-parameter is a valid byte or NULL.
    let f = |out: *mut u8| unsafe { tg_token_has_scope(ptr, scope.ptr(), scope.len(), out.cast()) };
    checker.value(call, out, UNWRITTEN_BOOL, expect, f);
}

/// Reads the count and then every scope of a live token with valid arguments, or
/// `None` when there are more than [`MAX_SCOPES_READ`].
fn read_scopes(checker: &mut Checker, ptr: *const tg_token) -> Option<Vec<String>> {
    let call = Call::new("tg_token_scope_count");
    // SAFETY: `ptr` is a live token and the out-parameter is valid.
    let f = |out| unsafe { tg_token_scope_count(ptr, out) };
    let count = checker.value(call, OutArg::Valid, UNWRITTEN_LEN, Expect::Unknown, f);
    let count = count.expect("tg_token_scope_count with valid arguments");

    if count > MAX_SCOPES_READ {
        return None;
    }
    let mut scopes = Vec::new();
    for index in 0..count {
        let call = Call::new("tg_token_scope");
        // SAFETY: as above, with a buffer valid for its length.
        let f = |buf, len, out_len| unsafe { tg_token_scope(ptr, index, buf, len, out_len) };
        let scope = checker.string(call, BufArg::Small(16), Expect::Unknown, &f);
        let scope = scope.unwrap_or_else(|| panic!("tg_token_scope {index} of {count}"));
        assert!(!scope.is_empty(), "tg_token_scope returned an empty scope");

        let call = Call::new("tg_token_has_scope");
        // SAFETY: `ptr` is a live token, the scope is valid for its length, and the
        // `bool` out-parameter is a valid byte.
        let f = |out: *mut u8| unsafe {
            tg_token_has_scope(ptr, scope.as_ptr(), scope.len(), out.cast())
        };
        let granted = Expect::Value(1);
        checker.value(call, OutArg::Valid, UNWRITTEN_BOOL, granted, f);
        scopes.push(scope);
    }
    Some(scopes)
}

/// The results the typed claim accessors must return for one claim.
struct ClaimExpect<'v> {
    value: Option<Value<'v>>,
    known: bool,
}

impl<'v> ClaimExpect<'v> {
    fn status_or<T>(&self, read: impl FnOnce(Value<'v>) -> Expect<T>) -> Expect<T> {
        match self.value {
            _ if !self.known => Expect::Unknown,
            None => Expect::Status(TG_NOT_FOUND),
            Some(value) => read(value),
        }
    }
}

fn claim(
    checker: &mut Checker,
    target: &Target<'_>,
    name: NameArg<'_>,
    index: usize,
    buf: BufArg,
    out: OutArg,
) {
    let ptr = target.ptr;
    let name = name.input();
    let faults = target.faults().and(name.text_faults());
    let claims = target.model.as_ref().map(|model| &model.claims);
    let expect = match (claims, name.text()) {
        (Some(claims), Some(text)) => ClaimExpect {
            value: claims.get(text),
            known: true,
        },
        _ => ClaimExpect {
            value: None,
            known: false,
        },
    };
    let (name_ptr, name_len) = (name.ptr(), name.len());

    let json_type = expect.status_or(json_type);
    let call = Call::new("tg_token_claim_type").with(faults);
    // SAFETY: `ptr` is NULL or a live token, the name is NULL or valid for its
    // length, and the enum out-parameter is a valid `int` or NULL.
    let f = |out: *mut u32| unsafe { tg_token_claim_type(ptr, name_ptr, name_len, out.cast()) };
    checker.value(call, out, UNWRITTEN_ENUM, json_type, f);

    let text = expect.status_or(|value| match value {
        Value::String(text) => Expect::Value(text.unescaped().into_owned()),
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_string").with(faults);
    // SAFETY: as above, with a buffer valid for its length.
    let f = |buf, len, out_len| unsafe {
        tg_token_claim_string(ptr, name_ptr, name_len, buf, len, out_len)
    };
    checker.string(call, buf, borrow(&text), &f);

    let number = expect.status_or(|value| match value {
        Value::Number(number) if number.as_f64().is_finite() => Expect::Value(number.as_f64()),
        Value::Number(_) => Expect::Status(TG_OUT_OF_RANGE),
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_number").with(faults);
    // SAFETY: as above, with a `double` out-parameter.
    let f = |out| unsafe { tg_token_claim_number(ptr, name_ptr, name_len, out) };
    let double = checker.value(call, out, UNWRITTEN_F64, number, f);

    let integer = expect.status_or(|value| match value {
        Value::Number(number) => number
            .as_i64()
            .map_or(Expect::Status(TG_OUT_OF_RANGE), Expect::Value),
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_int64").with(faults);
    // SAFETY: as above, with an `int64_t` out-parameter.
    let f = |out| unsafe { tg_token_claim_int64(ptr, name_ptr, name_len, out) };
    let int64 = checker.value(call, out, UNWRITTEN_I64, integer, f);
    if let (Some(int64), Some(double)) = (int64, double) {
        // Both are the nearest double of the same integer.
        #[allow(clippy::cast_precision_loss)]
        let rounded = int64 as f64;
        assert_eq!(rounded, double, "claim_int64 and claim_number disagree");
    }

    let boolean = expect.status_or(|value| match value {
        Value::Bool(value) => Expect::Value(u8::from(value)),
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_bool").with(faults);
    // SAFETY: as above, with the `bool` out-parameter as a valid byte or NULL.
    let f = |out: *mut u8| unsafe { tg_token_claim_bool(ptr, name_ptr, name_len, out.cast()) };
    checker.value(call, out, UNWRITTEN_BOOL, boolean, f);

    let length = expect.status_or(|value| match value {
        Value::Array(items) => Expect::Value(items.iter().count()),
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_array_len").with(faults);
    // SAFETY: as above, with a `size_t` out-parameter.
    let f = |out| unsafe { tg_token_claim_array_len(ptr, name_ptr, name_len, out) };
    checker.value(call, out, UNWRITTEN_LEN, length, f);

    let element = expect.status_or(|value| match value {
        Value::Array(items) => match items.iter().nth(index) {
            None => Expect::Status(TG_OUT_OF_RANGE),
            Some(Value::String(text)) => Expect::Value(text.unescaped().into_owned()),
            Some(_) => Expect::Status(TG_TYPE_MISMATCH),
        },
        _ => Expect::Status(TG_TYPE_MISMATCH),
    });
    let call = Call::new("tg_token_claim_array_string").with(faults);
    // SAFETY: as above, with a buffer valid for its length.
    let f = |buf, len, out_len| unsafe {
        tg_token_claim_array_string(ptr, name_ptr, name_len, index, buf, len, out_len)
    };
    checker.string(call, buf, borrow(&element), &f);
}

/// Returns the `tg_json_type` value of a claim, as the `int` it is passed as.
fn json_type(value: Value<'_>) -> Expect<u32> {
    match value {
        Value::Bool(_) => Expect::Value(1),
        Value::Number(_) => Expect::Value(2),
        Value::String(_) => Expect::Value(3),
        Value::Array(_) => Expect::Value(4),
        Value::Object(_) => Expect::Value(5),
        Value::Null => Expect::Status(TG_NOT_FOUND),
    }
}

fn borrow(expect: &Expect<String>) -> Expect<&str> {
    match expect {
        Expect::Value(text) => Expect::Value(text.as_str()),
        Expect::Status(status) => Expect::Status(*status),
        Expect::Success => Expect::Success,
        Expect::Unknown => Expect::Unknown,
    }
}

/// Checks `tg_token_payload`, `tg_token_header` and `tg_token_algorithm`.
fn check_parts(checker: &mut Checker, target: &Target<'_>, ptr_arg: OutArg, len_arg: OutArg) {
    type PartFn = unsafe extern "C" fn(*const tg_token, *mut *const u8, *mut usize) -> tg_status;
    let model = target.model.as_ref();
    // A token without a header returns TG_NOT_FOUND for it.
    let parts: [(&'static str, PartFn, Option<Option<&str>>); 2] = [
        (
            "tg_token_payload",
            tg_token_payload,
            model.map(|model| Some(model.token.payload.as_str())),
        ),
        (
            "tg_token_header",
            tg_token_header,
            model.map(|model| model.token.header.as_deref()),
        ),
    ];
    for (name, function, expected) in parts {
        let mut out_ptr = OutCell::new(ptr_arg, &UNWRITTEN as *const u8);
        let mut out_len = OutCell::new(len_arg, UNWRITTEN_LEN);
        let call = Call::new(name)
            .with(target.faults())
            .with(out_ptr.faults())
            .with(out_len.faults());
        let (ptr, text_ptr, len_ptr) = (target.ptr, out_ptr.ptr(), out_len.ptr());
        // SAFETY: `ptr` is NULL or a live token, and the out-parameters are valid or
        // NULL.
        let status = checker.invoke(call, || unsafe { function(ptr, text_ptr, len_ptr) });
        if status != TG_OK {
            out_ptr.assert_untouched(name);
            out_len.assert_untouched(name);
            if let (Some(expected), false) = (expected, call.faults.any()) {
                assert!(expected.is_none(), "{name} returned {status}");
                assert_eq!(status, TG_NOT_FOUND, "{name} of a token without one");
            }
            continue;
        }
        // SAFETY: on success the pointer and length describe text the token owns.
        let text = unsafe { std::slice::from_raw_parts(out_ptr.get(), out_len.get()) };
        if let Some(expected) = expected {
            let expected = expected.unwrap_or_else(|| panic!("{name} of a token without one"));
            assert_eq!(text, expected.as_bytes(), "{name} changed");
        }
        json::parse_object(text).unwrap_or_else(|fault| panic!("{name} is not an object: {fault}"));
    }

    let mut out_name = OutCell::new(ptr_arg, &UNWRITTEN as *const u8 as *const c_char);
    let call = Call::new("tg_token_algorithm")
        .with(target.faults())
        .with(out_name.faults());
    let (ptr, name_ptr) = (target.ptr, out_name.ptr());
    // SAFETY: `ptr` is NULL or a live token, and the out-parameter is valid or NULL.
    let status = checker.invoke(call, || unsafe { tg_token_algorithm(ptr, name_ptr) });
    let header = model.map(|model| model.header.as_ref());
    if status != TG_OK {
        out_name.assert_untouched("tg_token_algorithm");
        if let (Some(header), false) = (header, call.faults.any()) {
            assert!(header.is_none(), "tg_token_algorithm returned {status}");
            assert_eq!(status, TG_NOT_FOUND, "tg_token_algorithm without a header");
        }
        return;
    }
    // SAFETY: on success the out-parameter points to a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr(out_name.get()) };
    let name = name.to_str().expect("algorithm names are ASCII");
    assert!(
        Algorithm::from_name(name).is_ok(),
        "tg_token_algorithm returned {name:?}"
    );
    if let Some(header) = header {
        let header = header.expect("tg_token_algorithm of a token without a header");
        let alg = header.get("alg").and_then(|alg| alg.as_str());
        let alg = alg.expect("a verified header has alg").unescaped();
        assert_eq!(name, alg, "tg_token_algorithm and the header alg differ");
    }
}
