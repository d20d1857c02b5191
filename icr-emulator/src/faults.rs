//! Scripted faults: what a test makes the emulator do to the next requests
//! of one operation instead of, or around, answering them — an error
//! status with the headers of its choice (`Retry-After` in either form, a
//! used-up rate limit), a delay, a connection dropped before or after the
//! request is acted on, an answer cut off halfway.
//!
//! A script is a queue per operation id: each request to the operation
//! takes the next fault, and once the queue is empty requests are answered
//! normally again. Every request is counted per operation, faulted or not,
//! so a test can assert how many the client sent.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// What the emulator does with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers `status` with the spec's error body and these headers,
    /// without acting on the request.
    Status {
        /// The status.
        status: u16,
        /// Headers to add, such as `retry-after`.
        headers: Vec<(&'static str, String)>,
    },
    /// Waits this long, then answers normally.
    Delay(Duration),
    /// Closes the connection without answering and without acting on the
    /// request.
    DropBefore,
    /// Acts on the request (a POST creates its resource), then closes the
    /// connection without answering.
    DropAfter,
    /// Acts on the request and sends the status and headers, then breaks
    /// the connection halfway through the body.
    CutAnswer,
}

impl Fault {
    /// An error answer of `status`.
    pub fn status(status: u16) -> Self {
        Self::Status {
            status,
            headers: Vec::new(),
        }
    }

    /// A secondary rate limit: 429 with `Retry-After: retry_after`, which
    /// may be seconds or an HTTP date.
    pub fn too_many_requests(retry_after: impl Into<String>) -> Self {
        Self::status(429).with_header("retry-after", retry_after)
    }

    /// A used-up primary rate limit: 403 with `X-RateLimit-Remaining: 0`
    /// and the window's reset at `reset` (Unix seconds).
    pub fn limit_used_up(reset: i64) -> Self {
        Self::status(403)
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", reset.to_string())
    }

    /// The same, with one more header (a [`Fault::Status`] only).
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        if let Self::Status { headers, .. } = &mut self {
            headers.push((name, value.into()));
        }
        self
    }
}

/// The scripts and the per-operation counts.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    inner: Mutex<FaultState>,
}

#[derive(Debug, Default)]
struct FaultState {
    scripts: HashMap<String, VecDeque<Fault>>,
    counts: HashMap<String, u64>,
}

impl Faults {
    /// Queues `faults` for the next requests to `operation`.
    pub(crate) fn script(&self, operation: &str, faults: impl IntoIterator<Item = Fault>) {
        self.lock()
            .scripts
            .entry(operation.to_owned())
            .or_default()
            .extend(faults);
    }

    /// Counts a request to `operation` and takes its fault, if one is
    /// queued.
    pub(crate) fn next(&self, operation: &str) -> Option<Fault> {
        let mut state = self.lock();
        *state.counts.entry(operation.to_owned()).or_default() += 1;
        state.scripts.get_mut(operation)?.pop_front()
    }

    /// How many requests `operation` received.
    pub(crate) fn count(&self, operation: &str) -> u64 {
        self.lock().counts.get(operation).copied().unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The mark on a response whose connection is to be dropped instead of
/// answered: the connection's service sees it and fails, and the server
/// closes the connection without writing anything.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for DropConnection {}

/// The router never fails on its own; this lets it stand where a service
/// that may drop a connection is expected.
impl From<std::convert::Infallible> for DropConnection {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
