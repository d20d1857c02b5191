//! Where installation access tokens are kept between requests:
//! [`TokenCache`], a trait so that a fleet of workers can share tokens
//! through a store of their choice, and [`MemoryCache`], the in-process
//! default.
//!
//! Tokens are keyed by everything that makes one token unfit for another
//! use ([`CacheKey`]): the server, the app, the installation and the
//! permissions asked for.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use crate::DateTime;
use crate::grants::Grant;
use crate::secret::SecretToken;

/// What a token is for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// The API's base URL.
    pub base_url: String,
    /// The app.
    pub app_id: i64,
    /// The installation.
    pub installation_id: i64,
    /// The permissions asked for, `issues:write,projects:read`.
    pub permissions: String,
}

impl CacheKey {
    pub(crate) fn new(base_url: &str, app_id: i64, installation_id: i64, grants: &[Grant]) -> Self {
        let mut permissions: Vec<String> = grants
            .iter()
            .map(|g| format!("{}:{}", g.permission, g.level))
            .collect();
        permissions.sort();
        Self {
            base_url: base_url.to_owned(),
            app_id,
            installation_id,
            permissions: permissions.join(","),
        }
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} app {} installation {} [{}]",
            self.base_url, self.app_id, self.installation_id, self.permissions
        )
    }
}

/// A token as kept in a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedToken {
    /// The token; its `Debug` is redacted.
    pub token: SecretToken,
    /// When the server said it expires.
    pub expires_at: DateTime,
    /// When it was created, on the server's clock.
    pub created_at: DateTime,
    /// The permissions the server granted it, by name (`"issues": "read"`).
    pub permissions: std::collections::BTreeMap<String, String>,
    /// What it was made for: the key it was first kept under. The client
    /// uses a token read back only for the same key, so a cache that finds
    /// tokens by less than the whole key never hands one installation's
    /// token to another.
    pub key: CacheKey,
}

/// What the cache's methods return.
pub type CacheFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A store of installation access tokens. Implementations must be cheap to
/// call concurrently; the client calls `get` before every request.
pub trait TokenCache: Send + Sync + 'static {
    /// The token kept for `key`, if any (fresh or not: the client decides).
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>>;
    /// Keeps `token` for `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()>;
    /// Forgets the token for `key`.
    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()>;
}

/// Tokens in this process's memory.
#[derive(Default)]
pub struct MemoryCache {
    tokens: Mutex<HashMap<CacheKey, CachedToken>>,
}

impl fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.tokens.lock().map(|t| t.len()).unwrap_or_default();
        f.debug_struct("MemoryCache")
            .field("tokens", &count)
            .finish()
    }
}

impl TokenCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>> {
        let found = self
            .tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned();
        Box::pin(async move { found })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone(), token);
        Box::pin(async {})
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
        Box::pin(async {})
    }
}
