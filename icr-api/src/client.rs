//! The clients: [`Client`], the transport shared by everything, and the two
//! credentials it is used with: [`InstallationClient`] (an installation
//! access token, for the endpoints marked "Works with ICR Apps.") and
//! [`AppClient`] (the app's JWT, for the `/app` endpoints).
//!
//! All of them are cheap to clone: clones share one connection pool.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::Instrument;

use reqwest::header::HeaderValue;

use crate::DateTime;
use crate::app::{REPLICATION_WAIT, Ready, TokenSource};
use crate::error::{Error, Result, Stage};
use crate::grants::{Declaration, Requirement, Within};
use crate::limits::{RateGate, RateLimit};
use crate::request::{Request, Response};
use crate::retry::RetryPolicy;
use crate::secret::SecretToken;

/// The public ICR API.
pub const DEFAULT_BASE_URL: &str = "https://api.icr.dev";

/// How to reach an ICR server. Built from [`Default`] or
/// [`with_base_url`](Self::with_base_url) and the setters:
///
/// ```
/// use std::time::Duration;
///
/// let config = icr_api::ClientConfig::with_base_url("http://127.0.0.1:8787")
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(2));
/// let client = icr_api::Client::new(config)?;
/// # Ok::<(), icr_api::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API's base URL; requests go to this URL plus the operation's path.
    pub base_url: String,
    /// The `User-Agent` sent with every request.
    pub user_agent: String,
    /// How long one request may take, from connecting to the end of the body.
    pub timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// An HTTP client of the caller's own (proxies, TLS roots, middleware),
    /// used as it is: its timeouts, user agent and redirect policy apply
    /// instead of the ones above. Without one, the client follows redirects
    /// within the server's origin only.
    pub http: Option<reqwest::Client>,
    /// The largest answer body read; a larger one is
    /// [`Error::AnswerTooLarge`], and the rest of it is not read.
    pub max_answer_bytes: u64,
    /// When a failed request is sent again.
    pub retry: RetryPolicy,
    /// Where operations that the API description sends to a server of
    /// their own (an upload host, say) go instead, by that server's URL as
    /// the bindings hold it (the description's, its variables at their
    /// defaults; a trailing `/` does not matter). Unlisted ones go to the
    /// described server; see [`server`](Self::server).
    pub servers: std::collections::BTreeMap<String, String>,
    /// How long a request waits on another process's token request for the
    /// same key (through a token cache shared by a fleet) before it makes
    /// one of its own: longer than a token request takes with its retries,
    /// so that a lock that never ends slows requests down but cannot stop
    /// them.
    pub max_token_wait: Duration,
}

/// The base URL without any credentials written into it.
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: std::collections::BTreeMap<String, String> = self
            .servers
            .iter()
            .map(|(described, base)| (shown(described), shown(base)))
            .collect();
        f.debug_struct("ClientConfig")
            .field("base_url", &shown(&self.base_url))
            .field("servers", &servers)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field(
                "http",
                &self.http.as_ref().map(|_| "a caller's reqwest::Client"),
            )
            .field("max_answer_bytes", &self.max_answer_bytes)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_agent: concat!("icr-api-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            http: None,
            max_answer_bytes: 64 * 1024 * 1024,
            retry: RetryPolicy::default(),
            servers: std::collections::BTreeMap::new(),
            max_token_wait: Duration::from_secs(120),
        }
    }
}

impl ClientConfig {
    /// The default configuration with another base URL, e.g. an emulator's.
    pub fn with_base_url(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            ..Self::default()
        }
    }

    /// The same, with this total time limit per request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The same, with this time limit on connecting.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The same, with this `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The same, retrying as `policy` says.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The same, never sending a request twice.
    pub fn no_retries(self) -> Self {
        self.retry(RetryPolicy::never())
    }

    /// The same, reading answers of at most `bytes`.
    pub fn max_answer_bytes(mut self, bytes: u64) -> Self {
        self.max_answer_bytes = bytes;
        self
    }

    /// The same, waiting at most `wait` on another process's token request
    /// (see [`max_token_wait`](Self::max_token_wait)).
    pub fn max_token_wait(mut self, wait: Duration) -> Self {
        self.max_token_wait = wait;
        self
    }

    /// The same, sending the operations that the API description sends to
    /// `described` (e.g. `https://uploads.icr.dev`, an operation's own
    /// `servers`) to `base_url` instead: an emulator's, say, as
    /// [`with_base_url`](Self::with_base_url) does for the rest.
    pub fn server(mut self, described: impl Into<String>, base_url: impl Into<String>) -> Self {
        self.servers.insert(described.into(), base_url.into());
        self
    }

    /// The same, sending through `http`, an HTTP client built by the caller.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }
}

