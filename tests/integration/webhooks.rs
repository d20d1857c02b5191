//! Webhook deliveries, end to end: the emulator signs and sends what writes
//! raise, the axum receiver verifies, takes each delivery once and hands it
//! typed to its handler; only a delivery whose signature holds makes an
//! installation client, whatever its body says; a receiver that was down
//! gets what it missed through the delivery log.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use icr_api::models::IssuesEventAction;
use icr_api::webhooks::receiver::Receiver;
use icr_api::webhooks::{self, Handlers, VerifyError, WebhookSecret};
use icr_api::{App, ClientConfig, Error, events};
use icr_emulator::{AppSettings, Emulator, KeyPair};
use tests::delivery_headers;
use tests::world::World;

icr_api::permissions! {
    /// The app, which files issues where it is installed.
    Triage { issues: write }
}

/// A receiver of the app's deliveries: it verifies, then files an issue in
/// the installation the delivery names.
async fn receive(
    world: &World,
    secrets: &[WebhookSecret],
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> Result<(), Error> {
    let delivery = webhooks::verify(headers, body, secrets).map_err(|e| Error::InvalidRequest {
        method: "POST".to_owned(),
        path: "/hook".to_owned(),
        reason: e.to_string(),
    })?;
    let app = world.app();
    let client = app.installation_from_webhook::<Triage>(&delivery)?;
    let project: i64 = delivery
        .payload::<serde_json::Value>()?
        .pointer("/project/id")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(world.project);
    icr_api::issues::create_issue(
        &client,
        project,
        &icr_api::models::IssueCreate::new("from a delivery"),
    )
    .await
    .map(drop)
}

#[tokio::test]
async fn a_forged_installation_in_an_unsigned_or_missigned_body_acts_nowhere() {
    let world = World::new(&[("issues", "write")], &[("issues", "write")]).await;
    // Another organization, with the app installed too: the attacker's target.
    let other_org = world.emulator.create_organization("other-organization");
    let other_project = world.emulator.create_project(other_org, "secrets").unwrap();
    let other_installation = world
        .emulator
        .install(world.app_id, other_org, &[("issues", "write")])
        .unwrap();
    let secret = WebhookSecret::new("the-app's-secret");
    let forged = serde_json::json!({
        "event": "issues",
        "action": "opened",
        "installation": {"id": other_installation},
        "project": {"id": other_project},
    })
    .to_string();

    // Unsigned, signed with a guess, and a real signature over another body.
    let real = webhooks::sign(&secret, br#"{"event":"issues","installation":{"id":1}}"#);
    let attempts = [
        (delivery_headers("issues", "f-1", "sha256="), "64"),
        (
            delivery_headers(
                "issues",
                "f-2",
                &webhooks::sign(&WebhookSecret::new("guess"), forged.as_bytes()),
            ),
            "matches none",
        ),
        (delivery_headers("issues", "f-3", &real), "matches none"),
    ];
    for (headers, says) in &attempts {
        let error = receive(
            &world,
            std::slice::from_ref(&secret),
            headers,
            forged.as_bytes(),
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains(says), "{error}");
    }
    let mut unsigned = delivery_headers("issues", "f-4", &real);
    unsigned.remove("x-icr-signature-256");
    assert_eq!(
        webhooks::verify(&unsigned, forged.as_bytes(), std::slice::from_ref(&secret)).unwrap_err(),
        VerifyError::MissingHeader {
            header: "x-icr-signature-256"
        }
    );
    // Nothing reached the server: no token, no issue.
    assert_eq!(world.emulator.requests_to("issues/createIssue"), 0);
    assert_eq!(world.emulator.token_requests(), 0);

    // Signed with the app's secret (so sent by ICR), it acts, and only there.
    let signed = delivery_headers("issues", "d-1", &webhooks::sign(&secret, forged.as_bytes()));
    receive(
        &world,
        std::slice::from_ref(&secret),
        &signed,
        forged.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(world.emulator.requests_to("issues/createIssue"), 1);
    let listed = icr_api::issues::list_project_issues(
        &world.app().installation::<Triage>(other_installation),
        other_project,
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1);
}

// ---- Deliveries from the emulator, to the axum receiver ----------------------

/// What the receiver's `issues` handler saw of each event.
#[derive(Debug, PartialEq)]
struct Seen {
    action: IssuesEventAction,
    installation: i64,
    number: i64,
}

/// An app whose webhook points at a receiver serving on loopback: the
/// emulator, the app (its webhook signed with `app_secret`), the
/// receiver's address and what its handler saw.
struct Hooked {
    /// Kept for the test's length: dropping it stops the server.
    _emulator: Emulator,
    app: App,
    installation: i64,
    project: i64,
    url: String,
    seen: tokio::sync::mpsc::UnboundedReceiver<Seen>,
}

async fn hooked(app_secret: &str, receiver_secrets: Vec<WebhookSecret>) -> Hooked {
    let emulator = Emulator::start().await.unwrap();
    let keys = KeyPair::generate().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let app_id = emulator
        .register_app(
            AppSettings::new("triage", keys.public_pem())
                .permission("issues", "write")
                .webhook(&url, app_secret),
        )
        .unwrap();
    let org = emulator.create_organization("best-organization");
    let project = emulator.create_project(org, "compiler").unwrap();
    let installation = emulator
        .install(app_id, org, &[("issues", "write")])
        .unwrap();
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )
    .unwrap();
    let (tell, seen) = tokio::sync::mpsc::unbounded_channel();
    let handlers = Handlers::<Triage>::new().on(events::Issues, move |event, _client| {
        let tell = tell.clone();
        async move {
            let _ = tell.send(Seen {
                action: event.action,
                installation: event.installation.id,
                number: event.issue.number,
            });
            Ok(())
        }
    });
    let router = Receiver::new(app.clone(), receiver_secrets, handlers).router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    Hooked {
        _emulator: emulator,
        app,
        installation,
        project,
        url,
        seen,
    }
}

impl Hooked {
    async fn open_issue(&self, title: &str) -> i64 {
        let client = self.app.installation::<Triage>(self.installation);
        icr_api::issues::create_issue(
            &client,
            self.project,
            &icr_api::models::IssueCreate::new(title),
        )
        .await
        .unwrap()
        .number
    }

    /// The next event the handler saw, within five seconds.
    async fn next(&mut self) -> Seen {
        tokio::time::timeout(Duration::from_secs(5), self.seen.recv())
            .await
            .expect("an event within five seconds")
            .expect("the receiver is running")
    }

    /// Whether the handler sees nothing more for a moment.
    async fn quiet(&mut self) -> bool {
        tokio::time::timeout(Duration::from_millis(300), self.seen.recv())
            .await
            .is_err()
    }

    async fn deliveries(&self) -> Vec<icr_api::models::WebhookDelivery> {
        let client = self.app.app_client().unwrap();
        icr_api::apps::list_webhook_deliveries(&client)
            .await
            .unwrap()
    }

    /// The first delivery of an `opened` issue in the (settled) log.
    async fn delivery_of_opened(&self) -> icr_api::models::WebhookDelivery {
        self.settled()
            .await
            .into_iter()
            .find(|d| d.action.as_deref() == Some("opened"))
            .expect("an issue was opened")
    }

    /// Waits until the log shows every delivery answered.
    async fn settled(&self) -> Vec<icr_api::models::WebhookDelivery> {
        for _ in 0..100 {
            let deliveries = self.deliveries().await;
            if deliveries.iter().all(|d| d.status != "pending") {
                return deliveries;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("deliveries still pending: {:#?}", self.deliveries().await);
    }
}

#[tokio::test]
async fn a_created_issue_reaches_the_receiver_typed_with_its_installation() {
    let mut hooked = hooked("s3cret", vec![WebhookSecret::new("s3cret")]).await;
    let number = hooked.open_issue("Parser rejects trailing commas").await;
    assert_eq!(
        hooked.next().await,
        Seen {
            action: IssuesEventAction::Opened,
            installation: hooked.installation,
            number,
        }
    );
    assert!(hooked.quiet().await, "one event, handled once");
    // The log: the `installation` event (no handler: taken as it is, 202)
    // and the issue's, both answered 202 at once.
    let deliveries = hooked.settled().await;
    let issues: Vec<_> = deliveries
        .iter()
        .filter(|d| d.action.as_deref() == Some("opened"))
        .collect();
    assert_eq!(issues.len(), 1, "{deliveries:#?}");
    assert_eq!(issues[0].status_code, 202);
    assert_eq!(issues[0].installation_id, Some(hooked.installation));
    // Every payload the emulator sent decodes as the typed event its
    // header names.
    let client = hooked.app.app_client().unwrap();
    for delivery in &deliveries {
        let detail = icr_api::apps::get_webhook_delivery(&client, delivery.id)
            .await
            .unwrap();
        let body = serde_json::to_vec(&detail.request.payload).unwrap();
        let event = <events::Event as webhooks::Events>::decode(
            serde_json::to_value(&delivery.event)
                .unwrap()
                .as_str()
                .unwrap(),
            &body,
        )
        .unwrap();
        assert!(!matches!(event, events::Event::Other { .. }), "{event:?}");
    }
}

/// Posts a delivery to the receiver by hand.
async fn post(url: &str, headers: reqwest::header::HeaderMap, body: &[u8]) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(url)
        .headers(headers)
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
        .status()
}

/// A real `issues` payload, as the emulator sent it for an issue opened
/// here (and handled), with the issue's number changed to `number`.
async fn issue_payload(hooked: &mut Hooked, number: i64) -> Vec<u8> {
    hooked.open_issue("a model payload").await;
    hooked.next().await;
    let opened = hooked.delivery_of_opened().await;
    let client = hooked.app.app_client().unwrap();
    let detail = icr_api::apps::get_webhook_delivery(&client, opened.id)
        .await
        .unwrap();
    let mut payload = serde_json::to_value(&detail.request.payload).unwrap();
    payload["issue"]["number"] = serde_json::json!(number);
    serde_json::to_vec(&payload).unwrap()
}

#[tokio::test]
async fn bad_signatures_are_refused_with_401_and_nothing_is_handled() {
    let logs = crate::auth::captured_logs();
    let mut hooked = hooked(
        "s3cret-DO-NOT-LOG",
        vec![WebhookSecret::new("s3cret-DO-NOT-LOG")],
    )
    .await;
    let secret = WebhookSecret::new("s3cret-DO-NOT-LOG");
    let body = issue_payload(&mut hooked, 99).await;
    let good = webhooks::sign(&secret, &body);
    let mut tampered = body.clone();
    let at = tampered.len() - 2;
    tampered[at] = b' ';
    let cases: Vec<(reqwest::header::HeaderMap, Vec<u8>)> = vec![
        (delivery_headers("issues", "b-1", &good), tampered),
        (
            delivery_headers(
                "issues",
                "b-2",
                &webhooks::sign(&WebhookSecret::new("wrong"), &body),
            ),
            body.clone(),
        ),
        (
            delivery_headers("issues", "b-3", &good[..good.len() - 8]),
            body.clone(),
        ),
        (
            {
                let mut headers = delivery_headers("issues", "b-4", &good);
                headers.remove("x-icr-signature-256");
                headers
            },
            body.clone(),
        ),
        (
            {
                let mut headers = delivery_headers("issues", "b-5", &good);
                headers.remove("x-icr-delivery");
                headers
            },
            body.clone(),
        ),
    ];
    for (headers, body) in cases {
        assert_eq!(post(&hooked.url, headers, &body).await, 401);
    }
    assert!(hooked.quiet().await, "nothing was handled");
    // The same delivery, signed: handled.
    assert_eq!(
        post(&hooked.url, delivery_headers("issues", "b-6", &good), &body).await,
        202
    );
    assert_eq!(hooked.next().await.number, 99);
    // Refusals are logged, without the secret or any signature.
    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("refused a webhook delivery"), "{logged}");
    let hex = &good["sha256=".len()..];
    for secret in ["s3cret-DO-NOT-LOG", hex, &hex[..hex.len() - 8]] {
        assert!(
            !logged.contains(secret),
            "a secret or signature is logged: {logged}"
        );
    }
}

#[tokio::test]
async fn during_rotation_the_old_and_the_new_secret_are_both_accepted() {
    let mut hooked = hooked(
        "the-old-webhook-secret",
        vec![
            WebhookSecret::new("the-new-webhook-secret"),
            WebhookSecret::new("the-old-webhook-secret"),
        ],
    )
    .await;
    hooked.open_issue("signed with the old secret").await;
    assert_eq!(hooked.next().await.action, IssuesEventAction::Opened);
    // The app's setting changes to the new secret: deliveries still arrive.
    let client = hooked.app.app_client().unwrap();
    let change = icr_api::models::WebhookConfigUpdate {
        secret: Some(icr_api::SecretToken::new("the-new-webhook-secret")),
        ..Default::default()
    };
    icr_api::apps::update_webhook_config(&client, &change)
        .await
        .unwrap();
    hooked.open_issue("signed with the new secret").await;
    assert_eq!(hooked.next().await.action, IssuesEventAction::Opened);
}

#[tokio::test]
async fn a_duplicate_delivery_is_handled_once() {
    let mut hooked = hooked("s3cret", vec![WebhookSecret::new("s3cret")]).await;
    let number = hooked.open_issue("once").await;
    assert_eq!(hooked.next().await.number, number);
    // ICR sends it again (a redelivery keeps its `X-ICR-Delivery`): taken,
    // answered 200, not handled again.
    let opened = hooked.delivery_of_opened().await;
    let client = hooked.app.app_client().unwrap();
    icr_api::apps::redeliver_webhook_delivery(&client, opened.id)
        .await
        .unwrap();
    assert!(
        hooked.quiet().await,
        "a redelivery of a handled event is not handled again"
    );
    let again: Vec<_> = hooked
        .settled()
        .await
        .into_iter()
        .filter(|d| d.guid == opened.guid)
        .collect();
    assert_eq!(again.len(), 2);
    assert!(again.iter().any(|d| d.redelivery && d.status_code == 200));
}

#[tokio::test]
async fn a_receiver_that_was_down_recovers_missed_deliveries_from_the_log() {
    let mut hooked = hooked("s3cret", vec![WebhookSecret::new("s3cret")]).await;
    let client = hooked.app.app_client().unwrap();
    // The receiver moves; while the app's setting still points at a port
    // where nothing listens, two issues are opened and their deliveries fail.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", listener.local_addr().unwrap())
    };
    let change = icr_api::models::WebhookConfigUpdate {
        url: Some(closed),
        ..Default::default()
    };
    icr_api::apps::update_webhook_config(&client, &change)
        .await
        .unwrap();
    let first = hooked.open_issue("missed one").await;
    let second = hooked.open_issue("missed two").await;
    hooked.settled().await;
    assert!(hooked.quiet().await);
    // Back up: the app points its webhook at the receiver again, lists what
    // failed, and asks for each again.
    let change = icr_api::models::WebhookConfigUpdate {
        url: Some(hooked.url.clone()),
        ..Default::default()
    };
    icr_api::apps::update_webhook_config(&client, &change)
        .await
        .unwrap();
    let failed = icr_api::apps::list_webhook_deliveries(&client)
        .options(icr_api::apps::ListWebhookDeliveriesOptions {
            status: Some(icr_api::models::AppsListWebhookDeliveriesStatus::Failure),
            ..Default::default()
        })
        .await
        .unwrap();
    let missed: Vec<_> = failed
        .iter()
        .filter(|d| d.action.as_deref() == Some("opened"))
        .collect();
    assert_eq!(missed.len(), 2, "{failed:#?}");
    for delivery in missed {
        icr_api::apps::redeliver_webhook_delivery(&client, delivery.id)
            .await
            .unwrap();
    }
    let mut numbers = vec![hooked.next().await.number, hooked.next().await.number];
    numbers.sort_unstable();
    assert_eq!(numbers, [first, second]);
    assert!(hooked.quiet().await);
}

/// Deliveries as they came: event name and body.
type Kept = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A receiver that keeps every delivery as it came.
async fn recording_receiver() -> (String, Kept) {
    let kept: Kept = Arc::default();
    let keep = Arc::clone(&kept);
    let router = axum::Router::new().route(
        "/",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let keep = Arc::clone(&keep);
                async move {
                    let event = headers
                        .get("x-icr-event")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    keep.lock().unwrap().push((event, body.to_vec()));
                    axum::http::StatusCode::NO_CONTENT
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, kept)
}

icr_api::permissions! {
    /// Everything the events below need, and the writes that raise them.
    Everything { projects: admin, issues: write, members: write, metadata: read }
}

#[tokio::test]
async fn every_event_the_emulator_sends_matches_the_spec_and_decodes_typed() {
    use icr_api::models::{
        CommentBody, IssueCreate, IssueState, IssueUpdate, LabelCreate, LabelNames, LabelUpdate,
        MembershipUpdate, MembershipUpdateRole, MilestoneCreate, MilestoneUpdate, ProjectCreate,
        ProjectUpdate,
    };
    let (url, kept) = recording_receiver().await;
    let emulator = Emulator::start().await.unwrap();
    let keys = KeyPair::generate().unwrap();
    let grants = [
        ("projects", "admin"),
        ("issues", "write"),
        ("members", "write"),
    ];
    let mut settings = AppSettings::new("everything", keys.public_pem()).webhook(&url, "s");
    for (permission, level) in grants {
        settings = settings.permission(permission, level);
    }
    let app_id = emulator.register_app(settings).unwrap();
    let org = emulator.create_organization("best-organization");
    let installation = emulator.install(app_id, org, &grants).unwrap();
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )
    .unwrap();
    let client = app.installation::<Everything>(installation);
    let app_client = app.app_client().unwrap();

    // One write for each kind of event and action the emulator raises.
    let project = icr_api::projects::create_project(&client, org, &ProjectCreate::new("compiler"))
        .await
        .unwrap()
        .id;
    let edit = ProjectUpdate {
        short_description: Some(Some("A compiler.".to_owned())),
        ..Default::default()
    };
    icr_api::projects::update_project(&client, project, &edit)
        .await
        .unwrap();
    icr_api::labels::create_label(&client, project, &LabelCreate::new("bug", "d73a4a"))
        .await
        .unwrap();
    let recolor = LabelUpdate {
        color: Some("ff0000".to_owned()),
        ..Default::default()
    };
    icr_api::labels::update_label(&client, project, "bug", &recolor)
        .await
        .unwrap();
    let milestone =
        icr_api::milestones::create_milestone(&client, project, &MilestoneCreate::new("v1"))
            .await
            .unwrap()
            .number;
    let close = MilestoneUpdate {
        state: Some(IssueState::Closed),
        ..Default::default()
    };
    icr_api::milestones::update_milestone(&client, project, milestone, &close)
        .await
        .unwrap();
    let issue = icr_api::issues::create_issue(&client, project, &IssueCreate::new("t"))
        .await
        .unwrap()
        .number;
    for change in [
        IssueUpdate {
            title: Some("t2".to_owned()),
            ..Default::default()
        },
        IssueUpdate {
            state: Some(IssueState::Closed),
            ..Default::default()
        },
        IssueUpdate {
            state: Some(IssueState::Open),
            ..Default::default()
        },
        IssueUpdate {
            assignees: Some(vec!["grace".to_owned()]),
            ..Default::default()
        },
    ] {
        icr_api::issues::update_issue(&client, project, issue, &change)
            .await
            .unwrap();
    }
    icr_api::issues::lock_issue(&client, project, issue, None)
        .await
        .unwrap();
    icr_api::issues::unlock_issue(&client, project, issue)
        .await
        .unwrap();
    let ada = icr_api::models::AssigneesRequest::new(vec!["ada".to_owned()]);
    icr_api::issues::add_assignees(&client, project, issue, &ada)
        .await
        .unwrap();
    let after = icr_api::issues::remove_assignees(&client, project, issue, &ada)
        .await
        .unwrap();
    assert_eq!(after.assignees.len(), 1, "grace stays: {after:?}");
    icr_api::labels::add_issue_labels(
        &client,
        project,
        issue,
        &LabelNames::new(vec!["bug".to_owned()]),
    )
    .await
    .unwrap();
    let comment =
        icr_api::comments::create_comment(&client, project, issue, &CommentBody::new("hi"))
            .await
            .unwrap()
            .id;
    icr_api::comments::update_comment(&client, project, comment, &CommentBody::new("hello"))
        .await
        .unwrap();
    icr_api::comments::delete_comment(&client, project, comment)
        .await
        .unwrap();
    // Every user starts as a member: out, then back in.
    icr_api::members::remove_member(&client, org, "grace")
        .await
        .unwrap();
    icr_api::members::set_membership(
        &client,
        org,
        "grace",
        &MembershipUpdate::new(MembershipUpdateRole::Admin),
    )
    .await
    .unwrap();
    icr_api::labels::delete_label(&client, project, "bug")
        .await
        .unwrap();
    icr_api::milestones::delete_milestone(&client, project, milestone)
        .await
        .unwrap();
    icr_api::projects::delete_project(&client, project)
        .await
        .unwrap();
    let ping = icr_api::models::WebhookConfigUpdate {
        url: Some(url.clone()),
        ..Default::default()
    };
    icr_api::apps::update_webhook_config(&app_client, &ping)
        .await
        .unwrap();
    icr_api::apps::delete_installation(&app_client, installation)
        .await
        .unwrap();

    // Wait until the log has every delivery answered.
    for _ in 0..100 {
        let log = icr_api::apps::list_webhook_deliveries(&app_client)
            .await
            .unwrap();
        if log.iter().all(|d| d.status_code == 204) && log.len() == kept.lock().unwrap().len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The judge: each payload against the JSON Schema of the payload the
    // spec's `x-webhooks` gives its event (jsonschema, on the spec's own
    // schemas as OpenAPI 3.0.3 reads them), then decoded typed.
    let doc = icr_codegen::Document::read(&tests::workspace_root().join("spec/icr.openapi.yaml"))
        .unwrap();
    let components = icr_codegen::json_schema::components(&doc);
    let mut seen = std::collections::BTreeSet::new();
    let deliveries = kept.lock().unwrap().clone();
    for (event, body) in &deliveries {
        let reference = doc
            .raw()
            .pointer(&format!(
                "/x-webhooks/{event}/post/requestBody/content/application~1json/schema/$ref"
            ))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_else(|| panic!("event `{event}` is not in the spec"));
        let (_, schema) = doc.resolve(reference).unwrap();
        let schema = icr_codegen::json_schema::standalone(schema, &components).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let payload: serde_json::Value = serde_json::from_slice(body).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&payload)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "`{event}` payload breaks the spec: {errors:#?}\n{payload:#}"
        );
        let typed = <events::Event as webhooks::Events>::decode(event, body).unwrap();
        assert!(!matches!(typed, events::Event::Other { .. }));
        seen.insert(format!(
            "{event}.{}",
            payload["action"].as_str().unwrap_or("-")
        ));
    }
    let expected = [
        "installation.created",
        "installation.deleted",
        "issueComment.created",
        "issueComment.deleted",
        "issueComment.edited",
        "issues.assigned",
        "issues.closed",
        "issues.edited",
        "issues.labeled",
        "issues.locked",
        "issues.opened",
        "issues.reopened",
        "issues.unassigned",
        "issues.unlocked",
        "label.created",
        "label.deleted",
        "label.edited",
        "member.added",
        "member.removed",
        "milestone.closed",
        "milestone.created",
        "milestone.deleted",
        "ping.-",
        "project.created",
        "project.deleted",
        "project.edited",
    ];
    let seen: Vec<&str> = seen.iter().map(String::as_str).collect();
    assert_eq!(seen, expected);
    // Edits say what each changed field was.
    let payload_of = |event: &str, action: &str| -> serde_json::Value {
        deliveries
            .iter()
            .map(|(_, body)| serde_json::from_slice::<serde_json::Value>(body).unwrap())
            .find(|p| p["event"] == event && p["action"] == action)
            .unwrap()
    };
    assert_eq!(
        payload_of("label", "edited")["changes"]["color"]["from"],
        "d73a4a"
    );
    assert_eq!(
        payload_of("issues", "edited")["changes"]["title"]["from"],
        "t"
    );
    assert_eq!(
        payload_of("issueComment", "edited")["changes"]["body"]["from"],
        "hi"
    );
}

