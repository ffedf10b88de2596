//! Client assertion verification (RFC 7523 section 3): the receiving side.

use tokenguard_core::json::{self, Value};
use tokenguard_core::{
    AssertionVerifier, ClientRegistry, Error, JwkSet, Part, ScopeClaims, TokenBuffer,
    MAX_KEY_SET_BYTES,
};

use crate::boundary::{self, Failure, Out};
use crate::dpop::{algorithm_list, tg_replay_cache};
use crate::status::{self, tg_status, TG_INVALID_CONFIG, TG_MALFORMED};
use crate::token::tg_token;

/// Largest `clients` document accepted, in bytes: four times the largest JWK Set,
/// which bounds what a configuration mistake can cost to read.
const MAX_CLIENTS_BYTES: usize = 4 * MAX_KEY_SET_BYTES;

/// The rules for client assertions and each registered client's keys.
///
/// Immutable; any number of threads may use one verifier at once.
pub struct tg_assertion_verifier {
    verifier: AssertionVerifier,
    clients: ClientRegistry,
}

/// Builds a client assertion verifier and writes it to `*out_verifier`.
///
/// `audiences_ptr` lists the audiences this server accepts as its own (its token
/// endpoint URL, its issuer identifier), separated by single spaces; an assertion's `aud`
/// must contain one. `algorithms_ptr` lists the accepted algorithms the same way;
/// with `algorithms_len` 0 every asymmetric one is accepted, and HS* must be named
/// for `client_secret_jwt`. An assertion may expire at most
/// `max_lifetime_seconds` after now (the core's default is 300), and
/// `leeway_seconds` (0 to 300, default 30) applies to every time check.
/// `clients_ptr` is a JSON object whose members map each registered client's
/// identifier to that client's JWK Set, such as
/// `{"billing": {"keys": [...]}, "shipping": {"keys": [...]}}`. An assertion is
/// verified only with the keys of the client it names, so one client cannot
/// authenticate as another. The JSON reader keeps at most 256 member names open at
/// once, shared by the client identifiers and the members of the key being read,
/// so one document holds up to about 240 clients (248 when each key has the seven
/// members of an EC key with `kid`, `use` and `alg`). The inputs are copied; the
/// caller owns the verifier and frees it with `tg_assertion_verifier_free`.
///
/// # Errors
///
/// `TG_INVALID_CONFIG` for no audience, no client, an empty client identifier, an
/// empty algorithm list or a leeway above 300; `TG_INVALID_ARGUMENT` for an
/// unknown algorithm name; `TG_MALFORMED` when `clients_ptr` is not strict JSON
/// or a client's value is not an object; `TG_TOO_LARGE` above 4 MiB; the key set
/// errors of `tg_validator_new` for a client's JWK Set, with a message that
/// starts with "clients: " and names the client; `TG_INVALID_UTF8`;
/// `TG_NULL_POINTER`.
///
/// # Safety
///
/// Each `_ptr` must point to its `_len` readable bytes, or be NULL with length 0;
/// `out_verifier` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_new(
    audiences_ptr: *const u8,
    audiences_len: usize,
    algorithms_ptr: *const u8,
    algorithms_len: usize,
    max_lifetime_seconds: u32,
    leeway_seconds: u32,
    clients_ptr: *const u8,
    clients_len: usize,
    out_verifier: *mut *mut tg_assertion_verifier,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let audiences = unsafe { boundary::text(audiences_ptr, audiences_len, "audiences_ptr") }?;
        // SAFETY: as above.
        let names = unsafe { boundary::text(algorithms_ptr, algorithms_len, "algorithms_ptr") }?;
        // SAFETY: as above.
        let clients = unsafe { boundary::bytes(clients_ptr, clients_len, "clients_ptr") }?;
        let out = Out::new(out_verifier, "out_verifier")?;

        let audiences: Vec<&str> = if audiences.is_empty() {
            Vec::new()
        } else {
            audiences.split(' ').collect()
        };
        let mut verifier = AssertionVerifier::new(&audiences)?
            .with_max_lifetime(max_lifetime_seconds)
            .with_leeway(leeway_seconds)?;
        if !names.is_empty() {
            verifier = verifier.with_algorithms(algorithm_list(names, "algorithms_ptr")?)?;
        }
        let clients = read_clients(clients)?;
        let handle = tg_assertion_verifier { verifier, clients };
        // SAFETY: the caller promises `out_verifier` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(handle))) };
        Ok(())
    })
}

