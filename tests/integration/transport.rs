//! Transport failures told apart by what happened on the wire, each against
//! a hostile loopback server: nothing sent, sent with no answer (a timeout or
//! a reset), an answer cut off; and the predicates that read them, through
//! a failed token request too. Also: a caller's own HTTP client is used as
//! it is.

use std::time::Duration;

use icr_api::{App, Client, ClientConfig, Error, InstallationClient, SecretToken, Stage};
use icr_emulator::KeyPair;
use serde_json::json;
use tests::{Answer, Recorder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

icr_api::permissions! {
    /// Reads projects.
    Reader { projects: read }
}

/// How the hostile server treats each connection, after reading the
/// request's head.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Says nothing, and keeps the connection open.
    Silent,
    /// Closes the connection.
    Drop,
    /// Promises 100 bytes of body, sends 10, and closes.
    CutBody,
    /// Sends the head, then a byte of body a second.
    Trickle,
    /// Sends a chunked body without end (a bounded number of 64 KiB
    /// chunks, in fact).
    Endless,
}

/// A server on loopback that misbehaves as told; its base URL.
async fn hostile(behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = vec![0; 8192];
                let _ = stream.read(&mut head).await;
                match behaviour {
                    Behaviour::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
                    Behaviour::Drop => {}
                    Behaviour::CutBody => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\": 1, ")
                            .await;
                    }
                    Behaviour::Endless => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                            .await;
                        let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
                        for _ in 0..256 {
                            if stream.write_all(chunk.as_bytes()).await.is_err() {
                                break;
                            }
                        }
                    }
                    Behaviour::Trickle => {
                        let _ = stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n")
                            .await;
                        for _ in 0..30 {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            if stream.write_all(b" ").await.is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    format!("http://{address}")
}

fn client_at(base_url: &str) -> InstallationClient<Reader> {
    let config = ClientConfig::with_base_url(base_url)
        .timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500));
    InstallationClient::with_token_unchecked(Client::new(config).unwrap(), SecretToken::new("t"))
}

/// What the transport error of a call to `base_url` says: its stage and
/// whether it timed out.
async fn failure_at(base_url: &str) -> (Stage, bool, Error) {
    let error = icr_api::projects::get_project(&client_at(base_url), 3001)
        .await
        .unwrap_err();
    let Error::Transport {
        stage, timed_out, ..
    } = &error
    else {
        panic!("expected a transport error, got {error:?}");
    };
    (*stage, *timed_out, error.clone())
}

#[tokio::test]
async fn a_refused_connection_sent_nothing() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (stage, timed_out, error) = failure_at(&closed).await;
    assert_eq!((stage, timed_out), (Stage::NotSent, false));
    assert!(error.is_not_sent() && error.is_retryable() && !error.is_timeout());
    assert!(error.to_string().contains("not sent"), "{error}");
}

#[tokio::test]
async fn a_silent_server_is_a_timeout_after_sending() {
    let (stage, timed_out, error) = failure_at(&hostile(Behaviour::Silent).await).await;
    assert_eq!((stage, timed_out), (Stage::SentNoAnswer, true));
    assert!(error.is_timeout() && !error.is_not_sent() && error.is_retryable());
    assert!(
        error.to_string().contains("sent, but no answer came"),
        "{error}"
    );
}

#[tokio::test]
async fn a_dropped_connection_after_sending_is_no_answer() {
    let (stage, timed_out, error) = failure_at(&hostile(Behaviour::Drop).await).await;
    assert_eq!((stage, timed_out), (Stage::SentNoAnswer, false));
    assert!(!error.is_not_sent());
}

#[tokio::test]
async fn an_answer_cut_off_or_trickled_is_unreadable() {
    let (stage, timed_out, _) = failure_at(&hostile(Behaviour::CutBody).await).await;
    assert_eq!((stage, timed_out), (Stage::AnswerUnreadable, false));
    let (stage, timed_out, error) = failure_at(&hostile(Behaviour::Trickle).await).await;
    assert_eq!((stage, timed_out), (Stage::AnswerUnreadable, true));
    assert!(error.is_timeout());
}

