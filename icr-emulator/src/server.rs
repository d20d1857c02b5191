//! The HTTP side: one handler for every request, which finds the operation
//! in the spec's table and runs the same steps for each: authenticate (app
//! JWT or installation token, as the operation asks), count against the
//! caller's rate limit, check the token's permissions against the
//! operation's, check the parameters and the body against their schemas,
//! keep an installation inside its organization, and only then answer —
//! from the in-memory resources, or with the operation's example.
//! Every answer carries `X-Request-Id` and the rate-limit headers; every
//! error has the spec's error body.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::faults::{DropConnection, Fault, Faults};
use crate::resources;
use crate::spec::{Access, Miss, Operation, Spec, compile, field_of};
use crate::store::{Grants, State};

/// What every request handler shares.
pub(crate) struct Shared {
    pub spec: Arc<Spec>,
    pub state: Mutex<State>,
    pub clock: Clock,
    pub base_url: String,
    /// Requests per hour and caller.
    pub rate_limit: AtomicU64,
    /// Whether answers built from state are checked against the spec's
    /// response schemas (a mismatch is a 500 naming it: an emulator bug).
    pub check_answers: bool,
    /// How long a request's body may take to arrive.
    pub read_timeout: Duration,
    pub(crate) requests: AtomicU64,
    /// Scripted faults, and requests counted per operation.
    pub(crate) faults: Faults,
    /// Where webhook deliveries are sent from.
    pub(crate) runtime: tokio::runtime::Handle,
    /// The HTTP client that sends them.
    pub(crate) http: reqwest::Client,
}

impl Shared {
    pub(crate) fn new(
        spec: Arc<Spec>,
        base_url: String,
        rate_limit: u64,
        check_answers: bool,
        read_timeout: Duration,
    ) -> Self {
        Self {
            spec,
            state: Mutex::new(State::new()),
            clock: Clock::default(),
            base_url,
            rate_limit: AtomicU64::new(rate_limit),
            check_answers,
            read_timeout,
            requests: AtomicU64::new(0),
            faults: Faults::default(),
            runtime: tokio::runtime::Handle::current(),
            // A receiver's redirect is its answer, not a place to send the
            // delivery again.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Who is calling.
#[derive(Clone, Debug)]
pub(crate) enum Caller {
    /// The app, by its JWT.
    App { app_id: i64 },
    /// An installation, by one of its tokens.
    Installation {
        installation_id: i64,
        app_id: i64,
        org_id: i64,
        token: String,
        permissions: Grants,
    },
}

/// An error answer: status, message, field errors, headers.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: u16,
    pub message: String,
    pub errors: Vec<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Failure {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self::with_errors(status, message, Vec::new())
    }

    /// An error with one entry per field at fault.
    pub(crate) fn with_errors(status: u16, message: impl Into<String>, errors: Vec<Value>) -> Self {
        Self {
            status,
            message: message.into(),
            errors,
            headers: Vec::new(),
        }
    }

    pub(crate) fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(404, format!("{what} was not found"))
    }

    /// A 409 for one field whose value is taken already.
    pub(crate) fn exists(field: &str, message: impl Into<String>) -> Self {
        let mut failure = Self::invalid(field, "alreadyExists", message);
        failure.status = 409;
        failure
    }

    /// A 422 for one field.
    pub(crate) fn invalid(field: &str, code: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::with_errors(
            422,
            format!("Validation failed: {message}"),
            vec![json!({"resource": "request", "field": field, "code": code, "message": message})],
        )
    }
}

/// A success answer.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }
}

/// Everything a resource handler needs about the request.
pub(crate) struct Request<'a> {
    pub op: &'a Operation,
    pub spec: &'a Spec,
    pub caller: Option<&'a Caller>,
    pub path: &'a BTreeMap<String, String>,
    pub query: &'a BTreeMap<String, Value>,
    pub body: Option<Value>,
    pub now: DateTime<Utc>,
    pub base_url: &'a str,
    pub raw_path: &'a str,
    /// The query as received, still encoded.
    pub raw_query: &'a str,
    /// The scheme and authority links are written with.
    pub link_base: &'a str,
}

