//! The generated ICR bindings against a recording HTTP server on loopback:
//! what goes on the wire (request line, headers, query, body) and how
//! answers decode (success bodies of every shape, and every kind of error).

use icr_api::models::{
    IssueCreate, IssueLock, IssueState, LockReason, ProjectUpdate, TimelineEvent, Visibility,
};
use icr_api::{AppClient, Client, ClientConfig, Error, InstallationClient, SecretToken};
use serde_json::json;
use tests::{Answer, Recorder, spec_value};

icr_api::permissions! {
    /// An app granted everything, so that every function can be called.
    AnyApp {
        metadata: read,
        organization: admin,
        members: write,
        projects: admin,
        issues: write,
        contents: write,
        webhooks: write,
    }
}

fn installation(recorder: &Recorder) -> InstallationClient<AnyApp> {
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    InstallationClient::with_token_unchecked(client, SecretToken::new("icr_inst_test_token"))
}

#[tokio::test]
async fn a_create_sends_method_path_headers_and_json_body_and_decodes_the_answer() {
    let issue = spec_value("/components/examples/Issue/value");
    let recorder = Recorder::start(vec![Answer::json(201, &issue)]).await;
    let body = IssueCreate {
        title: "Parser rejects trailing commas".to_owned(),
        body: None,
        assignees: None,
        labels: Some(vec!["bug".to_owned()]),
        milestone: Some(3),
    };
    let options = icr_api::issues::CreateIssueOptions {
        idempotency_key: Some("key-1".to_owned()),
    };
    let created = icr_api::issues::create_issue(&installation(&recorder), 3001, &body)
        .options(options)
        .await
        .unwrap();

    assert_eq!(created.number, 17);
    assert_eq!(created.state, IssueState::Open);
    assert_eq!(created.labels[0].name, "bug");
    assert_eq!(created.milestone.as_ref().map(|m| m.number), Some(3));
    assert_eq!(created.performed_via_app, None);

    let request = recorder.single();
    assert_eq!(request.method, "POST");
    assert_eq!(request.uri, "/projects/3001/issues");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer icr_inst_test_token")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("idempotency-key"), Some("key-1"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("icr-api-rust/"))
    );
    // Absent optional fields are left out, not sent as null.
    assert_eq!(
        request.json(),
        json!({"title": "Parser rejects trailing commas", "labels": ["bug"], "milestone": 3})
    );
}

#[tokio::test]
async fn optional_parameters_are_encoded_into_the_query() {
    let recorder = Recorder::start(vec![Answer::json(200, &json!([]))]).await;
    let options = icr_api::issues::ListProjectIssuesOptions {
        state: Some(icr_api::models::ListProjectIssuesState::Closed),
        labels: Some(vec!["bug".to_owned(), "needs triage".to_owned()]),
        since: Some("2026-10-01T00:00:00Z".parse().unwrap()),
        assignee: Some("a&b".to_owned()),
        per_page: Some(5),
        ..Default::default()
    };
    let issues = icr_api::issues::list_project_issues(&installation(&recorder), 3001)
        .options(options)
        .await
        .unwrap();
    assert!(issues.is_empty());
    assert_eq!(
        recorder.single().uri,
        "/projects/3001/issues?state=closed&assignee=a%26b&labels=bug%2Cneeds+triage&since=2026-10-01T00%3A00%3A00Z&perPage=5"
    );

    // Repeated array parameters (`explode: true`).
    let recorder = Recorder::start(vec![Answer::json(200, &json!([]))]).await;
    let options = icr_api::users::ListUsersOptions {
        ids: Some(vec![101, 102]),
        ..Default::default()
    };
    icr_api::users::list_users(&installation(&recorder))
        .options(options)
        .await
        .unwrap();
    assert_eq!(recorder.single().uri, "/users?ids=101&ids=102");
}

