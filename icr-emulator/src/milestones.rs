//! Milestones as state: created, read, listed, changed and deleted like
//! issues, numbered per project, and real targets for an issue's
//! `milestone`. A milestone's issue counts are computed from the issues
//! whenever it is shown, and an issue carries the milestone as it is now.

use serde_json::{Value, json};

use crate::hooks;
use crate::resources::{Answer, actor, paginate, project};
use crate::server::{Failure, Reply, Request};
use crate::store::{Owned, State, merge, time};

/// The milestone of `project_id` numbered `number`, as the API shows it.
pub(crate) fn shown(state: &State, project_id: i64, number: i64) -> Option<Value> {
    let owned = state
        .milestones
        .iter()
        .find(|m| m.project_id == project_id && m.value["number"] == number)?;
    let mut value = owned.value.clone();
    let (mut open, mut closed) = (0, 0);
    for issue in state.issues.iter().filter(|i| i.project_id == project_id) {
        if issue.value["milestone"]["number"] == number {
            if issue.value["state"] == "closed" {
                closed += 1;
            } else {
                open += 1;
            }
        }
    }
    value["openIssues"] = json!(open);
    value["closedIssues"] = json!(closed);
    Some(value)
}

/// The milestone an issue asks for by number in its body's `milestone`:
/// `Ok(None)` for `null`, a 422 naming the field for one that does not
/// exist.
pub(crate) fn referenced(
    state: &State,
    project_id: i64,
    milestone: &Value,
) -> Result<Option<Value>, Failure> {
    if milestone.is_null() {
        return Ok(None);
    }
    // `1.0` is the integer 1 to JSON Schema, so it is to the emulator too.
    milestone
        .as_i64()
        .or_else(|| {
            milestone
                .as_f64()
                .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
                .map(|n| n as i64)
        })
        .and_then(|number| shown(state, project_id, number))
        .map(Some)
        .ok_or_else(|| {
            Failure::invalid(
                "milestone",
                "invalid",
                format!("project {project_id} has no milestone {milestone}"),
            )
        })
}

/// Writes milestone `number` as it is now (its counts included) into every
/// issue that carries it; called when an issue joins, leaves or changes
/// state in it.
pub(crate) fn refresh(state: &mut State, project_id: i64, number: &Value) {
    if let Some(number) = number.as_i64() {
        let now = shown(state, project_id, number);
        refresh_issues(state, project_id, number, now);
    }
}

/// Writes the milestone as it is now into every issue that carries it, or
/// takes it off them (`None`) when it is deleted.
fn refresh_issues(state: &mut State, project_id: i64, number: i64, now: Option<Value>) {
    let carrying: Vec<usize> = state
        .issues
        .iter()
        .enumerate()
        .filter(|(_, i)| i.project_id == project_id && i.value["milestone"]["number"] == number)
        .map(|(index, _)| index)
        .collect();
    for index in carrying {
        state.issues[index].value["milestone"] = now.clone().unwrap_or(Value::Null);
    }
}

fn milestone(state: &State, r: &Request<'_>) -> Result<Value, Failure> {
    let (project_id, number) = (r.id("projectId"), r.id("milestoneNumber"));
    shown(state, project_id, number).ok_or_else(|| {
        Failure::not_found(format_args!("milestone {number} of project {project_id}"))
    })
}

