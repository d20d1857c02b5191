//! [`RedisCache`]: installation tokens shared by a fleet of workers through
//! Redis (or Valkey), with one token request per key for the whole fleet.
//!
//! Layout in the store, for a key of app `A`, installation `I`:
//! `{prefix}icr:A:I:{digest}:token` holds the token (its value below) and
//! expires when the token enters its renewal margin; `…:lock` is the
//! fleet's lock for making it, a random owner id set with `NX` and a lease
//! (`PX`) that its holder extends while its token request runs and deletes
//! (only if still its own) when done. `digest` is SHA-256 of the base URL
//! and the permissions, so keys stay short and say no more than ids.
//!
//! A value is one format byte and its body: `1` and the token as JSON, or
//! `2` and AES-256-GCM (a random 96-bit nonce, then the ciphertext and its
//! tag) of that JSON, with the entry's own key name as associated data, so
//! an entry copied under another key does not open. A cache with an
//! encryption key reads only encrypted entries; one without, only plain
//! ones.
//!
//! When Redis cannot be reached (an error, or no answer within the
//! timeout) the cache says so once in a `tracing` warning and answers as an
//! empty store that shares no lock: each worker makes and keeps its own
//! tokens (the client keeps them in memory anyway). It tries Redis again a
//! second later at the earliest, and says when it is back.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{CacheFuture, CacheKey, CachedToken, Lead, Lease, TokenCache};
use crate::DateTime;
use crate::secret::SecretToken;

/// How long one call to Redis may take before the store counts as out of
/// reach, unless [`RedisCache::timeout`] says otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long a lock holder's lease lasts without being extended, unless
/// [`RedisCache::lease`] says otherwise. A holder extends it every third of
/// that while its token request runs; a holder that dies loses it after
/// this long.
const DEFAULT_LEASE: Duration = Duration::from_secs(10);
/// After Redis failed, how long it is left alone before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

const PLAIN: u8 = 1;
const SEALED: u8 = 2;

/// Extends a lease if its owner still holds it.
const EXTEND: &str = r#"if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end"#;
/// Deletes a lock if its owner still holds it.
const RELEASE: &str = r#"if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end"#;

/// What went wrong setting up a [`RedisCache`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisCacheError {
    /// The URL does not name a Redis server the client can talk to.
    #[error("the Redis URL {url} cannot be used: {reason}")]
    BadUrl {
        /// The URL, without its password.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The encryption key is not 32 bytes (256 bits), as base64 or raw.
    #[error("the token cache's encryption key cannot be used: {reason}")]
    BadEncryptionKey {
        /// What is wrong with it; the key itself is never shown.
        reason: String,
    },
}

/// The key that encrypts tokens at rest in a [`RedisCache`]: 256 random
/// bits, the same for every worker of the fleet (e.g. from a secret store,
/// as base64: `openssl rand -base64 32`). Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct EncryptionKey([u8; 32]);

impl EncryptionKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RedisCacheError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| RedisCacheError::BadEncryptionKey {
                reason: format!("it is {} bytes long, not 32", bytes.len()),
            })?;
        Ok(Self(bytes))
    }

    /// A key from its base64 text (standard alphabet, padded or not).
    pub fn from_base64(text: &str) -> Result<Self, RedisCacheError> {
        let text = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| RedisCacheError::BadEncryptionKey {
                reason: "it is not base64".to_owned(),
            })?;
        Self::from_bytes(&bytes)
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

/// Installation tokens in Redis, shared by every worker that points at the
/// same server with the same prefix (and encryption key).
///
/// ```no_run
/// # fn run(app: icr_api::App) -> Result<(), Box<dyn std::error::Error>> {
/// use icr_api::cache::{EncryptionKey, RedisCache};
///
/// let key = EncryptionKey::from_base64(&std::env::var("ICR_TOKEN_CACHE_KEY")?)?;
/// let cache = RedisCache::new("redis://cache.internal:6379/0")?.prefix("release-notes:").encrypt_with(key);
/// let app = app.with_token_cache(std::sync::Arc::new(cache));
/// # Ok(()) }
/// ```
///
/// It connects on first use, and reconnects by itself. Entries expire when
/// their token enters its renewal margin; a token the server refused is
/// replaced once for the whole fleet (the first worker to see the refusal
/// makes the new one; the others find it in place of the refused one).
#[derive(Clone)]
pub struct RedisCache {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    /// Made on first use: the connection manager needs a running runtime.
    connection: Mutex<Option<ConnectionManager>>,
    /// The URL without its password, for `Debug`.
    shown_url: String,
    prefix: String,
    cipher: Option<Arc<LessSafeKey>>,
    timeout: Duration,
    lease: Duration,
    health: Mutex<Health>,
}

