//! The type is a capability, not a claim, at run time: every way to get an
//! `InstallationClient<P>` proves that its token holds `P` (or says
//! `unchecked`), narrowing ends with a token of exactly the narrower
//! declaration or fails, and a hand-made request states its needs and goes
//! the same way as a generated one. Request counts are read at the server.
//! The compile-time half is in `tests/ui` (`hole*` cases).

use std::collections::HashMap;
use std::sync::Mutex;

use icr_api::cache::{CacheFuture, CacheKey, CachedToken, TokenCache};
use icr_api::grants::{Grant, Level};
use icr_api::permissions::needs;
use icr_api::{App, Client, ClientConfig, Error, InstallationClient, Request, SecretToken};
use icr_emulator::KeyPair;
use serde_json::json;
use tests::world::World;
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// What the organization accepted.
    ReleaseNotes { projects: write, issues: read }
    /// Less than that.
    ReadProjects { projects: read }
}

/// The app was granted, and the organization accepted, `projects: write`
/// and `issues: read`.
async fn setup() -> World {
    let both = [("projects", "write"), ("issues", "read")];
    World::new(&both, &both).await
}

fn transport(world: &World) -> Client {
    Client::new(ClientConfig::with_base_url(world.emulator.base_url())).unwrap()
}

fn app_client(world: &World) -> icr_api::AppClient {
    world.app().app_client().unwrap()
}

/// A token made elsewhere for `ReadProjects` only.
async fn narrow_token(world: &World) -> SecretToken {
    let token = app_client(world)
        .installation_tokens::<ReadProjects>(world.installation)
        .create_token()
        .await
        .unwrap();
    token.details().token.clone()
}

#[tokio::test]
async fn a_token_from_elsewhere_is_checked_before_it_is_trusted() {
    let world = setup().await;
    let token = narrow_token(&world).await;
    let before = world.emulator.requests();

    let refused = InstallationClient::<ReleaseNotes>::from_token(transport(&world), token.clone())
        .await
        .unwrap_err();
    let Error::PermissionsNotGranted {
        declaration,
        installation_id,
        missing,
        ..
    } = &refused
    else {
        panic!("expected PermissionsNotGranted, got {refused:?}");
    };
    assert_eq!(*declaration, "ReleaseNotes");
    assert_eq!(*installation_id, world.installation);
    assert_eq!(
        missing,
        &[
            Grant::new("projects", Level::Write),
            Grant::new("issues", Level::Read)
        ]
    );
    assert!(
        refused
            .to_string()
            .contains("`projects: write`, `issues: read`")
    );
    // One request, the description of the token; nothing else was sent.
    assert_eq!(world.emulator.requests() - before, 1);
    assert!(!format!("{refused:?} {refused}").contains(token.expose_secret()));

    // The same token is good for what it holds.
    let client = InstallationClient::<ReadProjects>::from_token(transport(&world), token)
        .await
        .unwrap();
    let project = icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();
    assert_eq!(project.id, world.project);
    assert_eq!(world.emulator.requests() - before, 3);

    // A token the server does not know is refused, not trusted.
    let unknown = InstallationClient::<ReadProjects>::from_token(
        transport(&world),
        SecretToken::new("icr_inst_made_up"),
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.status(), Some(401), "{unknown:?}");
}

