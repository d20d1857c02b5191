//! `icr-api` is the crate ICR App authors depend on: typed request functions
//! for every endpoint of the ICR REST API that works with ICR Apps, over a
//! small runtime that sends them.
//!
//! An ICR App installed on an organization acts as that installation: it
//! signs a short-lived JWT with its private key, finds the installation's id,
//! trades the JWT for an installation access token, and sends that token on
//! every request. The functions in the tag modules ([`projects`],
//! [`issues`], …) each describe one endpoint; they take an
//! [`InstallationClient`], or for the `/app` endpoints an [`AppClient`].
//!
//! What the app was granted is declared once, as a type; every request
//! function names the permissions of its endpoint in its bounds, so a call
//! the app was not granted does not compile (see [`grants`]):
//!
//! ```no_run
//! use icr_api::{App, ClientConfig};
//!
//! icr_api::permissions! {
//!     /// What the release-notes app was granted on ICR.
//!     pub ReleaseNotes { projects: write, issues: read }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // The app: its id and private key (ICR shows both on the app's page).
//! let pem = std::fs::read_to_string("release-notes.private-key.pem")?;
//! let app = App::new(42, &pem, ClientConfig::default())?;
//! // Acting as its installation on organization 7: the first request asks
//! // for a token with exactly `projects: write` and `issues: read` (and
//! // fails, naming them, if the organization did not accept them).
//! let installation = app.installation_for_organization::<ReleaseNotes>(7).await?;
//! let project = icr_api::projects::get_project(&installation, 3001).await?;
//! println!("{}: {:?}", project.full_name, project.short_description);
//! // Optional parameters are set by name on the call, which `.await` sends.
//! let closed = icr_api::issues::list_project_issues(&installation, 3001)
//!     .state(icr_api::models::ListProjectIssuesState::Closed)
//!     .await?;
//! println!("{} closed issues", closed.len());
//! // A body's members likewise; `clear_…` sends `null`.
//! let update = icr_api::models::ProjectUpdate::default().clear_homepage();
//! icr_api::projects::update_project(&installation, 3001, &update).await?;
//! // `icr_api::issues::create_issue(&installation, …)` would not compile:
//! // creating an issue needs `issues: write`.
//! # Ok(())
//! # }
//! ```
//!
//! What the crate promises:
//!
//! - every error is an [`Error`], sorted by failure mode; an error answer
//!   of the server is decoded into an [`ApiError`] with its message and
//!   request id, and a body that does not decode is kept in a
//!   [`DecodeError`];
//! - credentials are [`SecretToken`]s, which never show in `Debug` output or
//!   errors;
//! - [`permissions!`] checks a declaration against the API's permission
//!   catalog at compile time (an unknown permission or level is an error at
//!   that entry), and [`InstallationTokens::create_token`] checks it against what
//!   the server grants at run time;
//! - an [`InstallationClient<P>`] is a capability: every way to one proves
//!   that its token holds `P` ([`InstallationClient::from_token`] asks the
//!   server) or says `unchecked` in its name; only `permissions!` implements
//!   the permission traits; narrowing only narrows; and the one way to send
//!   a hand-made request, [`InstallationClient::send`], states the
//!   permissions it needs, checked like a generated function's;
//! - failed requests are retried when that is safe ([`RetryPolicy`]), rate
//!   limits are waited out per installation, and every call is one
//!   `icr.request` `tracing` span;
//! - a call takes its required arguments; its optional parameters are set
//!   by name on what it returns (or all at once, as data, with `options`),
//!   and `.await` sends it; a body is built with `new` and setters;
//! - every list operation also reads the whole list: `.pages()` on the
//!   call gives a lazy stream of its items across pages, and single
//!   [`Page`]s with [`Cursor`]s to resume from (see [`pages`]);
//! - the tag modules and [`models`] are generated from
//!   `spec/icr.openapi.yaml` by `cargo xtask codegen` and checked in under
//!   `src/generated/`; nothing in them is edited by hand.

// Generated code names this crate by its absolute path, `::icr_api`, so it
// reads the same here, in a crate generated with `--out`, and where
// `generate_api!` expands it.
#[doc(hidden)]
pub extern crate self as icr_api;

