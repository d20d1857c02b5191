//! Authenticating as an installation, end to end against the emulator:
//! the whole flow, token reuse, one token request for many concurrent
//! requests, renewal before expiry, clocks that are off, refused and
//! revoked tokens, unknown keys, permissions an organization did not
//! accept, installations that are gone, and secrets that never show.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use icr_api::cache::{CacheFuture, CacheKey, CachedToken, MemoryCache, TokenCache};
use icr_api::webhooks::{self, WebhookSecret};
use icr_api::{App, ClientConfig, Error};
use icr_emulator::KeyPair;
use serde_json::json;
use tests::world::World;
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// What the release-notes app was granted.
    ReleaseNotes { projects: write, issues: read }
    /// More than any organization accepted here.
    Greedy { projects: write, issues: write }
    /// A narrower view.
    ReadProjects { projects: read }
}

/// The app was granted `projects: write` and `issues: write`; the
/// organization accepted `issues: read` only.
async fn setup() -> World {
    World::new(
        &[("projects", "write"), ("issues", "write")],
        &[("projects", "write"), ("issues", "read")],
    )
    .await
}

#[tokio::test]
async fn the_whole_flow_updates_a_project_as_the_app() {
    let world = setup().await;
    let app = world.app();
    let installation = app
        .installation_for_organization::<ReleaseNotes>(world.org)
        .await
        .unwrap();
    let projects = icr_api::projects::list_organization_projects(&installation, world.org)
        .await
        .unwrap();
    assert_eq!(projects.len(), 1);
    let update = icr_api::models::ProjectUpdate {
        short_description: Some(Some("A small compiler.".to_owned())),
        ..Default::default()
    };
    let updated = icr_api::projects::update_project(&installation, world.project, &update)
        .await
        .unwrap();
    assert_eq!(
        updated.short_description.as_deref(),
        Some("A small compiler.")
    );
    let timeline = icr_api::timeline::list_project_timeline(&installation, world.project)
        .await
        .unwrap();
    let shown = format!("{:?}", timeline[0]);
    assert!(
        shown.contains("ProjectEdited") && shown.contains("release-notes"),
        "{shown}"
    );
    assert_eq!(world.emulator.token_requests(), 1);

    // The installation id is remembered, and the same token reused.
    let again = app
        .installation_for_organization::<ReleaseNotes>(world.org)
        .await
        .unwrap();
    icr_api::projects::get_project(&again, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 1);

    // Found by listing, and from a webhook payload.
    let all = app.installations().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, world.installation);
    // From a webhook delivery, once its signature is checked.
    let secret = WebhookSecret::new("hook-secret");
    let payload =
        json!({"event": "issues", "action": "opened", "installation": {"id": world.installation}})
            .to_string();
    let delivery = webhooks::verify(
        &tests::delivery_headers(
            "issues",
            "d-1",
            &webhooks::sign(&secret, payload.as_bytes()),
        ),
        payload.as_bytes(),
        std::slice::from_ref(&secret),
    )
    .unwrap();
    let from_hook = app
        .installation_from_webhook::<ReleaseNotes>(&delivery)
        .unwrap();
    icr_api::projects::get_project(&from_hook, world.project)
        .await
        .unwrap();
    let signed_empty = webhooks::verify(
        &tests::delivery_headers(
            "issues",
            "d-2",
            &webhooks::sign(&secret, br#"{"event":"issues"}"#),
        ),
        br#"{"event":"issues"}"#,
        &[secret],
    )
    .unwrap();
    assert!(matches!(
        app.installation_from_webhook::<ReleaseNotes>(&signed_empty),
        Err(Error::Decode(_))
    ));
}