/// A URL as it may be shown: without the user name, password, query and
/// fragment it may hold (any of them may carry a secret: `?api_key=`).
fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let hidden = !parsed.username().is_empty()
                || parsed.password().is_some()
                || parsed.query().is_some()
                || parsed.fragment().is_some();
            if !hidden {
                return url.to_owned();
            }
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            format!("{parsed} (credentials, query and fragment removed)")
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}

/// `text` as a base URL requests can be sent under, or why not; `what`
/// names it in the error ("the base URL").
pub(crate) fn server_url(text: &str, what: &str) -> Result<reqwest::Url> {
    let invalid = |reason: String| Error::InvalidRequest {
        method: String::new(),
        path: String::new(),
        reason,
    };
    let url =
        reqwest::Url::parse(text).map_err(|err| invalid(format!("{what} is not a URL: {err}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // The client authenticates with tokens; credentials in the URL
        // would be sent, and shown wherever the URL is.
        return Err(invalid(format!(
            "{what} holds a user name or password; give it without them"
        )));
    }
    let shown = shown(text);
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{what} `{shown}` has a query or fragment; give it without"
        )));
    }
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(invalid(format!(
            "{what} `{shown}` is not an http or https URL"
        )));
    }
    Ok(url)
}

/// The transport: a base URL and a pool of connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: reqwest::Url,
    /// Where the operations the spec sends to other servers go instead,
    /// by the server's URL in the spec (`ClientConfig::server`).
    servers: HashMap<String, reqwest::Url>,
    pub(crate) max_answer_bytes: u64,
    pub(crate) max_token_wait: Duration,
    retry: RetryPolicy,
    /// How far the server's clock is ahead of ours, in milliseconds, as its
    /// last `Date` header showed (HTTP dates have whole seconds).
    clock_offset_ms: AtomicI64,
    /// The rate-limit gates, by installation (`None`: the app).
    gates: Mutex<HashMap<Option<i64>, Arc<RateGate>>>,
    /// The last `Date` header read.
    pub(crate) last_date: Mutex<Option<HeaderValue>>,
    /// The HTTP client's timeout per request, when it is ours (a caller's
    /// own client may have any).
    pub(crate) timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .finish()
    }
}

