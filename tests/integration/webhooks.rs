//! Webhook deliveries as a receiver meets them: only a delivery whose
//! signature holds makes an installation client, whatever its body says.

use icr_api::Error;
use icr_api::webhooks::{self, VerifyError, WebhookSecret};
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
        &Default::default(),
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
        "action": "opened",
        "installation": {"id": other_installation},
        "project": {"id": other_project},
    })
    .to_string();

    // Unsigned, signed with a guess, and a real signature over another body.
    let real = webhooks::sign(&secret, br#"{"installation":{"id":1}}"#);
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
        &Default::default(),
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1);
}
