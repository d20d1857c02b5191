//! Every installation function of the ICR bindings, called once against
//! the emulator, each on a fresh world (an organization with a project, an
//! issue carrying the label `triage`, a comment, a milestone and timeline
//! events), and its
//! answer decoded. Which functions there are and how each is called is
//! generated (`calls.rs`, by `cargo xtask codegen`); the argument values
//! come from [`Fixture`]: the resources created here by name, and for any
//! other parameter or body, the spec's own example or first enum value.

// Formatted by the generator (prettyplease), and checked fresh by
// `cargo xtask codegen --check`; rustfmt would make it stale.
#[rustfmt::skip]
mod calls;

use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, KeyPair};

pub(crate) use tests::every_function::Args;

#[tokio::test]
async fn every_installation_function_works_against_the_emulator() {
    let spec = tests::spec_value("");
    let marked = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| {
            op["description"].as_str().is_some_and(|d| {
                d.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .contains("Works with ICR Apps.")
            })
        })
        .count();
    assert_eq!(
        calls::OPERATIONS.len(),
        marked,
        "one generated call per marked operation"
    );

    let keys = KeyPair::generate().unwrap();
    let mut failures = Vec::new();
    for op in calls::OPERATIONS {
        let emulator = Emulator::start().await.unwrap();
        let mut settings = AppSettings::new("release-notes", keys.public_pem());
        let everything: Vec<(String, String)> = emulator
            .catalog()
            .into_iter()
            .filter_map(|(name, levels)| Some((name, levels.last()?.clone())))
            .collect();
        for (name, level) in &everything {
            settings = settings.permission(name, level);
        }
        let app_id = emulator.register_app(settings).unwrap();
        let org = emulator.create_organization("best-organization");
        // Named unlike the spec's examples, so that creating what they
        // describe does not collide with the fixture.
        let project = emulator.create_project(org, "seed-project").unwrap();
        let accepted: Vec<(&str, &str)> = everything
            .iter()
            .map(|(n, l)| (n.as_str(), l.as_str()))
            .collect();
        let installation = emulator.install(app_id, org, &accepted).unwrap();
        let app = App::new(
            app_id,
            keys.private_pem(),
            ClientConfig::with_base_url(emulator.base_url()),
        )
        .unwrap();
        let client = app.installation::<calls::Everything>(installation);

        // The world every call may need.
        let fixture = tests::every_function::prepare(&client, org, project, installation).await;
        match calls::call(op, &client, &fixture).await {
            Some(Ok(())) => {}
            Some(Err(error)) => failures.push(format!("{op}: {error}")),
            None => failures.push(format!("{op}: no generated call")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        calls::OPERATIONS.len(),
        failures.join("\n")
    );
}