/// A receiver of its own on loopback whose `issues` handler panics on its
/// first call and counts the calls that return.
async fn panicky_receiver(app: App, secret: &str) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let returned = Arc::new(AtomicUsize::new(0));
    let (calls_in, returned_in) = (Arc::clone(&calls), Arc::clone(&returned));
    let handlers = Handlers::<Triage>::new().on(events::Issues, move |_event, _client| {
        let first = calls_in.fetch_add(1, Ordering::SeqCst) == 0;
        let returned = Arc::clone(&returned_in);
        async move {
            assert!(!first, "the first call panics");
            returned.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let router = Receiver::new(app, vec![WebhookSecret::new(secret)], handlers).router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, returned)
}

#[tokio::test]
async fn replays_under_new_ids_swapped_events_and_panics_are_handled_safely() {
    use std::sync::atomic::Ordering;
    let mut hooked = hooked("s3cret", vec![WebhookSecret::new("s3cret")]).await;
    let secret = WebhookSecret::new("s3cret");
    let body = issue_payload(&mut hooked, 7).await;
    let signature = webhooks::sign(&secret, &body);

    // A captured delivery replayed under fresh ids: taken once.
    assert_eq!(
        post(
            &hooked.url,
            delivery_headers("issues", "r-1", &signature),
            &body
        )
        .await,
        202
    );
    assert_eq!(hooked.next().await.number, 7);
    for id in ["r-2", "r-3"] {
        assert_eq!(
            post(
                &hooked.url,
                delivery_headers("issues", id, &signature),
                &body
            )
            .await,
            200
        );
    }
    assert!(hooked.quiet().await, "a replay is not handled again");

    // The same signed body passed off as another event: refused, and the
    // answer does not say which check failed.
    let answer = reqwest::Client::new()
        .post(&hooked.url)
        .headers(delivery_headers("project", "r-4", &signature))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(
        answer.text().await.unwrap(),
        "the delivery could not be verified"
    );

    // A handler that panics gives the delivery back: the redelivery (same
    // id, same body) runs it again.
    let (url, returned) = panicky_receiver(hooked.app.clone(), "s3cret").await;
    let fresh = issue_payload(&mut hooked, 8).await;
    let headers = || delivery_headers("issues", "p-1", &webhooks::sign(&secret, &fresh));
    assert_eq!(post(&url, headers(), &fresh).await, 202);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(returned.load(Ordering::SeqCst), 0);
    assert_eq!(
        post(&url, headers(), &fresh).await,
        202,
        "given back after the panic"
    );
    for _ in 0..50 {
        if returned.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(returned.load(Ordering::SeqCst), 1);
    assert_eq!(post(&url, headers(), &fresh).await, 200, "and then taken");
}

#[tokio::test]
async fn the_emulator_neither_follows_a_receivers_redirect_nor_echoes_a_secret() {
    let (target, kept) = recording_receiver().await;
    let redirecting = axum::Router::new().route(
        "/",
        axum::routing::post(move || {
            let target = target.clone();
            async move { axum::response::Redirect::temporary(&target) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirecting).await });
    let mut hooked = hooked("s3cret", vec![WebhookSecret::new("s3cret")]).await;
    let client = hooked.app.app_client().unwrap();
    let moved = icr_api::models::WebhookConfigUpdate {
        url: Some(url),
        ..Default::default()
    };
    icr_api::apps::update_webhook_config(&client, &moved)
        .await
        .unwrap();
    hooked.open_issue("redirected").await;
    let log = hooked.settled().await;
    let opened = log
        .iter()
        .find(|d| d.action.as_deref() == Some("opened") && d.status_code == 307);
    assert!(opened.is_some(), "{log:#?}");
    assert!(kept.lock().unwrap().is_empty(), "the redirect was followed");
    assert!(hooked.quiet().await);

    // A secret too short is refused without being repeated.
    let short = icr_api::models::WebhookConfigUpdate {
        secret: Some(icr_api::SecretToken::new("short-SECRET")),
        ..Default::default()
    };
    let error = icr_api::apps::update_webhook_config(&client, &short)
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("secret"), "{shown}");
    assert!(
        !shown.contains("short-SECRET"),
        "the secret is echoed: {shown}"
    );
}