/// Whether Redis answered last time, and when to try it again if not.
#[derive(Default)]
struct Health {
    down_until: Option<Instant>,
    down: bool,
}

impl fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisCache")
            .field("url", &self.inner.shown_url)
            .field("prefix", &self.inner.prefix)
            .field("encrypted", &self.inner.cipher.is_some())
            .field("timeout", &self.inner.timeout)
            .field("lease", &self.inner.lease)
            .finish()
    }
}

impl RedisCache {
    /// A cache on the Redis server at `url` (`redis://[:password@]host:port/db`,
    /// or `rediss://` for TLS). Nothing is sent until the cache is used.
    pub fn new(url: &str) -> Result<Self, RedisCacheError> {
        let shown_url = without_password(url);
        let bad = |reason: String| RedisCacheError::BadUrl {
            url: shown_url.clone(),
            reason,
        };
        let client = redis::Client::open(url).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                connection: Mutex::new(None),
                shown_url,
                prefix: String::new(),
                cipher: None,
                timeout: DEFAULT_TIMEOUT,
                lease: DEFAULT_LEASE,
                health: Mutex::new(Health::default()),
            }),
        })
    }

    /// Puts `prefix` before every key, to share a Redis with others
    /// (`"release-notes:"`).
    pub fn prefix(self, prefix: &str) -> Self {
        self.with(|inner| inner.prefix = prefix.to_owned())
    }

    /// Encrypts every token with `key` (AES-256-GCM), so that reading the
    /// store does not hand tokens out. Every worker of the fleet needs the
    /// same key.
    pub fn encrypt_with(self, key: EncryptionKey) -> Self {
        self.with(|inner| {
            // A 32-byte key is what AES-256 takes; nothing else can fail.
            inner.cipher = UnboundKey::new(&AES_256_GCM, &key.0)
                .ok()
                .map(|key| Arc::new(LessSafeKey::new(key)));
        })
    }

    /// How long one call to Redis may take, connecting included, before the
    /// store counts as out of reach (default 500 ms).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.with(|inner| inner.timeout = timeout)
    }

    /// How long a lock lasts when its holder stops extending it, i.e. how
    /// long the fleet waits for a worker that died making a token (default
    /// 10 s). A holder extends it while its token request runs, however
    /// long that takes.
    pub fn lease(self, lease: Duration) -> Self {
        self.with(|inner| inner.lease = lease.max(Duration::from_millis(30)))
    }

    fn with(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            client: shared.client.clone(),
            connection: Mutex::new(None),
            shown_url: shared.shown_url.clone(),
            prefix: shared.prefix.clone(),
            cipher: shared.cipher.clone(),
            timeout: shared.timeout,
            lease: shared.lease,
            health: Mutex::new(Health::default()),
        });
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }
}