#[tokio::test]
async fn optional_parameters_and_members_set_by_name_send_what_the_struct_form_sends() {
    // Parameters: by name on the call, and as data; the same request.
    let recorder = Recorder::start(vec![
        Answer::json(200, &json!([])),
        Answer::json(200, &json!([])),
    ])
    .await;
    let client = installation(&recorder);
    icr_api::issues::list_project_issues(&client, 3001)
        .state(icr_api::models::ListProjectIssuesState::Closed)
        .labels(vec!["bug".to_owned()])
        .per_page(5)
        .await
        .unwrap();
    icr_api::issues::list_project_issues(&client, 3001)
        .per_page(7)
        .options(icr_api::issues::ListProjectIssuesOptions {
            state: Some(icr_api::models::ListProjectIssuesState::Closed),
            labels: Some(vec!["bug".to_owned()]),
            per_page: Some(5),
            ..Default::default()
        })
        .await
        .unwrap();
    let uris: Vec<String> = recorder.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(
        uris,
        [
            "/projects/3001/issues?state=closed&labels=bug&perPage=5",
            // `options` replaces what was set before it.
            "/projects/3001/issues?state=closed&labels=bug&perPage=5",
        ]
    );

    // Members: a value, `null`, or left out, without `Some(Some(…))`.
    let project = spec_value("/components/examples/Project/value");
    let recorder = Recorder::start(vec![Answer::json(200, &project)]).await;
    let update = ProjectUpdate::default()
        .name("compiler-2")
        .clear_short_description()
        .homepage("https://example.org")
        .archived(false);
    assert_eq!(
        update,
        ProjectUpdate {
            name: Some("compiler-2".to_owned()),
            short_description: Some(None),
            homepage: Some(Some("https://example.org".to_owned())),
            archived: Some(false),
            ..Default::default()
        }
    );
    icr_api::projects::update_project(&installation(&recorder), 3001, &update)
        .await
        .unwrap();
    assert_eq!(
        recorder.single().json(),
        json!({"name": "compiler-2", "shortDescription": null, "homepage": "https://example.org", "archived": false})
    );
}

#[tokio::test]
async fn path_parameters_are_percent_encoded() {
    let label = spec_value("/components/examples/Label/value");
    let recorder = Recorder::start(vec![Answer::json(200, &label)]).await;
    icr_api::labels::get_label(&installation(&recorder), 3001, "good first/issue")
        .await
        .unwrap();
    assert_eq!(
        recorder.single().uri,
        "/projects/3001/labels/good%20first%2Fissue"
    );
}

#[tokio::test]
async fn optional_and_nullable_fields_tell_absent_from_null() {
    let project = spec_value("/components/examples/Project/value");
    let recorder = Recorder::start(vec![Answer::json(200, &project)]).await;
    let client = installation(&recorder);
    let clear = ProjectUpdate {
        short_description: Some(None),
        visibility: Some(Visibility::Private),
        name: None,
        homepage: None,
        archived: None,
        has_issues: None,
    };
    icr_api::projects::update_project(&client, 3001, &clear)
        .await
        .unwrap();
    let sent = recorder.single();
    assert_eq!(sent.method, "PATCH");
    assert_eq!(
        sent.json(),
        json!({"shortDescription": null, "visibility": "private"})
    );
}

#[tokio::test]
async fn an_optional_body_is_sent_only_when_given() {
    let recorder = Recorder::start(vec![Answer::empty(204)]).await;
    let client = installation(&recorder);
    icr_api::issues::lock_issue(&client, 3001, 17, None)
        .await
        .unwrap();
    let lock = IssueLock {
        lock_reason: Some(LockReason::TooHeated),
    };
    icr_api::issues::lock_issue(&client, 3001, 17, Some(&lock))
        .await
        .unwrap();
    let requests = recorder.requests();
    assert_eq!(requests[0].method, "PUT");
    assert!(requests[0].body.is_empty());
    assert_eq!(requests[0].header("content-type"), None);
    assert_eq!(requests[1].json(), json!({"lockReason": "tooHeated"}));
}