#[tokio::test]
async fn narrowing_a_fixed_token_fails_and_sends_nothing() {
    let world = setup().await;
    let token = app_client(&world)
        .installation_tokens::<ReleaseNotes>(world.installation)
        .create_token()
        .await
        .unwrap();
    let before = world.emulator.requests();
    let tokens_before = world.emulator.token_requests();
    let error = token.client().narrow::<ReadProjects>().unwrap_err();
    assert!(
        matches!(
            error,
            Error::CannotNarrow {
                from: "ReleaseNotes",
                to: "ReadProjects"
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("fixed token"), "{error}");
    assert_eq!(world.emulator.requests(), before);
    assert_eq!(world.emulator.token_requests(), tokens_before);
}

#[tokio::test]
async fn a_narrowed_client_holds_a_token_of_the_narrow_declaration_only() {
    let world = setup().await;
    let broad = world.app().installation::<ReleaseNotes>(world.installation);
    let narrowed = broad.narrow::<ReadProjects>().unwrap();
    let info = narrowed.token_info().await.unwrap().unwrap();
    assert_eq!(
        info.permissions,
        [
            ("metadata".to_owned(), "read".to_owned()),
            ("projects".to_owned(), "read".to_owned())
        ]
        .into()
    );
    assert_eq!(world.emulator.token_requests(), 1);

    // Even a request that lies about what it needs cannot write with it:
    // the token itself holds `projects: read` only.
    let update = Request::patch("/projects/{projectId}")
        .path("projectId", &world.project)
        .json(&json!({"shortDescription": "written through a narrowed client"}));
    let refused = narrowed
        .send::<needs::ProjectsRead>(update)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
    let project = icr_api::projects::get_project(&broad, world.project)
        .await
        .unwrap();
    assert_ne!(
        project.short_description.as_deref(),
        Some("written through a narrowed client")
    );
}

#[tokio::test]
async fn narrowing_asks_the_server_for_exactly_the_narrow_set() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        Answer::json(
            201,
            &json!({
                "token": "icr_inst_narrow", "expiresAt": "2099-01-01T00:00:00Z",
                "permissions": {"metadata": "read", "projects": "read"},
                "organization": {"id": 1, "login": "o", "avatarUrl": "https://icr.example/a.png"},
                "projectSelection": "all",
            }),
        ),
        Answer::json(200, &json!({"message": "Keep it logically awesome."})),
    ])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let narrowed = app
        .installation::<ReleaseNotes>(42)
        .narrow::<ReadProjects>()
        .unwrap();
    let _ = icr_api::projects::get_project(&narrowed, 3001).await;
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].uri, "/app/installations/42/accessTokens");
    assert_eq!(
        requests[0].json(),
        json!({"permissions": {"projects": "read"}})
    );
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer icr_inst_narrow")
    );
}

#[tokio::test]
async fn a_hand_made_request_states_its_needs_and_goes_the_generated_way() {
    let world = setup().await;
    let client = world.app().installation::<ReleaseNotes>(world.installation);
    let before = world.emulator.requests();
    let project: serde_json::Value = client
        .send::<needs::ProjectsRead>(
            Request::get("/projects/{projectId}").path("projectId", &world.project),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(project["id"], world.project);
    // One token request, one request.
    assert_eq!(world.emulator.requests() - before, 2);
    assert_eq!(world.emulator.token_requests(), 1);
}

/// A token answer from a scripted server, holding `permissions`.
fn token_answer(token: &str, expires_at: &str, permissions: serde_json::Value) -> Answer {
    Answer::json(
        201,
        &json!({
            "token": token, "expiresAt": expires_at, "permissions": permissions,
            "organization": {"id": 1, "login": "o", "avatarUrl": "https://icr.example/a.png"},
            "projectSelection": "all",
        }),
    )
}

fn scripted_app(recorder: &Recorder, keys: &KeyPair) -> App {
    App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap()
}

#[tokio::test]
async fn a_token_broader_than_asked_for_is_refused_and_revoked() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        // Asked for `projects: read`; granted write, and webhooks too.
        token_answer(
            "icr_inst_too_broad",
            "2099-01-01T00:00:00Z",
            json!({"metadata": "read", "projects": "write", "webhooks": "write"}),
        ),
        Answer::empty(204),
    ])
    .await;
    let narrowed = scripted_app(&recorder, &keys)
        .installation::<ReleaseNotes>(42)
        .narrow::<ReadProjects>()
        .unwrap();
    let error = icr_api::projects::get_project(&narrowed, 3001)
        .await
        .unwrap_err();
    let Error::PermissionsExceeded {
        declaration, extra, ..
    } = &error
    else {
        panic!("expected PermissionsExceeded, got {error:?}");
    };
    assert_eq!(*declaration, "ReadProjects");
    // `metadata: read` is held by every installation: not "more".
    assert_eq!(extra, &["projects: write", "webhooks: write"]);
    // The token request, then the revocation of the broad token; the
    // request itself was never sent.
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].method, "DELETE");
    assert_eq!(requests[1].uri, "/installation/token");
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer icr_inst_too_broad")
    );
    assert!(!format!("{error:?} {error}").contains("icr_inst_too_broad"));
}

#[tokio::test]
async fn a_token_answer_that_does_not_decode_keeps_its_token_out_of_errors() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        token_answer(
            "icr_inst_undecodable",
            "yesterday-ish",
            json!({"projects": "read"}),
        ),
        token_answer(
            "icr_inst_undecodable",
            "yesterday-ish",
            json!({"projects": "read"}),
        ),
    ])
    .await;
    let app = scripted_app(&recorder, &keys);
    let managed = app.installation::<ReadProjects>(42);
    let error = icr_api::projects::get_project(&managed, 3001)
        .await
        .unwrap_err();
    let direct = app
        .app_client()
        .unwrap()
        .installation_tokens::<ReadProjects>(42)
        .create_token()
        .await
        .unwrap_err();
    for error in [error, direct] {
        let shown = format!("{error:?} {error} {:?}", std::error::Error::source(&error));
        assert!(!shown.contains("icr_inst_undecodable"), "{shown}");
        assert!(shown.contains("expiresAt"), "{shown}");
    }
}

