//! Permissions at run time: the token request asks for exactly the declared
//! permissions (or a narrowed declaration's), the permissions the server
//! reports are compared with the declaration, and a declaration reads as
//! data. The compile-time half is in `tests/ui`.

use icr_api::grants::{Declaration, Grant, Level, Manifest};
use icr_api::{AppClient, Client, ClientConfig, Error, SecretToken};
use serde_json::{Value, json};
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// What the release-notes app was granted on ICR.
    ReleaseNotes { projects: write, issues: read, metadata: read }
    /// A read-only view of the same.
    ReadOnly { projects: read }
}

const JWT: &str = "header.payload.signature-of-the-app";
const TOKEN: &str = "icr_inst_secret_value_never_printed";

fn app(recorder: &Recorder) -> AppClient {
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    AppClient::with_jwt(client, SecretToken::new(JWT)).unwrap()
}

/// A token answer reporting `permissions`.
fn token_answer(permissions: Value) -> Answer {
    Answer::json(
        201,
        &json!({
            "token": TOKEN,
            "expiresAt": "2026-11-24T12:00:00Z",
            "permissions": permissions,
            "organization": {"id": 1, "login": "best-organization", "avatarUrl": "https://icr.example/a.png"},
            "projectSelection": "all",
        }),
    )
}

#[tokio::test]
async fn a_token_asks_for_the_declared_permissions_and_sends_them_on_requests() {
    let recorder = Recorder::start(vec![
        token_answer(json!({"metadata": "read", "projects": "write", "issues": "read"})),
        Answer::json(200, &json!({"message": "Keep it logically awesome."}))
            .with_header("content-type", "application/json"),
    ])
    .await;
    let installation = app(&recorder).installation_tokens::<ReleaseNotes>(42);
    let token = installation.create_token().await.unwrap();
    assert_eq!(token.expires_at().to_rfc3339(), "2026-11-24T12:00:00+00:00");
    assert_eq!(token.permissions().len(), 3);

    let requests = recorder.requests();
    let created = &requests[0];
    assert_eq!(created.method, "POST");
    assert_eq!(created.uri, "/app/installations/42/accessTokens");
    assert_eq!(
        created.header("authorization"),
        Some(&*format!("Bearer {JWT}"))
    );
    // `metadata: read`, declared but held by every installation, is not
    // asked for; the token carries it all the same.
    assert_eq!(
        created.json(),
        json!({"permissions": {"issues": "read", "projects": "write"}})
    );

    // The client of the token sends it.
    let _ = icr_api::meta::get_zen(token.client()).await;
    let requests = recorder.requests();
    assert_eq!(
        requests[1].header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );

    // Nothing shows the token or the JWT.
    let shown = format!("{token:?} {installation:?} {:?}", token.client());
    assert!(!shown.contains(TOKEN) && !shown.contains(JWT), "{shown}");
    assert!(shown.contains("ReleaseNotes"), "{shown}");
}

#[tokio::test]
async fn a_narrowed_installation_asks_for_the_smaller_declaration_only() {
    let recorder = Recorder::start(vec![token_answer(json!({"projects": "read"}))]).await;
    let narrowed = app(&recorder)
        .installation_tokens::<ReleaseNotes>(42)
        .narrow::<ReadOnly>();
    let token = narrowed.create_token().await.unwrap();
    assert_eq!(
        recorder.single().json(),
        json!({"permissions": {"projects": "read"}})
    );
    assert_eq!(token.permissions().len(), 1);
}

#[tokio::test]
async fn a_token_without_a_declared_permission_is_an_error_naming_what_is_missing() {
    // The organization accepted `projects: read` only, and `issues` not at all.
    let recorder = Recorder::start(vec![token_answer(
        json!({"metadata": "read", "projects": "read"}),
    )])
    .await;
    let error = app(&recorder)
        .installation_tokens::<ReleaseNotes>(42)
        .create_token()
        .await
        .unwrap_err();
    let Error::PermissionsNotGranted {
        declaration,
        installation_id,
        missing,
        server_message,
    } = &error
    else {
        panic!("expected PermissionsNotGranted, got {error:?}");
    };
    assert_eq!(*declaration, "ReleaseNotes");
    assert_eq!(*installation_id, 42);
    assert_eq!(
        missing,
        &[
            Grant::new("projects", Level::Write),
            Grant::new("issues", Level::Read)
        ]
    );
    assert_eq!(server_message, &None);
    let text = error.to_string();
    assert!(
        text.starts_with(
            "installation 42 was not granted what `ReleaseNotes` declares: `projects: write`, `issues: read`"
        ),
        "{text}"
    );
    assert!(!text.contains(TOKEN) && !format!("{error:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_token_request_refused_for_permissions_names_them() {
    let recorder = Recorder::start(vec![Answer::json(
        422,
        &json!({
            "message": "The installation was not granted these permissions.",
            "requestId": "req-1",
            "errors": [{"resource": "AccessTokenRequest", "field": "permissions.issues", "code": "not_granted"}],
        }),
    )])
    .await;
    let error = app(&recorder)
        .installation_tokens::<ReleaseNotes>(42)
        .create_token()
        .await
        .unwrap_err();
    match &error {
        Error::PermissionsNotGranted {
            missing,
            server_message,
            ..
        } => {
            assert_eq!(missing, &[Grant::new("issues", Level::Read)]);
            assert_eq!(
                server_message.as_deref(),
                Some("The installation was not granted these permissions.")
            );
        }
        other => panic!("expected PermissionsNotGranted, got {other:?}"),
    }

    // A 422 about something else stays the server's error.
    let recorder = Recorder::start(vec![Answer::json(
        422,
        &json!({"message": "Unknown project", "errors": [{"field": "projectIds", "code": "invalid"}]}),
    )])
    .await;
    let error = app(&recorder)
        .installation_tokens::<ReleaseNotes>(42)
        .create_token()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Api(e) if e.status == 422),
        "{error:?}"
    );
}

#[test]
fn a_declaration_reads_as_data() {
    assert_eq!(ReleaseNotes::NAME, "ReleaseNotes");
    // In the catalog's order, whatever the declaration's.
    assert_eq!(
        ReleaseNotes::grants(),
        [
            Grant::new("metadata", Level::Read),
            Grant::new("projects", Level::Write),
            Grant::new("issues", Level::Read),
        ]
    );
    assert_eq!(ReleaseNotes::level_of("projects"), Some(Level::Write));
    assert_eq!(ReleaseNotes::level_of("webhooks"), None);

    let manifest = Manifest::of::<ReleaseNotes>();
    assert_eq!(
        serde_json::to_value(&manifest).unwrap(),
        json!({"name": "ReleaseNotes", "permissions": {"issues": "read", "metadata": "read", "projects": "write"}})
    );
    assert_eq!(
        manifest.to_string(),
        "issues: read\nmetadata: read\nprojects: write"
    );

    // The catalog the declaration was checked against, as data too.
    let names: Vec<&str> = icr_api::permissions::CATALOG
        .iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        [
            "metadata",
            "organization",
            "members",
            "projects",
            "issues",
            "contents",
            "webhooks"
        ]
    );
    let issues = &icr_api::permissions::CATALOG[4];
    assert_eq!(issues.levels, [Level::Read, Level::Write]);
}