pub(crate) fn list(state: &State, r: &Request<'_>) -> Answer {
    let project_id = project(state, r)?["id"].as_i64().unwrap_or_default();
    let wanted = r.query_str("state").unwrap_or("open");
    let mut all: Vec<Value> = state
        .milestones
        .iter()
        .filter(|m| m.project_id == project_id)
        .filter_map(|m| m.value["number"].as_i64())
        .filter_map(|number| shown(state, project_id, number))
        .filter(|m| wanted == "all" || m["state"] == wanted)
        .collect();
    let by_completeness = r.query_str("sort") == Some("completeness");
    all.sort_by(|a, b| {
        if by_completeness {
            let done = |m: &Value| {
                let (open, closed) = (
                    m["openIssues"].as_f64().unwrap_or(0.0),
                    m["closedIssues"].as_f64().unwrap_or(0.0),
                );
                if open + closed == 0.0 {
                    0.0
                } else {
                    closed / (open + closed)
                }
            };
            done(a).total_cmp(&done(b))
        } else {
            // By time, whatever offset it was written with; milestones
            // without a due date come last, as ICR lists them.
            let due = |m: &Value| {
                m["dueOn"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            };
            match (due(a), due(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a["number"].as_i64().cmp(&b["number"].as_i64()),
            }
        }
    });
    if r.query_str("direction") == Some("desc") {
        all.reverse();
    }
    Ok(paginate(r, all, 200))
}

pub(crate) fn create(state: &mut State, r: &Request<'_>) -> Answer {
    let project_id = project(state, r)?["id"].as_i64().unwrap_or_default();
    // Numbers are never reused, even after the highest one is deleted.
    let counter = state.milestone_numbers.entry(project_id).or_insert(0);
    *counter += 1;
    let number = *counter;
    let (creator, _) = actor(state, r);
    let closed = r.field("state").and_then(Value::as_str) == Some("closed");
    let value = json!({
        "id": state.next_id(), "number": number, "title": r.field("title"),
        "description": r.field("description").cloned().unwrap_or(Value::Null),
        "state": if closed { "closed" } else { "open" },
        "openIssues": 0, "closedIssues": 0, "creator": creator,
        "dueOn": normalized(r.field("dueOn")),
        "createdAt": time(r.now), "updatedAt": time(r.now),
        "closedAt": if closed { json!(time(r.now)) } else { Value::Null },
    });
    state.milestones.push(Owned { project_id, value });
    let created = milestone_of(state, project_id, number)?;
    hooks::about_project(
        state,
        r,
        project_id,
        "milestone",
        "created",
        json!({"milestone": created}),
    );
    Ok(Reply::json(201, created))
}

pub(crate) fn get(state: &State, r: &Request<'_>) -> Answer {
    Ok(Reply::json(200, milestone(state, r)?))
}

pub(crate) fn update(state: &mut State, r: &Request<'_>) -> Answer {
    let before = milestone(state, r)?;
    let (project_id, number) = (r.id("projectId"), r.id("milestoneNumber"));
    let mut changes = json!({"updatedAt": time(r.now)});
    for field in ["title", "description"] {
        if let Some(value) = r.field(field) {
            changes[field] = value.clone();
        }
    }
    if r.field("dueOn").is_some() {
        changes["dueOn"] = normalized(r.field("dueOn"));
    }
    if let Some(new_state) = r.field("state").and_then(Value::as_str)
        && before["state"] != new_state
    {
        changes["state"] = json!(new_state);
        changes["closedAt"] = if new_state == "closed" {
            json!(time(r.now))
        } else {
            Value::Null
        };
    }
    if let Some(owned) = state
        .milestones
        .iter_mut()
        .find(|m| m.project_id == project_id && m.value["number"] == number)
    {
        merge(&mut owned.value, changes);
    }
    let now = milestone_of(state, project_id, number)?;
    refresh_issues(state, project_id, number, Some(now.clone()));
    let action = match (before["state"].as_str(), now["state"].as_str()) {
        (Some("open"), Some("closed")) => "closed",
        (Some("closed"), Some("open")) => "opened",
        _ => "edited",
    };
    hooks::about_project(
        state,
        r,
        project_id,
        "milestone",
        action,
        json!({"milestone": now, "changes": hooks::previous(&before, &now, &["title", "description", "dueOn"])}),
    );
    Ok(Reply::json(200, now))
}

pub(crate) fn delete(state: &mut State, r: &Request<'_>) -> Answer {
    let gone = milestone(state, r)?;
    let (project_id, number) = (r.id("projectId"), r.id("milestoneNumber"));
    hooks::about_project(
        state,
        r,
        project_id,
        "milestone",
        "deleted",
        json!({"milestone": gone}),
    );
    state
        .milestones
        .retain(|m| !(m.project_id == project_id && m.value["number"] == number));
    refresh_issues(state, project_id, number, None);
    Ok(Reply::empty(204))
}

fn milestone_of(state: &State, project_id: i64, number: i64) -> Result<Value, Failure> {
    shown(state, project_id, number).ok_or_else(|| {
        Failure::not_found(format_args!("milestone {number} of project {project_id}"))
    })
}

/// A date-time as the API writes it (UTC, `Z`), whatever offset it came
/// with; `null` stays `null`.
fn normalized(value: Option<&Value>) -> Value {
    value
        .and_then(Value::as_str)
        .and_then(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
        .map(|at| json!(time(at.with_timezone(&chrono::Utc))))
        .unwrap_or(Value::Null)
}

/// `GET /projects/{projectId}/milestones/{milestoneNumber}/labels`: the
/// labels of the milestone's issues, each once.
pub(crate) fn labels(state: &State, r: &Request<'_>) -> Answer {
    let found = milestone(state, r)?;
    let project_id = r.id("projectId");
    let mut labels: Vec<Value> = Vec::new();
    for issue in state
        .issues
        .iter()
        .filter(|i| i.project_id == project_id && i.value["milestone"]["number"] == found["number"])
    {
        for label in issue.value["labels"].as_array().into_iter().flatten() {
            if !labels.iter().any(|l| l["name"] == label["name"]) {
                labels.push(label.clone());
            }
        }
    }
    Ok(paginate(r, labels, 200))
}