#[tokio::test]
async fn the_predicates_look_through_a_failed_token_request() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![Answer::json(
        503,
        &json!({"message": "down", "documentationUrl": "https://docs.icr.dev/rest", "requestId": "req-7"}),
    )])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let error = icr_api::projects::get_project(&app.installation::<Reader>(42), 3001)
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::TokenRequestFailed { .. }),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.request_id(), Some("req-7"));
    assert!(error.is_retryable() && !error.is_timeout());
}

#[tokio::test]
async fn a_callers_own_http_client_is_used_as_it_is() {
    let recorder = Recorder::start(vec![Answer::json(200, &json!({"message": "ok"}))]).await;
    let own = reqwest::Client::builder()
        .user_agent("my-app/1.0 (own client)")
        .build()
        .unwrap();
    let client =
        Client::new(ClientConfig::with_base_url(&recorder.base_url).http_client(own)).unwrap();
    let installation: InstallationClient<Reader> =
        InstallationClient::with_token_unchecked(client, SecretToken::new("t"));
    let _ = icr_api::projects::get_project(&installation, 3001).await;
    assert_eq!(
        recorder.single().header("user-agent"),
        Some("my-app/1.0 (own client)")
    );
}

#[tokio::test]
async fn an_answer_over_the_limit_is_refused_without_reading_the_rest() {
    let recorder = Recorder::start(vec![Answer::raw(
        200,
        "application/json",
        vec![b' '; 2 * 1024 * 1024],
    )])
    .await;
    let limited = |base: &str| {
        let config = ClientConfig::with_base_url(base).max_answer_bytes(1024 * 1024);
        InstallationClient::<Reader>::with_token_unchecked(
            Client::new(config).unwrap(),
            SecretToken::new("t"),
        )
    };
    for base in [recorder.base_url.clone(), hostile(Behaviour::Endless).await] {
        let error = icr_api::projects::get_project(&limited(&base), 3001)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::AnswerTooLarge {
                    limit: 1_048_576,
                    ..
                }
            ),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_error_answer_keeps_its_headers_and_a_prefix_of_its_body() {
    let recorder = Recorder::start(vec![
        Answer::raw(500, "text/plain", vec![b'x'; 200 * 1024])
            .with_header("x-ratelimit-remaining", "7")
            .with_header("set-cookie", "session=secret"),
    ])
    .await;
    let error = icr_api::projects::get_project(&client_at(&recorder.base_url), 3001)
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(api.body.len(), icr_api::ApiError::BODY_KEPT);
    assert_eq!(api.header("x-ratelimit-remaining"), Some("7"));
    assert_eq!(api.header("set-cookie"), None);
}

// ---- Retries ---------------------------------------------------------------

icr_api::permissions! {
    /// Writes issues.
    Writer { issues: write }
}

fn unavailable() -> Answer {
    Answer::json(
        503,
        &json!({"message": "try later", "documentationUrl": "https://docs.icr.dev/rest", "requestId": "r"}),
    )
}

fn project() -> serde_json::Value {
    tests::spec_value("/components/examples/Project/value")
}

fn issue() -> serde_json::Value {
    tests::spec_value("/components/examples/Issue/value")
}

/// A client for `recorder` that retries quickly.
fn retrying<P>(recorder: &Recorder, policy: icr_api::RetryPolicy) -> InstallationClient<P> {
    let config = ClientConfig::with_base_url(&recorder.base_url).retry(policy);
    InstallationClient::with_token_unchecked(Client::new(config).unwrap(), SecretToken::new("t"))
}

fn quick() -> icr_api::RetryPolicy {
    icr_api::RetryPolicy::default().delays(Duration::from_millis(10), Duration::from_millis(50))
}

#[tokio::test]
async fn a_read_is_retried_through_5xx_and_counted_at_the_server() {
    let recorder = Recorder::start(vec![
        unavailable(),
        unavailable(),
        Answer::json(200, &project()),
    ])
    .await;
    let client: InstallationClient<Reader> = retrying(&recorder, quick());
    icr_api::projects::get_project(&client, 3001).await.unwrap();
    assert_eq!(recorder.requests().len(), 3);

    // Bounded: three attempts in all, then the last error.
    let recorder = Recorder::start(vec![unavailable()]).await;
    let client: InstallationClient<Reader> = retrying(&recorder, quick());
    let error = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(recorder.requests().len(), 3);

    // Off with one call.
    let recorder = Recorder::start(vec![unavailable(), Answer::json(200, &project())]).await;
    let config = ClientConfig::with_base_url(&recorder.base_url).no_retries();
    let client: InstallationClient<Reader> = InstallationClient::with_token_unchecked(
        Client::new(config).unwrap(),
        SecretToken::new("t"),
    );
    assert!(icr_api::projects::get_project(&client, 3001).await.is_err());
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn a_write_is_sent_twice_only_with_an_idempotency_key() {
    let body = icr_api::models::IssueCreate::new("Once");
    // Without a key: one POST, whatever the answer.
    let recorder = Recorder::start(vec![unavailable(), Answer::json(201, &issue())]).await;
    let client: InstallationClient<Writer> = retrying(&recorder, quick());
    let request = icr_api::Request::post("/projects/{projectId}/issues")
        .path("projectId", &3001)
        .json(&body);
    let error = client
        .send::<icr_api::permissions::needs::IssuesWrite>(request)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(recorder.requests().len(), 1);

    // An operation that takes a key gets a random one when the caller
    // gives none: retried, the same key on every attempt, a new key for
    // the next call.
    let recorder = Recorder::start(vec![
        unavailable(),
        Answer::json(201, &issue()),
        Answer::json(201, &issue()),
    ])
    .await;
    let client: InstallationClient<Writer> = retrying(&recorder, quick());
    for _ in 0..2 {
        icr_api::issues::create_issue(&client, 3001, &body)
            .await
            .unwrap();
    }
    let keys: Vec<String> = recorder
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0], keys[1]);
    assert_ne!(keys[1], keys[2]);
    assert!(
        keys.iter()
            .all(|k| k.len() == 36 && k.as_bytes()[14] == b'4'),
        "not UUIDv4: {keys:?}"
    );

    // With one: retried, and the same key on every attempt.
    let recorder = Recorder::start(vec![unavailable(), Answer::json(201, &issue())]).await;
    let client: InstallationClient<Writer> = retrying(&recorder, quick());
    let options = icr_api::issues::CreateIssueOptions {
        idempotency_key: Some("key-42".to_owned()),
    };
    icr_api::issues::create_issue(&client, 3001, &body)
        .options(options)
        .await
        .unwrap();
    let requests = recorder.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.header("idempotency-key"), Some("key-42"));
    }
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_within_the_bound_and_reported_beyond_it() {
    let limited = |seconds: &str| {
        Answer::json(
            429,
            &json!({"message": "slow down", "documentationUrl": "https://docs.icr.dev/rest", "requestId": "r"}),
        )
        .with_header("retry-after", seconds)
    };
    let policy = icr_api::RetryPolicy::default()
        .delays(Duration::from_millis(10), Duration::from_secs(2))
        .max_rate_limit_wait(Duration::from_secs(2));
    let recorder = Recorder::start(vec![limited("1"), Answer::json(200, &project())]).await;
    let client: InstallationClient<Reader> = retrying(&recorder, policy.clone());
    icr_api::projects::get_project(&client, 3001).await.unwrap();
    assert_eq!(recorder.requests().len(), 2);

    let recorder = Recorder::start(vec![limited("30"), Answer::json(200, &project())]).await;
    let client: InstallationClient<Reader> = retrying(&recorder, policy);
    let error = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(30));
    assert_eq!(recorder.requests().len(), 1);
}