/// Verifies a client assertion at `now`, records its `jti` in `cache` so that it
/// is accepted once, and writes the verified assertion to `*out_token`.
///
/// The key that verifies the signature comes from the JWK Set of one client: the
/// request's `client_id` parameter, passed as `client_id_ptr`, when the request
/// has one (`client_id_len` not 0), else the assertion's `iss`, read before the
/// signature is verified only to choose the keys. The verified `iss` must then
/// equal that client. The checks: `typ` absent, `JWT` or `application/jwt`, the
/// client's keys, the signature, `iss` equal to `sub`, `iss` equal to the client,
/// `aud`, `exp` required and within the maximum lifetime, `nbf` and `iat` not in the future,
/// `jti` required, then the replay check. The token has no JWS header; read the client
/// identifier with `tg_token_claim_string` for "iss", and free it with
/// `tg_token_free`.
///
/// # Errors
///
/// The signature and structure errors of `tg_validator_validate`;
/// `TG_WRONG_TYPE`; `TG_UNKNOWN_CLIENT` when no keys are registered for the
/// client; `TG_MISSING_CLAIM` for `iss`, `sub`, `aud`, `exp` or `jti`;
/// `TG_INVALID_CLAIM` for an `iss` that is not a string, a `sub` other than `iss`
/// or an `exp` too far ahead; `TG_WRONG_ISSUER` for an `iss` other than the
/// request's `client_id`; `TG_WRONG_AUDIENCE`; `TG_EXPIRED`,
/// `TG_NOT_YET_VALID`, `TG_ISSUED_IN_FUTURE`; `TG_REPLAYED`;
/// `TG_REPLAY_CACHE_FULL`; `TG_INVALID_UTF8`; `TG_NULL_POINTER`.
///
/// # Safety
///
/// `verifier` and `cache` must be live handles; `assertion_ptr` and
/// `client_id_ptr` must point to `assertion_len` and `client_id_len` readable
/// bytes, or be NULL with length 0; `out_token` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_verify(
    verifier: *const tg_assertion_verifier,
    assertion_ptr: *const u8,
    assertion_len: usize,
    client_id_ptr: *const u8,
    client_id_len: usize,
    cache: *const tg_replay_cache,
    now: i64,
    out_token: *mut *mut tg_token,
) -> tg_status {
    boundary::call(|| {
        // SAFETY: the caller promises live handles.
        let verifier = unsafe { boundary::handle(verifier, "verifier") }?;
        // SAFETY: as above.
        let cache = unsafe { boundary::handle(cache, "cache") }?;
        // SAFETY: the caller promises each `_len` readable bytes at its `_ptr`.
        let assertion = unsafe { boundary::bytes(assertion_ptr, assertion_len, "assertion_ptr") }?;
        // SAFETY: as above.
        let client_id = unsafe { boundary::text(client_id_ptr, client_id_len, "client_id_ptr") }?;
        let out = Out::new(out_token, "out_token")?;

        // Assertions are at most 8192 bytes, which the default buffer holds.
        let mut buffer = TokenBuffer::new();
        let mut cache = cache.lock();
        let verified = verifier.verifier.verify(
            assertion,
            (!client_id.is_empty()).then_some(client_id),
            &verifier.clients,
            &mut cache,
            now,
            &mut buffer,
        )?;
        drop(cache);
        let token = tg_token::from_claims(verified.claims(), ScopeClaims::Scope);
        // SAFETY: the caller promises `out_token` is valid for a write.
        unsafe { out.write(Box::into_raw(Box::new(token))) };
        Ok(())
    })
}

/// Frees a client assertion verifier. NULL is ignored.
///
/// # Safety
///
/// `verifier` must be NULL or a verifier from `tg_assertion_verifier_new` that was
/// not freed yet, and no other call may use it while or after it is freed.
#[no_mangle]
pub unsafe extern "C" fn tg_assertion_verifier_free(verifier: *mut tg_assertion_verifier) {
    // SAFETY: the caller's promise is passed on.
    unsafe { boundary::free(verifier) }
}

/// Reads the `clients` document: a JSON object of client identifiers and JWK Sets.
fn read_clients(document: &[u8]) -> Result<ClientRegistry, Failure> {
    let in_clients = |error| Failure::core_in("clients", error);
    if document.len() > MAX_CLIENTS_BYTES {
        return Err(in_clients(Error::TooLarge {
            len: document.len(),
            max: MAX_CLIENTS_BYTES,
        }));
    }
    let malformed = |fault| {
        in_clients(Error::Malformed {
            part: Part::KeySet,
            fault,
        })
    };
    let object = json::parse_object(document).map_err(malformed)?;

    let mut clients = ClientRegistry::new();
    for (client_id, value) in object.members() {
        let client_id = client_id.unescaped();
        let Value::Object(jwks) = value else {
            return Err(Failure::new(
                TG_MALFORMED,
                format!("clients: the value of client '{client_id}' is not a JWK Set object"),
            ));
        };
        let in_client = |error: Error| {
            let message = format!("clients: client '{client_id}': {error}");
            Failure::new(status::of_error(&error), message)
        };
        let keys = JwkSet::from_json(jwks.as_text().as_bytes()).map_err(in_client)?;
        clients.insert(&client_id, keys).map_err(in_client)?;
    }
    if clients.is_empty() {
        return Err(Failure::new(
            TG_INVALID_CONFIG,
            "clients: at least one client with its JWK Set is required",
        ));
    }
    Ok(clients)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JWK Set of one P-256 key with seven members, as a registry shares it.
    const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"es256-1","use":"sig","alg":"ES256","x":"JmptwkRiSGgHKExQrC7xUZx_Xw09UOSX8rf6rPSwH8o","y":"wB-uWmdqv1JNtoalDMLszI3a7Wuvs-OOBmkWC6mX3X4"}]}"#;

    fn document(clients: usize) -> String {
        let members: Vec<String> = (0..clients)
            .map(|client| format!("\"client-{client}\":{JWKS}"))
            .collect();
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn clients_document_capacity() {
        let clients = read_clients(document(240).as_bytes()).unwrap();
        assert_eq!(clients.len(), 240);
        // Past the JSON reader's open member names, a clear error and no panic.
        let failure = read_clients(document(400).as_bytes()).unwrap_err();
        assert_eq!(failure.status(), TG_MALFORMED);
        assert!(failure.to_string().starts_with("clients: "), "{failure}");
    }

    #[test]
    fn client_key_set_errors_name_client() {
        let failure = read_clients(br#"{"billing":{"keys":7}}"#).unwrap_err();
        assert_eq!(failure.status(), TG_MALFORMED);
        assert!(
            failure
                .to_string()
                .starts_with("clients: client 'billing': "),
            "{failure}"
        );
    }
}
