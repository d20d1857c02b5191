//! [`Clock`]: the emulator's idea of now, which tests move forward to make
//! tokens and JWTs expire without waiting.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The time as the emulator sees it: the system clock plus an offset that
/// only moves when told to. Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset: Arc<Mutex<TimeDelta>>,
}

impl Clock {
    /// Now, on the emulator's clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.checked_add(&by).unwrap_or(TimeDelta::MAX);
    }

    /// Sets the clock to `at` (the clock keeps running from there).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner) = at - Utc::now();
    }

    fn offset(&self) -> TimeDelta {
        *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