mod app;
pub mod cache;
mod client;
mod error;
mod exchange;
// Formatted by the generator (prettyplease), and checked fresh by
// `cargo xtask codegen --check`; rustfmt would make it stale. Its
// `webhooks` module is reached through the hand-written `webhooks`, which
// re-exports it beside the delivery checks (the glob below is shadowed).
#[rustfmt::skip]
#[allow(unreachable_pub, reason = "the generated `webhooks` is re-exported by `crate::webhooks`")]
mod generated;
pub mod grants;
mod installation;
mod limits;
pub mod pages;
mod prepared;
mod request;
mod retry;
mod secret;
mod setters;
pub mod webhooks;
mod wire;

pub use app::App;
pub use client::{
    AppClient, Client, ClientConfig, DEFAULT_BASE_URL, InstallationClient, TokenInfo,
};
pub use error::{ApiError, DecodeError, Error, FieldError, Result, Stage};
pub use generated::*;
pub use icr_macros::generate_api;
pub use installation::{InstallationToken, InstallationTokens};
pub use limits::RateLimit;
pub use pages::{Cursor, Page, Pages};
pub use prepared::{OperationOptions, Prepared};
pub use request::{Request, Response};
pub use retry::RetryPolicy;
pub use secret::{SecretToken, expose_secrets};

/// The future a request function returns.
///
/// The function reads its arguments when it is called (the request is
/// built then), so the future borrows nothing but the client. It is boxed
/// for two reasons: it is `Send` whatever the caller, and it is a concrete
/// type, so a call the app was not granted is one compile error rather than
/// one for the call and another for the future's type.
pub type Call<'client, T> = std::pin::Pin<Box<dyn Future<Output = Result<T>> + Send + 'client>>;

/// The value types generated models use.
pub use bytes::Bytes;
/// A point in time, as the API writes it (RFC 3339, UTC).
pub type DateTime = chrono::DateTime<chrono::Utc>;
/// A calendar date (`2026-11-24`).
pub type Date = chrono::NaiveDate;
/// Any JSON value, where the API description leaves the shape open.
pub type JsonValue = serde_json::Value;

/// What generated code uses; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::request::{ArrayStyle, Request, Response};
    pub use bytes::Bytes;
    pub use chrono;
    pub use reqwest::Method;
    pub use serde;
    pub use serde_json;

    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// What `permissions!` expansions and the generated `permissions`
    /// modules implement. Implementing any of it by hand is unsupported:
    /// it is how a declaration is sealed, and code that does so is on its
    /// own.
    pub mod unsupported {
        pub use crate::grants::typed::logic;
        pub use crate::grants::typed::sealed::RequirementOf as RequirementSeal;
        pub use crate::grants::typed::{CatalogDef, Declared, Narrow, same_catalog};
        /// The proc macro behind each bindings' `permissions!`, which hands
        /// it their catalog.
        pub use icr_macros::permissions;
        /// What the generated event marker types implement, so that no
        /// other type is an [`EventKind`](crate::webhooks::EventKind).
        pub trait EventSeal {}
    }

    /// Decodes a webhook event's payload, saying where it went wrong.
    pub fn decode_event<T: DeserializeOwned>(name: &str, body: &[u8]) -> crate::Result<T> {
        crate::webhooks::decode(name, body)
    }

    /// The discriminator of a tagged union's value.
    pub fn tag_of<'v>(value: &'v Value, property: &str) -> Option<&'v str> {
        value.get(property)?.as_str()
    }

    /// Decodes a union's variant from the value already read.
    pub fn from_value<T: DeserializeOwned, E: serde::de::Error>(value: Value) -> Result<T, E> {
        serde_json::from_value(value).map_err(E::custom)
    }

    pub use crate::__operation_call as operation_call;
    pub use crate::__setters as setters;
    pub use crate::__wire_enum as wire_enum;
    pub use crate::__wire_struct as wire_struct;
    pub use crate::prepared::OperationOptions;
    pub use crate::wire::{Key, WireStruct, nullable, optional, read, required, visit};
}