impl Request<'_> {
    /// An integer path parameter (already checked against its schema).
    pub(crate) fn id(&self, name: &str) -> i64 {
        self.path
            .get(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_default()
    }

    pub(crate) fn text(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or_default()
    }

    /// A member of the JSON body.
    pub(crate) fn field(&self, name: &str) -> Option<&Value> {
        self.body.as_ref().and_then(|b| b.get(name))
    }

    pub(crate) fn query_str(&self, name: &str) -> Option<&str> {
        self.query.get(name).and_then(Value::as_str)
    }
}

/// How many field errors one answer lists at most.
const MAX_FIELD_ERRORS: usize = 20;

/// `text`, cut to 200 characters, so that an error never echoes a large
/// value whole.
pub(crate) fn clipped(text: &str) -> String {
    const KEEP: usize = 200;
    match text.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &text[..at], text.len()),
        None => text.to_owned(),
    }
}

/// The largest request body read; a larger one is a 413.
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;
/// The router: everything goes through [`handle`].
pub(crate) fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(shared)
}

/// Serves `router` on `listener`, each connection on a task of its own,
/// with `read_timeout` on reading a request's head (a keep-alive
/// connection that sends nothing more is closed after it too), so that
/// half-open connections do not pile up. An accept error (out of file
/// descriptors, say) pauses accepting briefly instead of ending the server.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    read_timeout: Duration,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;

    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // A response marked by a scripted fault fails the service instead:
        // the connection is closed with nothing written.
        let service = TowerToHyperService::new(tower::ServiceExt::<
            axum::http::Request<hyper::body::Incoming>,
        >::map_result(
            router.clone(),
            |result: Result<Response, std::convert::Infallible>| {
                let response = match result {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                if response.extensions().get::<DropConnection>().is_some() {
                    Err(DropConnection)
                } else {
                    Ok(response)
                }
            },
        ));
        tokio::spawn(async move {
            // HTTP/1 only: detecting HTTP/2 would read the first bytes before
            // the head's timeout starts, so a client that sends nothing
            // would hold its connection forever.
            let mut builder = Builder::new(TokioExecutor::new()).http1_only();
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(read_timeout);
            // A connection that breaks or times out ends here; others go on.
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let number = shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let request_id = format!("emu-{number:08x}");
    let fault = match shared.spec.route(method.as_str(), uri.path()) {
        Ok((op, _)) => shared.faults.next(&op.id),
        Err(_) => None,
    };
    let scripted = match &fault {
        Some(Fault::DropBefore) => return dropped(),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(*delay).await;
            None
        }
        Some(Fault::Status { status, headers }) => {
            let reason = StatusCode::from_u16(*status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            let mut failure = Failure::new(*status, format!("{reason} (a scripted fault)"));
            failure.headers = headers.clone();
            Some(failure)
        }
        _ => None,
    };
    // The body is read here, bounded in size and time, so that a body too
    // large or too slow gets the spec's error answer like any other.
    let read_timeout = shared.read_timeout;
    let too_large = || {
        Failure::new(
            413,
            format!("the request body is larger than {MAX_BODY} bytes"),
        )
    };
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = if declared.is_some_and(|length| length > MAX_BODY as u64) {
        // Said up front: refused before a byte of it is read (a client
        // that sent `Expect: 100-continue` hears so at once).
        Err(too_large())
    } else {
        match tokio::time::timeout(read_timeout, axum::body::to_bytes(body, MAX_BODY)).await {
            Ok(Ok(body)) => Ok(body),
            Ok(Err(error)) => {
                let over = std::error::Error::source(&error)
                    .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
                Err(if over {
                    too_large()
                } else {
                    Failure::new(400, "the request body could not be read")
                })
            }
            Err(_) => Err(Failure::new(
                408,
                format!(
                    "the request body did not arrive within {} ms",
                    read_timeout.as_millis()
                ),
            )),
        }
    };
    // Answering takes the state's lock and may build a large answer: it runs
    // off the async workers, so one heavy request does not stall the rest.
    let worker = Arc::clone(&shared);
    let answered = match scripted {
        Some(failure) => Ok((Err(failure), Vec::new())),
        None => {
            tokio::task::spawn_blocking(move || {
                let mut rate_headers = Vec::new();
                let result = body.and_then(|body| {
                    answer(&worker, &method, &uri, &headers, &body, &mut rate_headers)
                });
                (result, rate_headers)
            })
            .await
        }
    };
    let (result, rate_headers) = answered.unwrap_or_else(|_| {
        (
            Err(Failure::new(500, "the emulator failed while answering")),
            Vec::new(),
        )
    });
    // The events the request raised go out now, each from a task of its
    // own: the answer does not wait for any receiver.
    crate::hooks::flush(&shared);
    let (status, mut extra, body, content_type) = match result {
        Ok(reply) => {
            let (body, content_type) = match reply.body {
                None => (Vec::new(), None),
                Some(Value::String(text))
                    if reply.headers.iter().any(|(n, _)| *n == "content-type") =>
                {
                    (text.into_bytes(), None)
                }
                Some(value) => (
                    value.to_string().into_bytes(),
                    Some("application/json; charset=utf-8"),
                ),
            };
            (reply.status, reply.headers, body, content_type)
        }
        Err(failure) => {
            let mut status = failure.status;
            let mut error = json!({
                "message": failure.message,
                "documentationUrl": "https://docs.icr.dev/rest",
                "requestId": request_id,
            });
            if !failure.errors.is_empty() {
                error["errors"] = Value::Array(failure.errors);
            }
            // Error answers keep to the spec too: a body that strays from
            // `Error` is an emulator bug, shown as such.
            let stray = shared
                .check_answers
                .then_some(shared.spec.error_schema.as_ref())
                .flatten()
                .and_then(|schema| {
                    let validator = shared
                        .spec
                        .error_validator
                        .get_or_init(|| compile(schema))
                        .as_ref()?;
                    let problem = validator.iter_errors(&error).next()?;
                    Some(format!(
                        "the emulator's {status} answer does not match the spec's Error at {}: {problem}",
                        problem.instance_path()
                    ))
                });
            if let Some(message) = stray {
                status = 500;
                error = json!({
                    "message": message,
                    "documentationUrl": "https://docs.icr.dev/rest",
                    "requestId": request_id,
                });
            }
            let mut extra = failure.headers;
            if status == 401 {
                extra.push(("www-authenticate", "Bearer".to_owned()));
            }
            (
                status,
                extra,
                error.to_string().into_bytes(),
                Some("application/json; charset=utf-8"),
            )
        }
    };
    extra.extend(rate_headers);
    let body = match fault {
        Some(Fault::DropAfter) => return dropped(),
        // Half the body, then a broken connection.
        Some(Fault::CutAnswer) => {
            use futures_util::StreamExt as _;
            let half = Bytes::from(body[..body.len() / 2].to_vec());
            // The break comes after the head and the first half are out.
            let parts = futures_util::stream::iter([Some(half), None]).then(|part| async move {
                match part {
                    Some(half) => Ok(half),
                    None => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Err(std::io::Error::other(
                            "the answer was cut by a scripted fault",
                        ))
                    }
                }
            });
            Body::from_stream(parts)
        }
        _ => Body::from(body),
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let out = response.headers_mut();
    if let Some(content_type) = content_type {
        out.insert("content-type", HeaderValue::from_static(content_type));
    }
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.append(name, value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        out.insert("x-request-id", value);
    }
    // The emulator's clock, not the machine's: clients learn the server's
    // time from it.
    let date = shared
        .clock
        .now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(value) = HeaderValue::from_str(&date) {
        out.insert("date", value);
    }
    response
}

/// A response that closes its connection unanswered (see [`serve`]).
fn dropped() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(DropConnection);
    response
}

fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    rate_headers: &mut Vec<(&'static str, String)>,
) -> Result<Reply, Failure> {
    let now = shared.clock.now();
    let route = shared.spec.route(method.as_str(), uri.path());
    let (op, path) = match route {
        Ok(found) => found,
        Err(miss) => {
            charge(shared, "anonymous", now, rate_headers)?;
            return Err(match miss {
                Miss::WrongMethod(allowed) => {
                    let mut failure = Failure::new(
                        405,
                        format!(
                            "{method} is not allowed on {}; it has {}",
                            uri.path(),
                            allowed.join(", ")
                        ),
                    );
                    failure.headers.push(("allow", allowed.join(", ")));
                    failure
                }
                Miss::NoPath => Failure::new(404, format!("no endpoint at {}", uri.path())),
            });
        }
    };
    let credential = bearer(headers);
    let caller = authenticate(shared, op, credential.as_deref(), now);
    // Every caller has a rate limit: the app, the installation, or, before
    // authentication succeeds, the anonymous bucket.
    let bucket = match &caller {
        Ok(Some(Caller::App { app_id })) => format!("app:{app_id}"),
        Ok(Some(Caller::Installation {
            installation_id, ..
        })) => {
            format!("installation:{installation_id}")
        }
        _ => "anonymous".to_owned(),
    };
    charge(shared, &bucket, now, rate_headers)?;
    let caller = caller?;
    if let (
        Access::Installation(requirement),
        Some(Caller::Installation {
            permissions,
            installation_id,
            ..
        }),
    ) = (&op.access, &caller)
    {
        let held: Vec<icr_codegen::permissions::Grant> = permissions
            .iter()
            .map(|(name, level)| icr_codegen::permissions::Grant {
                permission: name.clone(),
                level: *level,
            })
            .collect();
        // What this request needed: the first set of the requirement that
        // the token meets (for `permissions_used`).
        if let Some(needed) = requirement.first_met_by(&held) {
            let mut state = shared.state();
            let used = state.permissions_used.entry(*installation_id).or_default();
            for grant in &needed.grants {
                let level = used.entry(grant.permission.clone()).or_insert(grant.level);
                *level = (*level).max(grant.level);
            }
        } else {
            return Err(Failure::new(
                403,
                format!(
                    "Resource not accessible by integration: {} {} needs {requirement}",
                    op.method, op.template
                ),
            ));
        }
    }
    check_path(op, &path)?;
    let query = parse_query(op, uri.query().unwrap_or_default())?;
    let header_params = parse_headers(op, headers)?;
    let body = parse_body(op, headers, body)?;
    if let Some(Caller::Installation { org_id, .. }) = &caller {
        scope(&shared.state(), *org_id, &path)?;
    }
    let key = header_params
        .get("Idempotency-Key")
        .and_then(Value::as_str)
        .map(|key| (bucket.clone(), op.id.clone(), key.to_owned()));
    let fingerprint = (uri.path().to_owned(), body.clone());
    // Links name the server as the client reached it (`localhost` or
    // `127.0.0.1`), so that they stay within the origin it called.
    // The authority of an absolute-form target wins over `Host` (RFC 9112,
    // 3.2.2); either must be a plain `host[:port]`, or the links fall back
    // to the emulator's own address.
    let authority = uri.authority().map(|a| a.as_str().to_owned()).or_else(|| {
        headers
            .get("host")
            .and_then(|host| host.to_str().ok())
            .map(str::to_owned)
    });
    let link_base = authority
        .filter(|text| text.len() <= 255 && !text.contains('@'))
        .and_then(|text| text.parse::<axum::http::uri::Authority>().ok())
        .filter(|authority| {
            let text = authority.as_str();
            let host = authority.host();
            // Nothing beyond the host and a numeric port.
            text == host
                || authority
                    .port_u16()
                    .is_some_and(|port| text == format!("{host}:{port}"))
        })
        .map_or_else(
            || shared.base_url.clone(),
            |authority| format!("http://{authority}"),
        );
    let request = Request {
        op,
        spec: &shared.spec,
        caller: caller.as_ref(),
        path: &path,
        query: &query,
        body,
        now,
        base_url: &shared.base_url,
        raw_path: uri.path(),
        raw_query: uri.query().unwrap_or_default(),
        link_base: &link_base,
    };
    // One lock from the `Idempotency-Key` check to its record, so that
    // concurrent repeats of a request make one resource between them.
    let reply = {
        let mut state = shared.state();
        if let Some(key) = &key {
            state
                .idempotency
                .retain(|_, seen| now - seen.at < chrono::TimeDelta::hours(24));
            if let Some(seen) = state.idempotency.get(key) {
                // The same request: the path and the body's JSON value
                // (key order and spacing aside).
                if seen.request != fingerprint {
                    return Err(Failure::exists(
                        "Idempotency-Key",
                        "the key was used with another request in the last 24 hours",
                    ));
                }
                return Ok(Reply {
                    status: seen.status,
                    body: seen.body.clone(),
                    headers: seen.headers.clone(),
                });
            }
        }
        let reply = match resources::dispatch(&mut state, &request) {
            Some(reply) => reply?,
            None => example(&request)?,
        };
        if let Some(key) = key {
            state.idempotency.insert(
                key,
                crate::store::Remembered {
                    request: fingerprint,
                    status: reply.status,
                    body: reply.body.clone(),
                    headers: reply.headers.clone(),
                    at: now,
                },
            );
        }
        reply
    };
    if shared.check_answers
        && let (Some(body), Some(schema)) = (&reply.body, &op.response_schema)
        && (200..300).contains(&reply.status)
        && let Some(validator) = op.validators.response.get_or_init(|| compile(schema))
        && let Some(error) = validator.iter_errors(body).next()
    {
        return Err(Failure::new(
            500,
            format!(
                "the emulator's answer to {} does not match the spec at {}: {error}",
                op.id,
                error.instance_path()
            ),
        ));
    }
    Ok(reply)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then(|| credential.trim().to_owned())
}

/// Who the credential belongs to, as the operation requires it.
fn authenticate(
    shared: &Shared,
    op: &Operation,
    credential: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, Failure> {
    let Some(credential) = credential else {
        return Err(Failure::new(
            401,
            match op.access {
                Access::App => {
                    "Requires authentication: send the app's JWT as `Authorization: Bearer <jwt>`"
                }
                _ => {
                    "Requires authentication: send an installation access token as `Authorization: Bearer <token>`"
                }
            },
        ));
    };
    let looks_like_jwt = credential.split('.').count() == 3;
    match &op.access {
        Access::App => {
            if !looks_like_jwt {
                return Err(Failure::new(
                    401,
                    "this endpoint takes the app's JWT, not an installation access token",
                ));
            }
            let state = shared.state();
            let app_id = crate::jwt::verify(credential, now, |id| {
                state.apps.get(&id).map(|app| app.key.clone())
            })
            .map_err(|reason| Failure::new(401, reason))?;
            Ok(Some(Caller::App { app_id }))
        }
        Access::Installation(_) | Access::AnyInstallation | Access::Person => {
            if looks_like_jwt {
                return Err(Failure::new(
                    401,
                    "an app JWT only works on the /app endpoints; exchange it for an installation access token",
                ));
            }
            let state = shared.state();
            let Some(token) = state.tokens.get(credential) else {
                return Err(Failure::new(401, "Bad credentials: the token is not known"));
            };
            if token.revoked {
                return Err(Failure::new(401, "Bad credentials: the token was revoked"));
            }
            if token.expires_at <= now {
                return Err(Failure::new(
                    401,
                    format!(
                        "Bad credentials: the token expired at {}",
                        crate::store::time(token.expires_at)
                    ),
                ));
            }
            let Some(installation) = state.installations.get(&token.installation_id) else {
                return Err(Failure::new(
                    401,
                    "Bad credentials: the installation was removed",
                ));
            };
            if op.access == Access::Person {
                return Err(Failure::new(
                    403,
                    format!(
                        "{} {} is for people signed in to ICR; installation access tokens cannot use it",
                        op.method, op.template
                    ),
                ));
            }
            Ok(Some(Caller::Installation {
                installation_id: installation.id,
                app_id: installation.app_id,
                org_id: installation.org_id,
                token: credential.to_owned(),
                permissions: token.permissions.clone(),
            }))
        }
    }
}

/// Counts a request against `bucket`'s hourly limit and sets the headers.
fn charge(
    shared: &Shared,
    bucket: &str,
    now: DateTime<Utc>,
    headers: &mut Vec<(&'static str, String)>,
) -> Result<(), Failure> {
    let limit = shared.rate_limit.load(Ordering::Relaxed);
    let mut state = shared.state();
    let entry = state
        .rate
        .entry(bucket.to_owned())
        .or_insert((now.timestamp(), 0));
    if now.timestamp() >= entry.0 + 3600 {
        *entry = (now.timestamp(), 0);
    }
    entry.1 = entry.1.saturating_add(1);
    let (start, used) = *entry;
    let reset = start + 3600;
    headers.push(("x-ratelimit-limit", limit.to_string()));
    headers.push((
        "x-ratelimit-remaining",
        limit.saturating_sub(u64::from(used)).to_string(),
    ));
    headers.push(("x-ratelimit-reset", reset.to_string()));
    headers.push((
        "x-ratelimit-used",
        used.min(u32::try_from(limit).unwrap_or(u32::MAX))
            .to_string(),
    ));
    if u64::from(used) > limit {
        headers.push(("retry-after", (reset - now.timestamp()).max(1).to_string()));
        return Err(Failure::new(
            429,
            format!("API rate limit of {limit} requests an hour exceeded; it resets at {reset}"),
        ));
    }
    Ok(())
}

/// Path parameters against their schemas.
fn check_path(op: &Operation, path: &BTreeMap<String, String>) -> Result<(), Failure> {
    for param in op.params.iter().filter(|p| p.location == "path") {
        let Some(raw) = path.get(&param.name) else {
            continue;
        };
        if let Some(value) = typed(&param.schema, raw)
            && param.accepts(&value)
        {
            continue;
        }
        return Err(Failure::new(
            400,
            format!(
                "`{}` is not a valid `{}` in the path",
                clipped(raw),
                param.name
            ),
        ));
    }
    Ok(())
}

/// The query, each declared parameter converted to its schema's type and
/// checked; unknown parameters are ignored, as ICR does.
fn parse_query(op: &Operation, query: &str) -> Result<BTreeMap<String, Value>, Failure> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| Failure::new(400, format!("the query string could not be read: {e}")))?;
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for param in op.params.iter().filter(|p| p.location == "query") {
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(name, _)| *name == param.name)
            .map(|(_, value)| value.as_str())
            .collect();
        if values.is_empty() {
            if param.required {
                errors.push(json!({"resource": "query", "field": param.name, "code": "missing", "message": format!("`{}` is required", param.name)}));
            }
            continue;
        }
        let is_array = param.schema.get("type").and_then(Value::as_str) == Some("array");
        let value = if is_array {
            let item_schema = param
                .schema
                .get("items")
                .cloned()
                .unwrap_or(Value::Bool(true));
            let items: Option<Vec<Value>> = values
                .iter()
                .flat_map(|v| v.split(','))
                .map(|item| typed(&item_schema, item))
                .collect();
            items.map(Value::Array)
        } else {
            values.last().and_then(|v| typed(&param.schema, v))
        };
        match value {
            Some(value) if param.accepts(&value) => {
                out.insert(param.name.clone(), value);
            }
            _ => errors.push(json!({
                "resource": "query", "field": param.name, "code": "invalid",
                "message": format!("`{}` is not a valid value of `{}`", clipped(&values.join(",")), param.name),
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Failure::with_errors(
            422,
            "Validation failed: the query has invalid parameters",
            errors,
        ))
    }
}

/// The header parameters, each against its schema (an `Idempotency-Key`
/// of the wrong length is refused like a bad query parameter).
fn parse_headers(op: &Operation, headers: &HeaderMap) -> Result<BTreeMap<String, Value>, Failure> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for param in op.params.iter().filter(|p| p.location == "header") {
        let Some(raw) = headers.get(param.name.as_str()) else {
            if param.required {
                errors.push(json!({"resource": "header", "field": param.name, "code": "missing", "message": format!("`{}` is required", param.name)}));
            }
            continue;
        };
        match raw
            .to_str()
            .ok()
            .and_then(|text| typed(&param.schema, text))
        {
            Some(value) if param.accepts(&value) => {
                out.insert(param.name.clone(), value);
            }
            _ => errors.push(json!({
                "resource": "header", "field": param.name, "code": "invalid",
                "message": format!("not a valid value of the `{}` header", param.name),
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Failure::with_errors(
            422,
            "Validation failed: the headers have invalid parameters",
            errors,
        ))
    }
}

/// A raw parameter as the JSON value its schema describes.
fn typed(schema: &Value, raw: &str) -> Option<Value> {
    let ty = schema.get("type").and_then(|t| match t {
        Value::Array(types) => types.iter().find(|t| *t != "null").and_then(Value::as_str),
        other => other.as_str(),
    });
    match ty {
        Some("integer") => raw.parse::<i64>().ok().map(Value::from),
        Some("number") => raw.parse::<f64>().ok().map(Value::from),
        Some("boolean") => raw.parse::<bool>().ok().map(Value::from),
        _ => Some(Value::String(raw.to_owned())),
    }
}

/// The JSON body: present when required, well-formed, and valid against
/// the operation's schema.
fn parse_body(op: &Operation, headers: &HeaderMap, body: &Bytes) -> Result<Option<Value>, Failure> {
    if op.raw_body {
        return Ok(None);
    }
    let Some((schema, required)) = &op.body else {
        return Ok(None);
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        if *required {
            return Err(Failure::new(
                400,
                "Problems parsing JSON: this endpoint needs a JSON body",
            ));
        }
        return Ok(None);
    }
    let media = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    // Media types compare without case, parameters (`charset`) aside.
    let essence = media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(Failure::new(
            415,
            format!("the body must be application/json, not {media}"),
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::new(400, format!("Problems parsing JSON: {e}")))?;
    if let Some(validator) = op.validators.body.get_or_init(|| compile(schema)) {
        // Bounded: a body of a million bad items gets the first few, not a
        // million entries (nor its values echoed whole).
        let errors: Vec<Value> = validator
            .iter_errors(&value)
            .take(MAX_FIELD_ERRORS)
            .map(|error| {
                let field = field_of(error.instance_path().as_str());
                // A text value is not repeated: it may be a secret (a
                // webhook secret, a password), and the field says which.
                let mut message = error.to_string();
                if error.instance().is_string() {
                    message = message.replace(&error.instance().to_string(), "the value");
                }
                json!({
                    "resource": "body",
                    "field": if field.is_empty() { "body".to_owned() } else { clipped(&field) },
                    "code": "invalid",
                    "message": clipped(&message),
                })
            })
            .collect();
        if !errors.is_empty() {
            return Err(Failure::with_errors(
                422,
                format!("Validation failed: {} problem(s) in the body", errors.len()),
                errors,
            ));
        }
    }
    Ok(Some(value))
}

/// An installation sees its own organization only: anything of another one
/// is not found.
fn scope(state: &State, org_id: i64, path: &BTreeMap<String, String>) -> Result<(), Failure> {
    if let Some(org) = path.get("organizationId")
        && org.parse::<i64>().ok() != Some(org_id)
    {
        return Err(Failure::not_found(format_args!("organization {org}")));
    }
    if let Some(project) = path.get("projectId") {
        let project_id = project.parse::<i64>().unwrap_or_default();
        if state.organization_of_project(project_id) != Some(org_id) {
            return Err(Failure::not_found(format_args!("project {project}")));
        }
    }
    Ok(())
}

/// The operation's example answer, paginated when it is a list.
fn example(request: &Request<'_>) -> Result<Reply, Failure> {
    let op = request.op;
    match &op.example {
        None => Ok(Reply::empty(op.success_status)),
        Some((media, value)) if media == "application/json" => match value {
            Value::Array(items) if op.params.iter().any(|p| p.name == "perPage") => Ok(
                resources::paginate(request, items.clone(), op.success_status),
            ),
            other => Ok(Reply::json(op.success_status, other.clone())),
        },
        Some((media, value)) => {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let mut reply = Reply::json(op.success_status, Value::String(text));
            reply.headers.push(("content-type", media.clone()));
            Ok(reply)
        }
    }
}