impl Client {
    /// A client for the server `config` describes. Fails when the base URL
    /// is not an absolute `http` or `https` URL.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let invalid = |reason: String| Error::InvalidRequest {
            method: String::new(),
            path: String::new(),
            reason,
        };
        let base_url = server_url(&config.base_url, "the base URL")?;
        let mut servers = HashMap::new();
        for (named, base) in &config.servers {
            let what = format!("the base URL for the server `{}`", shown(named));
            // `https://uploads.icr.dev` and `…/` are the same server.
            servers.insert(
                named.trim_end_matches('/').to_owned(),
                server_url(base, &what)?,
            );
        }
        let http = match &config.http {
            Some(http) => http.clone(),
            None => reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .timeout(config.timeout)
                .connect_timeout(config.connect_timeout)
                .redirect(same_origin_redirects())
                .build()
                .map_err(|err| invalid(format!("the HTTP client could not be set up: {err}")))?,
        };
        Ok(Self {
            inner: Arc::new(ClientInner {
                http,
                base_url,
                servers,
                max_answer_bytes: config.max_answer_bytes,
                max_token_wait: config.max_token_wait,
                retry: config.retry.clone(),
                clock_offset_ms: AtomicI64::new(0),
                gates: Mutex::new(HashMap::new()),
                last_date: Mutex::new(None),
                timeout: config.http.is_none().then_some(config.timeout),
            }),
        })
    }

    /// The base URL of a request the API description sends to `server`:
    /// the configuration's for it, else `server` itself (a path replaces
    /// the base URL's path).
    pub(crate) fn server_base(&self, server: &str, request: &Request) -> Result<reqwest::Url> {
        let key = server.trim_end_matches('/');
        if let Some(mapped) = self.inner.servers.get(key) {
            return Ok(mapped.clone());
        }
        let invalid = |error: Error| match error {
            Error::InvalidRequest { reason, .. } => Error::InvalidRequest {
                method: request.method.to_string(),
                path: request.template.to_owned(),
                reason,
            },
            other => other,
        };
        if server.starts_with('/') {
            let mut url = self.inner.base_url.clone();
            url.set_path(server);
            return Ok(url);
        }
        let what = format!("the server `{}` of the operation", shown(server));
        server_url(server, &what).map_err(invalid)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Now, on the server's clock as far as its `Date` headers tell: the
    /// local clock corrected by the offset last seen. JWT times and token
    /// expiry are computed with it, so a local clock that is off does not
    /// make the server refuse them.
    pub fn server_now(&self) -> DateTime {
        chrono::Utc::now() + chrono::TimeDelta::milliseconds(self.clock_offset_ms())
    }

    /// [`server_now`](Self::server_now) in Unix milliseconds, without
    /// calendar arithmetic.
    pub(crate) fn server_now_ms(&self) -> i64 {
        let local = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| {
                i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
            });
        local.saturating_add(self.clock_offset_ms())
    }

    /// How far the server's clock is ahead of the local one, in milliseconds.
    pub fn clock_offset_ms(&self) -> i64 {
        self.inner.clock_offset_ms.load(Ordering::Relaxed)
    }

    pub(crate) fn set_clock_offset_ms(&self, offset: i64) {
        self.inner.clock_offset_ms.store(offset, Ordering::Relaxed);
    }

    pub(crate) fn inner(&self) -> &ClientInner {
        &self.inner
    }

    /// The rate-limit gate of `installation_id`, or of the app itself for
    /// `None`: one per caller on this client, shared by all its clients.
    pub(crate) fn gate(&self, installation_id: Option<i64>) -> Arc<RateGate> {
        let mut gates = self
            .inner
            .gates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(gates.entry(installation_id).or_default())
    }

    /// Sends `request` with `bearer`'s token, on behalf of `caller`,
    /// retrying as the [`RetryPolicy`] allows. A success status gives the
    /// [`Response`] to decode; any other status is decoded into an
    /// [`Error`].
    ///
    /// Each call is one `icr.request` span (at `DEBUG`), with the method,
    /// the path template, the operation, the installation, and once it
    /// ends the status, the attempts made, the latency and the request id.
    pub(crate) async fn execute(
        &self,
        request: &Request,
        bearer: Bearer<'_>,
        caller: Caller<'_>,
    ) -> Result<Response> {
        let span = tracing::debug_span!(
            "icr.request",
            method = %request.method,
            path = request.template,
            operation = request.operation,
            installation_id = caller.installation_id,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut attempts = 0;
        let attempts_made = self.attempts(request, bearer, caller.gate, started, &mut attempts);
        // A disabled span (logging below `DEBUG`) is not entered on every poll.
        let outcome = if span.is_disabled() {
            attempts_made.await
        } else {
            attempts_made.instrument(span.clone()).await
        };
        if !span.is_disabled() {
            span.record("attempts", attempts);
            span.record("latency_ms", started.elapsed().as_millis() as u64);
            let (status, request_id) = match &outcome {
                Ok(response) => (Some(response.status), response.request_id()),
                Err(error) => (error.status(), error.request_id()),
            };
            if let Some(status) = status {
                span.record("status", status);
            }
            if let Some(request_id) = request_id {
                span.record("request_id", request_id);
            }
            span.in_scope(|| tracing::debug!(ok = outcome.is_ok(), "request finished"));
        }
        outcome
    }

    /// The attempts of [`execute`](Self::execute), each after the rate-limit
    /// gate and the backoff, all within the policy's `max_total`.
    ///
    /// A managed token the server refuses (401): a token younger than ten
    /// seconds is sent once more as it is after half a second (replication
    /// lag); otherwise (or then) it is renewed, and the request sent with
    /// the new one; a refusal after that is [`Error::TokenRejected`]. Each
    /// of these sends is an attempt like any other: within the policy's
    /// attempts and time, and only for a request that may be sent twice (a
    /// write without an `Idempotency-Key` gets the 401, with the token
    /// renewed for the next request).
    async fn attempts(
        &self,
        request: &Request,
        bearer: Bearer<'_>,
        gate: &RateGate,
        started: Instant,
        attempts: &mut u32,
    ) -> Result<Response> {
        let policy = &self.inner.retry;
        let mut managed: Option<Ready> = None;
        let mut refusals = 0;
        loop {
            // The gate may close for longer while a request waits at it:
            // it is looked at again after every wait.
            while let Some(wait) = gate.closed_for() {
                if wait > policy.max_rate_limit_wait
                    || started.elapsed().saturating_add(wait) > policy.max_total
                {
                    return Err(Error::RateLimited {
                        method: request.method.to_string(),
                        path: request.template.to_owned(),
                        retry_after_seconds: Some(
                            wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                        ),
                        reset: gate.last().and_then(|state| state.reset),
                        error: None,
                    });
                }
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "waiting for the rate limit to lift"
                );
                pause(wait).await;
            }
            let header = match (bearer, &managed) {
                (Bearer::Token(token), _) => authorization(token),
                (Bearer::Ready(header), _) => header.cloned(),
                (Bearer::Managed(_), Some(ready)) => ready.authorization.clone(),
                (Bearer::Managed(source), None) => {
                    let ready = match source.hot() {
                        Some(ready) => ready,
                        None => source.token().await?,
                    };
                    managed.insert(ready).authorization.clone()
                }
            };
            *attempts += 1;
            let left = policy.max_total.saturating_sub(started.elapsed());
            // (Values are kept out of the future's state across its waits
            // where they can be: a small future is a fast one.)
            let error = {
                let outcome = if self.inner.timeout.is_some() {
                    self.exchange(request, header, gate, left).await
                } else {
                    // A caller's own HTTP client has a timeout this client
                    // cannot read: the policy's bound is kept around the
                    // exchange (in a box, made only then).
                    let bounded = Box::pin(tokio::time::timeout(
                        left,
                        self.exchange(request, header, gate, left),
                    ));
                    bounded.await.unwrap_or_else(|elapsed| {
                        Err(Error::Transport {
                            method: request.method.to_string(),
                            path: request.template.to_owned(),
                            stage: Stage::SentNoAnswer,
                            timed_out: true,
                            source: Arc::new(elapsed),
                        })
                    })
                };
                match outcome {
                    Ok(response) => return Ok(response),
                    Err(error) => error,
                }
            };
            let refusal = match (bearer, &error) {
                (Bearer::Managed(source), Error::Api(refused)) if refused.status == 401 => managed
                    .take()
                    .map(|ready| (source, ready.token, refused.message.clone())),
                _ => None,
            };
            if let Some((source, token, message)) = refusal {
                if refusals >= 2 {
                    return Err(Error::TokenRejected {
                        installation_id: source.installation_id(),
                        message,
                    });
                }
                // Sent again only within the attempts and time the policy
                // gives, and only if it may be sent twice.
                let again = *attempts < policy.max_attempts
                    && started.elapsed() < policy.max_total
                    && RetryPolicy::repeatable(request);
                if refusals == 0 && source.is_new(&token) {
                    // A brand-new token may not have reached every server.
                    if !again {
                        return Err(error);
                    }
                    drop(error);
                    refusals = 1;
                    pause(REPLICATION_WAIT).await;
                    managed = Some(Ready::new(token));
                    continue;
                }
                refusals = 2;
                tracing::debug!(
                    installation_id = source.installation_id(),
                    reason = %message,
                    "the installation token was refused; renewing it"
                );
                // Renewed either way, so that the next request has a token
                // the server takes; the refusal is returned after that when
                // the request is not sent again.
                let refused = (!again).then(|| Box::new(error));
                let renewed = source.renew(&token.token).await?;
                if let Some(error) = refused {
                    return Err(*error);
                }
                managed = Some(renewed);
                continue;
            }
            if !policy.allows(*attempts, request, &error) {
                return Err(error);
            }
            // After a rate limit the gate is closed for as long as the
            // server asked, and the next turn of the loop waits there, with
            // every other request of this caller; a limit that asked for no
            // wait at all gets a backoff like any failure.
            let at_gate = matches!(error, Error::RateLimited { .. })
                .then(|| gate.closed_for())
                .flatten();
            let (wait, bound) = match at_gate {
                Some(wait) => (wait, policy.max_rate_limit_wait),
                None => (policy.backoff(*attempts), policy.max_delay),
            };
            if wait > bound || started.elapsed().saturating_add(wait) > policy.max_total {
                return Err(error);
            }
            tracing::debug!(
                attempt = *attempts,
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "retrying"
            );
            drop(error);
            if at_gate.is_none() {
                pause(wait).await;
            }
        }
    }
}