impl Inner {
    /// The name of the entry or lock (`what`) of `key`.
    fn name(&self, key: &CacheKey, what: &str) -> String {
        let digest = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            format!("{}\n{}", key.base_url, key.permissions).as_bytes(),
        );
        let digest: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "{}icr:{}:{}:{digest}:{what}",
            self.prefix, key.app_id, key.installation_id
        )
    }

    /// The connection manager, made on first use. It reconnects by itself;
    /// the only time limit on a call is this cache's `timeout`.
    fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(made) = connection.as_ref() {
            return Ok(made.clone());
        }
        let made = ConnectionManager::new_lazy_with_config(
            self.client.clone(),
            ConnectionManagerConfig::new()
                .set_connection_timeout(None)
                .set_response_timeout(None)
                .set_number_of_retries(1),
        )?;
        *connection = Some(made.clone());
        Ok(made)
    }

    /// Runs one call to Redis, unless Redis failed less than
    /// [`RETRY_AFTER`] ago; `None` when it was not run or failed.
    async fn call<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Option<T> {
        if !self.may_try() {
            return None;
        }
        let mut connection = match self.connection() {
            Ok(connection) => connection,
            Err(error) => return self.settle(Ok(Err(error))),
        };
        let outcome = tokio::time::timeout(self.timeout, async {
            match command.query_async::<T>(&mut connection).await {
                // The connection manager finds a dead connection by using
                // it, and reconnects then: one more try, within the time.
                Err(error) if is_connection_error(&error) => {
                    command.query_async::<T>(&mut connection).await
                }
                other => other,
            }
        })
        .await;
        self.settle(outcome)
    }

    /// Runs a Lua script, as [`call`](Self::call) does a command.
    async fn script(&self, script: &redis::Script, key: &str, args: (&str, u64)) -> Option<i64> {
        if !self.may_try() {
            return None;
        }
        let mut connection = match self.connection() {
            Ok(connection) => connection,
            Err(error) => return self.settle(Ok(Err(error))),
        };
        let mut invocation = script.key(key);
        invocation.arg(args.0).arg(args.1);
        let outcome = tokio::time::timeout(self.timeout, async {
            match invocation.invoke_async::<i64>(&mut connection).await {
                Err(error) if is_connection_error(&error) => {
                    invocation.invoke_async::<i64>(&mut connection).await
                }
                other => other,
            }
        })
        .await;
        self.settle(outcome)
    }

    fn may_try(&self) -> bool {
        let health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        health
            .down_until
            .is_none_or(|until| Instant::now() >= until)
    }

    /// Records how a call went: the first failure after a success is
    /// warned about, the first success after a failure noted.
    fn settle<T>(
        &self,
        outcome: Result<redis::RedisResult<T>, tokio::time::error::Elapsed>,
    ) -> Option<T> {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(Ok(value)) => {
                if health.down {
                    tracing::info!(
                        redis = %self.shown_url,
                        "Redis answers again; installation tokens are shared with the fleet again"
                    );
                }
                *health = Health::default();
                Some(value)
            }
            // Redis answered, with an error (an entry of another type, a
            // script refused): this call failed, Redis did not.
            Ok(Err(error)) if !is_connection_error(&error) && !error.is_timeout() => {
                tracing::debug!(
                    redis = %self.shown_url,
                    reason = error_kind(&error),
                    "a Redis call failed"
                );
                None
            }
            failed => {
                let reason = match &failed {
                    Ok(Err(error)) => error_kind(error),
                    _ => "no answer in time",
                };
                if !health.down {
                    tracing::warn!(
                        redis = %self.shown_url,
                        reason,
                        "Redis is out of reach; this worker makes and keeps its installation tokens on its own until it is back"
                    );
                }
                health.down = true;
                health.down_until = Some(Instant::now() + RETRY_AFTER);
                None
            }
        }
    }

    fn seal(&self, name: &str, token: &CachedToken) -> Option<Vec<u8>> {
        let stored = Stored {
            token: token.token.expose_secret(),
            expires_at: token.expires_at,
            created_at: token.created_at,
            permissions: &token.permissions,
            base_url: &token.key.base_url,
            app_id: token.key.app_id,
            installation_id: token.key.installation_id,
            key_permissions: &token.key.permissions,
        };
        let json = serde_json::to_vec(&stored).ok()?;
        let Some(cipher) = &self.cipher else {
            let mut value = vec![PLAIN];
            value.extend_from_slice(&json);
            return Some(value);
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).ok()?;
        let mut sealed = json;
        cipher
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut sealed,
            )
            .ok()?;
        let mut value = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        value.push(SEALED);
        value.extend_from_slice(&nonce);
        value.extend_from_slice(&sealed);
        Some(value)
    }

    /// The token in an entry, or why it cannot be read.
    fn open(&self, name: &str, value: &[u8]) -> Result<CachedToken, &'static str> {
        let mut opened;
        let json: &[u8] = match (value.split_first(), &self.cipher) {
            (Some((&PLAIN, json)), None) => json,
            (Some((&SEALED, rest)), Some(cipher)) => {
                if rest.len() < NONCE_LEN {
                    return Err("it is too short");
                }
                let (nonce, sealed) = rest.split_at(NONCE_LEN);
                let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce")?;
                opened = sealed.to_vec();
                cipher
                    .open_in_place(nonce, Aad::from(name.as_bytes()), &mut opened)
                    .map_err(|_| "it does not open with this cache's key under this name")?
            }
            (Some((&PLAIN, _)), Some(_)) => {
                return Err("it is not encrypted, and this cache reads only encrypted entries");
            }
            (Some((&SEALED, _)), None) => {
                return Err("it is encrypted, and this cache has no key");
            }
            _ => return Err("its format is unknown"),
        };
        let stored: Owned = serde_json::from_slice(json).map_err(|_| "it is not a token entry")?;
        Ok(CachedToken {
            token: SecretToken::new(stored.token),
            expires_at: stored.expires_at,
            created_at: stored.created_at,
            permissions: stored.permissions,
            key: CacheKey {
                base_url: stored.base_url,
                app_id: stored.app_id,
                installation_id: stored.installation_id,
                permissions: stored.key_permissions,
            },
        })
    }
}

