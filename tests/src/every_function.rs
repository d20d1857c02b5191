//! What every generated installation function is called with, shared by
//! the `every_function` integration test and the schemathesis harness (which
//! sends the same calls through a validating proxy): the [`Args`] trait the
//! generated calls (`integration/every_function/calls.rs`) read their values
//! from, and [`Fixture`], which answers from the resources a world was set
//! up with ([`prepare`]) and otherwise from the spec's examples.

use std::collections::BTreeMap;

use icr_api::InstallationClient;
use icr_api::permissions::{IssuesReadOrProjectsRead, IssuesWrite};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Where the generated calls get their argument values.
pub trait Args {
    /// The value of parameter `name` of operation `op`.
    fn value<T: DeserializeOwned>(&self, op: &str, name: &str) -> T;
    /// The body of operation `op` (text as a string, binary as bytes).
    fn body<T: DeserializeOwned>(&self, op: &str) -> T;
}

/// Values by parameter name, with the spec to fall back on.
pub struct Fixture {
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

/// Sets up what every call may need, through `client` (an issue carrying
/// the label `triage` and assigned to `grace`, a comment, a milestone, the
/// timeline events they make), and the fixture that names them.
///
/// # Panics
/// When the world cannot be set up: the calls that need it cannot run.
pub async fn prepare<P: IssuesWrite + IssuesReadOrProjectsRead>(
    client: &InstallationClient<P>,
    organization: i64,
    project: i64,
    installation: i64,
) -> Fixture {
    let mut issue = icr_api::models::IssueCreate::new("Parser rejects trailing commas");
    issue.labels = Some(vec!["triage".to_owned()]);
    issue.assignees = Some(vec!["grace".to_owned()]);
    icr_api::issues::create_issue(client, project, &issue)
        .await
        .expect("an issue");
    let comment = icr_api::comments::create_comment(
        client,
        project,
        1,
        &icr_api::models::CommentBody {
            body: "Reproduced.".to_owned(),
        },
    )
    .await
    .expect("a comment");
    icr_api::milestones::create_milestone(
        client,
        project,
        &icr_api::models::MilestoneCreate::new("v1.0"),
    )
    .await
    .expect("a milestone");
    let events = icr_api::timeline::list_project_timeline(client, project)
        .await
        .expect("the timeline");
    let event_id = serde_json::to_value(&events[0]).expect("an event")["id"].clone();
    Fixture {
        spec: crate::spec_value(""),
        known: BTreeMap::from([
            ("organizationId", json!(organization)),
            ("projectId", json!(project)),
            ("installationId", json!(installation)),
            ("issueNumber", json!(1)),
            ("commentId", json!(comment.id)),
            ("eventId", event_id),
            ("labelName", json!("triage")),
            ("milestoneNumber", json!(1)),
            ("username", json!("ada")),
        ]),
    }
}