/// Waits `wait`. The timer lives in a box made only when a request waits,
/// so that it takes no room in the future of every request.
async fn pause(wait: Duration) {
    Box::pin(tokio::time::sleep(wait)).await;
}

/// Where a request's bearer token comes from: given, or managed by a
/// [`TokenSource`] that makes and renews it.
#[derive(Clone, Copy)]
pub(crate) enum Bearer<'a> {
    /// A token used once or twice: its header is made for each call.
    Token(&'a SecretToken),
    /// A token's header, made once by its holder.
    Ready(Option<&'a HeaderValue>),
    Managed(&'a TokenSource),
}

/// The `Authorization` header that sends `token`, marked sensitive (so
/// that the HTTP client never logs it); `None` when the token holds
/// characters a header cannot carry.
pub(crate) fn authorization(token: &SecretToken) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// On whose behalf a request goes out: the rate-limit gate it passes, and
/// the installation it is recorded under (none for the app itself).
#[derive(Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub(crate) gate: &'a RateGate,
    pub(crate) installation_id: Option<i64>,
}

/// Redirects are followed within the server's origin only: an answer from
/// another host is neither authenticated by our credentials (reqwest drops
/// `Authorization` across origins) nor the server's word, so it must not
/// stand in for the server's answer (a token description, say). A redirect
/// elsewhere is returned as it is, a 3xx, and so an error.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else if same_origin {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// A client that acts as one installation of an ICR App, for the endpoints
/// marked "Works with ICR Apps.".
///
/// `P` is the app's permission declaration: the generated functions check
/// it against the permissions each endpoint needs. The type is a
/// capability, not a claim: every way to get one either proves that its
/// token holds `P`'s permissions or says `unchecked` in its name.
///
/// - [`App::installation`](crate::App::installation) manages its token:
///   created on first use for exactly `P`'s permissions and checked against
///   what the server granted, cached, renewed before it expires, renewed
///   and retried once when the server refuses it;
/// - [`InstallationToken::client`](crate::InstallationToken::client) sends
///   a token just created and checked for `P`;
/// - [`from_token`](Self::from_token) asks the server what a token obtained
///   elsewhere holds, and refuses it when that is less than `P`;
/// - [`with_token_unchecked`](Self::with_token_unchecked) takes a token on
///   the caller's word.
pub struct InstallationClient<P> {
    client: Client,
    auth: Auth,
    permissions: PhantomData<fn() -> P>,
}

#[derive(Clone)]
pub(crate) enum Auth {
    Fixed(Arc<Fixed>),
    Managed(Arc<TokenSource>),
}

/// A token given from outside, and the rate-limit gate its requests pass:
/// its installation's when known, its own otherwise.
pub(crate) struct Fixed {
    token: SecretToken,
    authorization: Option<HeaderValue>,
    installation_id: Option<i64>,
    gate: Arc<RateGate>,
}

impl Fixed {
    fn caller(&self) -> Caller<'_> {
        Caller {
            gate: &self.gate,
            installation_id: self.installation_id,
        }
    }
}

