//! `icr-emulator` is a local ICR server that behaves like ICR for everything
//! in `spec/icr.openapi.yaml`: real HTTP on loopback, real app-JWT and
//! installation-token checks, and the permissions of every operation
//! enforced as the spec lists them. It is the embedded default of the
//! quickstart and the counterpart of every end-to-end test.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use icr_emulator::{AppSettings, Emulator, KeyPair};
//!
//! let emulator = Emulator::start().await?;
//! let keys = KeyPair::generate()?;
//! let app = emulator.register_app(AppSettings::new("release-notes", keys.public_pem())
//!     .permission("projects", "write")
//!     .permission("issues", "read"))?;
//! let org = emulator.create_organization("best-organization");
//! let installation = emulator.install(app, org, &[("projects", "write"), ("issues", "read")])?;
//! println!("{} serves app {app}, installation {installation}", emulator.base_url());
//! # Ok(()) }
//! ```
//!
//! The pieces, one module each: [`spec`] reads the operation table from the
//! spec; `server` runs every request through authentication, rate limits,
//! permissions, parameter and body checks and organization scoping;
//! `resources` gives the core resources their behaviour (everything else
//! answers with its example); `jwt` checks app JWTs; `store` holds the
//! state; [`Clock`] is the time tests can move.

mod clock;
mod faults;
mod hooks;
mod jwt;
mod keys;
mod milestones;
mod resources;
mod server;
mod spec;
mod store;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use icr_codegen::permissions::Level;
use jsonwebtoken::DecodingKey;
use serde_json::json;

pub use clock::Clock;
pub use faults::Fault;
pub use keys::{KeyError, KeyPair};

use server::Shared;
use store::{App, Grants, Installation, Organization, merge, time};

/// How to run an emulator.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// The loopback port; 0 picks a free one.
    pub port: u16,
    /// Requests an hour each caller (app, installation, anonymous) may make.
    pub rate_limit: u64,
    /// Whether answers built from state are checked against the spec's
    /// response schemas (a mismatch is a 500 that names it).
    pub check_answers: bool,
    /// How long a client may take to send a request's head, or its body;
    /// then the connection is closed (head) or answered 408 (body).
    pub read_timeout: std::time::Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            port: 0,
            rate_limit: 5000,
            check_answers: true,
            read_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Something the emulator was asked to set up that it cannot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The server could not start.
    #[error("the emulator could not start: {0}")]
    Start(String),
    /// The public key is not an RSA public key in PEM.
    #[error("the public key of app `{app}` is not an RSA public key in PEM: {reason}")]
    BadKey {
        /// The app's slug.
        app: String,
        /// What the key parser said.
        reason: String,
    },
    /// A permission or level the spec's catalog does not have.
    #[error("unknown permission `{permission}: {level}`; the catalog has {known}")]
    UnknownPermission {
        /// The permission.
        permission: String,
        /// The level.
        level: String,
        /// The catalog's permissions.
        known: String,
    },
    /// An installation asks for more than its app was granted.
    #[error("app {app} was not granted `{permission}: {level}`, so no installation can accept it")]
    NotGrantedToApp {
        /// The app.
        app: i64,
        /// The permission.
        permission: String,
        /// The level.
        level: String,
    },
    /// No app, organization or installation with that id.
    #[error("no {0}")]
    NotFound(String),
}

/// Who an operation is for, as its credential says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The app itself, with its JWT.
    App,
    /// An installation, with an installation access token.
    Installation,
    /// A signed-in person only; the emulator has none.
    Person,
}

/// An app to register: its slug, public key and permissions.
#[derive(Clone, Debug)]
pub struct AppSettings {
    slug: String,
    name: String,
    public_pem: String,
    permissions: Vec<(String, String)>,
    webhook: Option<(String, Option<String>)>,
}

impl AppSettings {
    /// An app named `slug` whose JWTs verify with `public_pem`.
    pub fn new(slug: &str, public_pem: &str) -> Self {
        Self {
            slug: slug.to_owned(),
            name: slug.to_owned(),
            public_pem: public_pem.to_owned(),
            permissions: Vec::new(),
            webhook: None,
        }
    }

    /// Its webhook: deliveries go to `url`, signed with `secret` (the same
    /// as `PATCH /app/hook/config` with the app's JWT).
    pub fn webhook(mut self, url: &str, secret: &str) -> Self {
        self.webhook = Some((url.to_owned(), Some(secret.to_owned())));
        self
    }