/// A cache keyed wrongly, by installation alone: it hands any token of the
/// installation to any declaration.
#[derive(Default)]
struct ByInstallation(Mutex<HashMap<i64, CachedToken>>);

impl TokenCache for ByInstallation {
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>> {
        let found = self.0.lock().unwrap().get(&key.installation_id).cloned();
        Box::pin(async move { found })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()> {
        self.0.lock().unwrap().insert(key.installation_id, token);
        Box::pin(async {})
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()> {
        self.0.lock().unwrap().remove(&key.installation_id);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn a_cached_token_for_other_permissions_is_not_used() {
    let world = setup().await;
    let cache = std::sync::Arc::new(ByInstallation::default());
    let app = world.app().with_token_cache(cache.clone());
    let narrow = app.installation::<ReadProjects>(world.installation);
    let broad = app.installation::<ReleaseNotes>(world.installation);

    // The narrow token lands in the cache first; the broad client must not
    // take it, and the narrow one must not take the broad one after.
    narrow.token_info().await.unwrap();
    let info = broad.token_info().await.unwrap().unwrap();
    assert_eq!(
        info.permissions.get("projects").map(String::as_str),
        Some("write")
    );
    // The narrow client keeps the token it checked (as does every client of
    // the app with the same declaration); another process's app with the
    // same cache reads it, finds the broad token, and makes its own.
    let info = narrow.token_info().await.unwrap().unwrap();
    assert_eq!(
        info.permissions.get("projects").map(String::as_str),
        Some("read")
    );
    assert_eq!(world.emulator.token_requests(), 2);
    let same = app.installation::<ReadProjects>(world.installation);
    same.token_info().await.unwrap();
    assert_eq!(world.emulator.token_requests(), 2);
    let elsewhere = world.app().with_token_cache(cache);
    let fresh = elsewhere.installation::<ReadProjects>(world.installation);
    let info = fresh.token_info().await.unwrap().unwrap();
    assert_eq!(
        info.permissions.get("projects").map(String::as_str),
        Some("read")
    );
    assert_eq!(world.emulator.token_requests(), 3);
}

#[tokio::test]
async fn a_token_is_not_proven_by_another_origin() {
    // The server redirects the token description to another host, which
    // would vouch for anything.
    let elsewhere = Recorder::start(vec![Answer::json(
        200,
        &json!({"installationId": 1, "appId": 1, "expiresAt": "2099-01-01T00:00:00Z",
            "permissions": {"projects": "admin", "issues": "write"},
            "organization": {"id": 1, "login": "o", "avatarUrl": "https://icr.example/a.png"},
            "projectSelection": "all"}),
    )])
    .await;
    let server = Recorder::start(vec![Answer::empty(302).with_header(
        "location",
        &format!("{}/installation/token", elsewhere.base_url),
    )])
    .await;
    let client = Client::new(ClientConfig::with_base_url(&server.base_url)).unwrap();
    let error = InstallationClient::<ReleaseNotes>::from_token(client, SecretToken::new("t"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(302), "{error:?}");
    assert_eq!(server.requests().len(), 1);
    assert!(elsewhere.requests().is_empty());
}

/// A cache keyed by permissions alone: it hands one installation's token to
/// every installation with the same declaration.
#[derive(Default)]
struct ByPermissions(Mutex<HashMap<String, CachedToken>>);

impl TokenCache for ByPermissions {
    fn get<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, Option<CachedToken>> {
        let found = self.0.lock().unwrap().get(&key.permissions).cloned();
        Box::pin(async move { found })
    }

    fn put<'a>(&'a self, key: &'a CacheKey, token: CachedToken) -> CacheFuture<'a, ()> {
        self.0
            .lock()
            .unwrap()
            .insert(key.permissions.clone(), token);
        Box::pin(async {})
    }

    fn remove<'a>(&'a self, key: &'a CacheKey) -> CacheFuture<'a, ()> {
        self.0.lock().unwrap().remove(&key.permissions);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn a_cached_token_of_another_installation_is_not_used() {
    let world = setup().await;
    let other_org = world.emulator.create_organization("other-organization");
    let other_project = world.emulator.create_project(other_org, "secrets").unwrap();
    let other = world
        .emulator
        .install(
            world.app_id,
            other_org,
            &[("projects", "write"), ("issues", "read")],
        )
        .unwrap();
    let app = world
        .app()
        .with_token_cache(std::sync::Arc::new(ByPermissions::default()));
    let mine = app.installation::<ReleaseNotes>(world.installation);
    let theirs = app.installation::<ReleaseNotes>(other);

    icr_api::projects::get_project(&theirs, other_project)
        .await
        .unwrap();
    // The cache hands the other installation's token back; it is not used.
    let project = icr_api::projects::get_project(&mine, world.project)
        .await
        .unwrap();
    assert_eq!(project.id, world.project);
    let refused = icr_api::projects::get_project(&mine, other_project)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(404), "{refused:?}");
    assert_eq!(world.emulator.token_requests(), 2);
}

#[tokio::test]
async fn a_token_that_holds_less_than_asked_is_revoked_too() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        token_answer(
            "icr_inst_short",
            "2099-01-01T00:00:00Z",
            json!({"projects": "read", "issues": "write"}),
        ),
        Answer::empty(204),
    ])
    .await;
    let error = scripted_app(&recorder, &keys)
        .installation::<ReleaseNotes>(42)
        .token_info()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::PermissionsNotGranted { missing, .. } if missing == &[Grant::new("projects", Level::Write)]),
        "{error:?}"
    );
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[1].method.as_str(), requests[1].uri.as_str()),
        ("DELETE", "/installation/token")
    );
}

