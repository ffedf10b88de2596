//! The registered clients' keys, looked up by client identifier.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

use crate::error::Error;
use crate::jwk::JwkSet;

/// The keys registered for each client, looked up by client identifier.
///
/// [`AssertionVerifier::verify`](super::AssertionVerifier::verify) verifies an
/// assertion only with the keys of the client it names, so that one client's key
/// cannot sign an assertion for another. [`ClientRegistry`] holds the keys in
/// memory; implement this trait to read them from another store.
pub trait ClientKeys {
    /// Returns the JWK Set registered for `client_id`, or `None` for a client that
    /// is not registered.
    fn client_keys(&self, client_id: &str) -> Option<&JwkSet>;
}

/// Each registered client's JWK Set, by client identifier.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    clients: BTreeMap<Box<str>, JwkSet>,
}

impl ClientRegistry {
    /// Returns an empty registry.
    pub const fn new() -> Self {
        Self {
            clients: BTreeMap::new(),
        }
    }

    /// Registers `keys` as the keys of `client_id`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] for an empty `client_id` or one that is already
    /// registered: each client has exactly one key set.
    pub fn insert(&mut self, client_id: &str, keys: JwkSet) -> Result<(), Error> {
        if client_id.is_empty() {
            return Err(Error::InvalidConfig {
                field: "client_id",
                reason: "must not be empty",
            });
        }
        if self.clients.contains_key(client_id) {
            return Err(Error::InvalidConfig {
                field: "client_id",
                reason: "is already registered",
            });
        }
        self.clients.insert(client_id.into(), keys);
        Ok(())
    }

    /// Returns the number of registered clients.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Returns whether no client is registered.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Iterates over the registered client identifiers in sorted order.
    pub fn client_ids(&self) -> impl Iterator<Item = &str> {
        self.clients.keys().map(|client_id| &**client_id)
    }
}

impl ClientKeys for ClientRegistry {
    fn client_keys(&self, client_id: &str) -> Option<&JwkSet> {
        self.clients.get(client_id)
    }
}