    /// Its display name.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// One more permission the app asks for, e.g. `("issues", "write")`.
    pub fn permission(mut self, permission: &str, level: &str) -> Self {
        self.permissions
            .push((permission.to_owned(), level.to_owned()));
        self
    }
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.shared.base_url)
            .finish()
    }
}

impl Emulator {
    /// Starts an emulator on a free loopback port.
    pub async fn start() -> Result<Self, EmulatorError> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts an emulator as `config` says.
    pub async fn start_with(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        let spec = spec::Spec::shared().map_err(EmulatorError::Start)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| {
                EmulatorError::Start(format!("cannot bind 127.0.0.1:{}: {e}", config.port))
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| EmulatorError::Start(e.to_string()))?;
        let shared = Arc::new(Shared::new(
            spec,
            format!("http://{address}"),
            config.rate_limit,
            config.check_answers,
            config.read_timeout,
        ));
        let router = server::router(Arc::clone(&shared));
        // The server runs until the emulator is dropped.
        let server = tokio::spawn(server::serve(listener, router, config.read_timeout));
        Ok(Self { shared, server })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The emulator's clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Sets how many requests an hour each caller may make.
    pub fn set_rate_limit(&self, per_hour: u64) {
        self.shared.rate_limit.store(per_hour, Ordering::Relaxed);
    }

    /// How many requests the emulator has answered so far, whatever their
    /// outcome.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Queues `faults` for the next requests to the operation
    /// `operation_id` (e.g. `issues/createIssue`): each request takes the
    /// next one; once they are used up, requests are answered normally.
    pub fn script(&self, operation_id: &str, faults: impl IntoIterator<Item = Fault>) {
        self.shared.faults.script(operation_id, faults);
    }

    /// How many requests the operation `operation_id` received, faulted or
    /// not.
    pub fn requests_to(&self, operation_id: &str) -> u64 {
        self.shared.faults.count(operation_id)
    }

    /// How many installation access tokens were created so far.
    pub fn token_requests(&self) -> usize {
        self.shared.state().token_requests
    }

    /// The permissions installation `installation_id`'s requests needed so
    /// far, by name, each at the highest level a request needed it (of an
    /// operation that takes any one of several sets, the first set its
    /// token met). With `icr_api::grants::unused`, an app's test suite can
    /// assert that its declaration asks for no more than its requests use.
    pub fn permissions_used(&self, installation_id: i64) -> BTreeMap<String, String> {
        self.shared
            .state()
            .permissions_used
            .get(&installation_id)
            .map(|used| {
                used.iter()
                    .map(|(name, level)| (name.clone(), level.name().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Revokes every access token of installation `installation_id`, as an
    /// owner of its organization or ICR itself may: requests with them get
    /// 401 from now on. Returns how many were revoked.
    pub fn revoke_tokens(&self, installation_id: i64) -> usize {
        let mut state = self.shared.state();
        let before = state.tokens.len();
        state
            .tokens
            .retain(|_, token| token.installation_id != installation_id);
        before - state.tokens.len()
    }

    fn grants(&self, asked: &[(String, String)]) -> Result<Grants, EmulatorError> {
        let mut grants = Grants::new();
        for (permission, level) in asked {
            let parsed = Level::from_name(level).filter(|l| {
                self.shared
                    .spec
                    .levels(permission)
                    .is_some_and(|ls| ls.contains(l))
            });
            let Some(parsed) = parsed else {
                let known: Vec<String> = self
                    .shared
                    .spec
                    .catalog
                    .permissions
                    .iter()
                    .map(|p| {
                        let levels: Vec<&str> = p.levels.iter().map(|l| l.name()).collect();
                        format!("`{}` ({})", p.name, levels.join(", "))
                    })
                    .collect();
                return Err(EmulatorError::UnknownPermission {
                    permission: permission.clone(),
                    level: level.clone(),
                    known: known.join(", "),
                });
            };
            grants.insert(permission.clone(), parsed);
        }
        grants.entry("metadata".to_owned()).or_insert(Level::Read);
        Ok(grants)
    }

    /// Registers an app; returns its id.
    pub fn register_app(&self, settings: AppSettings) -> Result<i64, EmulatorError> {
        let key = DecodingKey::from_rsa_pem(settings.public_pem.as_bytes()).map_err(|e| {
            EmulatorError::BadKey {
                app: settings.slug.clone(),
                reason: e.to_string(),
            }
        })?;
        let permissions = self.grants(&settings.permissions)?;
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let id = state.next_id();
        state.apps.insert(
            id,
            App {
                id,
                slug: settings.slug,
                name: settings.name,
                key,
                permissions,
                created_at: now,
            },
        );
        if let Some((url, secret)) = settings.webhook {
            state.hooks.insert(id, hooks::Hook { url, secret });
        }
        Ok(id)
    }

    /// Creates an organization; returns its id.
    pub fn create_organization(&self, login: &str) -> i64 {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let id = state.next_id();
        let mut value = self.shared.spec.example("Organization");
        merge(
            &mut value,
            json!({
                "id": id, "login": login, "name": login, "avatarUrl": format!("https://avatars.icr.dev/o/{id}"),
                "description": null, "email": null, "location": null,
                "htmlUrl": format!("https://icr.dev/{login}"), "publicProjects": 0,
                "createdAt": time(now), "updatedAt": time(now),
            }),
        );
        let members = state
            .users
            .values()
            .map(|user| (user.clone(), "member".to_owned()))
            .collect();
        state
            .organizations
            .insert(id, Organization { id, value, members });
        id
    }

    /// Creates a project in an organization; returns its id.
    pub fn create_project(&self, organization: i64, name: &str) -> Result<i64, EmulatorError> {
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        state
            .create_project(&self.shared.spec, organization, name, now)
            .ok_or_else(|| EmulatorError::NotFound(format!("organization {organization}")))
    }

    /// Installs app `app` on organization `organization`, which accepted
    /// `permissions` (each granted to the app); returns the installation id.
    pub fn install(
        &self,
        app: i64,
        organization: i64,
        permissions: &[(&str, &str)],
    ) -> Result<i64, EmulatorError> {
        let asked: Vec<(String, String)> = permissions
            .iter()
            .map(|(p, l)| ((*p).to_owned(), (*l).to_owned()))
            .collect();
        let accepted = self.grants(&asked)?;
        let now = self.shared.clock.now();
        let mut state = self.shared.state();
        let granted = &state
            .apps
            .get(&app)
            .ok_or_else(|| EmulatorError::NotFound(format!("app {app}")))?
            .permissions;
        for (permission, level) in &accepted {
            if !granted.get(permission).is_some_and(|g| g.satisfies(*level)) {
                return Err(EmulatorError::NotGrantedToApp {
                    app,
                    permission: permission.clone(),
                    level: level.name().to_owned(),
                });
            }
        }
        if !state.organizations.contains_key(&organization) {
            return Err(EmulatorError::NotFound(format!(
                "organization {organization}"
            )));
        }
        let id = state.next_id();
        state.installations.insert(
            id,
            Installation {
                id,
                app_id: app,
                org_id: organization,
                permissions: accepted,
                created_at: now,
            },
        );
        hooks::installation_changed(
            &self.shared.spec,
            &self.shared.base_url,
            &mut state,
            id,
            "created",
        );
        drop(state);
        hooks::flush(&self.shared);
        Ok(id)
    }

    /// The ids and templates of every operation the emulator routes, as
    /// `(operationId, method, path)`.
    pub fn operations(&self) -> Vec<(String, String, String)> {
        self.shared
            .spec
            .operations
            .iter()
            .map(|op| (op.id.clone(), op.method.clone(), op.template.clone()))
            .collect()
    }

    /// The ids of the operations that `who` may call, in the spec's order.
    pub fn operations_for(&self, who: Who) -> Vec<String> {
        self.shared
            .spec
            .operations
            .iter()
            .filter(|op| {
                matches!(
                    (&op.access, who),
                    (spec::Access::App, Who::App)
                        | (
                            spec::Access::Installation(_) | spec::Access::AnyInstallation,
                            Who::Installation
                        )
                        | (spec::Access::Person, Who::Person)
                )
            })
            .map(|op| op.id.clone())
            .collect()
    }

    /// The permissions the spec's catalog offers, with their levels.
    pub fn catalog(&self) -> BTreeMap<String, Vec<String>> {
        self.shared
            .spec
            .catalog
            .permissions
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.levels.iter().map(|l| l.name().to_owned()).collect(),
                )
            })
            .collect()
    }
}