#[tokio::test]
async fn many_requests_and_many_concurrent_requests_share_one_token() {
    let world = setup().await;
    let installation = world.app().installation::<ReleaseNotes>(world.installation);
    for _ in 0..10 {
        icr_api::projects::get_project(&installation, world.project)
            .await
            .unwrap();
    }
    assert_eq!(world.emulator.token_requests(), 1);

    // A cold cache and 200 requests at once: one token request.
    let world = setup().await;
    let installation = world.app().installation::<ReleaseNotes>(world.installation);
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let installation = installation.clone();
        let project = world.project;
        tasks.push(tokio::spawn(async move {
            icr_api::projects::get_project(&installation, project).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(world.emulator.token_requests(), 1);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires_on_the_server_clock() {
    let world = setup().await;
    let installation = world.app().installation::<ReleaseNotes>(world.installation);
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    // Still well inside its two hours: reused.
    world.emulator.clock().advance(Duration::from_secs(60 * 60));
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 1);
    // Within the renewal margin of `expiresAt`: renewed once, before any 401.
    world.emulator.clock().advance(Duration::from_secs(57 * 60));
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 2);
}

#[tokio::test]
async fn a_local_clock_five_minutes_off_either_way_still_works() {
    for minutes in [-5i64, 5] {
        let world = setup().await;
        let shift = chrono::TimeDelta::minutes(minutes);
        world.emulator.clock().set(chrono::Utc::now() + shift);
        let app = world.app();
        let installation = app
            .installation_for_organization::<ReleaseNotes>(world.org)
            .await
            .unwrap_or_else(|e| panic!("{minutes} min: {e}"));
        icr_api::projects::get_project(&installation, world.project)
            .await
            .unwrap_or_else(|e| panic!("{minutes} min: {e}"));
        let offset = app.client().clock_offset_ms();
        assert!(
            (offset - minutes * 60_000).abs() < 2_000,
            "{minutes} min: offset {offset} ms"
        );
        // Renewal happens by the server's clock: two hours on it expire the
        // token whatever the local clock says.
        world
            .emulator
            .clock()
            .advance(Duration::from_secs(2 * 3600));
        icr_api::projects::get_project(&installation, world.project)
            .await
            .unwrap();
        assert_eq!(world.emulator.token_requests(), 2, "{minutes} min");
    }
}

#[tokio::test]
async fn a_revoked_token_is_renewed_and_the_request_retried_once() {
    let world = setup().await;
    let app = world.app();
    let installation = app.installation::<ReleaseNotes>(world.installation);
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    // A narrowed client has a token of its own; revoked through the client,
    // the next request creates another.
    let narrowed = installation.narrow::<ReadProjects>().unwrap();
    icr_api::projects::get_project(&narrowed, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 2);
    narrowed.revoke_token().await.unwrap();
    icr_api::projects::get_project(&narrowed, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), 3);

    // Revoked behind the client's back, while still cached: the next
    // request gets a 401, renews the token and succeeds.
    let raw = reqwest::Client::new();
    let cache = Arc::new(Recording::default());
    let app = world.app().with_token_cache(cache.clone());
    let installation = app.installation::<ReleaseNotes>(world.installation);
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    let token = cache.tokens.lock().unwrap().last().cloned().unwrap();
    let revoked = raw
        .delete(format!("{}/installation/token", world.emulator.base_url()))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let before = world.emulator.token_requests();
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    assert_eq!(world.emulator.token_requests(), before + 1);
}

#[tokio::test]
async fn a_token_refused_again_after_renewal_is_a_clear_error() {
    let token = json!({
        "token": "icr_inst_scripted", "expiresAt": "2099-01-01T00:00:00Z",
        "permissions": {"metadata": "read", "projects": "write", "issues": "read"},
        "organization": {"id": 1, "login": "o", "name": null, "avatarUrl": "https://icr.example/a"},
        "projectSelection": "all",
    });
    let refused =
        json!({"message": "Bad credentials", "documentationUrl": "https://docs", "requestId": "r"});
    let recorder = Recorder::start(vec![
        Answer::json(201, &token),
        Answer::json(401, &refused),
        Answer::json(401, &refused),
        Answer::json(201, &token),
        Answer::json(401, &refused),
    ])
    .await;
    let keys = KeyPair::generate().unwrap();
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let installation = app.installation::<ReleaseNotes>(42);
    let error = icr_api::projects::get_project(&installation, 3001)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::TokenRejected { installation_id: 42, message } if message == "Bad credentials"),
        "{error:?}"
    );
    let paths: Vec<String> = recorder
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /app/installations/42/accessTokens",
            "GET /projects/3001",
            "GET /projects/3001",
            "POST /app/installations/42/accessTokens",
            "GET /projects/3001",
        ]
    );
}

