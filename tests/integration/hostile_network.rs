//! The request path against a hostile server: headers at the edge of
//! their types (overflowing `Retry-After`, `X-RateLimit-Reset` and `Date`),
//! 401s that could multiply attempts, gates that close for longer, requests
//! that cannot be built, bodies that hold secrets. Found by a hostile
//! review; each test states the promise it keeps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use icr_api::permissions::needs;
use icr_api::{
    App, Client, ClientConfig, Error, InstallationClient, Request, RetryPolicy, SecretToken,
};
use icr_emulator::{Fault, KeyPair};
use serde_json::json;
use tests::world::World;
use tests::{Answer, Recorder};

icr_api::permissions! {
    /// Files and reads issues.
    Filer { issues: write, projects: read }
}

fn project() -> serde_json::Value {
    tests::spec_value("/components/examples/Project/value")
}

fn quick() -> RetryPolicy {
    RetryPolicy::default().delays(Duration::from_millis(10), Duration::from_millis(50))
}

fn fixed(base_url: &str, policy: RetryPolicy) -> InstallationClient<Filer> {
    let config = ClientConfig::with_base_url(base_url).retry(policy);
    InstallationClient::with_token_unchecked(Client::new(config).unwrap(), SecretToken::new("t"))
}

fn err_body(message: &str) -> serde_json::Value {
    json!({"message": message, "documentationUrl": "https://docs.icr.dev/rest", "requestId": "r"})
}

