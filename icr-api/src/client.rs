//! The clients: [`Client`], the transport shared by everything, and the two
//! credentials it is used with: [`InstallationClient`] (an installation
//! access token, for the endpoints marked "Works with ICR Apps.") and
//! [`AppClient`] (the app's JWT, for the `/app` endpoints).
//!
//! All of them are cheap to clone: clones share one connection pool.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};

use crate::error::{ApiError, Error, FieldError, Result};
use crate::request::{Request, Response};
use crate::secret::SecretToken;

/// The public ICR API.
pub const DEFAULT_BASE_URL: &str = "https://api.icr.dev";

/// How to reach an ICR server.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API's base URL; requests go to this URL plus the operation's path.
    pub base_url: String,
    /// The `User-Agent` sent with every request.
    pub user_agent: String,
    /// How long one request may take, from connecting to the end of the body.
    pub timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            user_agent: concat!("icr-api-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(30),
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
}

/// The transport: a base URL and a pool of connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    http: reqwest::Client,
    base_url: reqwest::Url,
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
            path: config.base_url.clone(),
            reason,
        };
        let base_url = reqwest::Url::parse(&config.base_url).map_err(|err| {
            invalid(format!(
                "the base URL `{}` is not a URL: {err}",
                config.base_url
            ))
        })?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(invalid(format!(
                "the base URL `{}` is not an http or https URL",
                config.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .build()
            .map_err(|err| invalid(format!("the HTTP client could not be set up: {err}")))?;
        Ok(Self {
            inner: Arc::new(ClientInner { http, base_url }),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Sends `request` with `credential` as its bearer token. A success
    /// status gives the [`Response`] to decode; any other status is decoded
    /// into an [`Error`].
    pub(crate) async fn execute(
        &self,
        request: Request,
        credential: &SecretToken,
    ) -> Result<Response> {
        let url = request.url(&self.inner.base_url)?;
        let method = request.method.to_string();
        let path = url.path().to_owned();
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", credential.expose_secret())).map_err(
                |_| Error::InvalidRequest {
                    method: method.clone(),
                    path: path.clone(),
                    reason: "the credential holds characters a header cannot carry".to_owned(),
                },
            )?;
        authorization.set_sensitive(true);
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .header(AUTHORIZATION, authorization)
            .header(ACCEPT, request.accept);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        if let Some((media_type, body)) = request.body {
            builder = builder.header(CONTENT_TYPE, media_type).body(body);
        }
        let transport = |source: reqwest::Error| Error::Transport {
            method: method.clone(),
            path: path.clone(),
            source: Box::new(source.without_url()),
        };
        let answer = builder.send().await.map_err(transport)?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let body = answer.bytes().await.map_err(transport)?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        if (200..300).contains(&status) {
            return Ok(Response {
                status,
                method,
                path,
                content_type: header("content-type"),
                body,
            });
        }
        let error = Box::new(api_error(
            status,
            method.clone(),
            path.clone(),
            header("x-request-id"),
            body,
        ));
        let remaining = header("x-ratelimit-remaining");
        if status == 429 || (status == 403 && remaining.as_deref() == Some("0")) {
            return Err(Error::RateLimited {
                method,
                path,
                retry_after_seconds: header("retry-after").and_then(|v| v.parse().ok()),
                reset: header("x-ratelimit-reset").and_then(|v| v.parse().ok()),
                error,
            });
        }
        Err(Error::Api(error))
    }
}

/// The error body every ICR error answer has; each field optional so that a
/// body of another shape still yields what it has.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    documentation_url: Option<String>,
    request_id: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

fn api_error(
    status: u16,
    method: String,
    path: String,
    header_request_id: Option<String>,
    body: bytes::Bytes,
) -> ApiError {
    let decoded: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unknown status");
    let (message, documentation_url, request_id, errors) = match decoded {
        Some(body) => (
            body.message,
            body.documentation_url,
            body.request_id,
            body.errors,
        ),
        None => (None, None, None, Vec::new()),
    };
    ApiError {
        status,
        method,
        path,
        message: message.unwrap_or_else(|| reason.to_owned()),
        documentation_url,
        request_id: request_id.or(header_request_id),
        errors,
        body,
    }
}

/// A client that acts as one installation of an ICR App, for the endpoints
/// marked "Works with ICR Apps.".
///
/// `P` is the app's permission declaration: the generated functions check
/// it against the permissions each endpoint needs.
pub struct InstallationClient<P> {
    client: Client,
    token: Arc<SecretToken>,
    permissions: PhantomData<fn() -> P>,
}

impl<P> Clone for InstallationClient<P> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            token: Arc::clone(&self.token),
            permissions: PhantomData,
        }
    }
}

impl<P> fmt::Debug for InstallationClient<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationClient")
            .field("base_url", &self.client.base_url())
            .field("token", &self.token)
            .field("permissions", &std::any::type_name::<P>())
            .finish()
    }
}

impl<P> InstallationClient<P> {
    /// A client that sends `token`, an installation access token obtained
    /// elsewhere.
    pub fn with_token(client: Client, token: SecretToken) -> Self {
        Self {
            client,
            token: Arc::new(token),
            permissions: PhantomData,
        }
    }

    /// The transport.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a request described by a generated function.
    #[doc(hidden)]
    pub async fn send(&self, request: Request) -> Result<Response> {
        self.client.execute(request, &self.token).await
    }
}

/// A client that acts as the ICR App itself, with its JWT, for the `/app`
/// endpoints.
#[derive(Clone)]
pub struct AppClient {
    client: Client,
    jwt: Arc<SecretToken>,
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
    /// A client that sends `jwt`, an app JWT signed elsewhere.
    pub fn with_jwt(client: Client, jwt: SecretToken) -> Self {
        Self {
            client,
            jwt: Arc::new(jwt),
        }
    }

    /// The transport.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a request described by a generated function.
    #[doc(hidden)]
    pub async fn send(&self, request: Request) -> Result<Response> {
        self.client.execute(request, &self.jwt).await
    }
}