/// An operation the API description sends to a server of its own (an
/// upload host) goes there, with the token; a client maps that server
/// elsewhere (to an emulator, say) with `ClientConfig::server`; a path
/// replaces the base URL's path; and a server URL that is no place to send
/// a token to is refused unsent.
#[tokio::test]
async fn an_operation_with_a_server_of_its_own_goes_there_or_where_it_is_mapped() {
    let api = Recorder::start(vec![
        Answer::json(200, &project()),
        Answer::json(200, &project()),
        Answer::json(200, &project()),
    ])
    .await;
    let uploads = Recorder::start(vec![Answer::json(200, &project())]).await;
    // A server URL is `&'static str` in a request, as generated code has it.
    let uploads_url: &'static str = Box::leak(uploads.base_url.clone().into_boxed_str());
    let request = || icr_api::Request::get("/projects/{projectId}").path("projectId", &3001);

    let client: InstallationClient<Reader> = retrying(&api, quick());
    client
        .send::<icr_api::permissions::needs::ProjectsRead>(request().server(uploads_url))
        .await
        .unwrap();
    let sent = uploads.single();
    assert_eq!(sent.uri, "/projects/3001");
    assert_eq!(sent.header("authorization"), Some("Bearer t"));
    assert!(api.requests().is_empty());

    // Mapped to the API's recorder, as a test maps an upload host to an
    // emulator.
    let config = ClientConfig::with_base_url(&api.base_url)
        .server(uploads_url, format!("{}/mapped", api.base_url));
    let mapped: InstallationClient<Reader> = InstallationClient::with_token_unchecked(
        Client::new(config).unwrap(),
        SecretToken::new("t"),
    );
    mapped
        .send::<icr_api::permissions::needs::ProjectsRead>(request().server(uploads_url))
        .await
        .unwrap();
    // A path on the client's own server.
    mapped
        .send::<icr_api::permissions::needs::ProjectsRead>(request().server("/v2"))
        .await
        .unwrap();
    let uris: Vec<String> = api.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/mapped/projects/3001", "/v2/projects/3001"]);
    assert_eq!(uploads.requests().len(), 1);

    // The mapping does not care for a trailing `/` on either side.
    let slashed: &'static str = Box::leak(format!("{uploads_url}/").into_boxed_str());
    mapped
        .send::<icr_api::permissions::needs::ProjectsRead>(request().server(slashed))
        .await
        .unwrap();
    assert_eq!(api.requests().len(), 3);
    assert_eq!(uploads.requests().len(), 1);

    // Credentials in a server URL, or another scheme: refused, unsent.
    for bad in ["http://user:secret@127.0.0.1:9", "ftp://127.0.0.1:9"] {
        let bad: &'static str = Box::leak(bad.to_owned().into_boxed_str());
        let error = client
            .send::<icr_api::permissions::needs::ProjectsRead>(request().server(bad))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        assert!(!error.to_string().contains("secret"), "{error}");
    }
    assert_eq!(api.requests().len(), 3);
    // Secrets in a URL's query or fragment are shown neither in the
    // configuration's `Debug` nor in errors.
    let config = ClientConfig::with_base_url("https://api.icr.example/?api_key=SUPERSECRET")
        .server(uploads_url, "https://uploads.example/#token=SECRET2");
    let shown = format!("{config:?}");
    let error = Client::new(config).unwrap_err().to_string();
    for text in [&shown, &error] {
        assert!(
            !text.contains("SUPERSECRET") && !text.contains("SECRET2"),
            "{text}"
        );
    }
    // A mapping to a base URL that is not one fails when the client is made.
    let error = Client::new(ClientConfig::default().server(uploads_url, "not a url")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("the server `{uploads_url}`")),
        "{error}"
    );
}