/// A token entry's JSON, written.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Stored<'a> {
    token: &'a str,
    expires_at: DateTime,
    created_at: DateTime,
    permissions: &'a std::collections::BTreeMap<String, String>,
    base_url: &'a str,
    app_id: i64,
    installation_id: i64,
    key_permissions: &'a str,
}

/// A token entry's JSON, read.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Owned {
    token: String,
    expires_at: DateTime,
    created_at: DateTime,
    permissions: std::collections::BTreeMap<String, String>,
    base_url: String,
    app_id: i64,
    installation_id: i64,
    key_permissions: String,
}

impl TokenCache for RedisCache {
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>> {
        Box::pin(async move {
            let inner = &self.inner;
            let name = inner.name(key, "token");
            let value: Option<Vec<u8>> = inner.call(redis::cmd("GET").arg(&name)).await?;
            match inner.open(&name, &value?) {
                Ok(token) => Some(token),
                Err(reason) => {
                    tracing::warn!(
                        entry = %name,
                        reason,
                        "a token entry in Redis cannot be read; a new token is made"
                    );
                    None
                }
            }
        })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let inner = &self.inner;
            // Kept until the token enters its renewal margin, counted on
            // the server's clock from when it was made.
            let ttl = (token.expires_at - crate::app::renewal_margin(&token) - token.created_at)
                .num_milliseconds();
            let Ok(ttl) = u64::try_from(ttl) else {
                return;
            };
            if ttl == 0 {
                return;
            }
            let name = inner.name(key, "token");
            let Some(value) = inner.seal(&name, &token) else {
                return;
            };
            let _: Option<()> = inner
                .call(redis::cmd("SET").arg(&name).arg(value).arg("PX").arg(ttl))
                .await;
        })
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()> {
        Box::pin(async move {
            let name = self.inner.name(key, "token");
            let _: Option<i64> = self.inner.call(redis::cmd("DEL").arg(&name)).await;
        })
    }

    fn lead<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Lead> {
        Box::pin(async move {
            let inner = &self.inner;
            let name = inner.name(key, "lock");
            let mut owner = [0u8; 16];
            if SystemRandom::new().fill(&mut owner).is_err() {
                return Lead::Alone;
            }
            let owner: String = owner.iter().map(|b| format!("{b:02x}")).collect();
            let lease = u64::try_from(inner.lease.as_millis()).unwrap_or(u64::MAX);
            let taken: Option<Option<String>> = inner
                .call(
                    redis::cmd("SET")
                        .arg(&name)
                        .arg(&owner)
                        .arg("NX")
                        .arg("PX")
                        .arg(lease),
                )
                .await;
            match taken {
                None => {
                    // The `SET` may still land once Redis answers again:
                    // then the lock is this worker's, and is given up.
                    tokio::spawn(release_when_back(Arc::clone(&self.inner), name, owner));
                    Lead::Alone
                }
                Some(None) => {
                    // Every lock this cache sets ends; one that does not was
                    // set by something else, and would hold the key for
                    // ever: it gets this cache's lease.
                    let ttl: Option<i64> = inner.call(redis::cmd("PTTL").arg(&name)).await;
                    if ttl == Some(-1) {
                        let _: Option<i64> = inner
                            .call(redis::cmd("PEXPIRE").arg(&name).arg(lease))
                            .await;
                    }
                    Lead::Wait
                }
                Some(Some(_)) => Lead::Leader(Box::new(RedisLease::start(
                    Arc::clone(&self.inner),
                    name,
                    owner,
                ))),
            }
        })
    }
}

