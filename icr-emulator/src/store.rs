//! The emulator's state, in memory: apps, organizations and their members,
//! installations, tokens, and the core resources (projects, issues,
//! comments, labels, timeline events) as the JSON the API returns. New
//! resources start from the spec's examples, so they have every field the
//! schemas require, and are then given their own values.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use icr_codegen::permissions::Level;
use jsonwebtoken::DecodingKey;
use serde_json::{Value, json};

use crate::spec::Spec;

/// Permissions by name.
pub(crate) type Grants = BTreeMap<String, Level>;

/// A registered app.
pub(crate) struct App {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub key: DecodingKey,
    pub permissions: Grants,
    pub created_at: DateTime<Utc>,
}

/// An organization: its JSON and its members (user JSON and role).
pub(crate) struct Organization {
    pub id: i64,
    pub value: Value,
    pub members: Vec<(Value, String)>,
}

/// An app installed on an organization, with the permissions the
/// organization accepted.
pub(crate) struct Installation {
    pub id: i64,
    pub app_id: i64,
    pub org_id: i64,
    pub permissions: Grants,
    pub created_at: DateTime<Utc>,
}

/// An installation access token.
pub(crate) struct Token {
    pub installation_id: i64,
    pub permissions: Grants,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

/// A resource of a project: the project it belongs to and its JSON.
pub(crate) struct Owned {
    pub project_id: i64,
    pub value: Value,
}

/// Everything the emulator knows.
#[derive(Default)]
pub(crate) struct State {
    pub apps: BTreeMap<i64, App>,
    pub organizations: BTreeMap<i64, Organization>,
    pub installations: BTreeMap<i64, Installation>,
    pub tokens: HashMap<String, Token>,
    /// Projects by id, with their organization.
    pub projects: BTreeMap<i64, (i64, Value)>,
    pub issues: Vec<Owned>,
    pub comments: Vec<Owned>,
    pub labels: Vec<Owned>,
    pub milestones: Vec<Owned>,
    /// The last milestone number given in each project.
    pub milestone_numbers: HashMap<i64, i64>,
    pub events: Vec<Owned>,
    /// People, by login.
    pub users: BTreeMap<String, Value>,
    next_id: i64,
    /// How many installation tokens were created.
    pub token_requests: usize,
    /// By installation: each permission its requests needed, at the
    /// highest level one needed it.
    pub permissions_used: HashMap<i64, BTreeMap<String, Level>>,
    /// Rate-limit windows by caller: the window's start (Unix seconds) and
    /// the requests made in it.
    pub rate: HashMap<String, (i64, u32)>,
    /// The first answer to each `Idempotency-Key`, by caller, operation and
    /// key (see [`Remembered`]).
    pub idempotency: HashMap<(String, String, String), Remembered>,
    /// Each app's webhook, by app id.
    pub hooks: HashMap<i64, crate::hooks::Hook>,
    /// Events raised by writes, not yet turned into deliveries.
    pub raised: Vec<crate::hooks::Raised>,
    /// Deliveries an app asked to be sent again, by id.
    pub redeliveries: Vec<i64>,
    /// The delivery log, oldest first.
    pub deliveries: Vec<crate::hooks::Delivery>,
}

/// What a request with an `Idempotency-Key` got, kept for 24 hours: a
/// repeat of the same request gets the same answer, and the same key on a
/// different request is refused.
#[derive(Clone, Debug)]
pub(crate) struct Remembered {
    /// The request's path and body.
    pub request: (String, Option<Value>),
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
    pub at: DateTime<Utc>,
}

impl State {
    pub(crate) fn new() -> Self {
        let mut state = Self {
            next_id: 10_000,
            ..Self::default()
        };
        for (id, login, name) in [(101, "ada", Some("Ada Byron")), (102, "grace", None)] {
            state.users.insert(
                login.to_owned(),
                json!({
                    "id": id, "login": login, "name": name, "type": "user",
                    "avatarUrl": format!("https://avatars.icr.dev/u/{id}"),
                    "htmlUrl": format!("https://icr.dev/{login}"),
                }),
            );
        }
        state
    }

    /// A new id, unique across every kind of resource.
    pub(crate) fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn organization_of_project(&self, project_id: i64) -> Option<i64> {
        self.projects.get(&project_id).map(|(org, _)| *org)
    }