impl<P> Clone for InstallationClient<P> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            auth: self.auth.clone(),
            permissions: PhantomData,
        }
    }
}

impl<P> fmt::Debug for InstallationClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("InstallationClient");
        out.field("base_url", &self.client.base_url());
        match &self.auth {
            Auth::Fixed(fixed) => out.field("token", &fixed.token),
            Auth::Managed(source) => out.field("installation_id", &source.installation_id()),
        };
        out.field("permissions", &std::any::type_name::<P>())
            .finish()
    }
}

/// What `GET /installation/token` says of the token that sends it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenDescription {
    installation_id: i64,
    permissions: std::collections::BTreeMap<String, String>,
}

impl<P: Declaration> InstallationClient<P> {
    /// A client that sends `token`, an installation access token obtained
    /// elsewhere, once the server has confirmed that it holds every
    /// permission `P` declares (`GET /installation/token`).
    ///
    /// Fails with [`Error::PermissionsNotGranted`], naming what is missing,
    /// when the token holds less; with [`Error::Api`] (401) when the server
    /// does not accept the token at all.
    pub async fn from_token(client: Client, token: SecretToken) -> Result<Self> {
        let gate = RateGate::default();
        let description: TokenDescription = client
            .execute(
                &Request::get("/installation/token").operation("apps/getInstallationAccessToken"),
                Bearer::Token(&token),
                Caller {
                    gate: &gate,
                    installation_id: None,
                },
            )
            .await?
            .json()?;
        let missing = crate::grants::missing(
            &P::requested(),
            description
                .permissions
                .iter()
                .map(|(name, level)| (name.as_str(), level.as_str())),
        );
        if !missing.is_empty() {
            return Err(Error::PermissionsNotGranted {
                declaration: P::NAME,
                installation_id: description.installation_id,
                missing,
                server_message: None,
            });
        }
        let gate = client.gate(Some(description.installation_id));
        Ok(Self {
            client,
            auth: Auth::Fixed(Arc::new(Fixed {
                authorization: authorization(&token),
                token,
                installation_id: Some(description.installation_id),
                gate,
            })),
            permissions: PhantomData,
        })
    }
}

