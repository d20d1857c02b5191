//! The operations with real behaviour: apps and installations, tokens,
//! organizations, members, projects, issues, comments, labels and
//! timelines. Creates are visible to later reads, updates persist, deletes
//! remove; a write made with an installation token is attributed to the
//! app (its bot user as the actor, `performedViaApp` set) and shows in the
//! timeline. Every other operation answers with its example
//! ([`dispatch`] returns `None` for it).

use chrono::TimeDelta;
use icr_codegen::permissions::Level;
use serde_json::{Value, json};

use crate::hooks;
use crate::milestones;
use crate::server::{Caller, Failure, Reply, Request};
use crate::store::{
    Grants, Owned, State, bot_user, grants_json, installation_json, merge, simple_app,
    simple_organization, time,
};

/// How long an installation access token lives.
pub(crate) const TOKEN_LIFETIME: TimeDelta = TimeDelta::hours(2);

pub(crate) type Answer = Result<Reply, Failure>;

/// Runs the operation if it has real behaviour here.
pub(crate) fn dispatch(state: &mut State, r: &Request<'_>) -> Option<Answer> {
    let answer = match r.op.id.as_str() {
        "apps/getAuthenticatedApp" => get_app(state, r),
        "apps/listInstallations" => list_installations(state, r),
        "apps/getInstallation" => get_installation(state, r),
        "apps/deleteInstallation" => delete_installation(state, r),
        "apps/getOrganizationInstallation" => organization_installation(state, r),
        "apps/createInstallationAccessToken" => create_token(state, r),
        "apps/getInstallationAccessToken" => token_info(state, r),
        "apps/revokeInstallationAccessToken" => revoke_token(state, r),
        "apps/listInstallationProjects" => installation_projects(state, r),
        "apps/getWebhookConfig" => hooks::get_config(state, r),
        "apps/updateWebhookConfig" => hooks::update_config(state, r),
        "apps/listWebhookDeliveries" => hooks::list_deliveries(state, r),
        "apps/getWebhookDelivery" => hooks::get_delivery(state, r),
        "apps/redeliverWebhookDelivery" => hooks::redeliver(state, r),
        "organizations/getOrganization" => get_organization(state, r),
        "organizations/updateOrganization" => update_organization(state, r),
        "members/listMembers" => list_members(state, r),
        "members/checkMember" => check_member(state, r),
        "members/removeMember" => remove_member(state, r),
        "members/getMembership" => get_membership(state, r),
        "members/setMembership" => set_membership(state, r),
        "projects/listOrganizationProjects" => list_projects(state, r),
        "projects/createProject" => create_project(state, r),
        "projects/getProject" => get_project(state, r),
        "projects/updateProject" => update_project(state, r),
        "projects/deleteProject" => delete_project(state, r),
        "issues/listProjectIssues" => list_issues(state, r, Some(r.id("projectId"))),
        "issues/listOrganizationIssues" => list_issues(state, r, None),
        "issues/createIssue" => create_issue(state, r),
        "issues/getIssue" => issue(state, r).map(|i| Reply::json(200, i.clone())),
        "issues/updateIssue" => update_issue(state, r),
        "issues/lockIssue" => lock_issue(state, r, true),
        "issues/unlockIssue" => lock_issue(state, r, false),
        "issues/addAssignees" => change_assignees(state, r, true),
        "issues/removeAssignees" => change_assignees(state, r, false),
        "comments/listIssueComments" => list_comments(state, r, true),
        "comments/listProjectComments" => list_comments(state, r, false),
        "comments/createComment" => create_comment(state, r),
        "comments/getComment" => comment(state, r).map(|c| Reply::json(200, c.value.clone())),
        "comments/updateComment" => update_comment(state, r),
        "comments/deleteComment" => delete_comment(state, r),
        "labels/listProjectLabels" => {
            let labels = project_labels(state, r.id("projectId"));
            Ok(paginate(r, labels, 200))
        }
        "labels/createLabel" => create_label(state, r),
        "labels/getLabel" => label(state, r).map(|l| Reply::json(200, l)),
        "labels/updateLabel" => update_label(state, r),
        "labels/deleteLabel" => delete_label(state, r),
        "milestones/listMilestones" => milestones::list(state, r),
        "milestones/createMilestone" => milestones::create(state, r),
        "milestones/getMilestone" => milestones::get(state, r),
        "milestones/updateMilestone" => milestones::update(state, r),
        "milestones/deleteMilestone" => milestones::delete(state, r),
        "labels/listMilestoneLabels" => milestones::labels(state, r),
        "labels/listIssueLabels" => issue(state, r).map(|i| Reply::json(200, i["labels"].clone())),
        "labels/addIssueLabels" => change_issue_labels(state, r, LabelChange::Add),
        "labels/setIssueLabels" => change_issue_labels(state, r, LabelChange::Set),
        "labels/removeIssueLabel" => change_issue_labels(state, r, LabelChange::Remove),
        "labels/removeAllIssueLabels" => change_issue_labels(state, r, LabelChange::Clear),
        "timeline/listIssueTimeline" => list_events(state, r, true),
        "timeline/listProjectTimeline" => list_events(state, r, false),
        "timeline/getTimelineEvent" => get_event(state, r),
        _ => return None,
    };
    Some(answer)
}

/// A page of `items` as `perPage` and `page` ask, with a `Link` header to
/// the other pages.
pub(crate) fn paginate(r: &Request<'_>, items: Vec<Value>, status: u16) -> Reply {
    let (page, per_page, links) = page_of(r, items.len());
    let start = (page - 1).saturating_mul(per_page);
    let items: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let mut reply = Reply::json(status, Value::Array(items));
    if let Some(links) = links {
        reply.headers.push(("link", links));
    }
    reply
}