#[tokio::test]
async fn unknown_keys_unaccepted_permissions_and_gone_installations_are_clear_errors() {
    let world = setup().await;
    // A key the server does not know.
    let stranger = KeyPair::generate().unwrap();
    let app = App::new(
        world.app_id,
        stranger.private_pem(),
        ClientConfig::with_base_url(world.emulator.base_url()),
    )
    .unwrap();
    let error = app
        .installation_id_for_organization(world.org)
        .await
        .unwrap_err();
    match &error {
        Error::JwtRejected {
            app_id, message, ..
        } => {
            assert_eq!(*app_id, world.app_id);
            assert!(message.contains("signature does not verify"), "{message}");
        }
        other => panic!("expected JwtRejected, got {other:?}"),
    }

    // Permissions the organization did not accept: an error when the token
    // is created, naming them.
    let app = world.app();
    let greedy = app.installation::<Greedy>(world.installation);
    let error = icr_api::projects::get_project(&greedy, world.project)
        .await
        .unwrap_err();
    match &error {
        Error::PermissionsNotGranted {
            declaration,
            missing,
            ..
        } => {
            assert_eq!(*declaration, "Greedy");
            assert_eq!(missing.len(), 1);
            assert_eq!(missing[0].to_string(), "issues: write");
        }
        other => panic!("expected PermissionsNotGranted, got {other:?}"),
    }
    assert!(error.to_string().contains("`issues: write`"), "{error}");

    // Uninstalled: creating a token finds it gone, and the installation id
    // remembered for the organization is dropped.
    let installation = app
        .installation_for_organization::<ReleaseNotes>(world.org)
        .await
        .unwrap();
    let jwt = app.jwt().unwrap();
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/app/installations/{}",
            world.emulator.base_url(),
            world.installation
        ))
        .bearer_auth(jwt.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let error = icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InstallationNotFound { installation_id, .. } if *installation_id == world.installation),
        "{error:?}"
    );
    let error = app
        .installation_id_for_organization(world.org)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::NotInstalled { app_id, organization, .. } if app_id == world.app_id && organization == world.org),
        "{error:?}"
    );
    // Said as it is: the app, the organization, and that it is not there.
    let said = error.to_string();
    assert!(
        said.starts_with(&format!(
            "app {} is not installed on organization {}",
            world.app_id, world.org
        )),
        "{said}"
    );
    assert!(!said.contains("installation 0"), "{said}");
}

#[test]
fn a_bad_key_is_a_clear_error_that_does_not_show_the_key() {
    let config = || ClientConfig::with_base_url("http://127.0.0.1:9");
    let garbage =
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END PRIVATE KEY-----\n";
    for key in [
        garbage,
        "not even PEM",
        KeyPair::generate().unwrap().public_pem(),
    ] {
        let error = App::new(1, key, config()).unwrap_err();
        assert!(matches!(error, Error::BadKey { .. }), "{error:?}");
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("bm90IGEga2V5") && !shown.contains("MII"),
            "{shown}"
        );
    }
    let error = App::from_key_file(1, "/nonexistent/key.pem", config()).unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/key.pem"),
        "{error}"
    );
}

/// A cache that also remembers every token it was given, to look for them
/// in logs and debug output.
#[derive(Default)]
struct Recording {
    inner: MemoryCache,
    tokens: Mutex<Vec<icr_api::SecretToken>>,
}