impl<P> InstallationClient<P> {
    /// A client that sends `token` as holding `P`'s permissions, **without
    /// checking that it does**. A token that holds less makes requests
    /// that the types allow fail with 403 at run time; prefer
    /// [`from_token`](Self::from_token). For tokens whose permissions are
    /// known by other means (a test, a token made by the caller for `P`).
    pub fn with_token_unchecked(client: Client, token: SecretToken) -> Self {
        Self {
            client,
            auth: Auth::Fixed(Arc::new(Fixed {
                authorization: authorization(&token),
                token,
                installation_id: None,
                gate: Arc::default(),
            })),
            permissions: PhantomData,
        }
    }

    pub(crate) fn managed(client: Client, source: Arc<TokenSource>) -> Self {
        Self {
            client,
            auth: Auth::Managed(source),
            permissions: PhantomData,
        }
    }

    /// The transport.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The installation's rate limit as the last answer to it reported
    /// (for a fixed token whose installation is unknown, the token's own).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match &self.auth {
            Auth::Fixed(fixed) => fixed.gate.last(),
            Auth::Managed(source) => source.caller().gate.last(),
        }
    }

    /// The same installation for a declaration `Q` that holds no more than
    /// `P` (checked at compile time): a client whose token it manages asks
    /// for a token with exactly `Q`'s permissions, and checks that it got
    /// them, before its first request.
    ///
    /// A client with a fixed token cannot make a new token, and never hands
    /// its broader token on under `Q`: it fails with
    /// [`Error::CannotNarrow`].
    pub fn narrow<Q: Within<P>>(&self) -> Result<InstallationClient<Q>>
    where
        P: Declaration,
    {
        let auth = match &self.auth {
            Auth::Fixed(_) => {
                return Err(Error::CannotNarrow {
                    from: P::NAME,
                    to: Q::NAME,
                });
            }
            Auth::Managed(source) => {
                Auth::Managed(Arc::new(source.narrowed(Q::requested(), Q::NAME)))
            }
        };
        Ok(InstallationClient {
            client: self.client.clone(),
            auth,
            permissions: PhantomData,
        })
    }

    /// The token a managed client uses now, created if it has none: when it
    /// expires and what the server granted it (the token itself stays
    /// hidden). `None` for a client with a fixed token.
    pub async fn token_info(&self) -> Result<Option<TokenInfo>> {
        match &self.auth {
            Auth::Fixed(_) => Ok(None),
            Auth::Managed(source) => {
                let token = source.token().await?;
                Ok(Some(TokenInfo {
                    expires_at: token.token.expires_at,
                    permissions: token.token.permissions.clone(),
                }))
            }
        }
    }

    /// Revokes the token a managed client holds (`DELETE
    /// /installation/token`); the next request creates a new one. A client
    /// with a fixed token revokes that token.
    pub async fn revoke_token(&self) -> Result<()> {
        match &self.auth {
            Auth::Managed(source) => source.revoke().await,
            Auth::Fixed(fixed) => self
                .client
                .execute(
                    &Request::delete("/installation/token")
                        .operation("apps/revokeInstallationAccessToken"),
                    Bearer::Token(&fixed.token),
                    fixed.caller(),
                )
                .await?
                .empty(),
        }
    }

    /// Every item of the list `request` asks for, page after page: the
    /// hand-made form of a generated call's `pages()` (see
    /// [`Pages`](crate::Pages)). `R` states what the list needs, as for
    /// [`send`](Self::send); each page is sent that way.
    pub fn pages<'c, R, T>(&'c self, request: Request) -> crate::Pages<'c, T>
    where
        R: Requirement<P> + 'c,
        T: serde::de::DeserializeOwned + Send + 'c,
    {
        crate::Pages::new(
            request,
            Arc::new(move |request| -> crate::Call<'c, Response> {
                Box::pin(self.send::<R>(request))
            }),
        )
    }

    /// Sends `request`, which needs what `R` states, with the
    /// installation's token, and gives the success answer to decode.
    ///
    /// Every generated request function ends here, stating its endpoint's
    /// permissions; so does a request for an endpoint the bindings lack.
    /// `R` is checked against `P` at compile time like a generated
    /// function's bounds: one of the `permissions::needs` types, or two
    /// joined by [`And`](crate::grants::And).
    ///
    /// ```no_run
    /// use icr_api::permissions::needs;
    /// use icr_api::{InstallationClient, Request};
    ///
    /// icr_api::permissions! { pub Archiver { projects: admin } }
    ///
    /// # async fn run(client: &InstallationClient<Archiver>) -> icr_api::Result<()> {
    /// // An endpoint the spec does not describe yet, needing `projects: admin`.
    /// let request = Request::post("/projects/{projectId}/archive").path("projectId", &3001);
    /// client.send::<needs::ProjectsAdmin>(request).await?.empty()
    /// # }
    /// ```
    ///
    /// Any status other than 2xx is an [`Error`]; a managed token refused
    /// with 401 is renewed and the request sent once more.
    pub async fn send<R: Requirement<P>>(&self, request: Request) -> Result<Response> {
        self.send_inner(request).await
    }

    /// Sends `request` as [`send`](Self::send) does and decodes the success
    /// answer with `decode` (`Response::json`, say). Every generated
    /// installation function is one call of this, so that the work of a
    /// call is written, and compiled, once.
    pub fn call<'c, R, T>(
        &'c self,
        request: Request,
        decode: fn(Response) -> Result<T>,
    ) -> crate::Call<'c, T>
    where
        R: Requirement<P> + 'c,
        T: 'c,
    {
        Box::pin(async move { decode(self.send_inner(request).await?) })
    }

    /// Holds `request` (its required arguments given) until it is
    /// awaited, so that its optional parameters, `O`, can be set by name
    /// first; then sends it as [`call`](Self::call) does. As with
    /// [`send`](Self::send), `R` is what the caller states the request
    /// needs, and the compiler checks that `P` holds it; that the request
    /// (and what `O` adds to it) needs no more is the caller's word, as it
    /// is for any hand-made request. Every generated installation function
    /// with optional parameters is one call of this, stating its
    /// endpoint's permissions.
    pub fn prepare<'c, R, O, T>(
        &'c self,
        request: Request,
        decode: fn(Response) -> Result<T>,
    ) -> crate::Prepared<'c, O, T>
    where
        R: Requirement<P> + 'c,
        O: crate::OperationOptions + Default,
        T: 'c,
    {
        crate::Prepared::new(request, O::default(), self.sender(), decode)
    }

    fn sender(&self) -> Sender<'_> {
        Sender::Installation {
            client: &self.client,
            auth: &self.auth,
        }
    }

    async fn send_inner(&self, request: Request) -> Result<Response> {
        self.sender().send(request).await
    }
}