/// The page asked for, its size, and the `Link` header for `total` items.
fn page_of(r: &Request<'_>, total: usize) -> (usize, usize, Option<String>) {
    let number = |name: &str, default: usize| {
        r.query
            .get(name)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
    };
    let per_page = number("perPage", 30).min(100);
    let page = number("page", 1);
    let last = total.div_ceil(per_page).max(1);
    // The request's own query, as it was written (each filter in its own
    // style), with the page and its size put last: a URI reference, so any
    // byte a URI cannot hold raw (hyper lets UTF-8 through) is escaped.
    const RAW: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'|')
        .add(b'\\')
        .add(b'^');
    let kept: Vec<String> = r
        .raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            name != "page" && name != "perPage"
        })
        .map(|pair| percent_encoding::utf8_percent_encode(pair, RAW).to_string())
        .collect();
    let link = |n: usize, rel: &str| {
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("perPage={per_page}&page={n}"));
        format!("<{}{}?{query}>; rel=\"{rel}\"", r.link_base, r.raw_path)
    };
    let mut links = Vec::new();
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
        links.push(link((page - 1).min(last), "prev"));
    }
    let links = (!links.is_empty()).then(|| links.join(", "));
    (page, per_page, links)
}

// ---- Who acts ----------------------------------------------------------

/// The actor of a write and the app it came through, if any.
pub(crate) fn actor(state: &State, r: &Request<'_>) -> (Value, Value) {
    match r.caller {
        Some(Caller::Installation { app_id, .. }) | Some(Caller::App { app_id }) => {
            match state.apps.get(app_id) {
                Some(app) => (bot_user(app), simple_app(app)),
                None => (Value::Null, Value::Null),
            }
        }
        None => (Value::Null, Value::Null),
    }
}

pub(crate) fn caller_app(r: &Request<'_>) -> i64 {
    match r.caller {
        Some(Caller::App { app_id } | Caller::Installation { app_id, .. }) => *app_id,
        None => 0,
    }
}

/// Records a timeline event of `project_id` (of issue `issue`, if given).
fn record(
    state: &mut State,
    r: &Request<'_>,
    project_id: i64,
    issue: Option<i64>,
    event: &str,
    fields: Value,
) {
    let (actor, app) = actor(state, r);
    let id = state.next_id();
    let mut value = json!({
        "id": id, "event": event, "actor": actor, "createdAt": time(r.now), "performedViaApp": app,
    });
    if let Some(number) = issue {
        value["issueNumber"] = json!(number);
    }
    merge(&mut value, fields);
    state.events.push(Owned { project_id, value });
}

// ---- Apps and installations ---------------------------------------------

fn get_app(state: &State, r: &Request<'_>) -> Answer {
    let app = state
        .apps
        .get(&caller_app(r))
        .ok_or_else(|| Failure::not_found("the app"))?;
    let mut value = r.spec.example("App");
    let installations = state
        .installations
        .values()
        .filter(|i| i.app_id == app.id)
        .count();
    merge(
        &mut value,
        json!({
            "id": app.id, "slug": app.slug, "name": app.name,
            "htmlUrl": format!("https://icr.dev/apps/{}", app.slug), "description": null,
            "permissions": grants_json(&app.permissions), "installationsCount": installations,
            "createdAt": time(app.created_at), "updatedAt": time(app.created_at),
        }),
    );
    Ok(Reply::json(200, value))
}

fn list_installations(state: &State, r: &Request<'_>) -> Answer {
    let app_id = caller_app(r);
    let items = state
        .installations
        .values()
        .filter(|i| i.app_id == app_id)
        .map(|i| installation_json(r.spec, state, i, r.base_url))
        .collect();
    Ok(paginate(r, items, 200))
}

fn own_installation<'s>(
    state: &'s State,
    r: &Request<'_>,
) -> Result<&'s crate::store::Installation, Failure> {
    let id = r.id("installationId");
    state
        .installations
        .get(&id)
        .filter(|i| i.app_id == caller_app(r))
        .ok_or_else(|| Failure::not_found(format_args!("installation {id}")))
}

fn get_installation(state: &State, r: &Request<'_>) -> Answer {
    let installation = own_installation(state, r)?;
    Ok(Reply::json(
        200,
        installation_json(r.spec, state, installation, r.base_url),
    ))
}

fn delete_installation(state: &mut State, r: &Request<'_>) -> Answer {
    let id = own_installation(state, r)?.id;
    hooks::installation_changed(r.spec, r.base_url, state, id, "deleted");
    state.installations.remove(&id);
    state.tokens.retain(|_, token| token.installation_id != id);
    Ok(Reply::empty(204))
}

fn organization_installation(state: &State, r: &Request<'_>) -> Answer {
    let org_id = r.id("organizationId");
    let app_id = caller_app(r);
    let installation = state
        .installations
        .values()
        .find(|i| i.app_id == app_id && i.org_id == org_id)
        .ok_or_else(|| {
            Failure::not_found(format_args!(
                "an installation of app {app_id} on organization {org_id}"
            ))
        })?;
    Ok(Reply::json(
        200,
        installation_json(r.spec, state, installation, r.base_url),
    ))
}

