//! [`RetryPolicy`]: which failed requests are sent again, and after how
//! long. The loop that applies it is [`Client::execute`](crate::Client).

use std::time::Duration;

use crate::error::Error;
use crate::request::Request;

/// When a failed request is sent again.
///
/// - **What.** A request that is safe to repeat: `GET`, `HEAD`, `PUT`,
///   `DELETE`, `OPTIONS`, or a write that carries an `Idempotency-Key` (the
///   generated functions of operations that take one always send one, the
///   same on every attempt). A write without a key only when it was never
///   sent (the connection failed).
/// - **On what.** A transport failure, a 500, 502, 503 or 504, or a rate
///   limit.
/// - **When.** After a backoff with full jitter: a random wait below
///   `base_delay`, doubled for each attempt, at most `max_delay`; after a
///   rate limit, when the server says (`Retry-After`, or the window's reset),
///   if that is at most `max_rate_limit_wait`. At most `max_attempts`
///   attempts, all within `max_total`.
///
/// [`RetryPolicy::never`] sends every request once and never waits out a
/// rate limit.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 never retries.
    pub max_attempts: u32,
    /// The first backoff's ceiling; each retry doubles it.
    pub base_delay: Duration,
    /// The longest single backoff.
    pub max_delay: Duration,
    /// The longest wait for a rate limit to lift; a longer one is returned
    /// as [`Error::RateLimited`] at once.
    pub max_rate_limit_wait: Duration,
    /// The longest time all attempts and waits of one request may take.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(60),
            max_total: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries, no waiting for rate limits.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            max_rate_limit_wait: Duration::ZERO,
            ..Self::default()
        }
    }

    /// The same, with this many attempts in all.
    pub fn attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// The same, with these backoff bounds.
    pub fn delays(mut self, base_delay: Duration, max_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self.max_delay = max_delay;
        self
    }

    /// The same, waiting at most `wait` for a rate limit to lift.
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The same, giving up when one request has taken `total`.
    pub fn max_total(mut self, total: Duration) -> Self {
        self.max_total = total;
        self
    }

    /// Whether `request` may be sent again after it reached the server.
    pub(crate) fn repeatable(request: &Request) -> bool {
        matches!(
            request.method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::PUT
                | reqwest::Method::DELETE
                | reqwest::Method::OPTIONS
        ) || request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
    }

    /// Whether `request`, whose attempt `attempt` failed with `error`, may
    /// be sent again at all.
    pub(crate) fn allows(&self, attempt: u32, request: &Request, error: &Error) -> bool {
        attempt < self.max_attempts
            && error.is_retryable()
            && (Self::repeatable(request) || error.is_not_sent())
    }

    /// The backoff before attempt `attempt + 1`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        ceiling.mul_f64(jitter())
    }
}

/// A number in [0, 1), different on each call: full jitter for backoff.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::RetryPolicy;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_under_its_ceiling_and_is_jittered() {
        let policy =
            RetryPolicy::default().delays(Duration::from_millis(100), Duration::from_secs(1));
        let waits: Vec<Duration> = (0..200).map(|_| policy.backoff(3)).collect();
        assert!(waits.iter().all(|w| *w < Duration::from_millis(400)));
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 100, "not jittered: {distinct:?}");
        assert!((0..50).all(|_| policy.backoff(30) <= Duration::from_secs(1)));
    }
}
