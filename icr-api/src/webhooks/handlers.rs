//! [`Handlers`]: the app's handler for each kind of event, and the
//! dispatch of a verified delivery to it, with a client of the installation
//! the delivery was made for; [`DeliveryStore`] remembers the deliveries
//! taken, so that one delivered twice is handled once.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{Receivable, VerifiedDelivery, decode};
use crate::grants::Declaration;
use crate::{App, InstallationClient};

/// What a handler may fail with: any error, which the receiver logs.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>>;
type Handler<P> =
    Box<dyn Fn(&VerifiedDelivery, InstallationClient<P>) -> HandlerFuture + Send + Sync>;

/// The app's handlers, one per kind of event, for the declaration `P`.
///
/// ```
/// use icr_api::webhooks::Handlers;
///
/// icr_api::permissions! {
///     /// Labels new issues.
///     Triage { issues: write }
/// }
///
/// let handlers = Handlers::<Triage>::new().on(icr_api::events::Issues, |event, client| async move {
///     if event.action == icr_api::models::IssuesEventAction::Opened {
///         let _ = (event.issue.number, client);
///     }
///     Ok(())
/// });
/// assert!(handlers.handles("issues"));
/// ```
pub struct Handlers<P> {
    by_event: HashMap<&'static str, Handler<P>>,
}

impl<P> fmt::Debug for Handlers<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut events: Vec<&&str> = self.by_event.keys().collect();
        events.sort();
        f.debug_struct("Handlers").field("events", &events).finish()
    }
}

impl<P: Declaration + Send + Sync + 'static> Default for Handlers<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// What [`Handlers::dispatch`] did with a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Its handler ran and succeeded.
    Handled,
    /// No handler is registered for its event; it was taken as it is.
    NoHandler,
}

impl<P: Declaration + Send + Sync + 'static> Handlers<P> {
    /// No handlers yet.
    pub fn new() -> Self {
        Self {
            by_event: HashMap::new(),
        }
    }

    /// Handles events of `kind` with `handler`, which gets the typed
    /// payload and a client of the delivery's installation. Compiles only
    /// if `P` holds what `kind` events need. A second handler for the same
    /// kind replaces the first.
    pub fn on<K, F, Fut>(mut self, kind: K, handler: F) -> Self
    where
        K: Receivable<P>,
        F: Fn(K::Payload, InstallationClient<P>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + Send + 'static,
    {
        let _ = kind;
        let handler: Handler<P> = Box::new(move |delivery, client| {
            match decode::<K::Payload>(K::NAME, delivery.body()) {
                Ok(payload) => Box::pin(handler(payload, client)),
                Err(error) => Box::pin(std::future::ready(Err(error.into()))),
            }
        });
        self.by_event.insert(K::NAME, handler);
        self
    }

    /// Whether a handler is registered for the event `name`.
    pub fn handles(&self, name: &str) -> bool {
        self.by_event.contains_key(name)
    }

    /// Runs the handler of `delivery`'s event, with a client of its
    /// installation made by `app`.
    pub async fn dispatch(
        &self,
        app: &App,
        delivery: &VerifiedDelivery,
    ) -> Result<Handled, HandlerError> {
        let Some(handler) = self.by_event.get(delivery.event()) else {
            return Ok(Handled::NoHandler);
        };
        let client = app.installation_from_webhook::<P>(delivery)?;
        handler(delivery, client).await?;
        Ok(Handled::Handled)
    }
}

/// The future a [`DeliveryStore`] returns.
pub type DeliveryFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Remembers which deliveries were taken, by `X-ICR-Delivery` id, so that a
/// delivery that arrives twice (a redelivery of one that was handled, or a
/// retry) is handled once. A store shared by several receivers makes that
/// hold across them.
pub trait DeliveryStore: Send + Sync + 'static {
    /// Takes `id`: `true` the first time within the store's window, `false`
    /// when it was taken already.
    fn claim<'a>(&'a self, id: &'a str) -> DeliveryFuture<'a, bool>;
    /// Gives `id` back (its handler failed), so that a redelivery runs it.
    fn release<'a>(&'a self, id: &'a str) -> DeliveryFuture<'a, ()>;
}

/// A [`DeliveryStore`] in process memory: ids are remembered for a window
/// (a day by default) and at most a number of them (100,000), the oldest
/// forgotten first.
#[derive(Debug)]
pub struct MemoryDeliveries {
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    ids: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl Default for MemoryDeliveries {
    fn default() -> Self {
        Self::new(Duration::from_secs(24 * 60 * 60), 100_000)
    }
}

impl MemoryDeliveries {
    /// A store that remembers ids for `window`, and at most `capacity` of
    /// them.
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            seen: Mutex::new(Seen::default()),
        }
    }

    fn take(&self, id: &str) -> bool {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let Seen { ids, order } = &mut *seen;
        // Forget what is out of the window, then, to make room, the oldest
        // (an id given back and taken again has a newer entry; the old one
        // is skipped).
        while order
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > self.window)
        {
            forget_oldest(ids, order);
        }
        if ids.contains_key(id) {
            return false;
        }
        // Room is made among the ids held (an entry given back no longer
        // counts), and entries given back are dropped once they are half
        // of what is kept.
        while ids.len() >= self.capacity && !order.is_empty() {
            forget_oldest(ids, order);
        }
        if order.len() > 2 * self.capacity {
            order.retain(|(at, kept)| ids.get(kept) == Some(at));
        }
        ids.insert(id.to_owned(), now);
        order.push_back((now, id.to_owned()));
        true
    }
}

/// Drops the oldest entry, and its id unless the id was taken again since.
fn forget_oldest(ids: &mut HashMap<String, Instant>, order: &mut VecDeque<(Instant, String)>) {
    if let Some((at, old)) = order.pop_front()
        && ids.get(&old) == Some(&at)
    {
        ids.remove(&old);
    }
}

impl DeliveryStore for MemoryDeliveries {
    fn claim<'a>(&'a self, id: &'a str) -> DeliveryFuture<'a, bool> {
        Box::pin(std::future::ready(self.take(id)))
    }

    fn release<'a>(&'a self, id: &'a str) -> DeliveryFuture<'a, ()> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ids
            .remove(id);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryDeliveries;
    use std::time::Duration;

    #[test]
    fn a_delivery_is_taken_once_within_the_window_and_capacity() {
        let store = MemoryDeliveries::new(Duration::from_secs(60), 2);
        assert!(store.take("a"));
        assert!(!store.take("a"));
        assert!(store.take("b"));
        // Over capacity: the oldest is forgotten.
        assert!(store.take("c"));
        assert!(store.take("a"));
        assert!(!store.take("c"));
        // An id given back does not count against the capacity.
        let store = MemoryDeliveries::new(Duration::from_secs(60), 3);
        assert!(store.take("a"));
        for _ in 0..3 {
            assert!(store.take("x"));
            store.seen.lock().unwrap().ids.remove("x");
        }
        assert!(!store.take("a"), "`a` is still held");
        let short = MemoryDeliveries::new(Duration::ZERO, 10);
        assert!(short.take("x"));
        std::thread::sleep(Duration::from_millis(2));
        assert!(short.take("x"), "out of the window");
    }
}