/// `POST /app/installations/{installationId}/accessTokens`.
fn create_token(state: &mut State, r: &Request<'_>) -> Answer {
    let installation = own_installation(state, r)?;
    let (installation_id, org_id) = (installation.id, installation.org_id);
    let held = installation.permissions.clone();
    let mut granted: Grants = match r.field("permissions").and_then(Value::as_object) {
        None => held.clone(),
        Some(asked) => {
            let mut granted = Grants::new();
            let mut errors = Vec::new();
            for (name, level) in asked {
                let level = level.as_str().and_then(Level::from_name);
                match (level, held.get(name)) {
                    (Some(level), Some(holds)) if holds.satisfies(level) => {
                        granted.insert(name.clone(), level);
                    }
                    (Some(level), holds) => errors.push(json!({
                        "resource": "AccessTokenRequest",
                        "field": format!("permissions.{name}"),
                        "code": "notGranted",
                        "message": match holds {
                            Some(holds) => format!("the installation holds `{name}: {holds}`, not `{name}: {level}`"),
                            None => format!("the installation was not granted `{name}`"),
                        },
                    })),
                    (None, _) => errors.push(json!({
                        "resource": "AccessTokenRequest",
                        "field": format!("permissions.{name}"),
                        "code": "invalid",
                        "message": "the level must be `read`, `write` or `admin`",
                    })),
                }
            }
            if !errors.is_empty() {
                let names: Vec<String> = errors
                    .iter()
                    .filter_map(|e| e["field"].as_str())
                    .map(|f| format!("`{}`", f.trim_start_matches("permissions.")))
                    .collect();
                return Err(Failure::with_errors(
                    422,
                    format!(
                        "The permissions requested are not granted to this installation: {}",
                        names.join(", ")
                    ),
                    errors,
                ));
            }
            granted
        }
    };
    // Every token can read metadata, as every installation can.
    granted.entry("metadata".to_owned()).or_insert(Level::Read);
    let token = format!("icr_inst_{}", random_hex(20));
    let expires_at = r.now + TOKEN_LIFETIME;
    state.tokens.insert(
        token.clone(),
        crate::store::Token {
            installation_id,
            permissions: granted.clone(),
            expires_at,
            revoked: false,
        },
    );
    state.token_requests += 1;
    let organization = state
        .organizations
        .get(&org_id)
        .map(|o| simple_organization(&o.value));
    Ok(Reply::json(
        201,
        json!({
            "token": token, "expiresAt": time(expires_at), "permissions": grants_json(&granted),
            "organization": organization, "projectSelection": "all",
        }),
    ))
}