#[test]
fn the_app_client_takes_a_jwt_and_nothing_else() {
    let client = Client::new(ClientConfig::default()).unwrap();
    let error =
        icr_api::AppClient::with_jwt(client.clone(), SecretToken::new("icr_inst_0123456789"))
            .unwrap_err();
    assert!(error.to_string().contains("not a JWT"), "{error}");
    assert!(!error.to_string().contains("icr_inst_0123456789"));
    assert!(
        icr_api::AppClient::with_jwt(client, SecretToken::new("aGVhZA.cGF5bG9hZA.c2ln")).is_ok()
    );
}

#[tokio::test]
async fn a_token_expired_when_issued_is_a_remembered_failure_not_a_request_per_call() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![token_answer(
        "icr_inst_dead_on_arrival",
        "2000-01-01T00:00:00Z",
        json!({"projects": "read"}),
    )])
    .await;
    let managed = scripted_app(&recorder, &keys).installation::<ReadProjects>(42);
    for _ in 0..5 {
        let error = icr_api::projects::get_project(&managed, 3001)
            .await
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("before it was issued"), "{shown}");
        assert!(!shown.contains("icr_inst_dead_on_arrival"), "{shown}");
    }
    // One token request; the failure answered the other four.
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn a_short_lived_token_is_used_until_half_its_life_is_left() {
    let keys = KeyPair::generate().unwrap();
    let in_four_minutes = (chrono::Utc::now() + chrono::TimeDelta::minutes(4)).to_rfc3339();
    let project = json!({"id": 3001, "name": "p"});
    let recorder = Recorder::start(vec![
        token_answer(
            "icr_inst_brief",
            &in_four_minutes,
            json!({"projects": "read"}),
        ),
        Answer::json(200, &project),
    ])
    .await;
    let managed = scripted_app(&recorder, &keys).installation::<ReadProjects>(42);
    for _ in 0..3 {
        // The answer does not decode as a project; what counts is what was sent.
        let _ = icr_api::projects::get_project(&managed, 3001).await;
    }
    let requests = recorder.requests();
    let token_requests = requests.iter().filter(|r| r.method == "POST").count();
    assert_eq!((token_requests, requests.len()), (1, 4), "{requests:#?}");
}

#[tokio::test]
async fn token_flights_are_forgotten_once_nobody_waits_on_them() {
    let world = World::new(&[("projects", "read")], &[("projects", "read")]).await;
    let app = world.app();
    let client = app.installation::<ReadProjects>(world.installation);
    let waiters: Vec<_> = (0..16)
        .map(|_| {
            let client = client.clone();
            let project = world.project;
            tokio::spawn(async move { icr_api::projects::get_project(&client, project).await })
        })
        .collect();
    for waiter in waiters {
        waiter.await.unwrap().unwrap();
    }
    assert_eq!(world.emulator.token_requests(), 1);
    assert_eq!(app.__flights(), 0);
    // A failure is remembered (the installation is gone), then forgotten
    // with the next success.
    let gone = app.installation::<ReadProjects>(999_999);
    icr_api::projects::get_project(&gone, world.project)
        .await
        .unwrap_err();
    assert_eq!(app.__flights(), 1);
}