/// Sends a request through a client, whichever it is, with what it
/// authenticates with; what a [`Prepared`](crate::Prepared) call holds. Its
/// permissions were checked where it was made.
#[derive(Clone, Copy)]
pub(crate) enum Sender<'c> {
    Installation { client: &'c Client, auth: &'c Auth },
    App(&'c AppClient),
}

impl Sender<'_> {
    pub(crate) async fn send(self, request: Request) -> Result<Response> {
        match self {
            Sender::Installation {
                client,
                auth: Auth::Fixed(fixed),
            } => {
                client
                    .execute(
                        &request,
                        Bearer::Ready(fixed.authorization.as_ref()),
                        fixed.caller(),
                    )
                    .await
            }
            Sender::Installation {
                client,
                auth: Auth::Managed(source),
            } => {
                client
                    .execute(&request, Bearer::Managed(source), source.caller())
                    .await
            }
            Sender::App(app) => app.send_inner(request).await,
        }
    }
}

/// What [`InstallationClient::token_info`] tells of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// When the token stops working.
    pub expires_at: DateTime,
    /// What the server granted it, by permission name.
    pub permissions: std::collections::BTreeMap<String, String>,
}

/// A client that acts as the ICR App itself, with its JWT, for the `/app`
/// endpoints.
#[derive(Clone)]
pub struct AppClient {
    client: Client,
    jwt: Arc<SecretToken>,
    authorization: Option<HeaderValue>,
    gate: Arc<RateGate>,
}

