//! Helpers shared by the workspace's integration tests.
//!
//! The tests themselves live in `integration/` as one binary (each file in
//! a `tests/` folder would link a binary of its own), one module per
//! concern.

pub mod every_function;
pub mod redis_server;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use icr_codegen::Document;
use serde_json::Value;

/// The three headers of a webhook delivery.
pub fn delivery_headers(event: &str, id: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-icr-event", event),
        ("x-icr-delivery", id),
        ("x-icr-signature-256", signature),
    ] {
        headers.insert(name, value.parse().expect("header text"));
    }
    headers
}

/// The root of the workspace, where `Cargo.toml` and `spec/` are.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// A value from the ICR spec, by JSON pointer, e.g. an example:
/// `spec_value("/components/examples/Issue/value")`.
///
/// # Panics
/// When the spec cannot be read or has nothing at `pointer`: the test using
/// it cannot run.
pub fn spec_value(pointer: &str) -> Value {
    let doc = Document::read(&workspace_root().join("spec/icr.openapi.yaml"))
        .expect("the ICR spec loads");
    doc.raw()
        .pointer(pointer)
        .unwrap_or_else(|| panic!("the ICR spec has nothing at {pointer}"))
        .clone()
}

/// A request as the [`Recorder`] received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The method.
    pub method: Method,
    /// The path and query, as sent.
    pub uri: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Recorded {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, read as JSON.
    ///
    /// # Panics
    /// When the body is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// An answer for the [`Recorder`] to give.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// Extra headers, including `content-type`.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json; charset=utf-8".to_owned())],
            body: body.to_string().into_bytes(),
        }
    }

    /// An answer with a body of the given media type.
    pub fn raw(status: u16, media_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type", media_type.to_owned())],
            body: body.into(),
        }
    }

    /// An answer without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// An HTTP server on a loopback port that records every request and gives
/// the answers it was told to give, in order (the last one again once they
/// run out).
#[derive(Clone)]
pub struct Recorder {
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    answers: Vec<Answer>,
    served: usize,
    requests: Vec<Recorded>,
}

impl Recorder {
    /// Starts a recorder that gives `answers`.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(answers: Vec<Answer>) -> Self {
        let state = Arc::new(Mutex::new(State {
            answers,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = Arc::clone(&shared);
                async move { record(&state, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the bound address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base_url: format!("http://{address}"),
            state,
        }
    }

    /// The requests received so far.
    ///
    /// # Panics
    /// When a request handler panicked while holding the record.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("the record").requests.clone()
    }

    /// The only request received.
    ///
    /// # Panics
    /// When there was not exactly one.
    pub fn single(&self) -> Recorded {
        let mut requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:#?}");
        requests.remove(0)
    }
}

fn record(
    state: &Mutex<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(mut state) = state.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    state.requests.push(Recorded {
        method,
        uri: uri.to_string(),
        headers,
        body,
    });
    let index = state.served.min(state.answers.len().saturating_sub(1));
    state.served += 1;
    let Some(answer) = state.answers.get(index).cloned() else {
        return StatusCode::NOT_IMPLEMENTED.into_response();
    };
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(*name, value);
    }
    response
        .body(axum::body::Body::from(answer.body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