/// Runs `fut` in its own task so that a panic in library code shows as a
/// JoinError instead of killing the test with no context.
async fn guarded<T: Send + 'static>(
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, String> {
    tokio::spawn(fut).await.map_err(|e| {
        let panic = e.into_panic();
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

// ---- 1. Retry-After beyond Instant's range ---------------------------------

#[tokio::test]
async fn a_retry_after_beyond_any_instant_is_a_rate_limit_not_a_panic() {
    for value in [
        "9223372036854775807",
        "18446744073709551615",
        "10000000000000000000",
    ] {
        let recorder = Recorder::start(vec![
            Answer::json(429, &err_body("slow down")).with_header("retry-after", value),
            Answer::json(200, &project()),
        ])
        .await;
        let client = fixed(&recorder.base_url, quick());
        let outcome = guarded(async move {
            icr_api::projects::get_project(&client, 3001)
                .await
                .map(|_| ())
        })
        .await;
        let error = outcome.expect("library code panicked").unwrap_err();
        assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    }
}

#[tokio::test]
async fn a_403_with_a_huge_retry_after_is_a_rate_limit_not_a_panic() {
    let recorder = Recorder::start(vec![
        Answer::json(403, &err_body("secondary")).with_header("retry-after", "9223372036854775807"),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let outcome = guarded(async move {
        icr_api::projects::get_project(&client, 3001)
            .await
            .map(|_| ())
    })
    .await;
    outcome.expect("library code panicked").unwrap_err();
}

// ---- 2. X-RateLimit-Reset overflow ------------------------------------------

#[tokio::test]
async fn a_reset_at_the_bottom_of_i64_leaves_the_gate_open() {
    let recorder = Recorder::start(vec![
        Answer::json(200, &project())
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", "-9223372036854775808"),
        Answer::json(200, &project()),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let c2 = client.clone();
    let outcome =
        guarded(async move { icr_api::projects::get_project(&c2, 3001).await.map(|_| ()) }).await;
    outcome.expect("library code panicked").unwrap();
    // A reset in the past must not close the gate.
    let second = guarded(async move {
        icr_api::projects::get_project(&client, 3001)
            .await
            .map(|_| ())
    })
    .await;
    second.expect("panicked").expect("gate must be open");
}

#[tokio::test]
async fn a_reset_at_the_top_of_i64_closes_the_gate_for_a_day_at_most() {
    let recorder = Recorder::start(vec![
        Answer::json(200, &project())
            .with_header("x-ratelimit-remaining", "0")
            .with_header("x-ratelimit-reset", "9223372036854775807"),
        Answer::json(200, &project()),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    icr_api::projects::get_project(&client, 3001).await.unwrap();
    let error = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    // Closed, not sent, for a day at most whatever the header says.
    assert!(error.is_not_sent(), "{error:?}");
    assert!(error.retry_after().unwrap() <= 24 * 60 * 60, "{error:?}");
    assert_eq!(recorder.requests().len(), 1);
}

// ---- 3. Date header at chrono's edge -----------------------------------------

#[tokio::test]
async fn a_date_at_the_end_of_time_does_not_panic() {
    let recorder = Recorder::start(vec![
        Answer::json(200, &project()).with_header("date", "31 Dec 262142 23:59:59 GMT"),
        Answer::json(429, &err_body("slow"))
            .with_header("retry-after", "Fri, 31 Dec 1999 23:59:59 GMT"),
        Answer::json(200, &project()),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let c = client.clone();
    let first =
        guarded(async move { icr_api::projects::get_project(&c, 3001).await.map(|_| ()) }).await;
    first.expect("library code panicked").unwrap();
    let c = client.clone();
    let second =
        guarded(async move { icr_api::projects::get_project(&c, 3001).await.map(|_| ()) }).await;
    second.expect("library code panicked").unwrap();
}

#[tokio::test]
async fn the_app_keeps_working_after_a_far_future_date() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![
        Answer::json(500, &err_body("x")).with_header("date", "31 Dec 262142 23:59:00 GMT"),
    ])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let a = app.clone();
    let first = guarded(async move { a.describe().await.map(|_| ()) }).await;
    assert!(first.expect("library code panicked").is_err());
    // The date was ignored: JWTs are still signed, requests still sent.
    let a = app.clone();
    let second = guarded(async move { a.jwt().map(|_| ()) }).await;
    second.expect("library code panicked").unwrap();
    let sent = recorder.requests().len();
    let a = app.clone();
    let again = guarded(async move { a.describe().await.map(|_| ()) }).await;
    assert!(again.expect("library code panicked").is_err());
    assert!(recorder.requests().len() > sent);
}

#[tokio::test]
async fn server_now_stays_in_range_after_a_far_future_date() {
    let recorder = Recorder::start(vec![
        Answer::json(200, &project()).with_header("date", "31 Dec 262142 23:59:59 GMT"),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    icr_api::projects::get_project(&client, 3001).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let c = client.client().clone();
    let now = guarded(async move { c.server_now() }).await;
    now.expect("library code panicked");
}

// ---- 4. A 401 multiplies the attempts, the time budget and the spans --------

const CREATE: &str = "issues/createIssue";
const GET_PROJECT: &str = "projects/getProject";

#[tokio::test]
async fn a_401_is_an_attempt_like_any_other_and_a_post_without_a_key_is_not_resent() {
    let world = World::new(
        &[("issues", "write"), ("projects", "read")],
        &[("issues", "write"), ("projects", "read")],
    )
    .await;
    let app = App::new(
        world.app_id,
        world.keys.private_pem(),
        ClientConfig::with_base_url(world.emulator.base_url()).retry(quick()),
    )
    .unwrap();
    let client: InstallationClient<Filer> = app.installation(world.installation);
    client.token_info().await.unwrap();
    let before = world.emulator.requests_to(GET_PROJECT);
    world.emulator.script(
        GET_PROJECT,
        [
            Fault::status(500),
            Fault::status(500),
            Fault::status(401),
            Fault::status(500),
        ],
    );
    // Three attempts in all, the 401 one of them: its error is returned.
    let error = icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    let sent = world.emulator.requests_to(GET_PROJECT) - before;
    // The next call starts afresh: a 500 (the last fault), then success.
    icr_api::projects::get_project(&client, world.project)
        .await
        .unwrap();

    // A POST without a key, refused twice with 401.
    let before = world.emulator.requests_to(CREATE);
    world
        .emulator
        .script(CREATE, [Fault::status(401), Fault::status(401)]);
    let request = Request::post("/projects/{projectId}/issues")
        .path("projectId", &world.project)
        .json(&icr_api::models::IssueCreate::new("once"));
    let error = client
        .send::<needs::IssuesWrite>(request)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401), "{error:?}");
    let posts = world.emulator.requests_to(CREATE) - before;
    assert_eq!(sent, 3, "a GET with max_attempts 3 was sent {sent} times");
    assert_eq!(posts, 1, "a POST without a key was sent {posts} times");
}

// ---- 5. A request that cannot be built is reported as sent --------------------

#[tokio::test]
async fn a_request_that_cannot_be_built_is_invalid_and_not_sent() {
    let recorder = Recorder::start(vec![Answer::json(
        201,
        &tests::spec_value("/components/examples/Issue/value"),
    )])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let options = icr_api::issues::CreateIssueOptions {
        idempotency_key: Some("bad\nkey".to_owned()),
    };
    let error =
        icr_api::issues::create_issue(&client, 3001, &icr_api::models::IssueCreate::new("x"))
            .options(options)
            .await
            .unwrap_err();
    // Also a plain header parameter on a POST without a key.
    let request = Request::post("/projects/{projectId}/issues")
        .path("projectId", &3001)
        .header("X-Note", &"a\r\nb")
        .json(&icr_api::models::IssueCreate::new("x"));
    let error2 = client
        .send::<needs::IssuesWrite>(request)
        .await
        .unwrap_err();
    assert_eq!(recorder.requests().len(), 0);
    for error in [&error, &error2] {
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
        assert!(error.is_not_sent() && !error.is_retryable());
        // The value may be a secret: it is not repeated.
        assert!(!error.to_string().contains("bad\nkey"), "{error}");
    }
}

// ---- 6. The gate is not re-checked after a wait ------------------------------

#[tokio::test]
async fn a_gate_closed_for_longer_while_waiting_is_waited_out() {
    use axum::Router;
    use axum::extract::Path;
    use axum::response::IntoResponse;
    let arrivals: Arc<Mutex<Vec<(String, Instant)>>> = Arc::default();
    let log = Arc::clone(&arrivals);
    let app = Router::new().route(
        "/projects/{id}",
        axum::routing::get(move |Path(id): Path<String>| {
            let log = Arc::clone(&log);
            async move {
                log.lock().unwrap().push((id.clone(), Instant::now()));
                let limited = |s: &str| {
                    (
                        axum::http::StatusCode::TOO_MANY_REQUESTS,
                        [
                            ("retry-after", s.to_owned()),
                            ("content-type", "application/json".to_owned()),
                        ],
                        err_body("slow").to_string(),
                    )
                        .into_response()
                };
                match id.as_str() {
                    "1" => limited("1"),
                    "2" => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        limited("4")
                    }
                    _ => (
                        [("content-type", "application/json")],
                        project().to_string(),
                    )
                        .into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = fixed(
        &base,
        quick()
            .attempts(1)
            .max_rate_limit_wait(Duration::from_secs(10)),
    );
    let t0 = Instant::now();
    let c = client.clone();
    let slow = tokio::spawn(async move { icr_api::projects::get_project(&c, 2).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _limited = icr_api::projects::get_project(&client, 1).await;
    let c = client.clone();
    let waiter = tokio::spawn(async move { icr_api::projects::get_project(&c, 3).await });
    let _ = slow.await;
    waiter.await.unwrap().unwrap();
    let arrivals = arrivals.lock().unwrap().clone();
    let third = arrivals
        .iter()
        .find(|(id, _)| id == "3")
        .map(|(_, at)| *at - t0)
        .expect("the waiting request was sent once the gate opened");
    assert!(
        third >= Duration::from_millis(3500),
        "sent at {third:?} while the gate was closed until ~4.3 s"
    );
}

// ---- 7. max_total is not a bound on the call ---------------------------------

#[tokio::test]
async fn max_total_bounds_the_whole_call() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _keep = stream;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    let config = ClientConfig::with_base_url(&base)
        .timeout(Duration::from_secs(3))
        .retry(quick().max_total(Duration::from_millis(500)));
    let client: InstallationClient<Filer> = InstallationClient::with_token_unchecked(
        Client::new(config).unwrap(),
        SecretToken::new("t"),
    );
    let started = Instant::now();
    let _ = icr_api::projects::get_project(&client, 3001).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

// ---- 8. Secrets in Debug ------------------------------------------------------

#[tokio::test]
async fn request_debug_does_not_show_a_secret_in_the_body() {
    let mut config = icr_api::models::WebhookCreateConfig::new("https://example.com/hook");
    config.secret = Some(SecretToken::new("whsec_DO_NOT_PRINT"));
    let request = Request::post("/organizations/{organizationId}/hooks")
        .path("organizationId", &1)
        .json(&json!({"config": serde_json::Value::Null}))
        .json(&ConfigHolder { config: &config });
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("DO_NOT_PRINT"),
        "Request Debug leaks: {shown}"
    );
}

#[derive(serde::Serialize)]
struct ConfigHolder<'a> {
    config: &'a icr_api::models::WebhookCreateConfig,
}

#[tokio::test]
async fn response_debug_does_not_show_a_token_answer() {
    let keys = KeyPair::generate().unwrap();
    let token = json!({
        "token": "icr_inst_DO_NOT_PRINT",
        "expiresAt": "2099-01-01T00:00:00Z",
        "permissions": {},
        "organization": {},
        "projectSelection": "all"
    });
    let recorder = Recorder::start(vec![Answer::json(201, &token)]).await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url),
    )
    .unwrap();
    let app_client = app.app_client().unwrap();
    let response = app_client
        .send(
            Request::post("/app/installations/{installationId}/accessTokens")
                .path("installationId", &42),
        )
        .await
        .unwrap();
    let shown = format!("{response:?}");
    assert!(
        !shown.contains("DO_NOT_PRINT"),
        "Response Debug leaks the token"
    );
}

#[tokio::test]
async fn credentials_in_the_base_url_are_refused_and_never_shown() {
    let config = ClientConfig::with_base_url("http://user:hunter2@127.0.0.1:9");
    let error = Client::new(config.clone()).unwrap_err();
    let shown = format!("{config:?} {error} {error:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("user name or password"), "{shown}");
    // A query or fragment would be dropped from every request: refused too.
    for base in ["http://127.0.0.1:9/?v=1", "http://127.0.0.1:9/#top"] {
        let error = Client::new(ClientConfig::with_base_url(base)).unwrap_err();
        assert!(error.to_string().contains("query or fragment"), "{error}");
    }
}

// ---- 9. Failure memory doubling is reset by pruning -----------------------------

#[tokio::test]
async fn a_failing_token_keeps_its_backoff_while_others_succeed() {
    let keys = KeyPair::generate().unwrap();
    let recorder = Recorder::start(vec![Answer::json(500, &err_body("down"))]).await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url).retry(quick()),
    )
    .unwrap();
    let a = app.installation::<Filer>(42);
    let b = app.installation::<Filer>(43);
    let count = |id: i64| {
        recorder
            .requests()
            .iter()
            .filter(|r| r.uri.contains(&format!("/installations/{id}/")))
            .count()
    };
    a.token_info().await.unwrap_err(); // fails, remembered 2 s
    tokio::time::sleep(Duration::from_millis(2100)).await;
    a.token_info().await.unwrap_err(); // second failure in a row: remembered 4 s
    assert_eq!(count(42), 2);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // B's token request prunes A's flight (its failure is no longer remembered? it should be: 4 s)
    b.token_info().await.unwrap_err();
    a.token_info().await.unwrap_err(); // within A's 4 s: no request
    assert_eq!(count(42), 2, "A asked again inside its 4 s memory");
    tokio::time::sleep(Duration::from_millis(2100)).await; // t = 6.3: A's 4 s expired
    b.token_info().await.unwrap_err(); // prunes A's expired flight
    a.token_info().await.unwrap_err(); // third in a row: should now be remembered 8 s
    tokio::time::sleep(Duration::from_millis(2500)).await;
    b.token_info().await.unwrap_err();
    a.token_info().await.unwrap_err(); // inside 8 s: no request expected
    assert_eq!(count(42), 3, "doubling reset: A asked again after 2 s");
}

// ---- 10. Retry storm after Retry-After: 0 -------------------------------------

#[tokio::test]
async fn a_retry_after_of_zero_still_backs_off() {
    let recorder = Recorder::start(vec![
        Answer::json(429, &err_body("slow")).with_header("retry-after", "0"),
    ])
    .await;
    let client = fixed(&recorder.base_url, RetryPolicy::default().attempts(10));
    let started = Instant::now();
    let _ = icr_api::projects::get_project(&client, 3001).await;
    // Ten attempts with backoff (200 ms doubling, up to 5 s, jittered):
    // never a storm of ten in a few milliseconds.
    assert_eq!(recorder.requests().len(), 10);
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "ten attempts in {:?}",
        started.elapsed()
    );
}

// ---- 12. expose_secrets -------------------------------------------------------

#[test]
fn expose_secrets_does_not_reach_futures_or_threads_made_inside() {
    let token = SecretToken::new("icr_inst_DO_NOT_PRINT");
    // A future made inside runs outside: fails closed.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t = token.clone();
    let fut = icr_api::expose_secrets(|| async move { serde_json::to_string(&t) });
    assert!(rt.block_on(fut).is_err());
    // A thread spawned inside: fails closed.
    let t = token.clone();
    let r = icr_api::expose_secrets(|| {
        std::thread::spawn(move || serde_json::to_string(&t))
            .join()
            .unwrap()
    });
    assert!(r.is_err());
}

// ---- 13. More --------------------------------------------------------------

#[tokio::test]
async fn a_retry_after_in_the_asctime_form_is_read() {
    let recorder = Recorder::start(vec![
        Answer::json(403, &err_body("secondary"))
            .with_header("retry-after", "Sat Nov  6 08:49:37 2094"),
        Answer::json(200, &project()),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let error = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    // The date is decades away: the gate holds for a day at most.
    assert!(error.retry_after().unwrap() > 24 * 60 * 60);
    let next = icr_api::projects::get_project(&client, 3001)
        .await
        .unwrap_err();
    assert!(next.is_not_sent(), "{next:?}");
    assert_eq!(recorder.requests().len(), 1);
}

#[tokio::test]
async fn a_failed_token_request_says_the_callers_request_was_not_sent() {
    // The token endpoint drops the connection: the caller's own POST was never sent.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::AsyncReadExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = vec![0; 8192];
            let _ = stream.read(&mut head).await;
            drop(stream);
        }
    });
    let keys = KeyPair::generate().unwrap();
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&base).retry(quick()),
    )
    .unwrap();
    let client = app.installation::<Filer>(42);
    let request = Request::post("/projects/{projectId}/issues")
        .path("projectId", &3001)
        .json(&icr_api::models::IssueCreate::new("x"));
    let error = client
        .send::<needs::IssuesWrite>(request)
        .await
        .unwrap_err();
    assert!(
        error.is_not_sent(),
        "the caller's POST was never sent, but is_not_sent() is false"
    );
}

#[tokio::test]
async fn a_post_without_a_key_is_not_resent_after_a_429() {
    let recorder = Recorder::start(vec![
        Answer::json(429, &err_body("slow")).with_header("retry-after", "0"),
        Answer::json(201, &tests::spec_value("/components/examples/Issue/value")),
    ])
    .await;
    let client = fixed(&recorder.base_url, quick());
    let request = Request::post("/projects/{projectId}/issues")
        .path("projectId", &3001)
        .json(&icr_api::models::IssueCreate::new("x"));
    let error = client
        .send::<needs::IssuesWrite>(request)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert_eq!(recorder.requests().len(), 1);
}

fn token_answer(expires_in_secs: i64, token: &str) -> Answer {
    let mut value = tests::spec_value("/components/examples/InstallationAccessToken/value");
    value["token"] = json!(token);
    value["expiresAt"] =
        json!((chrono::Utc::now() + chrono::TimeDelta::seconds(expires_in_secs)).to_rfc3339());
    value["permissions"] = json!({"issues": "write", "projects": "read", "metadata": "read"});
    Answer::json(201, &value)
}

#[tokio::test]
async fn short_lived_and_dead_tokens() {
    let keys = KeyPair::generate().unwrap();
    // A 4 s token: reused for ~2 s, then renewed.
    let recorder = Recorder::start(vec![
        token_answer(4, "icr_inst_a"),
        Answer::json(200, &project()),
        Answer::json(200, &project()),
        token_answer(4, "icr_inst_b"),
        Answer::json(200, &project()),
    ])
    .await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url).retry(quick()),
    )
    .unwrap();
    let client = app.installation::<Filer>(42);
    icr_api::projects::get_project(&client, 1).await.unwrap();
    icr_api::projects::get_project(&client, 1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    icr_api::projects::get_project(&client, 1).await.unwrap();
    let uris: Vec<String> = recorder
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.uri))
        .collect();
    assert_eq!(uris.len(), 5);

    // Already expired when issued: an error, remembered.
    let recorder = Recorder::start(vec![token_answer(-5, "icr_inst_c")]).await;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&recorder.base_url).retry(quick()),
    )
    .unwrap();
    let client = app.installation::<Filer>(42);
    let e1 = icr_api::projects::get_project(&client, 1)
        .await
        .unwrap_err();
    let e2 = icr_api::projects::get_project(&client, 1)
        .await
        .unwrap_err();
    assert_eq!(recorder.requests().len(), 1);
    for error in [e1, e2] {
        assert!(!format!("{error:?}{error}").contains("icr_inst_c"));
        assert!(error.is_not_sent(), "{error:?}");
    }
}