#[tokio::test]
async fn answers_of_several_statuses_and_media_types_decode_into_their_variant() {
    use icr_api::projects::{DownloadExportArchiveResponse, GetReadmeResponse};
    let export = spec_value("/components/examples/ProjectExport/value");
    let recorder = Recorder::start(vec![
        Answer::raw(200, "application/zip", b"PK\x05\x06".to_vec()),
        Answer::json(202, &export),
        Answer::raw(200, "text/markdown; charset=utf-8", "# compiler\n"),
        Answer::json(200, &spec_value("/paths/~1projects~1{projectId}~1readme/get/responses/200/content/application~1json/example")),
    ])
    .await;
    let client = installation(&recorder);
    let archive = icr_api::projects::download_export_archive(&client, 3001, 61)
        .await
        .unwrap();
    assert_eq!(
        archive,
        DownloadExportArchiveResponse::Ok(icr_api::Bytes::from_static(b"PK\x05\x06"))
    );
    let pending = icr_api::projects::download_export_archive(&client, 3001, 61)
        .await
        .unwrap();
    assert!(
        matches!(pending, DownloadExportArchiveResponse::Accepted(export) if export.archive_url.is_none())
    );
    let markdown = icr_api::projects::get_readme(&client, 3001).await.unwrap();
    assert_eq!(
        markdown,
        GetReadmeResponse::OkMarkdown("# compiler\n".to_owned())
    );
    let wrapped = icr_api::projects::get_readme(&client, 3001).await.unwrap();
    assert!(matches!(wrapped, GetReadmeResponse::OkJson(readme) if readme.name == "README.md"));
    let requests = recorder.requests();
    assert_eq!(
        requests[0].header("accept"),
        Some("application/zip, application/json")
    );
    assert_eq!(
        requests[2].header("accept"),
        Some("application/json, text/markdown")
    );
}

#[tokio::test]
async fn text_answers_decode_as_text() {
    let recorder = Recorder::start(vec![Answer::raw(
        200,
        "text/plain",
        "Errors should say what was wrong.",
    )])
    .await;
    let zen = icr_api::meta::get_zen(&installation(&recorder))
        .await
        .unwrap();
    assert_eq!(zen, "Errors should say what was wrong.");
    assert_eq!(recorder.single().header("accept"), Some("text/plain"));
}

#[tokio::test]
async fn discriminated_unions_decode_by_tag_and_keep_unknown_events() {
    let mut timeline = spec_value("/components/examples/Timeline/value");
    timeline
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 1, "event": "teleported", "to": "mars"}));
    let recorder = Recorder::start(vec![Answer::json(200, &timeline)]).await;
    let events = icr_api::timeline::list_issue_timeline(&installation(&recorder), 3001, 17)
        .await
        .unwrap();
    assert!(matches!(&events[0], TimelineEvent::Assigned(e) if e.assignee.login == "grace"));
    assert!(
        matches!(&events[1], TimelineEvent::Labeled(e) if e.label.name == "triage"
            && e.performed_via_app.as_ref().is_some_and(|app| app.slug == "release-notes"))
    );
    assert!(matches!(&events[2], TimelineEvent::Commented(e) if e.comment_id == 80001));
    assert!(matches!(&events[3], TimelineEvent::Other(raw) if raw["to"] == "mars"));
}

#[tokio::test]
async fn unknown_enum_values_are_kept() {
    let mut issue = spec_value("/components/examples/Issue/value");
    issue["state"] = json!("archived");
    let recorder = Recorder::start(vec![Answer::json(200, &issue)]).await;
    let issue = icr_api::issues::get_issue(&installation(&recorder), 3001, 17)
        .await
        .unwrap();
    assert_eq!(issue.state, IssueState::Other("archived".to_owned()));
}