impl fmt::Debug for AppClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppClient")
            .field("base_url", &self.client.base_url())
            .field("jwt", &self.jwt)
            .finish()
    }
}

impl AppClient {
    /// A client that sends `jwt`, an app JWT signed elsewhere. Fails with
    /// [`Error::BadKey`] when it is not shaped as a JWT (three base64url
    /// parts joined by dots), so that an installation token cannot be sent
    /// through the app's client, where no request states its permissions.
    pub fn with_jwt(client: Client, jwt: SecretToken) -> Result<Self> {
        let parts: Vec<&str> = jwt.expose_secret().split('.').collect();
        let base64url = |part: &&str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if parts.len() != 3 || !parts.iter().all(base64url) {
            return Err(Error::BadKey {
                reason: "the credential given as the app's JWT is not a JWT (three base64url parts joined by dots)".to_owned(),
            });
        }
        Ok(Self {
            gate: client.gate(None),
            client,
            authorization: authorization(&jwt),
            jwt: Arc::new(jwt),
        })
    }

    /// The transport.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Every item of the `/app` list `request` asks for, page after page
    /// (see [`Pages`](crate::Pages)).
    pub fn pages<'c, T>(&'c self, request: Request) -> crate::Pages<'c, T>
    where
        T: serde::de::DeserializeOwned + Send + 'c,
    {
        crate::Pages::new(
            request,
            Arc::new(move |request| -> crate::Call<'c, Response> { Box::pin(self.send(request)) }),
        )
    }

    /// Sends `request` with the app's JWT, for an `/app` endpoint, and
    /// gives the success answer to decode. The generated `/app` functions
    /// end here; so can a request for an `/app` endpoint the bindings lack.
    /// Any status other than 2xx is an [`Error`].
    pub async fn send(&self, request: Request) -> Result<Response> {
        self.send_inner(request).await
    }

    /// Sends `request` as [`send`](Self::send) does and decodes the success
    /// answer with `decode`: every generated `/app` function is one call
    /// of this.
    pub fn call<'c, T: 'c>(
        &'c self,
        request: Request,
        decode: fn(Response) -> Result<T>,
    ) -> crate::Call<'c, T> {
        Box::pin(async move { decode(self.send_inner(request).await?) })
    }

    /// Holds `request` until it is awaited, so that its optional
    /// parameters, `O`, can be set by name first, as
    /// [`InstallationClient::prepare`] does: every generated `/app`
    /// function with optional parameters is one call of this.
    pub fn prepare<'c, O, T>(
        &'c self,
        request: Request,
        decode: fn(Response) -> Result<T>,
    ) -> crate::Prepared<'c, O, T>
    where
        O: crate::OperationOptions + Default,
        T: 'c,
    {
        crate::Prepared::new(request, O::default(), Sender::App(self), decode)
    }

    async fn send_inner(&self, request: Request) -> Result<Response> {
        let caller = Caller {
            gate: &self.gate,
            installation_id: None,
        };
        self.client
            .execute(&request, Bearer::Ready(self.authorization.as_ref()), caller)
            .await
    }

    /// The app's rate limit as the last answer to it reported.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.gate.last()
    }
}
