//! Where installation access tokens are kept between requests:
//! [`TokenCache`], a trait so that a fleet of workers can share tokens
//! through a store of their choice, [`MemoryCache`], the in-process
//! default, and (feature `redis`) `RedisCache`, a fleet's shared one.
//!
//! Tokens are keyed by everything that makes one token unfit for another
//! use ([`CacheKey`]): the server, the app, the installation and the
//! permissions asked for.
//!
//! The client asks the cache only when it has no good token of its own:
//! every installation client of an app shares one token per key in memory,
//! so a request whose token is warm makes no call to the cache. When a
//! token must be made, the client first takes this process's lock for the
//! key, then asks the cache to [`lead`](TokenCache::lead): a cache shared
//! by several processes answers with a lease on a lock of its own, so that
//! one token request is made for the whole fleet while the others wait for
//! its token to land.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};

use crate::DateTime;
use crate::grants::Grant;
use crate::secret::SecretToken;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
pub use redis::{EncryptionKey, RedisCache, RedisCacheError};

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

/// A store of installation access tokens, called concurrently. The client
/// calls it only when the token it holds in memory for a key is missing or
/// due for renewal, never for a request whose token is warm.
///
/// A store that cannot be reached should answer as if it were empty (a miss,
/// a no-op, [`Lead::Alone`]) rather than wait: the client then makes and
/// keeps its tokens on its own until the store is back.
pub trait TokenCache: Send + Sync + 'static {
    /// The token kept for `key`, if any (fresh or not: the client decides).
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>>;
    /// Keeps `token` for `key`, replacing what was there.
    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()>;
    /// Forgets the token for `key`.
    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()>;
    /// Asks to be the one that makes the token for `key` among every
    /// process sharing this store. Called with this process's own lock for
    /// `key` held, after `get` found no usable token.
    ///
    /// The default, for a store no other process shares, is
    /// [`Lead::Alone`]: this process's lock is enough.
    fn lead<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Lead> {
        let _ = key;
        Box::pin(async { Lead::Alone })
    }
}

/// The answer of [`TokenCache::lead`].
pub enum Lead {
    /// This process makes the token: the lease holds the store's lock for
    /// the key until it is released (after the token is `put`, or after
    /// the attempt failed) or dropped.
    Leader(Box<dyn Lease>),
    /// Another process holds the lock: look in the store again shortly.
    Wait,
    /// The store shares no lock (it is this process's own, or out of reach
    /// now): this process makes the token under its own lock.
    Alone,
}

impl fmt::Debug for Lead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Leader(_) => "Leader",
            Self::Wait => "Wait",
            Self::Alone => "Alone",
        })
    }
}

/// A process's hold on a shared store's lock for one key.
pub trait Lease: Send {
    /// Gives the lock up, if it is still this lease's (a lease that ran out
    /// and was taken by another process is left to it).
    fn release(self: Box<Self>) -> CacheFuture<'static, ()>;
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
