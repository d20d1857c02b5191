//! Webhooks: each app's webhook (URL and secret), the events that writes
//! raise, their signed deliveries over HTTP, and the delivery log with its
//! redeliveries.
//!
//! A write records what happened with [`emit`]; once the request is
//! answered, [`flush`] turns each event into one delivery per installation
//! of each app with a webhook on the event's organization, when that
//! installation holds what the event needs (`x-webhooks` in the spec), and
//! sends each from a task of its own: the write never waits for a
//! receiver. Every delivery is logged with the receiver's answer; the app
//! lists them, reads one, and asks for one again through its `/app/hook`
//! endpoints.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use serde_json::{Map, Value, json};

use crate::resources::{Answer, actor, caller_app, paginate};
use crate::server::{Failure, Reply, Request, Shared};
use crate::store::{State, time};

/// How long a receiver has to answer.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's answer the log keeps.
const ANSWER_KEPT: usize = 4096;

/// An app's webhook.
#[derive(Clone, Debug)]
pub(crate) struct Hook {
    pub url: String,
    pub secret: Option<String>,
}

/// An event a write raised, not yet delivered.
#[derive(Clone, Debug)]
pub(crate) struct Raised {
    pub org_id: i64,
    pub event: &'static str,
    /// The payload's own fields (`action`, `issue`, `sender`, …); the
    /// installation and organization are added per delivery.
    pub fields: Map<String, Value>,
    /// Only this app's installation (its own `installation` and `ping`
    /// events), which may be gone by the time the event is delivered.
    pub to: Option<(i64, i64)>,
}

/// One attempt to deliver an event, as the log keeps it.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub id: i64,
    pub guid: String,
    pub app_id: i64,
    pub installation_id: i64,
    pub project_id: Option<i64>,
    pub event: String,
    pub action: Option<String>,
    pub delivered_at: chrono::DateTime<chrono::Utc>,
    pub redelivery: bool,
    pub url: String,
    pub payload: Value,
    /// The receiver's answer: status (0 when none came), seconds taken,
    /// headers and the start of its body; `None` while under way.
    pub answer: Option<Answered>,
}

#[derive(Clone, Debug)]
pub(crate) struct Answered {
    pub status: u16,
    pub duration: f64,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub problem: Option<String>,
}

/// Records that `event` happened in organization `org_id`, with the
/// payload's `fields`; the caller of `r` is its sender.
pub(crate) fn emit(
    state: &mut State,
    r: &Request<'_>,
    org_id: i64,
    event: &'static str,
    action: &str,
    fields: Value,
) {
    let (sender, _) = actor(state, r);
    let sender = if sender.is_null() {
        // A write from no app (the emulator's own API): made by ada.
        state.users.get("ada").cloned().unwrap_or(Value::Null)
    } else {
        sender
    };
    raise(state, org_id, event, Some(action), fields, sender, None);
}

pub(crate) fn raise(
    state: &mut State,
    org_id: i64,
    event: &'static str,
    action: Option<&str>,
    fields: Value,
    sender: Value,
    to: Option<(i64, i64)>,
) {
    let mut all = Map::new();
    if let Some(action) = action {
        all.insert("action".to_owned(), json!(action));
    }
    if let Value::Object(fields) = fields {
        all.extend(fields);
    }
    all.insert("sender".to_owned(), sender);
    state.raised.push(Raised {
        org_id,
        event,
        fields: all,
        to,
    });
}

/// Turns the events raised so far into deliveries, and the redeliveries
/// asked for into attempts, and sends them.
pub(crate) fn flush(shared: &Arc<Shared>) {
    let sends = {
        let mut state = shared.state();
        let raised = std::mem::take(&mut state.raised);
        let mut sends = Vec::new();
        for event in raised {
            sends.extend(deliveries_of(shared, &mut state, &event));
        }
        for id in std::mem::take(&mut state.redeliveries) {
            if let Some(send) = redelivery(shared, &mut state, id) {
                sends.push(send);
            }
        }
        sends
    };
    for send in sends {
        let shared = Arc::clone(shared);
        shared.runtime.clone().spawn(send.run(shared));
    }
}