/// Deletes a lock `owner` may hold, once Redis answers (tried for a few
/// seconds after a lead that got no answer).
async fn release_when_back(inner: Arc<Inner>, name: String, owner: String) {
    let script = redis::Script::new(RELEASE);
    for _ in 0..5 {
        tokio::time::sleep(RETRY_AFTER).await;
        if inner.script(&script, &name, (&owner, 0)).await.is_some() {
            return;
        }
    }
}

/// A worker's hold on a key's lock: extended in the background until it is
/// released or dropped.
struct RedisLease {
    inner: Arc<Inner>,
    name: String,
    owner: String,
    keeper: tokio::task::JoinHandle<()>,
    released: bool,
}

impl RedisLease {
    fn start(inner: Arc<Inner>, name: String, owner: String) -> Self {
        let keeper = tokio::spawn({
            let (inner, name, owner) = (Arc::clone(&inner), name.clone(), owner.clone());
            async move {
                let script = redis::Script::new(EXTEND);
                let lease = u64::try_from(inner.lease.as_millis()).unwrap_or(u64::MAX);
                loop {
                    tokio::time::sleep(inner.lease / 3).await;
                    // Lost (it ran out and another took it): nothing more to
                    // extend. Unreachable for now: try again next time.
                    if inner.script(&script, &name, (&owner, lease)).await == Some(0) {
                        break;
                    }
                }
            }
        });
        Self {
            inner,
            name,
            owner,
            keeper,
            released: false,
        }
    }
}

impl Lease for RedisLease {
    fn release(mut self: Box<Self>) -> CacheFuture<'static, ()> {
        self.released = true;
        self.keeper.abort();
        let (inner, name, owner) = (
            Arc::clone(&self.inner),
            std::mem::take(&mut self.name),
            std::mem::take(&mut self.owner),
        );
        Box::pin(async move {
            let _ = inner
                .script(&redis::Script::new(RELEASE), &name, (&owner, 0))
                .await;
        })
    }
}

impl Drop for RedisLease {
    fn drop(&mut self) {
        self.keeper.abort();
        if self.released {
            return;
        }
        // Dropped mid-flight (the request was cancelled): give the lock up
        // now rather than make the fleet wait out the lease.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (inner, name, owner) = (
                Arc::clone(&self.inner),
                std::mem::take(&mut self.name),
                std::mem::take(&mut self.owner),
            );
            runtime.spawn(async move {
                let _ = inner
                    .script(&redis::Script::new(RELEASE), &name, (&owner, 0))
                    .await;
            });
        }
    }
}

/// Whether `error` is the connection's rather than the command's.
fn is_connection_error(error: &redis::RedisError) -> bool {
    error.is_connection_dropped() || error.is_connection_refusal() || error.is_io_error()
}

/// What kind of failure a Redis error is, in words that carry nothing of
/// the server's configuration.
fn error_kind(error: &redis::RedisError) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connection_refusal() {
        "connection refused"
    } else if error.is_connection_dropped() || error.is_io_error() {
        "connection lost"
    } else {
        "an error answer"
    }
}

/// `url` with any password replaced by `***`, and without its query
/// (where a Unix socket URL carries `pass=`) or fragment.
fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            if parsed.query().is_some() {
                parsed.set_query(Some("***"));
            }
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}
