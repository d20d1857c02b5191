//! A webhook receiver that labels new issues, end to end on loopback.
//!
//! `cargo run --example webhooks` needs no configuration: it starts the
//! emulator in this process, registers an app whose webhook points at a
//! receiver served here, installs it, and opens an issue. The emulator
//! signs and sends the `issues` event; the receiver verifies it, answers
//! at once, and its handler labels the issue `triage` through the API as
//! the installation the delivery names. The example waits until the label
//! is there, then prints the app's delivery log.

use std::time::Duration;

use icr_api::models::{IssueCreate, IssuesEventAction, LabelNames};
use icr_api::webhooks::receiver::Receiver;
use icr_api::webhooks::{Handlers, WebhookSecret};
use icr_api::{App, ClientConfig, events};
use icr_emulator::{AppSettings, Emulator, KeyPair};

icr_api::permissions! {
    /// The triage app: it reads new issues and labels them.
    pub Triage { issues: write }
}

/// The secret the app's webhook deliveries are signed with.
const SECRET: &str = "a-long-random-webhook-secret";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let keys = KeyPair::generate()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/", listener.local_addr()?);
    let app_id = emulator.register_app(
        AppSettings::new("triage", keys.public_pem())
            .permission("issues", "write")
            .webhook(&hook_url, SECRET),
    )?;
    let organization = emulator.create_organization("best-organization");
    let project = emulator.create_project(organization, "compiler")?;
    let installation = emulator.install(app_id, organization, &[("issues", "write")])?;
    println!(
        "Emulator at {}; the app's webhook at {hook_url}",
        emulator.base_url()
    );

    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )?;

    // The receiver: verify, answer, then label every issue opened.
    let handlers = Handlers::<Triage>::new().on(events::Issues, |event, client| async move {
        if event.action == IssuesEventAction::Opened {
            let labels = LabelNames::new(vec!["triage".to_owned()]);
            icr_api::labels::add_issue_labels(
                &client,
                event.project.id,
                event.issue.number,
                &labels,
            )
            .await?;
            println!(
                "  receiver: labeled issue #{} of installation {} `triage`",
                event.issue.number, event.installation.id
            );
        }
        Ok(())
    });
    let router = Receiver::new(app.clone(), vec![WebhookSecret::new(SECRET)], handlers).router();
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Someone opens an issue (here, the app itself).
    let client = app.installation::<Triage>(installation);
    let issue = icr_api::issues::create_issue(
        &client,
        project,
        &IssueCreate::new("Parser rejects trailing commas"),
    )
    .await?;
    println!("Opened issue #{}; waiting for the receiver…", issue.number);

    // The loop closes over HTTP: the label shows in the API.
    let mut labeled = false;
    for _ in 0..100 {
        let now = icr_api::issues::get_issue(&client, project, issue.number).await?;
        if now.labels.iter().any(|label| label.name == "triage") {
            labeled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !labeled {
        return Err("the receiver did not label the issue within five seconds".into());
    }
    println!("Issue #{} is labeled `triage`.", issue.number);

    println!("The app's delivery log:");
    let app_client = app.app_client()?;
    for delivery in icr_api::apps::list_webhook_deliveries(&app_client).await? {
        println!(
            "  {} {}{} → {} ({})",
            delivery.guid,
            serde_json::to_value(&delivery.event)?
                .as_str()
                .unwrap_or("?"),
            delivery.action.map(|a| format!(".{a}")).unwrap_or_default(),
            delivery.status_code,
            delivery.status,
        );
    }
    Ok(())
}
