//! [`App`]: an ICR App, from its id and private key, and everything that
//! makes "act as an installation" one call: JWTs signed and reused, the
//! installation found (by organization, by id, from a webhook, or by
//! listing), and installation clients whose tokens are created lazily,
//! cached, shared between concurrent requests and renewed before they
//! expire (see [`TokenSource`]).
//!
//! Time comes from the server: every answer's `Date` header corrects the
//! local clock ([`Client::server_now`]), and JWT and token times are
//! computed on the corrected clock, so a machine whose clock is off by
//! minutes still gets its JWTs accepted and its tokens renewed in time.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::TimeDelta;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::cache::{CacheKey, CachedToken, Lead, MemoryCache, TokenCache};
use crate::client::{AppClient, Caller, Client, ClientConfig, InstallationClient};
use crate::error::{Error, Result};
use crate::grants::{Declaration, Grant, Permission};
use crate::limits::RateGate;
use crate::secret::SecretToken;
use crate::{Call, DateTime, apps, models};

/// How far back a JWT's `iat` is set, for clocks that are slightly apart.
const JWT_BACKDATE: TimeDelta = TimeDelta::seconds(60);
/// How long after `iat` a JWT expires: under ICR's ten-minute cap.
const JWT_LIFETIME: TimeDelta = TimeDelta::seconds(9 * 60);
/// A JWT is signed anew when it has less than this left.
const JWT_RENEW_BEFORE: TimeDelta = TimeDelta::seconds(60);
/// A token is renewed when it has less than this left.
pub(crate) const TOKEN_RENEW_BEFORE: TimeDelta = TimeDelta::minutes(5);
/// A token younger than this that gets a 401 is retried as it is once:
/// the servers may not all know it yet.
const TOKEN_REPLICATION_WINDOW: TimeDelta = TimeDelta::seconds(10);
/// How long to wait before that retry.
pub(crate) const REPLICATION_WAIT: Duration = Duration::from_millis(500);
/// While another process makes a token, the store is looked at again after
/// this long, then twice as long each time, up to `FLEET_POLL_LAST`.
const FLEET_POLL_FIRST: Duration = Duration::from_millis(10);
const FLEET_POLL_LAST: Duration = Duration::from_millis(200);

/// An ICR App: its id, its private key and the server it talks to. Cheap to
/// clone; clones share the JWT, the token cache and the installations found.
#[derive(Clone)]
pub struct App {
    inner: Arc<AppInner>,
}

struct AppInner {
    id: i64,
    client: Client,
    key: EncodingKey,
    /// The JWT in use and when it expires (server clock).
    jwt: Mutex<Option<(SecretToken, DateTime)>>,
    cache: Arc<dyn TokenCache>,
    /// One lock per token being created, so that concurrent requests on a
    /// cold or expiring token make one token request between them, and
    /// share its failure (see [`Flight`]).
    flights: Mutex<HashMap<CacheKey, Arc<tokio::sync::Mutex<Flight>>>>,
    /// The token in use for each key, shared by every installation client
    /// of the app: a request whose token is warm here asks no cache (which
    /// may be remote), however its client was made.
    warm: Mutex<Warm>,
    /// Installation ids found by organization.
    by_organization: Mutex<HashMap<i64, i64>>,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("id", &self.inner.id)
            .field("base_url", &self.inner.client.base_url())
            .field("private_key", &"[redacted]")
            .finish()
    }
}

impl App {
    /// The app `app_id` with its private key (PEM text, PKCS#1 or PKCS#8),
    /// talking to the server `config` names. Fails with [`Error::BadKey`]
    /// when the key is not an RSA private key that can sign.
    pub fn new(app_id: i64, private_key_pem: &str, config: ClientConfig) -> Result<Self> {
        let key =
            EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(|e| Error::BadKey {
                reason: format!("it is not an RSA private key in PEM ({e})"),
            })?;
        let app = Self::assemble(
            app_id,
            Client::new(config)?,
            key,
            Arc::new(MemoryCache::default()),
        );
        // A key can parse and still not sign; better to know now. The JWT
        // is kept for the first requests.
        app.jwt()?;
        Ok(app)
    }

