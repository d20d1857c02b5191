//! The emulator end to end, over HTTP on loopback: app JWT rules, token
//! issue, expiry, revocation and narrowing, permissions enforced from the
//! spec, organization scoping, resources with state and timelines,
//! pagination, rate limits, bad requests, and every operation routed.

use std::time::Duration;

use icr_emulator::{AppSettings, Emulator, EmulatorConfig, KeyPair};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

/// An emulator with one app installed on one organization that has one
/// project.
struct World {
    emulator: Emulator,
    keys: KeyPair,
    app: i64,
    org: i64,
    project: i64,
    installation: i64,
    http: reqwest::Client,
}

/// What a request got back.
struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Got {
    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

const ALL: &[(&str, &str)] = &[
    ("organization", "admin"),
    ("members", "write"),
    ("projects", "admin"),
    ("issues", "write"),
    ("contents", "write"),
    ("webhooks", "write"),
];

impl World {
    async fn new(accepted: &[(&str, &str)]) -> Self {
        Self::with(EmulatorConfig::default(), accepted).await
    }

    async fn with(config: EmulatorConfig, accepted: &[(&str, &str)]) -> Self {
        let emulator = Emulator::start_with(config).await.unwrap();
        let keys = KeyPair::generate().unwrap();
        let mut settings =
            AppSettings::new("release-notes", keys.public_pem()).name("Release Notes");
        for (permission, level) in ALL {
            settings = settings.permission(permission, level);
        }
        let app = emulator.register_app(settings).unwrap();
        let org = emulator.create_organization("best-organization");
        let project = emulator.create_project(org, "compiler").unwrap();
        let installation = emulator.install(app, org, accepted).unwrap();
        Self {
            emulator,
            keys,
            app,
            org,
            project,
            installation,
            http: reqwest::Client::new(),
        }
    }

    /// A JWT for the app with these claims, signed with its key.
    fn jwt_with(&self, claims: Value) -> String {
        let key = EncodingKey::from_rsa_pem(self.keys.private_pem().as_bytes()).unwrap();
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &key).unwrap()
    }

    /// A valid JWT on the emulator's clock.
    fn jwt(&self) -> String {
        let now = self.emulator.clock().now().timestamp();
        self.jwt_with(json!({"iss": self.app.to_string(), "iat": now - 60, "exp": now + 540}))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        credential: Option<&str>,
        body: Option<&str>,
    ) -> Got {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.emulator.base_url()));
        if let Some(credential) = credential {
            request = request.header("authorization", format!("Bearer {credential}"));
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Got {
            status,
            headers,
            body,
        }
    }

    /// The status of a `POST path` of a small JSON body labelled `media`.
    async fn call_typed(&self, path: &str, credential: &str, media: &str) -> u16 {
        self.http
            .post(format!("{}{path}", self.emulator.base_url()))
            .header("authorization", format!("Bearer {credential}"))
            .header("content-type", media)
            .body(r#"{"title": "x"}"#)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// `GET path` with a credential.
    async fn get(&self, path: &str, credential: &str) -> Got {
        self.call(Method::GET, path, Some(credential), None).await
    }

    /// `DELETE path` with a credential.
    async fn delete(&self, path: &str, credential: &str) -> Got {
        self.call(Method::DELETE, path, Some(credential), None)
            .await
    }

    /// A token for the installation, optionally narrowed.
    async fn token(&self, permissions: Option<Value>) -> Got {
        let body = permissions.map(|p| json!({"permissions": p}).to_string());
        self.call(
            Method::POST,
            &format!("/app/installations/{}/accessTokens", self.installation),
            Some(&self.jwt()),
            body.as_deref(),
        )
        .await
    }

    async fn token_string(&self, permissions: Option<Value>) -> String {
        let got = self.token(permissions).await;
        assert_eq!(got.status, 201, "{}", got.body);
        got.body["token"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn app_jwts_are_checked_rule_by_rule() {
    let world = World::new(&[("issues", "read")]).await;
    let ok = world.get("/app", &world.jwt()).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["id"], world.app);

    let now = world.emulator.clock().now().timestamp();
    let iss = world.app.to_string();
    let cases = [
        (
            json!({"iat": now - 60, "exp": now + 500}),
            "`iss` must be the app's id",
        ),
        (
            json!({"iss": "999999", "iat": now - 60, "exp": now + 500}),
            "no app with that id",
        ),
        (
            json!({"iss": iss, "iat": now + 300, "exp": now + 600}),
            "in the future",
        ),
        (json!({"iss": iss, "exp": now + 500}), "no `iat`"),
        (json!({"iss": iss, "iat": now - 60}), "no `exp`"),
        (
            json!({"iss": iss, "iat": now - 60, "exp": now + 1200}),
            "at most 600 s",
        ),
        (
            json!({"iss": iss, "iat": now - 700, "exp": now - 100}),
            "expired",
        ),
        // Times at the ends of i64: refused, not an overflow.
        (
            json!({"iss": iss, "iat": i64::MIN, "exp": i64::MAX}),
            "at most 600 s",
        ),
    ];
    for (claims, expected) in cases {
        let got = world
            .call(
                Method::GET,
                "/app",
                Some(&world.jwt_with(claims.clone())),
                None,
            )
            .await;
        assert_eq!(got.status, 401, "{claims}");
        assert!(
            got.message().contains(expected),
            "{claims}: {}",
            got.message()
        );
    }

    // Signed by another key.
    let other = KeyPair::generate().unwrap();
    let key = EncodingKey::from_rsa_pem(other.private_pem().as_bytes()).unwrap();
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &json!({"iss": iss, "iat": now - 60, "exp": now + 500}),
        &key,
    )
    .unwrap();
    let got = world.get("/app", &forged).await;
    assert_eq!(got.status, 401);
    assert!(
        got.message().contains("signature does not verify"),
        "{}",
        got.message()
    );

    // Not RS256.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({"iss": iss, "iat": now - 60, "exp": now + 500}),
        &EncodingKey::from_secret(b"shared"),
    )
    .unwrap();
    let got = world.get("/app", &hs).await;
    assert_eq!(got.status, 401);
    assert!(got.message().contains("RS256 only"), "{}", got.message());

    // No credential, or an installation token where a JWT belongs.
    let got = world.call(Method::GET, "/app", None, None).await;
    assert_eq!(got.status, 401);
    let token = world.token_string(None).await;
    let got = world.get("/app", &token).await;
    assert_eq!(got.status, 401);
    assert!(
        got.message().contains("takes the app's JWT"),
        "{}",
        got.message()
    );
}

#[tokio::test]
async fn tokens_expire_after_two_hours_on_the_emulator_clock_and_can_be_revoked() {
    let world = World::new(&[("projects", "read")]).await;
    let created = world.token(None).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let expires: chrono::DateTime<chrono::Utc> =
        created.body["expiresAt"].as_str().unwrap().parse().unwrap();
    let lifetime = expires - world.emulator.clock().now();
    assert!(
        lifetime <= chrono::TimeDelta::hours(2) && lifetime > chrono::TimeDelta::minutes(119),
        "{lifetime}"
    );
    assert_eq!(
        created.body["permissions"],
        json!({"metadata": "read", "projects": "read"})
    );
    let token = created.body["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("icr_inst_") && token.len() > 40);
    let path = format!("/projects/{}", world.project);
    assert_eq!(world.get(&path, &token).await.status, 200);

    world
        .emulator
        .clock()
        .advance(Duration::from_secs(2 * 3600));
    let got = world.get(&path, &token).await;
    assert_eq!(got.status, 401);
    assert!(got.message().contains("expired"), "{}", got.message());

    // A new token works; revoked, it does not.
    let token = world.token_string(None).await;
    assert_eq!(world.get(&path, &token).await.status, 200);
    let revoked = world.delete("/installation/token", &token).await;
    assert_eq!(revoked.status, 204);
    let got = world.get(&path, &token).await;
    assert_eq!(got.status, 401);
    assert!(got.message().contains("revoked"), "{}", got.message());
    assert_eq!(world.emulator.token_requests(), 2);

    // An unknown installation.
    let got = world
        .call(
            Method::POST,
            "/app/installations/424242/accessTokens",
            Some(&world.jwt()),
            None,
        )
        .await;
    assert_eq!(got.status, 404);
}

#[tokio::test]
async fn a_token_can_be_narrowed_but_never_widened() {
    let world = World::new(&[("projects", "write"), ("issues", "read")]).await;
    let narrowed = world.token(Some(json!({"projects": "read"}))).await;
    assert_eq!(narrowed.status, 201, "{}", narrowed.body);
    assert_eq!(
        narrowed.body["permissions"],
        json!({"metadata": "read", "projects": "read"})
    );
    let token = narrowed.body["token"].as_str().unwrap().to_owned();
    let path = format!("/projects/{}", world.project);
    assert_eq!(world.get(&path, &token).await.status, 200);
    // The narrowed token no longer writes.
    let got = world
        .call(
            Method::PATCH,
            &path,
            Some(&token),
            Some(r#"{"shortDescription": "x"}"#),
        )
        .await;
    assert_eq!(got.status, 403, "{}", got.body);

    let widened = world
        .token(Some(
            json!({"projects": "admin", "issues": "read", "webhooks": "read"}),
        ))
        .await;
    assert_eq!(widened.status, 422, "{}", widened.body);
    let fields: Vec<&str> = widened.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["permissions.projects", "permissions.webhooks"]);
    assert!(
        widened.message().contains("`projects`, `webhooks`"),
        "{}",
        widened.message()
    );
}

#[tokio::test]
async fn permissions_come_from_the_spec_and_scope_is_the_organization() {
    let world = World::new(&[("projects", "read"), ("members", "read")]).await;
    let token = world.token_string(None).await;
    // Needs `webhooks: read`, which the installation lacks.
    let got = world
        .get(&format!("/organizations/{}/hooks", world.org), &token)
        .await;
    assert_eq!(got.status, 403);
    assert!(
        got.message().contains("needs webhooks: read"),
        "{}",
        got.message()
    );
    // Alternatives: labels need `issues: read` or `projects: read`.
    let got = world
        .get(&format!("/projects/{}/labels", world.project), &token)
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    // Person-only endpoints refuse installation tokens.
    let got = world.get("/user/emails", &token).await;
    assert_eq!(got.status, 403);
    assert!(got.message().contains("for people"), "{}", got.message());

    // Another organization's project and organization are not found.
    let other = world.emulator.create_organization("elsewhere");
    let hidden = world.emulator.create_project(other, "secret").unwrap();
    let got = world.get(&format!("/projects/{hidden}"), &token).await;
    assert_eq!(got.status, 404);
    let got = world
        .get(&format!("/organizations/{other}/members"), &token)
        .await;
    assert_eq!(got.status, 404);
}

#[tokio::test]
async fn writes_persist_and_show_in_the_timeline_as_the_app() {
    let world = World::new(&[("projects", "write"), ("issues", "write")]).await;
    let token = world.token_string(None).await;
    let project = format!("/projects/{}", world.project);

    let got = world
        .call(
            Method::PATCH,
            &project,
            Some(&token),
            Some(r#"{"shortDescription": "A small compiler."}"#),
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let got = world.get(&project, &token).await;
    assert_eq!(got.body["shortDescription"], "A small compiler.");

    let timeline = world.get(&format!("{project}/timeline"), &token).await;
    let event = &timeline.body[0];
    assert_eq!(event["event"], "projectEdited");
    assert_eq!(
        event["changes"],
        json!({"shortDescription": {"from": null}})
    );
    assert_eq!(event["performedViaApp"]["id"], world.app);
    assert_eq!(event["actor"]["login"], "release-notes[bot]");

    // An issue, a comment, a label: created, read back, timeline entries.
    let issue = world
        .call(
            Method::POST,
            &format!("{project}/issues"),
            Some(&token),
            Some(r#"{"title": "Release 1.2", "labels": ["release"]}"#),
        )
        .await;
    assert_eq!(issue.status, 201, "{}", issue.body);
    assert_eq!(issue.body["number"], 1);
    assert_eq!(issue.body["performedViaApp"]["slug"], "release-notes");
    let comment = world
        .call(
            Method::POST,
            &format!("{project}/issues/1/comments"),
            Some(&token),
            Some(r#"{"body": "Shipped."}"#),
        )
        .await;
    assert_eq!(comment.status, 201, "{}", comment.body);
    let read = world.get(&format!("{project}/issues/1"), &token).await;
    assert_eq!(read.body["comments"], 1);
    let closed = world
        .call(
            Method::PATCH,
            &format!("{project}/issues/1"),
            Some(&token),
            Some(r#"{"state": "closed"}"#),
        )
        .await;
    assert_eq!(closed.body["state"], "closed");
    assert_eq!(closed.body["stateReason"], "completed");
    let events = world
        .get(&format!("{project}/issues/1/timeline"), &token)
        .await;
    let kinds: Vec<&str> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["labeled", "commented", "closed"]);

    // Deletes remove.
    let comment_id = comment.body["id"].as_i64().unwrap();
    let deleted = world
        .delete(&format!("{project}/comments/{comment_id}"), &token)
        .await;
    assert_eq!(deleted.status, 204);
    let gone = world
        .get(&format!("{project}/comments/{comment_id}"), &token)
        .await;
    assert_eq!(gone.status, 404);
    let label = world
        .delete(&format!("{project}/labels/release"), &token)
        .await;
    assert_eq!(label.status, 204);
    let read = world.get(&format!("{project}/issues/1"), &token).await;
    assert_eq!(read.body["labels"], json!([]));
}

#[tokio::test]
async fn lists_are_paginated_with_link_headers() {
    let world = World::new(&[("issues", "write")]).await;
    let token = world.token_string(None).await;
    let issues = format!("/projects/{}/issues", world.project);
    for n in 1..=5 {
        let body = json!({"title": format!("Issue {n}")}).to_string();
        assert_eq!(
            world
                .call(Method::POST, &issues, Some(&token), Some(&body))
                .await
                .status,
            201
        );
    }
    let first = world.get(&format!("{issues}?perPage=2"), &token).await;
    assert_eq!(first.body.as_array().unwrap().len(), 2);
    let link = first.header("link").unwrap();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    let last = world
        .get(&format!("{issues}?perPage=2&page=3"), &token)
        .await;
    let titles: Vec<&str> = last
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Issue 1"]);
    let link = last.header("link").unwrap();
    assert!(
        link.contains("rel=\"first\"") && link.contains("page=2>; rel=\"prev\""),
        "{link}"
    );
    assert!(!link.contains("rel=\"next\""), "{link}");
}

#[tokio::test]
async fn every_answer_counts_against_the_rate_limit_and_429_says_when_to_retry() {
    let mut config = EmulatorConfig::default();
    config.rate_limit = 3;
    let world = World::with(config, &[("projects", "read")]).await;
    let token = world.token_string(None).await;
    let path = format!("/projects/{}", world.project);
    for remaining in ["2", "1", "0"] {
        let got = world.get(&path, &token).await;
        assert_eq!(got.status, 200);
        assert_eq!(got.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(got.header("x-ratelimit-remaining"), Some(remaining));
        assert!(got.header("x-ratelimit-reset").is_some());
    }
    let limited = world.get(&path, &token).await;
    assert_eq!(limited.status, 429);
    let retry: i64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(
        limited.body["requestId"],
        limited.header("x-request-id").unwrap()
    );
    // The window passes.
    world.emulator.clock().advance(Duration::from_secs(3600));
    assert_eq!(world.get(&path, &token).await.status, 200);
}

#[tokio::test]
async fn bad_requests_get_400_or_422_with_the_error_body() {
    let world = World::new(&[("issues", "write"), ("projects", "write")]).await;
    let token = world.token_string(None).await;
    let issues = format!("/projects/{}/issues", world.project);
    let check = |got: &Got, status: u16, text: &str| {
        assert_eq!(got.status, status, "{}", got.body);
        let body = serde_json::to_string(&got.body).unwrap();
        assert!(body.contains(text), "{body}");
        assert_eq!(got.body["requestId"], got.header("x-request-id").unwrap());
        assert!(got.body["documentationUrl"].is_string());
    };
    check(
        &world
            .call(Method::POST, &issues, Some(&token), Some("{\"title\": "))
            .await,
        400,
        "Problems parsing JSON",
    );
    check(
        &world.call(Method::POST, &issues, Some(&token), None).await,
        400,
        "needs a JSON body",
    );
    check(
        &world
            .call(Method::POST, &issues, Some(&token), Some(r#"{"title": 7}"#))
            .await,
        422,
        "\"field\":\"title\"",
    );
    check(
        &world
            .call(
                Method::POST,
                &issues,
                Some(&token),
                Some(r#"{"body": "no title"}"#),
            )
            .await,
        422,
        "title",
    );
    check(
        &world
            .call(
                Method::PATCH,
                &format!("{issues}/1"),
                Some(&token),
                Some(r#"{"state": "sleeping"}"#),
            )
            .await,
        422,
        "state",
    );
    check(
        &world.get(&format!("{issues}?state=sleeping"), &token).await,
        422,
        "\"field\":\"state\"",
    );
    check(
        &world.get(&format!("{issues}?perPage=many"), &token).await,
        422,
        "perPage",
    );
    check(&world.get("/projects/abc", &token).await, 400, "projectId");
    let nowhere = world.get("/nowhere", &token).await;
    check(&nowhere, 404, "no endpoint");
    assert!(nowhere.header("x-ratelimit-remaining").is_some());
    check(
        &world.call(Method::PUT, "/meta", Some(&token), None).await,
        405,
        "not allowed",
    );
}

/// Every operation of the spec is routed: called with a token holding
/// every permission (or the app's JWT), none is an unknown endpoint, a
/// refused method or a server error, and a marked one never fails for
/// permissions.
#[tokio::test]
async fn every_operation_of_the_spec_is_routed() {
    let world = World::new(ALL).await;
    let token = world.token_string(None).await;
    let issue = world
        .call(
            Method::POST,
            &format!("/projects/{}/issues", world.project),
            Some(&token),
            Some(r#"{"title": "x"}"#),
        )
        .await;
    assert_eq!(issue.status, 201);
    let spec = tests::spec_value("");
    let operations = world.emulator.operations();
    let in_spec: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .iter()
            .filter(|method| item.get(**method).is_some())
            .count()
        })
        .sum();
    assert!(in_spec > 100, "{in_spec}");
    assert_eq!(operations.len(), in_spec);
    for (id, method, template) in &operations {
        let path = template
            .replace("{organizationId}", &world.org.to_string())
            .replace("{projectId}", &world.project.to_string())
            .replace("{installationId}", &world.installation.to_string())
            .replace("{issueNumber}", "1")
            .replace("{username}", "ada")
            .replace("{labelName}", "bug")
            .replace("{teamSlug}", "core");
        let path: String = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "1"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let credential = if template.starts_with("/app") {
            world.jwt()
        } else {
            token.clone()
        };
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let got = world.call(method, &path, Some(&credential), None).await;
        let message = got.message().to_owned();
        assert!(
            got.status != 405 && !message.contains("no endpoint"),
            "{id}: {message}"
        );
        assert!(got.status < 500, "{id}: {} {message}", got.status);
        let pointer = format!("/paths/{}", template.replace('~', "~0").replace('/', "~1"));
        let marked = spec
            .pointer(&pointer)
            .is_some_and(|item| item.to_string().contains("Works with ICR Apps."));
        if marked {
            assert_ne!(got.status, 403, "{id}: {message}");
        }
    }
}

// ---- The emulator as the spec and the standard tools read it -------------

/// The spec's `ErrorDetail.code` values.
fn error_codes() -> Vec<Value> {
    tests::spec_value("/components/schemas/ErrorDetail/properties/code/enum")
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn error_codes_come_from_the_specs_enum() {
    let world = World::new(&[("issues", "write"), ("projects", "admin")]).await;
    let token = world.token_string(None).await;
    let label = json!({"name": "bug", "color": "d73a4a"}).to_string();
    let path = format!("/projects/{}/labels", world.project);
    assert_eq!(
        world
            .call(Method::POST, &path, Some(&token), Some(&label))
            .await
            .status,
        201
    );
    let taken = world
        .call(Method::POST, &path, Some(&token), Some(&label))
        .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    let refused = world.token(Some(json!({"members": "write"}))).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let codes = error_codes();
    for got in [&taken, &refused] {
        for detail in got.body["errors"].as_array().unwrap() {
            assert!(codes.contains(&detail["code"]), "{detail} not in {codes:?}");
        }
    }
    assert_eq!(taken.body["errors"][0]["code"], "alreadyExists");
    assert_eq!(refused.body["errors"][0]["code"], "notGranted");
}

#[tokio::test]
async fn an_idempotency_key_is_checked_and_honoured() {
    let world = World::new(&[("issues", "write")]).await;
    let token = world.token_string(None).await;
    let path = format!("/projects/{}/issues", world.project);
    let send = |key: String, title: &'static str| {
        let request = world
            .http
            .post(format!("{}{path}", world.emulator.base_url()))
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(json!({"title": title}).to_string());
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            (status, body)
        }
    };
    // Empty or longer than 255: refused, nothing created.
    assert_eq!(send(String::new(), "a").await.0, 422);
    assert_eq!(send("k".repeat(300), "a").await.0, 422);
    // The same key twice: one issue, the same answer.
    let (first_status, first) = send("key-1".to_owned(), "once").await;
    let (second_status, second) = send("key-1".to_owned(), "once").await;
    assert_eq!((first_status, second_status), (201, 201));
    assert_eq!(first, second);
    // The same key on another request: a conflict.
    let (conflict, body) = send("key-1".to_owned(), "another").await;
    assert_eq!(conflict, 409, "{body}");
    let issues = world.get(&format!("{path}?state=all"), &token).await.body;
    assert_eq!(issues.as_array().unwrap().len(), 1, "{issues}");
}

#[tokio::test]
async fn milestones_are_state_that_issues_can_join() {
    let world = World::new(&[("issues", "write")]).await;
    let token = world.token_string(None).await;
    let milestones = format!("/projects/{}/milestones", world.project);
    let created = world
        .call(
            Method::POST,
            &milestones,
            Some(&token),
            Some(r#"{"title": "v1.0", "dueOn": "2026-12-31T00:00:00Z"}"#),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["number"], 1);
    let issues = format!("/projects/{}/issues", world.project);
    let issue = world
        .call(
            Method::POST,
            &issues,
            Some(&token),
            Some(r#"{"title": "Ship it", "milestone": 1}"#),
        )
        .await;
    assert_eq!(issue.status, 201, "{}", issue.body);
    assert_eq!(issue.body["milestone"]["title"], "v1.0");
    assert_eq!(issue.body["milestone"]["openIssues"], 1);
    let missing = world
        .call(
            Method::POST,
            &issues,
            Some(&token),
            Some(r#"{"title": "Nowhere", "milestone": 7}"#),
        )
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["errors"][0]["field"], "milestone");

    // Closing the issue moves the counts; renaming shows in the issue.
    let one = format!("{issues}/1");
    world
        .call(
            Method::PATCH,
            &one,
            Some(&token),
            Some(r#"{"state": "closed"}"#),
        )
        .await;
    let milestone = world.get(&format!("{milestones}/1"), &token).await;
    assert_eq!(
        (
            &milestone.body["openIssues"],
            &milestone.body["closedIssues"]
        ),
        (&json!(0), &json!(1))
    );
    let renamed = world
        .call(
            Method::PATCH,
            &format!("{milestones}/1"),
            Some(&token),
            Some(r#"{"title": "v1.0.0", "state": "closed"}"#),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert!(renamed.body["closedAt"].is_string());
    assert_eq!(
        world.get(&one, &token).await.body["milestone"]["title"],
        "v1.0.0"
    );
    let listed = world
        .get(&format!("{milestones}?state=closed"), &token)
        .await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);

    // Its labels are its issues' labels; an unknown milestone has none.
    world
        .call(
            Method::PATCH,
            &one,
            Some(&token),
            Some(r#"{"labels": ["bug"]}"#),
        )
        .await;
    let labels = world.get(&format!("{milestones}/1/labels"), &token).await;
    assert_eq!(labels.body[0]["name"], "bug", "{}", labels.body);
    assert_eq!(
        world
            .get(&format!("{milestones}/77/labels"), &token)
            .await
            .status,
        404
    );

    // Deleting it takes it off the issue, and its number is not given again.
    assert_eq!(
        world
            .delete(&format!("{milestones}/1"), &token)
            .await
            .status,
        204
    );
    assert!(world.get(&one, &token).await.body["milestone"].is_null());
    assert_eq!(
        world.get(&format!("{milestones}/1"), &token).await.status,
        404
    );
    let next = world
        .call(
            Method::POST,
            &milestones,
            Some(&token),
            Some(r#"{"title": "v2.0", "dueOn": "2027-01-01T23:00:00-05:00"}"#),
        )
        .await;
    assert_eq!(next.body["number"], 2);
    // Due dates are written in UTC, whatever offset they came with.
    assert_eq!(next.body["dueOn"], "2027-01-02T04:00:00Z");
}

#[tokio::test]
async fn a_wrong_method_names_the_right_ones_and_head_works_where_get_does() {
    let world = World::new(&[("issues", "read")]).await;
    let token = world.token_string(None).await;
    let wrong = world.call(Method::PUT, "/meta", Some(&token), None).await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));
    assert!(wrong.header("x-request-id").is_some());
    let head = world
        .call(
            Method::HEAD,
            &format!("/projects/{}/issues", world.project),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.body, Value::String(String::new()));
}

#[tokio::test]
async fn a_body_too_large_gets_the_specs_error_answer() {
    let world = World::new(&[("issues", "write")]).await;
    let token = world.token_string(None).await;
    let huge = json!({"title": "x", "body": "y".repeat(3 * 1024 * 1024)}).to_string();
    let got = world
        .call(
            Method::POST,
            &format!("/projects/{}/issues", world.project),
            Some(&token),
            Some(&huge),
        )
        .await;
    assert_eq!(got.status, 413);
    assert!(got.message().contains("larger than"), "{}", got.body);
    assert!(got.body["requestId"].is_string());
    assert!(got.header("x-request-id").is_some());
    // Refused from its `Content-Length` alone, before it is sent.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut said =
            tokio::net::TcpStream::connect(world.emulator.base_url().trim_start_matches("http://"))
                .await
                .unwrap();
        said.write_all(
            format!(
                "POST /projects/{}/issues HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: 3000000\r\nexpect: 100-continue\r\n\r\n",
                world.project
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut answer = vec![0; 2048];
        let read = tokio::time::timeout(Duration::from_secs(5), said.read(&mut answer))
            .await
            .expect("no answer before the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..read]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    }
    // Media types compare without case, and only JSON is JSON.
    let issues = format!("/projects/{}/issues", world.project);
    assert_eq!(
        world
            .call_typed(&issues, &token, "Application/JSON; charset=UTF-8")
            .await,
        201
    );
    assert_eq!(
        world
            .call_typed(&issues, &token, "application/jsonfoo")
            .await,
        415
    );
    // And one within the limit but over the body's `maxLength` is a 422.
    let long = json!({"title": "x", "body": "y".repeat(70_000)}).to_string();
    let got = world
        .call(
            Method::POST,
            &format!("/projects/{}/issues", world.project),
            Some(&token),
            Some(&long),
        )
        .await;
    assert_eq!(got.status, 422, "{}", got.body);
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut config = EmulatorConfig::default();
    config.read_timeout = Duration::from_millis(300);
    let world = World::with(config, &[("issues", "read")]).await;
    let address = world
        .emulator
        .base_url()
        .trim_start_matches("http://")
        .to_owned();

    // A connection that sends nothing at all: closed too.
    let mut silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut nothing = Vec::new();
    let _closed = tokio::time::timeout(Duration::from_secs(5), silent.read_to_end(&mut nothing))
        .await
        .expect("the emulator keeps a connection that sends nothing");

    // A head that never ends: the connection is closed.
    let mut half_open = tokio::net::TcpStream::connect(&address).await.unwrap();
    half_open
        .write_all(b"GET /zen HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // Closed (an end of stream or a reset) well before five seconds; the
    // `expect` is the assertion.
    let mut buffer = Vec::new();
    let _closed = tokio::time::timeout(Duration::from_secs(5), half_open.read_to_end(&mut buffer))
        .await
        .expect("the emulator keeps a half-open connection");

    // A body that never arrives in full: 408 with the spec's error body.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(
        format!(
            "POST /projects/{}/issues HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"title\"",
            world.project
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut answer))
        .await
        .expect("the emulator waits for a slow body forever")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"requestId\""), "{answer}");

    // Normal requests go on.
    let token = world.token_string(None).await;
    assert_eq!(world.get("/zen", &token).await.status, 200);
}