/// A delivery to send: the log entry's id, where, and what.
struct Send {
    id: i64,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn deliveries_of(shared: &Shared, state: &mut State, event: &Raised) -> Vec<Send> {
    let Some(needs) = shared.spec.events.get(event.event) else {
        return Vec::new();
    };
    let Some(organization) = state.organizations.get(&event.org_id) else {
        return Vec::new();
    };
    let organization = crate::store::simple_organization(&organization.value);
    let targets: Vec<(i64, i64)> = match event.to {
        Some(target) => vec![target],
        None => state
            .installations
            .values()
            .filter(|i| i.org_id == event.org_id)
            .filter(|i| needs.is_met_by(&crate::store::grant_list(&i.permissions)))
            .map(|i| (i.app_id, i.id))
            .collect(),
    };
    let mut sends = Vec::new();
    for (app_id, installation_id) in targets {
        if !state.hooks.contains_key(&app_id) {
            continue;
        }
        let mut payload = event.fields.clone();
        payload
            .entry("installation")
            .or_insert_with(|| json!({"id": installation_id}));
        payload.insert("organization".to_owned(), organization.clone());
        payload.insert("event".to_owned(), json!(event.event));
        let id = state.next_id();
        let delivery = Delivery {
            id,
            guid: crate::resources::uuid(),
            app_id,
            installation_id,
            project_id: payload.get("project").and_then(|p| p["id"].as_i64()),
            event: event.event.to_owned(),
            action: payload
                .get("action")
                .and_then(Value::as_str)
                .map(str::to_owned),
            delivered_at: shared.clock.now(),
            redelivery: false,
            url: String::new(),
            payload: Value::Object(payload),
            answer: None,
        };
        if let Some(send) = prepare(state, delivery) {
            sends.push(send);
        }
    }
    sends
}

fn redelivery(shared: &Shared, state: &mut State, of: i64) -> Option<Send> {
    let past = state.deliveries.iter().find(|d| d.id == of)?.clone();
    let id = state.next_id();
    prepare(
        state,
        Delivery {
            id,
            redelivery: true,
            delivered_at: shared.clock.now(),
            answer: None,
            ..past
        },
    )
}

/// Logs `delivery` and signs it with its app's current secret.
fn prepare(state: &mut State, mut delivery: Delivery) -> Option<Send> {
    let hook = state.hooks.get(&delivery.app_id)?.clone();
    delivery.url = hook.url.clone();
    let body = serde_json::to_vec(&delivery.payload).ok()?;
    let mut headers = vec![
        ("content-type", "application/json".to_owned()),
        ("user-agent", "ICR-Hookshot/emulator".to_owned()),
        ("x-icr-event", delivery.event.clone()),
        ("x-icr-delivery", delivery.guid.clone()),
    ];
    if let Some(secret) = &hook.secret {
        headers.push(("x-icr-signature-256", signature(secret, &body)));
    }
    let send = Send {
        id: delivery.id,
        url: hook.url,
        headers,
        body,
    };
    state.deliveries.push(delivery);
    Some(send)
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`.
pub(crate) fn signature(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, body);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Send {
    async fn run(self, shared: Arc<Shared>) {
        let started = Instant::now();
        let mut request = shared.http.post(&self.url).body(self.body);
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let answered = match request.timeout(DELIVERY_TIMEOUT).send().await {
            Ok(mut answer) => {
                let status = answer.status().as_u16();
                let headers = answer
                    .headers()
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect();
                // Only the start of the answer is kept, and only that is read.
                let mut body = Vec::new();
                while body.len() < ANSWER_KEPT {
                    match answer.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                body.truncate(ANSWER_KEPT);
                let body = String::from_utf8_lossy(&body).into_owned();
                Answered {
                    status,
                    duration: started.elapsed().as_secs_f64(),
                    headers,
                    body,
                    problem: None,
                }
            }
            Err(error) => Answered {
                status: 0,
                duration: started.elapsed().as_secs_f64(),
                headers: BTreeMap::new(),
                body: String::new(),
                problem: Some(error.without_url().to_string()),
            },
        };
        let mut state = shared.state();
        if let Some(delivery) = state.deliveries.iter_mut().find(|d| d.id == self.id) {
            delivery.answer = Some(answered);
        }
    }
}

fn summary(delivery: &Delivery) -> Value {
    let (status, code, duration) = match &delivery.answer {
        None => ("pending".to_owned(), 0, 0.0),
        Some(a) if (200..300).contains(&a.status) => ("OK".to_owned(), a.status, a.duration),
        Some(a) => (
            a.problem
                .clone()
                .unwrap_or_else(|| format!("answered {}", a.status)),
            a.status,
            a.duration,
        ),
    };
    json!({
        "id": delivery.id, "guid": delivery.guid, "deliveredAt": time(delivery.delivered_at),
        "redelivery": delivery.redelivery, "duration": duration, "status": status,
        "statusCode": code, "event": delivery.event, "action": delivery.action,
        "installationId": delivery.installation_id, "projectId": delivery.project_id,
    })
}

// ---- The app's `/app/hook` endpoints ---------------------------------------

fn config_json(hook: &Hook) -> Value {
    json!({"url": hook.url, "contentType": "json", "insecureSsl": "0"})
}

pub(crate) fn get_config(state: &State, r: &Request<'_>) -> Answer {
    match state.hooks.get(&caller_app(r)) {
        Some(hook) => Ok(Reply::json(200, config_json(hook))),
        None => Err(Failure::not_found("the app has no webhook")),
    }
}

pub(crate) fn update_config(state: &mut State, r: &Request<'_>) -> Answer {
    let app_id = caller_app(r);
    let url = r.field("url").and_then(Value::as_str).map(str::to_owned);
    let secret = r.field("secret").and_then(Value::as_str).map(str::to_owned);
    let hook = match (state.hooks.get(&app_id), url) {
        (Some(old), url) => Hook {
            url: url.unwrap_or_else(|| old.url.clone()),
            secret: secret.or_else(|| old.secret.clone()),
        },
        (None, Some(url)) => Hook { url, secret },
        (None, None) => {
            return Err(Failure::invalid(
                "url",
                "missing",
                "the app has no webhook yet: give its `url`",
            ));
        }
    };
    let answer = config_json(&hook);
    state.hooks.insert(app_id, hook);
    ping(state, app_id);
    Ok(Reply::json(200, answer))
}

/// A `ping` to each installation of `app_id`, when its webhook is set.
pub(crate) fn ping(state: &mut State, app_id: i64) {
    let installations: Vec<(i64, i64)> = state
        .installations
        .values()
        .filter(|i| i.app_id == app_id)
        .map(|i| (i.org_id, i.id))
        .collect();
    let sender = state
        .apps
        .get(&app_id)
        .map(crate::store::bot_user)
        .unwrap_or(Value::Null);
    for (org_id, installation) in installations {
        raise(
            state,
            org_id,
            "ping",
            None,
            json!({"zen": "Keep it small.", "hookId": app_id}),
            sender.clone(),
            Some((app_id, installation)),
        );
    }
}

pub(crate) fn list_deliveries(state: &State, r: &Request<'_>) -> Answer {
    let app_id = caller_app(r);
    let wanted = r.query.get("status").and_then(Value::as_str);
    let items = state
        .deliveries
        .iter()
        .rev()
        .filter(|d| d.app_id == app_id)
        .filter(|d| {
            let ok = d
                .answer
                .as_ref()
                .is_some_and(|a| (200..300).contains(&a.status));
            match wanted {
                Some("success") => ok,
                Some("failure") => !ok,
                _ => true,
            }
        })
        .map(summary)
        .collect();
    Ok(paginate(r, items, 200))
}

fn own_delivery<'s>(state: &'s State, r: &Request<'_>) -> Result<&'s Delivery, Failure> {
    let (app_id, id) = (caller_app(r), r.id("deliveryId"));
    state
        .deliveries
        .iter()
        .find(|d| d.id == id && d.app_id == app_id)
        .ok_or_else(|| Failure::not_found("no such delivery of this app"))
}

pub(crate) fn get_delivery(state: &State, r: &Request<'_>) -> Answer {
    let delivery = own_delivery(state, r)?;
    let mut value = summary(delivery);
    let (headers, body) = match &delivery.answer {
        Some(a) => (json!(a.headers), json!(a.body)),
        None => (json!({}), Value::Null),
    };
    merge_into(
        &mut value,
        json!({
            "url": delivery.url,
            "request": {
                "headers": {
                    "Content-Type": "application/json",
                    "X-ICR-Event": delivery.event,
                    "X-ICR-Delivery": delivery.guid,
                },
                "payload": delivery.payload,
            },
            "response": {"headers": headers, "payload": body},
        }),
    );
    Ok(Reply::json(200, value))
}

pub(crate) fn redeliver(state: &mut State, r: &Request<'_>) -> Answer {
    let id = own_delivery(state, r)?.id;
    state.redeliveries.push(id);
    Ok(Reply::empty(202))
}

fn merge_into(value: &mut Value, more: Value) {
    if let (Value::Object(value), Value::Object(more)) = (value, more) {
        value.extend(more);
    }
}

// ---- Raising events from writes ---------------------------------------------

/// Raises `event` about project `project_id`: its organization's, with the
/// project in the payload.
pub(crate) fn about_project(
    state: &mut State,
    r: &Request<'_>,
    project_id: i64,
    event: &'static str,
    action: &str,
    mut fields: Value,
) {
    let Some((org_id, project)) = state.projects.get(&project_id).cloned() else {
        return;
    };
    fields["project"] = project;
    emit(state, r, org_id, event, action, fields);
}

/// Raises `event` about issue `number` of project `project_id`, with the
/// issue (as it is now) and its project in the payload.
pub(crate) fn about_issue(
    state: &mut State,
    r: &Request<'_>,
    project_id: i64,
    number: i64,
    event: &'static str,
    action: &str,
    mut fields: Value,
) {
    let Some(issue) = state.issue(project_id, number).cloned() else {
        return;
    };
    fields["issue"] = issue;
    about_project(state, r, project_id, event, action, fields);
}

/// What an edit changed, as a payload's `changes`: the previous value of
/// each of `fields` that differs between `before` and `after`.
pub(crate) fn previous(before: &Value, after: &Value, fields: &[&str]) -> Value {
    let changed: Map<String, Value> = fields
        .iter()
        .filter(|field| before[**field] != after[**field])
        .map(|field| ((*field).to_owned(), json!({"from": before[*field]})))
        .collect();
    Value::Object(changed)
}

/// The `issues` events of an update, from the timeline events it recorded:
/// each state change, label, assignee and lock is its own event; anything
/// else that changed (the title, the body) is `edited`, with `changes`.
pub(crate) fn issue_updated(
    state: &mut State,
    r: &Request<'_>,
    project_id: i64,
    number: i64,
    before: &Value,
    timeline: &[(&str, Value)],
) {
    let mut raised = false;
    for (name, fields) in timeline {
        let extra = match *name {
            "closed" | "reopened" | "locked" | "unlocked" => json!({}),
            "labeled" | "unlabeled" => {
                let label = fields["label"]["name"]
                    .as_str()
                    .and_then(|label| state.label(project_id, label))
                    .cloned();
                match label {
                    Some(label) => json!({"label": label}),
                    None => json!({}),
                }
            }
            "assigned" | "unassigned" => json!({"assignee": fields["assignee"]}),
            "renamed" => continue,
            _ => continue,
        };
        about_issue(state, r, project_id, number, "issues", name, extra);
        raised = true;
    }
    let now = state.issue(project_id, number).cloned().unwrap_or_default();
    let changes = previous(before, &now, &["title", "body"]);
    if !raised || changes.as_object().is_some_and(|c| !c.is_empty()) {
        about_issue(
            state,
            r,
            project_id,
            number,
            "issues",
            "edited",
            json!({"changes": changes}),
        );
    }
}

/// Raises an `installation` event for installation `id` (still in the
/// state), sent to its own app only, as made by the organization's first
/// person.
pub(crate) fn installation_changed(
    spec: &crate::spec::Spec,
    base_url: &str,
    state: &mut State,
    id: i64,
    action: &str,
) {
    let Some(installation) = state.installations.get(&id) else {
        return;
    };
    let (org_id, app_id) = (installation.org_id, installation.app_id);
    let value = crate::store::installation_json(spec, state, installation, base_url);
    let sender = state.users.get("ada").cloned().unwrap_or(Value::Null);
    raise(
        state,
        org_id,
        "installation",
        Some(action),
        json!({"installation": value}),
        sender,
        Some((app_id, id)),
    );
}
