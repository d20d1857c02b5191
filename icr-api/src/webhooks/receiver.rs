//! The webhook receiver as an axum route (feature `axum`): it verifies each
//! delivery, answers at once, and hands the delivery to [`Handlers`] in a
//! task of its own.
//!
//! - a delivery whose signature does not hold (or that lacks a header) is
//!   answered `401` with what was wrong, and nothing of it is read;
//! - a delivery already taken (the same `X-ICR-Delivery`, per the
//!   [`DeliveryStore`]) is answered `200` and not handled again;
//! - any other is answered `202` before its handler runs, so that a slow
//!   handler never makes ICR count the delivery as failed; a handler that
//!   fails gives the delivery back to the store (a redelivery runs it
//!   again) and is logged.
//!
//! ```no_run
//! # async fn run(app: icr_api::App) -> std::io::Result<()> {
//! use icr_api::webhooks::{Handlers, WebhookSecret, receiver::Receiver};
//!
//! icr_api::permissions! {
//!     /// Labels new issues.
//!     Triage { issues: write }
//! }
//!
//! let handlers = Handlers::<Triage>::new().on(icr_api::events::Issues, |event, client| async move {
//!     let _ = (event, client);
//!     Ok(())
//! });
//! let router = Receiver::new(app, vec![WebhookSecret::new("a-long-random-secret")], handlers).router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8788").await?;
//! axum::serve(listener, router).await
//! # }
//! ```

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{DeliveryStore, Handled, Handlers, MemoryDeliveries, WebhookSecret, verify};
use crate::App;
use crate::grants::Declaration;

/// A webhook receiver: the app, its webhook secrets (several while one
/// replaces another), its handlers and the store of deliveries taken.
pub struct Receiver<P> {
    app: App,
    secrets: Vec<WebhookSecret>,
    handlers: Handlers<P>,
    store: Arc<dyn DeliveryStore>,
}

impl<P: Declaration + Send + Sync + 'static> Receiver<P> {
    /// A receiver with a [`MemoryDeliveries`] store.
    pub fn new(app: App, secrets: Vec<WebhookSecret>, handlers: Handlers<P>) -> Self {
        Self {
            app,
            secrets,
            handlers,
            store: Arc::new(MemoryDeliveries::default()),
        }
    }

    /// Remembers deliveries taken in `store` instead (one shared by several
    /// receivers makes "handled once" hold across them).
    pub fn store(mut self, store: Arc<dyn DeliveryStore>) -> Self {
        self.store = store;
        self
    }

    /// The route: `POST /` takes deliveries. Nest it where the app's
    /// webhook URL points.
    pub fn router(self) -> axum::Router {
        axum::Router::new()
            .route("/", axum::routing::post(take::<P>))
            .with_state(Arc::new(self))
    }
}

async fn take<P: Declaration + Send + Sync + 'static>(
    State(receiver): State<Arc<Receiver<P>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delivery = match verify(&headers, &body, &receiver.secrets) {
        Ok(delivery) => delivery,
        Err(error) => {
            tracing::warn!(%error, "refused a webhook delivery");
            return (StatusCode::UNAUTHORIZED, error.to_string()).into_response();
        }
    };
    if !receiver.store.claim(delivery.id()).await {
        tracing::debug!(
            delivery = delivery.id(),
            event = delivery.event(),
            "a delivery already taken came again; not handled twice"
        );
        return (StatusCode::OK, "already taken").into_response();
    }
    let receiver = Arc::clone(&receiver);
    tokio::spawn(async move {
        match receiver.handlers.dispatch(&receiver.app, &delivery).await {
            Ok(Handled::Handled) => {
                tracing::debug!(
                    delivery = delivery.id(),
                    event = delivery.event(),
                    "handled a webhook delivery"
                );
            }
            Ok(Handled::NoHandler) => {
                tracing::debug!(
                    delivery = delivery.id(),
                    event = delivery.event(),
                    "no handler for this event; taken as it is"
                );
            }
            Err(error) => {
                receiver.store.release(delivery.id()).await;
                tracing::warn!(
                    delivery = delivery.id(),
                    event = delivery.event(),
                    %error,
                    "a webhook handler failed; a redelivery will run it again"
                );
            }
        }
    });
    StatusCode::ACCEPTED.into_response()
}