    /// The same, with the private key read from a PEM file.
    pub fn from_key_file(
        app_id: i64,
        path: impl AsRef<Path>,
        config: ClientConfig,
    ) -> Result<Self> {
        let path = path.as_ref();
        let pem = std::fs::read_to_string(path).map_err(|e| Error::BadKey {
            reason: format!("the key file {} cannot be read: {e}", path.display()),
        })?;
        Self::new(app_id, &pem, config)
    }

    /// The same app, keeping its installation tokens in `cache` (e.g. one
    /// shared by a fleet of workers) rather than in this process's memory.
    /// Call it before cloning the app.
    pub fn with_token_cache(self, cache: Arc<dyn TokenCache>) -> Self {
        let inner = &self.inner;
        let app = Self::assemble(inner.id, inner.client.clone(), inner.key.clone(), cache);
        let signed = inner
            .jwt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        *app.inner.jwt.lock().unwrap_or_else(PoisonError::into_inner) = signed;
        app
    }

    /// An app with nothing signed, cached or found yet.
    fn assemble(id: i64, client: Client, key: EncodingKey, cache: Arc<dyn TokenCache>) -> Self {
        Self {
            inner: Arc::new(AppInner {
                id,
                client,
                key,
                jwt: Mutex::new(None),
                cache,
                flights: Mutex::new(HashMap::new()),
                warm: Mutex::new(Warm::default()),
                by_organization: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The app's id.
    pub fn id(&self) -> i64 {
        self.inner.id
    }

    /// The transport.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The app's JWT: the one in use while it has more than a minute left,
    /// otherwise a new one (RS256, `iss` the app id, `iat` a minute in the
    /// past and `exp` nine minutes after it, on the server's clock).
    pub fn jwt(&self) -> Result<SecretToken> {
        let now = self.inner.client.server_now();
        let mut jwt = self
            .inner
            .jwt
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((token, expires)) = jwt.as_ref()
            && *expires - now > JWT_RENEW_BEFORE
        {
            return Ok(token.clone());
        }
        let (token, expires) = self.sign()?;
        *jwt = Some((token.clone(), expires));
        Ok(token)
    }

    fn sign(&self) -> Result<(SecretToken, DateTime)> {
        let issued = self.inner.client.server_now() - JWT_BACKDATE;
        let expires = issued + JWT_LIFETIME;
        let claims = serde_json::json!({
            "iat": issued.timestamp(),
            "exp": expires.timestamp(),
            "iss": self.inner.id.to_string(),
        });
        let token = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.inner.key)
            .map_err(|e| Error::BadKey {
                reason: format!("it cannot sign a JWT ({e})"),
            })?;
        tracing::debug!(app_id = self.inner.id, expires = %expires, "signed a new app JWT");
        Ok((SecretToken::new(token), expires))
    }

    fn forget_jwt(&self) {
        *self
            .inner
            .jwt
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// A client for the `/app` endpoints, with the current JWT.
    pub fn app_client(&self) -> Result<AppClient> {
        AppClient::with_jwt(self.inner.client.clone(), self.jwt()?)
    }

    /// Runs an `/app` request. A 401 after which the server's `Date` showed
    /// the local clock to be off is retried once with a JWT signed on the
    /// corrected clock; any other 401 is [`Error::JwtRejected`].
    pub(crate) async fn app_call<T>(
        &self,
        call: impl for<'c> Fn(&'c AppClient) -> Call<'c, T>,
    ) -> Result<T> {
        let mut retried = false;
        loop {
            let offset = self.inner.client.clock_offset_ms();
            let client = self.app_client()?;
            match call(&client).await {
                Err(Error::Api(error)) if error.status == 401 => {
                    if !retried && self.inner.client.clock_offset_ms() != offset {
                        tracing::debug!(
                            app_id = self.inner.id,
                            offset_ms = self.inner.client.clock_offset_ms(),
                            "the server's clock differs from ours; signing the JWT again"
                        );
                        retried = true;
                        self.forget_jwt();
                        continue;
                    }
                    return Err(Error::JwtRejected {
                        app_id: self.inner.id,
                        message: error.message.clone(),
                        request_id: error.request_id.clone(),
                    });
                }
                other => return other,
            }
        }
    }

    /// The app as the server describes it (`GET /app`).
    pub async fn describe(&self) -> Result<models::App> {
        self.app_call(|c| apps::get_authenticated_app(c)).await
    }

    /// The id of the app's installation on `organization`
    /// (`GET /app/organizations/{organizationId}/installation`), found once
    /// and then remembered until the installation is found gone.
    pub async fn installation_id_for_organization(&self, organization: i64) -> Result<i64> {
        if let Some(id) = self.by_organization().get(&organization) {
            return Ok(*id);
        }
        let found = self
            .app_call(|c| apps::get_organization_installation(c, organization))
            .await
            .map_err(|error| match error {
                Error::Api(e) if e.status == 404 => Error::NotInstalled {
                    app_id: self.inner.id,
                    organization,
                    message: e.message,
                },
                other => other,
            })?;
        self.by_organization().insert(organization, found.id);
        Ok(found.id)
    }

    fn by_organization(&self) -> std::sync::MutexGuard<'_, HashMap<i64, i64>> {
        self.inner
            .by_organization
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every installation of the app, all pages of `GET /app/installations`.
    pub async fn installations(&self) -> Result<Vec<models::Installation>> {
        // Every page, by its `next` links, 100 at a time; the whole walk is
        // done again (once) if the server's clock showed the JWT to be off.
        self.app_call(|c| Box::pin(apps::list_installations(c).pages().all()))
            .await
    }

    /// A client acting as installation `id`, typed by the app's declaration
    /// `P`. No request is made until the client is used.
    pub fn installation<P: Declaration>(&self, id: i64) -> InstallationClient<P> {
        InstallationClient::managed(
            self.inner.client.clone(),
            Arc::new(TokenSource::new(
                self.clone(),
                id,
                P::requested().into(),
                P::catalog(),
                P::NAME,
            )),
        )
    }

    /// A client acting as the app's installation on `organization`.
    pub async fn installation_for_organization<P: Declaration>(
        &self,
        organization: i64,
    ) -> Result<InstallationClient<P>> {
        let id = self.installation_id_for_organization(organization).await?;
        Ok(self.installation(id))
    }

    /// A client acting as the installation a webhook delivery was made for
    /// (its payload's `installation.id`). It takes only a delivery whose
    /// signature [`webhooks::verify`](crate::webhooks::verify) checked: an
    /// unsigned body naming another organization's installation would
    /// otherwise act there.
    pub fn installation_from_webhook<P: Declaration>(
        &self,
        delivery: &crate::webhooks::VerifiedDelivery,
    ) -> Result<InstallationClient<P>> {
        Ok(self.installation(delivery.installation_id()?))
    }

    /// The slot of the token in use for `key`.
    fn warm_slot(&self, key: &CacheKey) -> WarmSlot {
        let mut warm = self
            .inner
            .warm
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if warm.slots.len() >= warm.prune_at {
            // Each time the map has doubled: forget the slots no client
            // holds whose token is due for renewal (or missing), so that it
            // holds the keys in use, not every key ever used.
            let now = self.inner.client.server_now_ms();
            warm.slots.retain(|_, slot| {
                Arc::strong_count(slot) > 1
                    || slot
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .as_ref()
                        .is_some_and(|ready| now < ready.renew_at_ms)
            });
            warm.prune_at = (warm.slots.len() * 2).max(Warm::FIRST_PRUNE);
        }
        Arc::clone(warm.slots.entry(key.clone()).or_default())
    }

    /// How many keys have a warm slot (for tests of pruning).
    #[doc(hidden)]
    pub fn __warm_slots(&self) -> usize {
        self.inner
            .warm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .slots
            .len()
    }

    fn flight(&self, key: &CacheKey) -> Arc<tokio::sync::Mutex<Flight>> {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(flights.entry(key.clone()).or_default())
    }

    /// Forgets the flights nobody waits on and whose last token request
    /// succeeded, so that the map holds only keys in use or failing (a
    /// failing key keeps its count of failures in a row, which its backoff
    /// grows with). A flight can be handed out only under the map's lock, so
    /// one that only the map holds stays unused while it is removed.
    fn prune_flights(&self) {
        let mut flights = self
            .inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        flights.retain(|_, flight| {
            Arc::strong_count(flight) > 1
                || flight
                    .try_lock()
                    .map_or(true, |flight| flight.failed.is_some())
        });
    }

    /// How many token flights are remembered (for tests of pruning).
    #[doc(hidden)]
    pub fn __flights(&self) -> usize {
        self.inner
            .flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The token requests of one key: the last failure, remembered briefly so
/// that every request waiting on the token gets that one outcome, and a
/// burst does not hammer a failing token endpoint (one token request per
/// window, the window doubling with each failure in a row, from
/// [`FAILURE_MEMORY`] to [`FAILURE_MEMORY_MAX`]).
#[derive(Default)]
pub(crate) struct Flight {
    failed: Option<Failed>,
}

struct Failed {
    error: Error,
    until: std::time::Instant,
    in_a_row: u32,
}

/// How long a failed token request is remembered at first.
const FAILURE_MEMORY: Duration = Duration::from_secs(2);
/// The longest it is remembered, after failures in a row.
const FAILURE_MEMORY_MAX: Duration = Duration::from_secs(30);

impl Flight {
    /// The failure still remembered, if any.
    fn remembered(&self) -> Option<Error> {
        self.failed
            .as_ref()
            .filter(|failed| std::time::Instant::now() < failed.until)
            .map(|failed| failed.error.clone())
    }

    /// Records how a token request ended.
    fn record(&mut self, outcome: &Result<CachedToken>) {
        match outcome {
            Ok(_) => self.failed = None,
            Err(error) => {
                let in_a_row = self.failed.as_ref().map_or(0, |f| f.in_a_row) + 1;
                let memory = FAILURE_MEMORY
                    .saturating_mul(1 << in_a_row.saturating_sub(1).min(8))
                    .min(FAILURE_MEMORY_MAX);
                self.failed = Some(Failed {
                    error: error.clone(),
                    until: std::time::Instant::now() + memory,
                    in_a_row,
                });
            }
        }
    }
}

/// A token on its way, from [`TokenSource::token`] or [`TokenSource::renew`].
pub(crate) type TokenFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Ready>> + Send + 'a>>;

/// A token ready to send: the token, and its `Authorization` header made
/// once (`None` when the token cannot be a header).
#[derive(Clone)]
pub(crate) struct Ready {
    pub(crate) token: Arc<CachedToken>,
    pub(crate) authorization: Option<reqwest::header::HeaderValue>,
    /// When the token enters its renewal margin, in Unix milliseconds on
    /// the server's clock (worked out once, not per request).
    renew_at_ms: i64,
}

impl Ready {
    pub(crate) fn new(token: Arc<CachedToken>) -> Self {
        Self {
            authorization: crate::client::authorization(&token.token),
            renew_at_ms: (token.expires_at - renewal_margin(&token)).timestamp_millis(),
            token,
        }
    }
}

/// Where the token in use for one key is kept (see `AppInner::warm`).
type WarmSlot = Arc<Mutex<Option<Ready>>>;

/// The warm slots of an app, by key.
struct Warm {
    slots: HashMap<CacheKey, WarmSlot>,
    /// The size at which slots nobody uses are next forgotten.
    prune_at: usize,
}

impl Warm {
    const FIRST_PRUNE: usize = 1024;
}

impl Default for Warm {
    fn default() -> Self {
        Self {
            slots: HashMap::new(),
            prune_at: Self::FIRST_PRUNE,
        }
    }
}

/// How long before its expiry a token is renewed: five minutes, or half
/// its lifetime for a token issued for less than ten.
pub(crate) fn renewal_margin(token: &CachedToken) -> TimeDelta {
    TOKEN_RENEW_BEFORE.min((token.expires_at - token.created_at) / 2)
}

/// Where a managed installation client gets its token: the cache while the
/// token there has more than [`TOKEN_RENEW_BEFORE`] left on the server's
/// clock, otherwise a new one, created once however many requests wait for
/// it.
pub(crate) struct TokenSource {
    app: App,
    installation_id: i64,
    grants: Arc<[Grant]>,
    catalog: &'static [Permission],
    declaration: &'static str,
    key: CacheKey,
    /// The installation's rate-limit gate.
    gate: Arc<RateGate>,
    /// The token in use for this key (shared with the app's other clients
    /// of the same key), checked when it came from the cache or the server:
    /// while it is fresh, requests take it without asking the cache (which
    /// may be remote) again.
    hot: WarmSlot,
}

impl TokenSource {
    fn new(
        app: App,
        installation_id: i64,
        grants: Arc<[Grant]>,
        catalog: &'static [Permission],
        declaration: &'static str,
    ) -> Self {
        let key = CacheKey::new(app.client().base_url(), app.id(), installation_id, &grants);
        Self {
            gate: app.client().gate(Some(installation_id)),
            hot: app.warm_slot(&key),
            app,
            installation_id,
            grants,
            catalog,
            declaration,
            key,
        }
    }

    pub(crate) fn installation_id(&self) -> i64 {
        self.installation_id
    }

    /// Whom this source's requests are sent for.
    pub(crate) fn caller(&self) -> Caller<'_> {
        Caller {
            gate: &self.gate,
            installation_id: Some(self.installation_id),
        }
    }

    /// The same installation, asking for `grants` instead.
    pub(crate) fn narrowed(&self, grants: Vec<Grant>, declaration: &'static str) -> Self {
        Self::new(
            self.app.clone(),
            self.installation_id,
            grants.into(),
            self.catalog,
            declaration,
        )
    }

    /// Whether `token` has more than its [renewal margin](renewal_margin)
    /// left.
    fn fresh(&self, token: &CachedToken) -> bool {
        token.expires_at - self.app.client().server_now() > renewal_margin(token)
    }

    /// The token kept for the next request, when it is good for a while
    /// yet: the path nearly every request takes, with no await.
    pub(crate) fn hot(&self) -> Option<Ready> {
        let hot = self.hot_slot();
        let ready = hot.as_ref()?;
        (self.app.client().server_now_ms() < ready.renew_at_ms).then(|| ready.clone())
    }

    /// The cached token for this source's key, if it is good for a while
    /// yet and was recorded with exactly the permissions asked for. A cache
    /// is pluggable (and may be shared, or keyed wrongly); a token it hands
    /// back for other permissions is not used under this declaration.
    async fn cached(&self) -> Option<CachedToken> {
        let token = self.app.inner.cache.get(&self.key).await?;
        let reported = || {
            token
                .permissions
                .iter()
                .map(|(name, level)| (name.as_str(), level.as_str()))
        };
        let fits = token.key == self.key
            && crate::grants::missing(&self.grants, reported()).is_empty()
            && crate::grants::beyond(&self.grants, self.catalog, reported()).is_empty();
        if !fits {
            tracing::warn!(
                installation_id = self.installation_id,
                key = %self.key,
                "the token cache returned a token made for another key or other permissions; ignoring it"
            );
            return None;
        }
        self.fresh(&token).then_some(token)
    }

    /// A token that is good for a while yet.
    ///
    /// (Boxed, as is [`renew`](Self::renew): making a token sends requests
    /// through `Client::execute`, which calls these, and the box ends that
    /// cycle in the types.)
    pub(crate) fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            if let Some(ready) = self.hot() {
                return Ok(ready);
            }
            let token = match self.cached().await {
                Some(token) => token,
                None => self.in_flight(None).await?,
            };
            Ok(self.keep(token))
        })
    }

    /// A new token to replace `refused`, unless another request replaced it
    /// already.
    pub(crate) fn renew<'a>(&'a self, refused: &'a SecretToken) -> TokenFuture<'a> {
        Box::pin(async move {
            {
                let mut hot = self.hot_slot();
                if hot
                    .as_ref()
                    .is_some_and(|ready| ready.token.token == *refused)
                {
                    *hot = None;
                }
            }
            let token = self.in_flight(Some(refused)).await?;
            Ok(self.keep(token))
        })
    }

    fn hot_slot(&self) -> std::sync::MutexGuard<'_, Option<Ready>> {
        self.hot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes `token` the one requests take from now on.
    fn keep(&self, token: CachedToken) -> Ready {
        let ready = Ready::new(Arc::new(token));
        *self.hot_slot() = Some(ready.clone());
        ready
    }

    /// A token made under this key's flight lock: the one another request
    /// (of this process or, through a shared cache, of another) made
    /// meanwhile (other than `refused`), the failure another request of
    /// this process met, or a new one. The lock is given up afterwards.
    async fn in_flight(&self, refused: Option<&SecretToken>) -> Result<CachedToken> {
        let flight = self.app.flight(&self.key);
        let outcome = async {
            let mut flight = flight.lock().await;
            let mut pause = FLEET_POLL_FIRST;
            let waited_since = tokio::time::Instant::now();
            loop {
                // Whoever held the lock before may have made the token
                // already, or failed to: then this request gets that same
                // outcome.
                if let Some(token) = self.usable(refused).await {
                    return Ok(token);
                }
                if let Some(error) = flight.remembered() {
                    return Err(error);
                }
                let lease = match self.app.inner.cache.lead(&self.key).await {
                    Lead::Alone => None,
                    Lead::Leader(lease) => Some(lease),
                    Lead::Wait
                        if waited_since.elapsed() >= self.app.client().inner().max_token_wait =>
                    {
                        // A lock that never ends (a store's fault, or a
                        // cache's bug) slows requests down, but cannot stop
                        // them.
                        tracing::warn!(
                            installation_id = self.installation_id,
                            key = %self.key,
                            "waited the longest allowed on another process's token request; making one here"
                        );
                        None
                    }
                    Lead::Wait => {
                        // Another process is making it: its token lands in
                        // the cache, or its lease ends and this one leads.
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(FLEET_POLL_LAST);
                        continue;
                    }
                };
                // Another process may have put it between the look above
                // and the lead.
                let outcome = match &lease {
                    Some(_) => match self.usable(refused).await {
                        Some(token) => Ok(token),
                        None => self.replace(refused).await,
                    },
                    None => self.replace(refused).await,
                };
                if let Some(lease) = lease {
                    // Apart from the request: a lease of the cache's own
                    // that is slow (or panics) to give up neither delays
                    // nor loses the token made.
                    if let Ok(release) =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lease.release()))
                    {
                        tokio::spawn(release);
                    }
                }
                flight.record(&outcome);
                return outcome;
            }
        }
        .await;
        drop(flight);
        self.app.prune_flights();
        outcome
    }

    /// The cached token, if it is good and not the one `refused`.
    async fn usable(&self, refused: Option<&SecretToken>) -> Option<CachedToken> {
        self.cached()
            .await
            .filter(|token| refused.is_none_or(|refused| token.token != *refused))
    }

    /// A new token, in place of the refused one if any.
    async fn replace(&self, refused: Option<&SecretToken>) -> Result<CachedToken> {
        if refused.is_some() {
            self.app.inner.cache.remove(&self.key).await;
        }
        self.mint().await
    }

    /// Whether `token` is new enough that a 401 may be replication lag.
    pub(crate) fn is_new(&self, token: &CachedToken) -> bool {
        self.app.client().server_now() - token.created_at < TOKEN_REPLICATION_WINDOW
    }

    async fn mint(&self) -> Result<CachedToken> {
        let (installation_id, catalog, declaration) =
            (self.installation_id, self.catalog, self.declaration);
        let created = self
            .app
            .app_call(|c| {
                let grants = Arc::clone(&self.grants);
                Box::pin(async move {
                    crate::installation::create_checked(
                        c,
                        installation_id,
                        &grants,
                        catalog,
                        declaration,
                    )
                    .await
                })
            })
            .await
            .map_err(|error| self.token_error(error))?;
        let now = self.app.client().server_now();
        if created.expires_at <= now {
            // Using it would fail, and asking again would likely get the
            // same: a failure, remembered like any other.
            return Err(Error::TokenRequestFailed {
                installation_id,
                source: Box::new(Error::Decode(Box::new(crate::error::DecodeError {
                    status: 201,
                    method: "POST".to_owned(),
                    path: format!("/app/installations/{installation_id}/accessTokens"),
                    content_type: None,
                    reason: format!(
                        "the new token expired at {}, before it was issued (the server's time was {now})",
                        created.expires_at
                    ),
                    body: bytes::Bytes::from_static(crate::installation::REDACTED_BODY),
                }))),
            });
        }
        if created.expires_at - now <= TOKEN_RENEW_BEFORE * 2 {
            tracing::warn!(
                installation_id,
                expires = %created.expires_at,
                "the server issued a token that lives less than ten minutes; it is renewed when half of its life is left"
            );
        }
        tracing::debug!(
            app_id = self.app.id(),
            installation_id,
            expires = %created.expires_at,
            "created an installation access token"
        );
        let permissions = created
            .permissions
            .iter()
            .map(|(name, level)| {
                (
                    name.clone(),
                    crate::installation::level_name(level).to_owned(),
                )
            })
            .collect();
        let token = CachedToken {
            token: created.token,
            expires_at: created.expires_at,
            created_at: now,
            permissions,
            key: self.key.clone(),
        };
        self.app.inner.cache.put(&self.key, token.clone()).await;
        Ok(token)
    }

    /// Sorts a failed token request by failure mode.
    fn token_error(&self, error: Error) -> Error {
        match error {
            Error::Api(e) if e.status == 404 => {
                // The installation is gone or was reinstalled under a new
                // id: forget every organization that pointed to it.
                self.app
                    .by_organization()
                    .retain(|_, id| *id != self.installation_id);
                Error::InstallationNotFound {
                    app_id: self.app.id(),
                    installation_id: self.installation_id,
                    message: e.message,
                }
            }
            error @ (Error::PermissionsNotGranted { .. }
            | Error::PermissionsExceeded { .. }
            | Error::JwtRejected { .. }
            | Error::BadKey { .. }) => error,
            other => Error::TokenRequestFailed {
                installation_id: self.installation_id,
                source: Box::new(other),
            },
        }
    }

    /// Revokes the cached token, if any (`DELETE /installation/token`), and
    /// forgets it.
    pub(crate) async fn revoke(&self) -> Result<()> {
        let hot = self.hot_slot().take();
        let token = match hot {
            Some(ready) => Some(ready.token.token.clone()),
            // Only a token made for this key: a cache keyed by less could
            // hand back another installation's.
            None => self
                .app
                .inner
                .cache
                .get(&self.key)
                .await
                .filter(|t| t.key == self.key)
                .map(|t| t.token),
        };
        let Some(token) = token else {
            return Ok(());
        };
        self.app.inner.cache.remove(&self.key).await;
        // Not a generated function: the operation needs no permission, so
        // the spec does not mark it.
        self.app
            .client()
            .execute(
                &crate::request::Request::delete("/installation/token")
                    .operation("apps/revokeInstallationAccessToken"),
                crate::client::Bearer::Token(&token),
                self.caller(),
            )
            .await?
            .empty()
    }
}