#[tokio::test]
async fn error_answers_decode_into_the_error_schema() {
    let not_found = spec_value("/components/examples/NotFoundError/value");
    let invalid = spec_value("/components/examples/ValidationError/value");
    let recorder = Recorder::start(vec![
        Answer::json(404, &not_found),
        Answer::json(422, &invalid),
        Answer::raw(502, "text/html", "<h1>Bad gateway</h1>").with_header("x-request-id", "edge-1"),
    ])
    .await;
    let client = installation(&recorder);

    let Err(Error::Api(error)) = icr_api::issues::get_issue(&client, 3001, 99).await else {
        panic!("a 404 is an API error");
    };
    assert_eq!((error.status, error.message.as_str()), (404, "Not Found"));
    assert_eq!(error.request_id.as_deref(), Some("7c3e:19a4:1f2bc"));
    assert_eq!(error.path, "/projects/3001/issues/99");

    let Err(Error::Api(error)) = icr_api::issues::get_issue(&client, 3001, 99).await else {
        panic!("a 422 is an API error");
    };
    assert_eq!(error.errors[0].field.as_deref(), Some("title"));
    assert_eq!(error.errors[0].code, "missingField");
    assert!(
        error.to_string().contains("Issue.title: missingField"),
        "{error}"
    );

    // A body of another shape is kept as it came.
    let Err(Error::Api(error)) = icr_api::issues::get_issue(&client, 3001, 99).await else {
        panic!("a 502 is an API error");
    };
    assert_eq!(error.message, "Bad Gateway");
    assert_eq!(error.request_id.as_deref(), Some("edge-1"));
    assert_eq!(&error.body[..], b"<h1>Bad gateway</h1>");
}

#[tokio::test]
async fn rate_limits_are_their_own_error() {
    let limited = spec_value("/components/examples/RateLimitedError/value");
    let recorder = Recorder::start(vec![
        Answer::json(429, &limited)
            .with_header("retry-after", "60")
            .with_header("x-ratelimit-reset", "1793526600"),
    ])
    .await;
    let error = icr_api::meta::get_zen(&installation(&recorder))
        .await
        .unwrap_err();
    let Error::RateLimited {
        retry_after_seconds,
        reset,
        error,
        ..
    } = &error
    else {
        panic!("expected a rate limit, got {error:?}");
    };
    assert_eq!(
        (*retry_after_seconds, *reset),
        (Some(60), Some(1_793_526_600))
    );
    assert_eq!(error.as_ref().map(|e| e.status), Some(429));
}

#[tokio::test]
async fn a_success_body_that_does_not_decode_keeps_the_bytes_and_says_where() {
    let mut issue = spec_value("/components/examples/Issue/value");
    issue["labels"][1]["color"] = json!(42);
    let recorder = Recorder::start(vec![Answer::json(200, &issue)]).await;
    let error = icr_api::issues::get_issue(&installation(&recorder), 3001, 17)
        .await
        .unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}")
    };
    assert_eq!(decode.status, 200);
    assert!(
        decode.reason.contains("labels[1].color"),
        "{}",
        decode.reason
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&decode.body).unwrap(),
        issue
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind a port, then free it: nothing listens there any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(ClientConfig::with_base_url(format!("http://{address}"))).unwrap();
    let installation: InstallationClient<AnyApp> =
        InstallationClient::with_token_unchecked(client, SecretToken::new("t"));
    let error = icr_api::meta::get_zen(&installation).await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn app_endpoints_send_the_app_jwt() {
    let app = spec_value("/components/examples/App/value");
    let recorder = Recorder::start(vec![Answer::json(200, &app)]).await;
    let client = Client::new(ClientConfig::with_base_url(&recorder.base_url)).unwrap();
    let app_client =
        AppClient::with_jwt(client, SecretToken::new("header.payload.signature")).unwrap();
    let app = icr_api::apps::get_authenticated_app(&app_client)
        .await
        .unwrap();
    assert_eq!(app.slug, "release-notes");
    assert_eq!(
        recorder.single().header("authorization"),
        Some("Bearer header.payload.signature")
    );
}

#[tokio::test]
async fn credentials_stay_out_of_debug_output_and_errors() {
    let recorder = Recorder::start(vec![Answer::json(
        401,
        &spec_value("/components/examples/UnauthorizedError/value"),
    )])
    .await;
    let client = installation(&recorder);
    let shown = format!("{client:?}");
    assert!(!shown.contains("icr_inst_test_token"), "{shown}");
    let error = icr_api::meta::get_zen(&client).await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("icr_inst_test_token"), "{shown}");
    assert!(shown.contains("Bad credentials"), "{shown}");
}