/// A random version 4 UUID, for delivery ids.
pub(crate) fn uuid() -> String {
    let hex = random_hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    // Without randomness there is no safe token; the clock-derived fallback
    // keeps the emulator answering, and it is only ever a test server.
    if aws_lc_rs::rand::fill(&mut buffer).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        buffer = nanos.to_le_bytes().repeat(bytes.div_ceil(16));
        buffer.truncate(bytes);
    }
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /installation/token`: what the token of the request may do.
fn token_info(state: &State, r: &Request<'_>) -> Answer {
    // The server has authenticated the token already: it exists, is neither
    // expired nor revoked, and its installation is still there.
    let Some(Caller::Installation {
        installation_id,
        app_id,
        org_id,
        token,
        permissions,
    }) = r.caller
    else {
        return Err(Failure::new(
            401,
            "an installation access token is required",
        ));
    };
    let expires_at = state.tokens.get(token).map(|t| time(t.expires_at));
    let organization = state
        .organizations
        .get(org_id)
        .map(|o| simple_organization(&o.value));
    Ok(Reply::json(
        200,
        json!({
            "installationId": installation_id, "appId": app_id, "expiresAt": expires_at,
            "permissions": grants_json(permissions), "organization": organization,
            "projectSelection": "all",
        }),
    ))
}

fn revoke_token(state: &mut State, r: &Request<'_>) -> Answer {
    if let Some(Caller::Installation { token, .. }) = r.caller
        && let Some(token) = state.tokens.get_mut(token)
    {
        token.revoked = true;
    }
    Ok(Reply::empty(204))
}

fn installation_projects(state: &State, r: &Request<'_>) -> Answer {
    let Some(Caller::Installation { org_id, .. }) = r.caller else {
        return Err(Failure::new(403, "only an installation has projects"));
    };
    let projects = org_projects(state, *org_id);
    let total = projects.len();
    let page = paginate(r, projects, 200);
    let mut reply = Reply::json(200, json!({"totalCount": total, "projects": page.body}));
    reply.headers = page.headers;
    Ok(reply)
}

// ---- Organizations and members -------------------------------------------

fn organization<'s>(
    state: &'s State,
    r: &Request<'_>,
) -> Result<&'s crate::store::Organization, Failure> {
    let id = r.id("organizationId");
    state
        .organizations
        .get(&id)
        .ok_or_else(|| Failure::not_found(format_args!("organization {id}")))
}

fn get_organization(state: &State, r: &Request<'_>) -> Answer {
    Ok(Reply::json(200, organization(state, r)?.value.clone()))
}

fn update_organization(state: &mut State, r: &Request<'_>) -> Answer {
    let id = organization(state, r)?.id;
    let mut changes = json!({"updatedAt": time(r.now)});
    for field in [
        "name",
        "description",
        "email",
        "location",
        "defaultProjectPermission",
        "membersCanCreateProjects",
    ] {
        if let Some(value) = r.field(field) {
            changes[field] = value.clone();
        }
    }
    let org = state
        .organizations
        .get_mut(&id)
        .ok_or_else(|| Failure::not_found("the organization"))?;
    merge(&mut org.value, changes);
    Ok(Reply::json(200, org.value.clone()))
}

fn list_members(state: &State, r: &Request<'_>) -> Answer {
    let org = organization(state, r)?;
    let members = org.members.iter().map(|(user, _)| user.clone()).collect();
    Ok(paginate(r, members, 200))
}

fn membership(org: &crate::store::Organization, username: &str) -> Option<(Value, String)> {
    org.members
        .iter()
        .find(|(user, _)| user["login"] == username)
        .cloned()
}

fn check_member(state: &State, r: &Request<'_>) -> Answer {
    let org = organization(state, r)?;
    let username = r.text("username");
    membership(org, username)
        .map(|_| Reply::empty(204))
        .ok_or_else(|| Failure::not_found(format_args!("member `{username}`")))
}

fn remove_member(state: &mut State, r: &Request<'_>) -> Answer {
    let id = organization(state, r)?.id;
    let username = r.text("username").to_owned();
    let org = state
        .organizations
        .get_mut(&id)
        .ok_or_else(|| Failure::not_found("the organization"))?;
    let before = org.members.len();
    org.members
        .retain(|(user, _)| user["login"] != username.as_str());
    if org.members.len() == before {
        return Err(Failure::not_found(format_args!("member `{username}`")));
    }
    if let Some(user) = state.users.get(&username).cloned() {
        hooks::emit(
            state,
            r,
            id,
            "member",
            "removed",
            json!({"member": user, "role": "member"}),
        );
    }
    Ok(Reply::empty(204))
}

fn membership_json(org: &crate::store::Organization, user: Value, role: &str) -> Value {
    json!({"state": "active", "role": role, "user": user, "organization": simple_organization(&org.value)})
}

fn get_membership(state: &State, r: &Request<'_>) -> Answer {
    let org = organization(state, r)?;
    let username = r.text("username");
    let (user, role) = membership(org, username)
        .ok_or_else(|| Failure::not_found(format_args!("member `{username}`")))?;
    Ok(Reply::json(200, membership_json(org, user, &role)))
}

fn set_membership(state: &mut State, r: &Request<'_>) -> Answer {
    let id = organization(state, r)?.id;
    let username = r.text("username").to_owned();
    // A user named in the path who does not exist is a path that names
    // nothing: 404.
    let user = state
        .users
        .get(&username)
        .cloned()
        .ok_or_else(|| Failure::not_found(format_args!("user `{username}`")))?;
    let role = r
        .field("role")
        .and_then(Value::as_str)
        .unwrap_or("member")
        .to_owned();
    let org = state
        .organizations
        .get_mut(&id)
        .ok_or_else(|| Failure::not_found("the organization"))?;
    let was_member = org
        .members
        .iter()
        .any(|(u, _)| u["login"] == username.as_str());
    org.members.retain(|(u, _)| u["login"] != username.as_str());
    org.members.push((user.clone(), role.clone()));
    let answer = membership_json(org, user.clone(), &role);
    let action = if was_member { "edited" } else { "added" };
    let role = if role == "admin" { "admin" } else { "member" };
    hooks::emit(
        state,
        r,
        id,
        "member",
        action,
        json!({"member": user, "role": role}),
    );
    Ok(Reply::json(200, answer))
}

// ---- Projects --------------------------------------------------------------

fn org_projects(state: &State, org_id: i64) -> Vec<Value> {
    state
        .projects
        .values()
        .filter(|(org, _)| *org == org_id)
        .map(|(_, project)| project.clone())
        .collect()
}

pub(crate) fn project<'s>(state: &'s State, r: &Request<'_>) -> Result<&'s Value, Failure> {
    let id = r.id("projectId");
    state
        .projects
        .get(&id)
        .map(|(_, project)| project)
        .ok_or_else(|| Failure::not_found(format_args!("project {id}")))
}

fn list_projects(state: &State, r: &Request<'_>) -> Answer {
    let org = organization(state, r)?;
    Ok(paginate(r, org_projects(state, org.id), 200))
}

fn create_project(state: &mut State, r: &Request<'_>) -> Answer {
    let org_id = organization(state, r)?.id;
    let name = r
        .field("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if org_projects(state, org_id)
        .iter()
        .any(|p| p["name"] == name.as_str())
    {
        return Err(Failure::exists(
            "name",
            format!("a project named `{name}` exists"),
        ));
    }
    let id = state
        .create_project(r.spec, org_id, &name, r.now)
        .ok_or_else(|| Failure::not_found("the organization"))?;
    let mut changes = json!({});
    for field in [
        "shortDescription",
        "homepage",
        "visibility",
        "topics",
        "hasIssues",
    ] {
        if let Some(value) = r.field(field) {
            changes[field] = value.clone();
        }
    }
    let (_, project) = state
        .projects
        .get_mut(&id)
        .ok_or_else(|| Failure::not_found("the project"))?;
    merge(project, changes);
    let created = project.clone();
    hooks::about_project(state, r, id, "project", "created", json!({}));
    Ok(Reply::json(201, created))
}

fn get_project(state: &State, r: &Request<'_>) -> Answer {
    Ok(Reply::json(200, project(state, r)?.clone()))
}

fn update_project(state: &mut State, r: &Request<'_>) -> Answer {
    let id = r.id("projectId");
    let before = project(state, r)?.clone();
    let mut changes = json!({"updatedAt": time(r.now)});
    let mut previous = serde_json::Map::new();
    for field in [
        "name",
        "shortDescription",
        "homepage",
        "visibility",
        "archived",
        "hasIssues",
    ] {
        if let Some(value) = r.field(field)
            && before[field] != *value
        {
            previous.insert(field.to_owned(), json!({"from": before[field]}));
            changes[field] = value.clone();
        }
    }
    if let Some(name) = r.field("name").and_then(Value::as_str) {
        let login = before["organization"]["login"].as_str().unwrap_or_default();
        changes["fullName"] = json!(format!("{login}/{name}"));
        changes["htmlUrl"] = json!(format!("https://icr.dev/{login}/{name}"));
    }
    let updated = {
        let (_, project) = state
            .projects
            .get_mut(&id)
            .ok_or_else(|| Failure::not_found("the project"))?;
        merge(project, changes);
        project.clone()
    };
    if !previous.is_empty() {
        record(
            state,
            r,
            id,
            None,
            "projectEdited",
            json!({"changes": previous.clone()}),
        );
    }
    hooks::about_project(
        state,
        r,
        id,
        "project",
        "edited",
        json!({"changes": previous}),
    );
    Ok(Reply::json(200, updated))
}

fn delete_project(state: &mut State, r: &Request<'_>) -> Answer {
    let id = r.id("projectId");
    project(state, r)?;
    if let Some((org_id, gone)) = state.projects.get(&id).cloned() {
        hooks::emit(
            state,
            r,
            org_id,
            "project",
            "deleted",
            json!({"project": gone}),
        );
    }
    state.projects.remove(&id);
    for list in [
        &mut state.issues,
        &mut state.comments,
        &mut state.labels,
        &mut state.events,
    ] {
        list.retain(|owned| owned.project_id != id);
    }
    Ok(Reply::empty(204))
}

// ---- Issues ----------------------------------------------------------------

fn issue<'s>(state: &'s State, r: &Request<'_>) -> Result<&'s Value, Failure> {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    state
        .issue(project_id, number)
        .ok_or_else(|| Failure::not_found(format_args!("issue {number} of project {project_id}")))
}

fn list_issues(state: &State, r: &Request<'_>, project_id: Option<i64>) -> Answer {
    let org_id = match project_id {
        Some(_) => None,
        None => Some(organization(state, r)?.id),
    };
    let wanted_state = r.query_str("state").unwrap_or("open");
    let labels: Vec<&str> = r
        .query
        .get("labels")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut issues: Vec<Value> = state
        .issues
        .iter()
        .filter(|i| match (project_id, org_id) {
            (Some(project), _) => i.project_id == project,
            (None, Some(org)) => state.organization_of_project(i.project_id) == Some(org),
            (None, None) => false,
        })
        .map(|i| i.value.clone())
        .filter(|i| wanted_state == "all" || i["state"] == wanted_state)
        .filter(|i| {
            labels.iter().all(|name| {
                i["labels"]
                    .as_array()
                    .is_some_and(|ls| ls.iter().any(|l| l["name"] == *name))
            })
        })
        .collect();
    if r.query_str("direction") != Some("asc") {
        issues.reverse();
    }
    Ok(paginate(r, issues, 200))
}

/// The users with these logins, or a 422 naming the first unknown one.
fn users(state: &State, field: &str, logins: Option<&Value>) -> Result<Vec<Value>, Failure> {
    let mut out = Vec::new();
    for login in logins.and_then(Value::as_array).into_iter().flatten() {
        let login = login.as_str().unwrap_or_default();
        let user = state.users.get(login).cloned().ok_or_else(|| {
            Failure::invalid(
                field,
                "invalid",
                format!("no user `{}`", crate::server::clipped(login)),
            )
        })?;
        out.push(user);
    }
    Ok(out)
}

/// The labels with these names, created (grey) when the project has none
/// of that name, as ICR does.
fn labels_named(state: &mut State, project_id: i64, names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|name| match state.label(project_id, name) {
            Some(label) => label.clone(),
            None => {
                let value = json!({"id": state.next_id(), "name": name, "color": "ededed", "description": null, "default": false});
                state.labels.push(Owned { project_id, value: value.clone() });
                value
            }
        })
        .collect()
}

fn names_in(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn create_issue(state: &mut State, r: &Request<'_>) -> Answer {
    let project_id = r.id("projectId");
    let project = project(state, r)?.clone();
    if project["hasIssues"] == false {
        return Err(Failure::new(410, "issues are turned off for this project"));
    }
    let milestone = match r.field("milestone") {
        Some(milestone) => milestones::referenced(state, project_id, milestone)?,
        None => None,
    };
    let assignees = users(state, "assignees", r.field("assignees"))?;
    let labels = labels_named(state, project_id, &names_in(r.field("labels")));
    let number = state
        .issues
        .iter()
        .filter(|i| i.project_id == project_id)
        .filter_map(|i| i.value["number"].as_i64())
        .max()
        .unwrap_or(0)
        + 1;
    let (actor, app) = actor(state, r);
    let mut value = r.spec.example("Issue");
    merge(
        &mut value,
        json!({
            "id": state.next_id(), "number": number, "projectId": project_id,
            "title": r.field("title"), "body": r.field("body").cloned().unwrap_or(Value::Null),
            "state": "open", "stateReason": null, "locked": false, "activeLockReason": null,
            "user": actor, "assignees": assignees, "labels": labels, "milestone": milestone, "comments": 0,
            "htmlUrl": format!("{}/issues/{number}", project["htmlUrl"].as_str().unwrap_or_default()),
            "createdAt": time(r.now), "updatedAt": time(r.now), "closedAt": null, "closedBy": null,
            "performedViaApp": app,
        }),
    );
    state.issues.push(Owned {
        project_id,
        value: value.clone(),
    });
    milestones::refresh(state, project_id, &value["milestone"]["number"]);
    let value = state.issue(project_id, number).cloned().unwrap_or(value);
    bump_open_issues(state, project_id, 1);
    for label in value["labels"].as_array().cloned().unwrap_or_default() {
        record(
            state,
            r,
            project_id,
            Some(number),
            "labeled",
            json!({"label": label_ref(&label)}),
        );
    }
    for user in value["assignees"].as_array().cloned().unwrap_or_default() {
        record(
            state,
            r,
            project_id,
            Some(number),
            "assigned",
            json!({"assignee": user}),
        );
    }
    hooks::about_issue(state, r, project_id, number, "issues", "opened", json!({}));
    Ok(Reply::json(201, value))
}

fn bump_open_issues(state: &mut State, project_id: i64, by: i64) {
    if let Some((_, project)) = state.projects.get_mut(&project_id) {
        let count = project["openIssuesCount"].as_i64().unwrap_or(0) + by;
        project["openIssuesCount"] = json!(count.max(0));
    }
}

fn label_ref(label: &Value) -> Value {
    json!({"name": label["name"], "color": label["color"]})
}

fn update_issue(state: &mut State, r: &Request<'_>) -> Answer {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    let before = issue(state, r)?.clone();
    let milestone = match r.field("milestone") {
        Some(milestone) => Some(milestones::referenced(state, project_id, milestone)?),
        None => None,
    };
    let assignees = match r.field("assignees") {
        Some(logins) => Some(users(state, "assignees", Some(logins))?),
        None => None,
    };
    let labels = r
        .field("labels")
        .map(|names| labels_named(state, project_id, &names_in(Some(names))));
    let (actor, _) = actor(state, r);
    let mut changes = json!({"updatedAt": time(r.now)});
    let mut events: Vec<(&str, Value)> = Vec::new();
    if let Some(title) = r.field("title")
        && *title != before["title"]
    {
        changes["title"] = title.clone();
        events.push((
            "renamed",
            json!({"rename": {"from": before["title"], "to": title}}),
        ));
    }
    if let Some(body) = r.field("body") {
        changes["body"] = body.clone();
    }
    let reason = r.field("stateReason").cloned();
    match r.field("state").and_then(Value::as_str) {
        Some("closed") if before["state"] == "open" => {
            let reason = reason
                .clone()
                .filter(|r| !r.is_null())
                .unwrap_or(json!("completed"));
            changes["state"] = json!("closed");
            changes["stateReason"] = reason.clone();
            changes["closedAt"] = json!(time(r.now));
            changes["closedBy"] = actor.clone();
            events.push(("closed", json!({"stateReason": reason})));
            bump_open_issues(state, project_id, -1);
        }
        Some("open") if before["state"] == "closed" => {
            changes["state"] = json!("open");
            changes["stateReason"] = json!("reopened");
            changes["closedAt"] = Value::Null;
            changes["closedBy"] = Value::Null;
            events.push(("reopened", json!({})));
            bump_open_issues(state, project_id, 1);
        }
        _ => {
            if let Some(reason) = reason {
                changes["stateReason"] = reason;
            }
        }
    }
    if let Some(assignees) = assignees {
        let had = before["assignees"].as_array().cloned().unwrap_or_default();
        for user in &assignees {
            if !had.iter().any(|h| h["login"] == user["login"]) {
                events.push(("assigned", json!({"assignee": user})));
            }
        }
        for user in &had {
            if !assignees.iter().any(|a| a["login"] == user["login"]) {
                events.push(("unassigned", json!({"assignee": user})));
            }
        }
        changes["assignees"] = json!(assignees);
    }
    if let Some(labels) = labels {
        let had = before["labels"].as_array().cloned().unwrap_or_default();
        events.extend(label_events(&had, &labels));
        changes["labels"] = json!(labels);
    }
    // The spec's timeline has no milestone events, so none is recorded.
    if let Some(milestone) = milestone {
        changes["milestone"] = milestone.unwrap_or(Value::Null);
    }
    {
        let issue = state
            .issue_mut(project_id, number)
            .ok_or_else(|| Failure::not_found("the issue"))?;
        merge(issue, changes);
    }
    // The milestones it left and joined, or whose counts its state moved.
    milestones::refresh(state, project_id, &before["milestone"]["number"]);
    let joined = state
        .issue(project_id, number)
        .map(|i| i["milestone"]["number"].clone())
        .unwrap_or_default();
    milestones::refresh(state, project_id, &joined);
    let updated = state
        .issue(project_id, number)
        .cloned()
        .ok_or_else(|| Failure::not_found("the issue"))?;
    hooks::issue_updated(state, r, project_id, number, &before, &events);
    for (event, fields) in events {
        record(state, r, project_id, Some(number), event, fields);
    }
    Ok(Reply::json(200, updated))
}

/// Locks (with the reason given, if any) or unlocks an issue.
fn lock_issue(state: &mut State, r: &Request<'_>, lock: bool) -> Answer {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    let before = issue(state, r)?.clone();
    if before["locked"] == lock {
        return Ok(Reply::empty(204));
    }
    let reason = if lock {
        r.field("lockReason").cloned().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    if let Some(issue) = state.issue_mut(project_id, number) {
        merge(
            issue,
            json!({"locked": lock, "activeLockReason": reason, "updatedAt": time(r.now)}),
        );
    }
    let event = if lock {
        ("locked", json!({"lockReason": reason}))
    } else {
        ("unlocked", json!({}))
    };
    let events = [event];
    hooks::issue_updated(state, r, project_id, number, &before, &events);
    for (event, fields) in events {
        record(state, r, project_id, Some(number), event, fields);
    }
    Ok(Reply::empty(204))
}

/// Adds people to an issue's assignees, or removes them.
fn change_assignees(state: &mut State, r: &Request<'_>, add: bool) -> Answer {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    let before = issue(state, r)?.clone();
    // People who cannot be assigned (no such user) are left out, as the
    // operation describes no refusal for them.
    let named: Vec<Value> = names_in(r.field("assignees"))
        .iter()
        .filter_map(|login| state.users.get(*login).cloned())
        .collect();
    let had = before["assignees"].as_array().cloned().unwrap_or_default();
    let has = |list: &[Value], user: &Value| list.iter().any(|u| u["login"] == user["login"]);
    let (now, events): (Vec<Value>, Vec<(&str, Value)>) = if add {
        let new: Vec<Value> = named.iter().filter(|u| !has(&had, u)).cloned().collect();
        let events = new
            .iter()
            .map(|user| ("assigned", json!({"assignee": user})))
            .collect();
        (had.iter().chain(&new).cloned().collect(), events)
    } else {
        let gone: Vec<Value> = had.iter().filter(|u| has(&named, u)).cloned().collect();
        let events = gone
            .iter()
            .map(|user| ("unassigned", json!({"assignee": user})))
            .collect();
        (
            had.iter().filter(|u| !has(&named, u)).cloned().collect(),
            events,
        )
    };
    if let Some(issue) = state.issue_mut(project_id, number) {
        merge(issue, json!({"assignees": now, "updatedAt": time(r.now)}));
    }
    if !events.is_empty() {
        hooks::issue_updated(state, r, project_id, number, &before, &events);
    }
    for (event, fields) in events {
        record(state, r, project_id, Some(number), event, fields);
    }
    let status = if add { 201 } else { 200 };
    let updated = issue(state, r)?.clone();
    Ok(Reply::json(status, updated))
}

fn label_events<'a>(had: &[Value], now: &[Value]) -> Vec<(&'a str, Value)> {
    let mut events = Vec::new();
    for label in now {
        if !had.iter().any(|h| h["name"] == label["name"]) {
            events.push(("labeled", json!({"label": label_ref(label)})));
        }
    }
    for label in had {
        if !now.iter().any(|n| n["name"] == label["name"]) {
            events.push(("unlabeled", json!({"label": label_ref(label)})));
        }
    }
    events
}

// ---- Comments --------------------------------------------------------------

fn comment<'s>(state: &'s State, r: &Request<'_>) -> Result<&'s Owned, Failure> {
    let (project_id, id) = (r.id("projectId"), r.id("commentId"));
    state
        .comments
        .iter()
        .find(|c| c.project_id == project_id && c.value["id"] == id)
        .ok_or_else(|| Failure::not_found(format_args!("comment {id}")))
}

fn list_comments(state: &State, r: &Request<'_>, of_issue: bool) -> Answer {
    let project_id = r.id("projectId");
    let number = if of_issue {
        Some(issue(state, r)?["number"].clone())
    } else {
        None
    };
    let comments = state
        .comments
        .iter()
        .filter(|c| c.project_id == project_id)
        .filter(|c| number.as_ref().is_none_or(|n| c.value["issueNumber"] == *n))
        .map(|c| c.value.clone())
        .collect();
    Ok(paginate(r, comments, 200))
}

fn create_comment(state: &mut State, r: &Request<'_>) -> Answer {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    let html = issue(state, r)?["htmlUrl"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (actor, app) = actor(state, r);
    let id = state.next_id();
    let body = r.field("body").cloned().unwrap_or(Value::Null);
    let mut value = r.spec.example("IssueComment");
    merge(
        &mut value,
        json!({
            "id": id, "issueNumber": number, "body": body, "user": actor,
            "authorAssociation": "none", "htmlUrl": format!("{html}#comment-{id}"),
            "createdAt": time(r.now), "updatedAt": time(r.now),
            "reactions": {"totalCount": 0}, "performedViaApp": app,
        }),
    );
    state.comments.push(Owned {
        project_id,
        value: value.clone(),
    });
    if let Some(issue) = state.issue_mut(project_id, number) {
        issue["comments"] = json!(issue["comments"].as_i64().unwrap_or(0) + 1);
    }
    record(
        state,
        r,
        project_id,
        Some(number),
        "commented",
        json!({"commentId": id, "body": body}),
    );
    hooks::about_issue(
        state,
        r,
        project_id,
        number,
        "issueComment",
        "created",
        json!({"comment": value}),
    );
    Ok(Reply::json(201, value))
}

fn update_comment(state: &mut State, r: &Request<'_>) -> Answer {
    let (project_id, id) = (r.id("projectId"), r.id("commentId"));
    comment(state, r)?;
    let body = r.field("body").cloned().unwrap_or(Value::Null);
    let comment = state
        .comments
        .iter_mut()
        .find(|c| c.project_id == project_id && c.value["id"] == id)
        .ok_or_else(|| Failure::not_found("the comment"))?;
    let before = comment.value.clone();
    merge(
        &mut comment.value,
        json!({"body": body, "updatedAt": time(r.now)}),
    );
    let value = comment.value.clone();
    let number = value["issueNumber"].as_i64().unwrap_or_default();
    let changes = hooks::previous(&before, &value, &["body"]);
    hooks::about_issue(
        state,
        r,
        project_id,
        number,
        "issueComment",
        "edited",
        json!({"comment": value, "changes": changes}),
    );
    Ok(Reply::json(200, value))
}

fn delete_comment(state: &mut State, r: &Request<'_>) -> Answer {
    let (project_id, id) = (r.id("projectId"), r.id("commentId"));
    let gone = comment(state, r)?.value.clone();
    let number = gone["issueNumber"].as_i64().unwrap_or_default();
    state
        .comments
        .retain(|c| !(c.project_id == project_id && c.value["id"] == id));
    if let Some(issue) = state.issue_mut(project_id, number) {
        issue["comments"] = json!((issue["comments"].as_i64().unwrap_or(1) - 1).max(0));
    }
    hooks::about_issue(
        state,
        r,
        project_id,
        number,
        "issueComment",
        "deleted",
        json!({"comment": gone}),
    );
    Ok(Reply::empty(204))
}

// ---- Labels ----------------------------------------------------------------

fn project_labels(state: &State, project_id: i64) -> Vec<Value> {
    state
        .labels
        .iter()
        .filter(|l| l.project_id == project_id)
        .map(|l| l.value.clone())
        .collect()
}

fn label(state: &State, r: &Request<'_>) -> Result<Value, Failure> {
    let name = r.text("labelName");
    state
        .label(r.id("projectId"), name)
        .cloned()
        .ok_or_else(|| Failure::not_found(format_args!("label `{name}`")))
}

fn create_label(state: &mut State, r: &Request<'_>) -> Answer {
    let project_id = r.id("projectId");
    let name = r
        .field("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if state.label(project_id, &name).is_some() {
        return Err(Failure::exists(
            "name",
            format!("a label named `{name}` exists"),
        ));
    }
    let value = json!({
        "id": state.next_id(), "name": name, "color": r.field("color"),
        "description": r.field("description").cloned().unwrap_or(Value::Null), "default": false,
    });
    state.labels.push(Owned {
        project_id,
        value: value.clone(),
    });
    hooks::about_project(
        state,
        r,
        project_id,
        "label",
        "created",
        json!({"label": value}),
    );
    Ok(Reply::json(201, value))
}

/// Applies `change` to the label `old_name` of the project and to every
/// issue that carries it (`None` deletes it).
fn rewrite_label(state: &mut State, project_id: i64, old_name: &str, change: Option<&Value>) {
    match change {
        Some(new) => {
            for owned in state
                .labels
                .iter_mut()
                .filter(|l| l.project_id == project_id)
            {
                if owned.value["name"] == old_name {
                    owned.value = new.clone();
                }
            }
        }
        None => state
            .labels
            .retain(|l| !(l.project_id == project_id && l.value["name"] == old_name)),
    }
    for issue in state
        .issues
        .iter_mut()
        .filter(|i| i.project_id == project_id)
    {
        if let Some(labels) = issue.value["labels"].as_array_mut() {
            match change {
                Some(new) => labels
                    .iter_mut()
                    .filter(|l| l["name"] == old_name)
                    .for_each(|l| *l = new.clone()),
                None => labels.retain(|l| l["name"] != old_name),
            }
        }
    }
}

fn update_label(state: &mut State, r: &Request<'_>) -> Answer {
    let project_id = r.id("projectId");
    let mut value = label(state, r)?;
    let before = value.clone();
    let old_name = r.text("labelName").to_owned();
    if let Some(new_name) = r.field("newName").and_then(Value::as_str)
        && new_name != old_name
        && state.label(project_id, new_name).is_some()
    {
        return Err(Failure::exists(
            "newName",
            format!("a label named `{new_name}` exists"),
        ));
    }
    for (field, target) in [
        ("newName", "name"),
        ("color", "color"),
        ("description", "description"),
    ] {
        if let Some(v) = r.field(field) {
            value[target] = v.clone();
        }
    }
    rewrite_label(state, project_id, &old_name, Some(&value));
    hooks::about_project(
        state,
        r,
        project_id,
        "label",
        "edited",
        json!({"label": value, "changes": hooks::previous(&before, &value, &["name", "color", "description"])}),
    );
    Ok(Reply::json(200, value))
}

fn delete_label(state: &mut State, r: &Request<'_>) -> Answer {
    let gone = label(state, r)?;
    let name = r.text("labelName").to_owned();
    rewrite_label(state, r.id("projectId"), &name, None);
    hooks::about_project(
        state,
        r,
        r.id("projectId"),
        "label",
        "deleted",
        json!({"label": gone}),
    );
    Ok(Reply::empty(204))
}

enum LabelChange {
    Add,
    Set,
    Remove,
    Clear,
}

fn change_issue_labels(state: &mut State, r: &Request<'_>, change: LabelChange) -> Answer {
    let (project_id, number) = (r.id("projectId"), r.id("issueNumber"));
    let had = issue(state, r)?["labels"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let named = labels_named(state, project_id, &names_in(r.field("labels")));
    let now: Vec<Value> = match change {
        LabelChange::Add => {
            let mut now = had.clone();
            for label in named {
                if !now.iter().any(|l| l["name"] == label["name"]) {
                    now.push(label);
                }
            }
            now
        }
        LabelChange::Set => named,
        LabelChange::Remove => {
            let name = r.text("labelName");
            if !had.iter().any(|l| l["name"] == name) {
                return Err(Failure::not_found(format_args!(
                    "label `{name}` on issue {number}"
                )));
            }
            had.iter().filter(|l| l["name"] != name).cloned().collect()
        }
        LabelChange::Clear => Vec::new(),
    };
    let events = label_events(&had, &now);
    if let Some(issue) = state.issue_mut(project_id, number) {
        issue["labels"] = json!(now);
        issue["updatedAt"] = json!(time(r.now));
    }
    if !events.is_empty() {
        let unchanged = state.issue(project_id, number).cloned().unwrap_or_default();
        hooks::issue_updated(state, r, project_id, number, &unchanged, &events);
    }
    for (event, fields) in events {
        record(state, r, project_id, Some(number), event, fields);
    }
    Ok(match change {
        LabelChange::Clear => Reply::empty(204),
        _ => Reply::json(200, json!(now)),
    })
}

// ---- Timeline --------------------------------------------------------------

fn list_events(state: &State, r: &Request<'_>, of_issue: bool) -> Answer {
    let project_id = r.id("projectId");
    let number = if of_issue {
        Some(issue(state, r)?["number"].clone())
    } else {
        None
    };
    let events = state
        .events
        .iter()
        .filter(|e| e.project_id == project_id)
        .filter(|e| number.as_ref().is_none_or(|n| e.value["issueNumber"] == *n))
        .map(|e| e.value.clone())
        .collect();
    Ok(paginate(r, events, 200))
}

fn get_event(state: &State, r: &Request<'_>) -> Answer {
    let (project_id, id) = (r.id("projectId"), r.id("eventId"));
    state
        .events
        .iter()
        .find(|e| e.project_id == project_id && e.value["id"] == id)
        .map(|e| Reply::json(200, e.value.clone()))
        .ok_or_else(|| Failure::not_found(format_args!("timeline event {id}")))
}