impl TokenCache for Recording {
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>> {
        self.inner.get(key)
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()> {
        self.tokens.lock().unwrap().push(token.token.clone());
        self.inner.put(key, token)
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()> {
        self.inner.remove(key)
    }
}

/// Collects what `tracing` writes.
#[derive(Clone, Default)]
pub(crate) struct Logs(pub(crate) Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The logs of every test of this binary, from a global subscriber (a
/// scoped one misses events whose call sites other threads already
/// evaluated without it).
pub(crate) fn captured_logs() -> Logs {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        // Another test binary's subscriber cannot be here; if setting it
        // fails, the assertion on the logged text below says so.
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
    .clone()
}

#[tokio::test]
async fn no_secret_shows_in_logs_debug_output_or_errors() {
    let logs = captured_logs();
    let world = setup().await;
    let cache = Arc::new(Recording::default());
    let app = world.app().with_token_cache(cache.clone());
    let installation = app.installation::<ReleaseNotes>(world.installation);
    icr_api::projects::get_project(&installation, world.project)
        .await
        .unwrap();
    let jwt = app.jwt().unwrap();
    let app_client = app.app_client().unwrap();
    let token = cache.tokens.lock().unwrap().last().cloned().unwrap();
    let error = icr_api::issues::create_issue(
        &app.installation::<Greedy>(world.installation),
        world.project,
        &icr_api::models::IssueCreate::new("x"),
    )
    .await
    .unwrap_err();
    let cached = cache
        .inner
        .get(&CacheKey {
            base_url: String::new(),
            app_id: 0,
            installation_id: 0,
            permissions: String::new(),
        })
        .await;

    // A model that holds a token, logged as JSON by accident: an error that
    // does not quote the token, never the token.
    let model = app
        .app_client()
        .unwrap()
        .installation_tokens::<ReleaseNotes>(world.installation)
        .create_token()
        .await
        .unwrap();
    let as_json = serde_json::to_string(&model.details())
        .map_err(|e| e.to_string())
        .unwrap_err();
    // A webhook secret, and the errors of deliveries checked with it.
    let hook_secret = WebhookSecret::new("whsec-DO-NOT-PRINT-8f2c");
    let forged = webhooks::verify(
        &tests::delivery_headers(
            "issues",
            "d-9",
            &webhooks::sign(&WebhookSecret::new("guess"), b"{}"),
        ),
        b"{}",
        std::slice::from_ref(&hook_secret),
    )
    .unwrap_err();
    let shown = format!(
        "{app:?} {installation:?} {app_client:?} {jwt:?} {token:?} {error} {error:?} {cached:?} {:?} {:?} {model:?} {as_json} {hook_secret:?} {forged} {forged:?}",
        cache.inner, world.keys
    );
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("created an installation access token"),
        "{logged}"
    );
    let private_key_body: String = world.keys.private_pem().lines().nth(1).unwrap().to_owned();
    for secret in [
        jwt.expose_secret(),
        token.expose_secret(),
        model.details().token.expose_secret(),
        private_key_body.as_str(),
        "whsec-DO-NOT-PRINT-8f2c",
    ] {
        assert!(
            !shown.contains(secret),
            "a secret shows in debug output: {shown}"
        );
        assert!(
            !logged.contains(secret),
            "a secret shows in the logs: {logged}"
        );
    }
}

#[tokio::test]
async fn a_jwt_is_reused_until_shortly_before_it_expires() {
    let world = setup().await;
    let app = world.app();
    let first = app.jwt().unwrap();
    assert_eq!(app.jwt().unwrap(), first);
    app.describe().await.unwrap();
    assert_eq!(app.jwt().unwrap(), first, "a request does not sign anew");
    // Nine minutes later on the server, the JWT has under a minute left (it
    // was backdated by one): the next request learns the server's time and
    // signs a new one, which the server accepts.
    world.emulator.clock().advance(Duration::from_secs(9 * 60));
    let described = app.describe().await.unwrap();
    assert_eq!(described.id, world.app_id);
    assert_ne!(app.jwt().unwrap(), first);
}

#[tokio::test]
async fn a_failing_token_endpoint_fails_every_waiter_once() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![Answer::json(
        500,
        &json!({"message": "the token service is down", "documentationUrl": "https://docs.icr.dev/rest", "requestId": "r1"}),
    )])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let client = app.installation::<ReleaseNotes>(42);
    let started = std::time::Instant::now();
    let waiters: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { icr_api::projects::get_project(&client, 3001).await })
        })
        .collect();
    let mut errors = Vec::new();
    for waiter in waiters {
        errors.push(waiter.await.unwrap().unwrap_err());
    }
    // One token request for all 64, and the same outcome for each.
    assert_eq!(recorder.requests().len(), 1, "{:#?}", recorder.requests());
    for error in &errors {
        assert_eq!(error.status(), Some(500), "{error:?}");
        assert!(
            matches!(
                error,
                Error::TokenRequestFailed {
                    installation_id: 42,
                    ..
                }
            ),
            "{error:?}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    // Remembered briefly: a request right after makes no new token request.
    let again = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(500));
    assert_eq!(recorder.requests().len(), 1);
}

#[test]
fn the_jwt_signed_to_check_the_key_is_the_one_used_first() {
    let keys = KeyPair::generate().unwrap();
    let before = chrono::Utc::now().timestamp();
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url("http://127.0.0.1:9"),
    )
    .unwrap()
    .with_token_cache(Arc::new(MemoryCache::default()));
    std::thread::sleep(Duration::from_millis(1100));
    // Signed at `App::new` (issued a minute back, for skewed clocks), not
    // now: a second has passed since.
    let jwt = app.jwt().unwrap();
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(jwt.expose_secret())
        .map(|data| data.claims)
        .unwrap();
    let issued = claims["iat"].as_i64().unwrap();
    assert!(
        issued <= before - 59,
        "issued {issued}, app made at {before}"
    );
    assert_eq!(app.jwt().unwrap(), jwt);
}
