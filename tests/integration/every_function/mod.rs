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

use std::collections::BTreeMap;

use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, KeyPair};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Where the generated calls get their argument values.
pub(crate) trait Args {
    /// The value of parameter `name` of operation `op`.
    fn value<T: DeserializeOwned>(&self, op: &str, name: &str) -> T;
    /// The body of operation `op` (text as a string, binary as bytes).
    fn body<T: DeserializeOwned>(&self, op: &str) -> T;
}

/// Values by parameter name, with the spec to fall back on.
struct Fixture {
    spec: Value,
    known: BTreeMap<&'static str, Value>,
}

impl Fixture {
    /// The operation object of `id`, and its path item.
    fn find(&self, id: &str) -> (&Value, &Value) {
        self.spec["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(|item| Some((item, item.as_object()?)))
            .flat_map(|(item, operations)| operations.values().map(move |op| (item, op)))
            .find(|(_, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("no operation {id} in the spec"))
    }

    fn operation(&self, id: &str) -> &Value {
        self.find(id).1
    }

    /// `value`, with a local `$ref` followed.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str() {
            Some(reference) => self
                .spec
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or(value),
            None => value,
        }
    }

    /// A value the schema accepts: its example, default or first enum value,
    /// or one of its type.
    fn sample(&self, schema: &Value) -> Value {
        let schema = self.resolve(schema);
        for key in ["example", "default"] {
            if let Some(value) = schema.get(key) {
                return value.clone();
            }
        }
        if let Some(first) = schema["enum"].get(0) {
            return first.clone();
        }
        match schema["type"].as_str() {
            Some("integer") => json!(1),
            Some("number") => json!(1.5),
            Some("boolean") => json!(true),
            Some("array") => json!([self.sample(&schema["items"])]),
            Some("object") => json!({}),
            _ if schema["format"] == "date-time" => json!("2026-11-24T12:00:00Z"),
            _ => json!("compiler"),
        }
    }

    fn example_of(&self, op: &str, media: &str) -> Option<Value> {
        let body = self.resolve(&self.operation(op)["requestBody"]);
        let content = &body["content"][media];
        content.get("example").cloned().or_else(|| {
            content["examples"]
                .as_object()?
                .values()
                .next()
                .map(|e| self.resolve(e)["value"].clone())
        })
    }
}

impl Args for Fixture {
    fn value<T: DeserializeOwned>(&self, op: &str, name: &str) -> T {
        let value = self.known.get(name).cloned().unwrap_or_else(|| {
            let (item, operation) = self.find(op);
            let param = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(item["parameters"].as_array().into_iter().flatten())
                .map(|p| self.resolve(p))
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{op} has no parameter {name}"));
            param
                .get("example")
                .cloned()
                .unwrap_or_else(|| self.sample(&param["schema"]))
        });
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{op}: {name} = {value} does not fit: {e}"))
    }

    fn body<T: DeserializeOwned>(&self, op: &str) -> T {
        let example = ["application/json", "text/plain"]
            .into_iter()
            .find_map(|media| self.example_of(op, media))
            .unwrap_or_else(|| panic!("{op} has no request body example"));
        serde_json::from_value(example.clone())
            .unwrap_or_else(|e| panic!("{op}: the body example {example} does not fit: {e}"))
    }
}

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
        let mut issue = icr_api::models::IssueCreate::new("Parser rejects trailing commas");
        issue.labels = Some(vec!["triage".to_owned()]);
        issue.assignees = Some(vec!["grace".to_owned()]);
        icr_api::issues::create_issue(&client, project, &issue, &Default::default())
            .await
            .unwrap();
        let comment = icr_api::comments::create_comment(
            &client,
            project,
            1,
            &icr_api::models::CommentBody {
                body: "Reproduced.".to_owned(),
            },
            &Default::default(),
        )
        .await
        .unwrap();
        icr_api::milestones::create_milestone(
            &client,
            project,
            &icr_api::models::MilestoneCreate::new("v1.0"),
        )
        .await
        .unwrap();
        let events =
            icr_api::timeline::list_project_timeline(&client, project, &Default::default())
                .await
                .unwrap();
        let event_id = serde_json::to_value(&events[0]).unwrap()["id"].clone();

        let fixture = Fixture {
            spec: spec.clone(),
            known: BTreeMap::from([
                ("organizationId", json!(org)),
                ("projectId", json!(project)),
                ("installationId", json!(installation)),
                ("issueNumber", json!(1)),
                ("commentId", json!(comment.id)),
                ("eventId", event_id),
                ("labelName", json!("triage")),
                ("milestoneNumber", json!(1)),
                ("username", json!("ada")),
            ]),
        };
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
