//! The webhook receiver as an axum route (feature `axum`): it verifies each
//! delivery, answers at once, and hands the delivery to [`Handlers`] in a
//! task of its own.
//!
//! - a delivery whose signature does not hold (or that lacks a header, or
//!   whose signed body is another event than its header says) is answered
//!   `401`, nothing of it handled; what was wrong is logged, not told to
//!   the sender;
//! - a delivery already taken is answered `200` and not handled again:
//!   the same `X-ICR-Delivery` (a redelivery), or the same signed body
//!   under another id (a replay of a captured delivery), per the
//!   [`DeliveryStore`]'s window;
//! - any other is answered `202` before its handler runs, so that a slow
//!   handler never makes ICR count the delivery as failed. A handler that
//!   fails or panics gives the delivery back to the store and is logged
//!   with the delivery id: ICR's log shows the delivery as taken, so the
//!   app asks for it again (`apps::redeliver_webhook_delivery`) from its
//!   own log, and the redelivery runs the handler.
//!
//! The route reads bodies up to axum's default limit (2 MB); time limits
//! on slow clients belong to the server it is served with (for example
//! `tower_http::timeout::TimeoutLayer` around the router).
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
            return (
                StatusCode::UNAUTHORIZED,
                "the delivery could not be verified",
            )
                .into_response();
        }
    };
    // Taken once by id (redeliveries) and by body (replays under a new id).
    let body_key = format!("sha256:{}", digest_hex(delivery.body()));
    let by_id = receiver.store.claim(delivery.id()).await;
    let by_body = by_id && receiver.store.claim(&body_key).await;
    if !by_body {
        if by_id {
            receiver.store.release(delivery.id()).await;
        }
        tracing::debug!(
            delivery = delivery.id(),
            event = delivery.event(),
            "a delivery already taken came again; not handled twice"
        );
        return (StatusCode::OK, "already taken").into_response();
    }
    let receiver = Arc::clone(&receiver);
    // The handler runs in a task of its own, watched by this one, so that a
    // panic in it gives the delivery back like an error does.
    tokio::spawn(async move {
        let handling = {
            let receiver = Arc::clone(&receiver);
            let delivery = delivery.clone();
            tokio::spawn(async move { receiver.handlers.dispatch(&receiver.app, &delivery).await })
        };
        let outcome = match handling.await {
            Ok(outcome) => outcome,
            Err(join) => Err(format!("the handler panicked: {join}").into()),
        };
        match outcome {
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
                receiver.store.release(&body_key).await;
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

/// The lower-case hex SHA-256 of `bytes`.
fn digest_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