    pub(crate) fn issue(&self, project_id: i64, number: i64) -> Option<&Value> {
        self.issues
            .iter()
            .find(|i| i.project_id == project_id && i.value["number"] == number)
            .map(|i| &i.value)
    }

    pub(crate) fn issue_mut(&mut self, project_id: i64, number: i64) -> Option<&mut Value> {
        self.issues
            .iter_mut()
            .find(|i| i.project_id == project_id && i.value["number"] == number)
            .map(|i| &mut i.value)
    }

    pub(crate) fn label(&self, project_id: i64, name: &str) -> Option<&Value> {
        self.labels
            .iter()
            .find(|l| l.project_id == project_id && l.value["name"] == name)
            .map(|l| &l.value)
    }

    /// Creates a project of organization `org_id` from the spec's example.
    pub(crate) fn create_project(
        &mut self,
        spec: &Spec,
        org_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> Option<i64> {
        let org = self.organizations.get(&org_id)?;
        let simple = simple_organization(&org.value);
        let login = org.value["login"].as_str().unwrap_or_default().to_owned();
        let id = self.next_id();
        let mut project = spec.example("Project");
        merge(
            &mut project,
            json!({
                "id": id, "name": name, "fullName": format!("{login}/{name}"),
                "organization": simple, "shortDescription": null, "homepage": null,
                "topics": [], "visibility": "public", "archived": false, "hasIssues": true,
                "openIssuesCount": 0, "htmlUrl": format!("https://icr.dev/{login}/{name}"),
                "createdAt": time(now), "updatedAt": time(now),
            }),
        );
        self.projects.insert(id, (org_id, project));
        Some(id)
    }
}

/// `2026-11-24T12:00:00Z`.
pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Copies every member of `changes` into `target`.
pub(crate) fn merge(target: &mut Value, changes: Value) {
    if let (Value::Object(target), Value::Object(changes)) = (target, changes) {
        target.extend(changes);
    }
}

/// The organization as referenced elsewhere.
pub(crate) fn simple_organization(org: &Value) -> Value {
    json!({
        "id": org["id"], "login": org["login"], "name": org["name"], "avatarUrl": org["avatarUrl"],
    })
}

/// The app as shown where it acted.
pub(crate) fn simple_app(app: &App) -> Value {
    json!({
        "id": app.id, "slug": app.slug, "name": app.name,
        "htmlUrl": format!("https://icr.dev/apps/{}", app.slug),
    })
}

/// The bot user an app acts through.
pub(crate) fn bot_user(app: &App) -> Value {
    json!({
        "id": 900_000 + app.id, "login": format!("{}[bot]", app.slug), "name": null, "type": "bot",
        "avatarUrl": format!("https://avatars.icr.dev/in/{}", app.id),
        "htmlUrl": format!("https://icr.dev/apps/{}", app.slug),
    })
}

/// Permissions as JSON, `{"issues": "read"}`.
pub(crate) fn grants_json(grants: &Grants) -> Value {
    Value::Object(
        grants
            .iter()
            .map(|(name, level)| (name.clone(), Value::String(level.name().to_owned())))
            .collect(),
    )
}

/// `grants` as a list, for checking a requirement against them.
pub(crate) fn grant_list(grants: &Grants) -> Vec<icr_codegen::permissions::Grant> {
    grants
        .iter()
        .map(|(permission, level)| icr_codegen::permissions::Grant {
            permission: permission.clone(),
            level: *level,
        })
        .collect()
}

/// The installation as the API shows it.
pub(crate) fn installation_json(
    spec: &Spec,
    state: &State,
    installation: &Installation,
    base_url: &str,
) -> Value {
    let mut value = spec.example("Installation");
    let app = state.apps.get(&installation.app_id);
    let org = state.organizations.get(&installation.org_id);
    merge(
        &mut value,
        json!({
            "id": installation.id,
            "appId": installation.app_id,
            "appSlug": app.map(|a| a.slug.clone()),
            "organization": org.map(|o| simple_organization(&o.value)),
            "permissions": grants_json(&installation.permissions),
            "accessTokensUrl": format!("{base_url}/app/installations/{}/accessTokens", installation.id),
            "createdAt": time(installation.created_at),
            "updatedAt": time(installation.created_at),
            "suspendedAt": null,
            "suspendedBy": null,
        }),
    );
    value
}
