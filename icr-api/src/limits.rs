//! Rate limits: [`RateLimit`], what an answer's `X-RateLimit-*` headers
//! said, and the gate each caller (the app, or one installation) passes
//! before a request goes out.
//!
//! A gate closes when the server says the caller must wait: a success
//! answer with `X-RateLimit-Remaining: 0` closes it until
//! `X-RateLimit-Reset` (the primary limit), a refusal with `Retry-After`
//! for that long (a secondary limit). While it is closed, every request of
//! that caller waits at it, or fails at once without being sent when the
//! wait is longer than its retry policy allows; none of them hits the limit
//! again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};

use crate::DateTime;

/// A caller's rate limit, as the last answer's `X-RateLimit-*` headers
/// reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed in the current window (`X-RateLimit-Limit`).
    pub limit: Option<u64>,
    /// Requests left in it (`X-RateLimit-Remaining`).
    pub remaining: Option<u64>,
    /// Requests made in it (`X-RateLimit-Used`).
    pub used: Option<u64>,
    /// When it ends, in Unix seconds on the server's clock
    /// (`X-RateLimit-Reset`).
    pub reset: Option<i64>,
}

impl RateLimit {
    /// The state an answer's headers report; `None` when they report none.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        AnswerHeaders::read(headers).rate_limit
    }

    /// When the window ends, as a time.
    pub fn reset_at(&self) -> Option<DateTime> {
        chrono::DateTime::from_timestamp(self.reset?, 0)
    }
}

/// The headers of an answer the client acts on, found in one pass over
/// them (a lookup by name hashes the name; a pass compares a few short
/// ones). Where a header comes twice, the first readable one counts.
#[derive(Default)]
pub(crate) struct AnswerHeaders<'h> {
    pub(crate) date: Option<&'h HeaderValue>,
    pub(crate) retry_after: Option<&'h str>,
    pub(crate) has_link: bool,
    /// `X-RateLimit-Remaining` is `0`, however written.
    pub(crate) used_up: bool,
    pub(crate) rate_limit: Option<RateLimit>,
}

impl<'h> AnswerHeaders<'h> {
    pub(crate) fn read(headers: &'h HeaderMap) -> Self {
        fn number<T: std::str::FromStr>(slot: &mut Option<T>, value: &HeaderValue) {
            if slot.is_none() {
                *slot = value.to_str().ok().and_then(|v| v.trim().parse().ok());
            }
        }
        let mut found = Self::default();
        let mut state = RateLimit {
            limit: None,
            remaining: None,
            used: None,
            reset: None,
        };
        for (name, value) in headers {
            match name.as_str() {
                "date" => {
                    found.date.get_or_insert(value);
                }
                "link" => found.has_link = true,
                "retry-after" if found.retry_after.is_none() => {
                    found.retry_after = value.to_str().ok();
                }
                "x-ratelimit-limit" => number(&mut state.limit, value),
                "x-ratelimit-remaining" => number(&mut state.remaining, value),
                "x-ratelimit-used" => number(&mut state.used, value),
                "x-ratelimit-reset" => number(&mut state.reset, value),
                _ => {}
            }
        }
        found.used_up = state.remaining == Some(0);
        let any = state.limit.is_some()
            || state.remaining.is_some()
            || state.used.is_some()
            || state.reset.is_some();
        found.rate_limit = any.then_some(state);
        found
    }
}

/// The longest a gate stays closed, whatever an answer says.
const MAX_CLOSED: Duration = Duration::from_secs(24 * 60 * 60);

/// The gate of one caller. Shared by every client of that caller on one
/// [`Client`](crate::Client).
#[derive(Debug, Default)]
pub(crate) struct RateGate {
    state: Mutex<GateState>,
    /// Whether the gate was ever closed: until then, passing it takes no
    /// lock and no clock reading.
    ever_closed: AtomicBool,
}

#[derive(Debug, Default)]
struct GateState {
    last: Option<RateLimit>,
    closed_until: Option<Instant>,
}

impl RateGate {
    /// How long the gate stays closed from now; `None` when it is open.
    pub(crate) fn closed_for(&self) -> Option<Duration> {
        if !self.ever_closed.load(Ordering::Acquire) {
            return None;
        }
        let until = self.lock().closed_until?;
        until.checked_duration_since(Instant::now())
    }

    /// The last state an answer reported.
    pub(crate) fn last(&self) -> Option<RateLimit> {
        self.lock().last.clone()
    }

    /// Records what an answer reported.
    pub(crate) fn observe(&self, state: Option<RateLimit>) {
        if let Some(state) = state {
            self.lock().last = Some(state);
        }
    }

    /// Keeps the gate closed for `wait` from now (or longer, if it already
    /// is).
    pub(crate) fn close_for(&self, wait: Duration) {
        // However long a server asks for, a day is the longest a gate
        // stays closed (and the arithmetic cannot overflow).
        let until = Instant::now() + wait.min(MAX_CLOSED);
        let mut state = self.lock();
        if state.closed_until.is_none_or(|known| known < until) {
            state.closed_until = Some(until);
        }
        self.ever_closed.store(true, Ordering::Release);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::{RateGate, RateLimit};
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::time::Duration;

    #[test]
    fn headers_are_read_and_absent_ones_mean_no_state() {
        assert_eq!(RateLimit::from_headers(&HeaderMap::new()), None);
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        headers.insert("x-ratelimit-reset", HeaderValue::from_static("1793526600"));
        headers.insert(
            "x-ratelimit-limit",
            HeaderValue::from_static("not a number"),
        );
        let state = RateLimit::from_headers(&headers).unwrap();
        assert_eq!(state.remaining, Some(0));
        assert_eq!(state.limit, None);
        assert_eq!(state.reset_at().unwrap().timestamp(), 1_793_526_600);
    }

    #[test]
    fn a_huge_wait_closes_the_gate_for_a_day_without_overflowing() {
        let gate = RateGate::default();
        gate.close_for(Duration::MAX);
        let closed = gate.closed_for().unwrap();
        assert!(
            closed <= Duration::from_secs(24 * 60 * 60)
                && closed > Duration::from_secs(23 * 60 * 60)
        );
    }

    #[test]
    fn a_gate_stays_closed_for_the_longest_wait_asked() {
        let gate = RateGate::default();
        assert_eq!(gate.closed_for(), None);
        gate.close_for(Duration::from_secs(60));
        gate.close_for(Duration::from_secs(1));
        assert!(gate.closed_for().unwrap() > Duration::from_secs(58));
    }
}
