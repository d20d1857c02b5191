//! `cargo bench -p icr-api --bench client`: what the generated client's
//! whole request path costs over raw `reqwest` + `serde_json`, per request.
//!
//! Both sides call the same minimal loopback server, which answers every
//! request with fixed bytes (no validation, no state), so the figures are
//! the clients' own. The generated side is the real path: a managed
//! installation client (token from the cache), the retry policy, the
//! rate-limit gate reading the answer's `X-RateLimit-*` headers, the
//! `icr.request` span, decoding into the model. Logging is on at `INFO`
//! (a production setting; the span is at `DEBUG`), then at `DEBUG`.
//!
//! Rounds alternate between the sides, each round starting with another,
//! so that drift of the machine hits all and no side always follows the
//! same one; the figure is the median of the per-round ratios, with the
//! lowest and highest. Prints figures; asserts nothing.

use std::sync::Arc;
use std::time::Instant;

use axum::http::header;
use axum::response::IntoResponse;
use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, KeyPair};

mod support;

icr_api::permissions! {
    /// Reads projects.
    Bench { projects: read }
}

const REQUESTS: u32 = 200;
const ROUNDS: usize = 101;

/// A project as the emulator answers it, taken once from a real one.
async fn project_bytes() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let keys = KeyPair::generate()?;
    let app_id = emulator.register_app(
        AppSettings::new("bench", keys.public_pem()).permission("projects", "read"),
    )?;
    let org = emulator.create_organization("bench");
    let project = emulator.create_project(org, "compiler")?;
    let installation = emulator.install(app_id, org, &[("projects", "read")])?;
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )?;
    let client = app.installation::<Bench>(installation);
    let request = icr_api::Request::get("/projects/{projectId}").path("projectId", &project);
    let answer = client
        .send::<icr_api::permissions::needs::ProjectsRead>(request)
        .await?;
    Ok(answer.bytes()?.to_vec())
}

/// A server that answers the token request and `GET /projects/{id}` with
/// fixed bytes and the headers a real answer has.
async fn fixed_server(project: Vec<u8>) -> Result<String, Box<dyn std::error::Error>> {
    let token = serde_json::json!({
        "token": "icr_inst_bench",
        "expiresAt": (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339(),
        "permissions": {"projects": "read"},
        "organization": {"id": 1, "login": "bench", "avatarUrl": "https://icr.example/a.png"},
        "projectSelection": "all",
    })
    .to_string();
    let project: Arc<[u8]> = project.into();
    let headers = || {
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::HeaderName::from_static("x-ratelimit-limit"), "5000"),
            (
                header::HeaderName::from_static("x-ratelimit-remaining"),
                "4999",
            ),
            (
                header::HeaderName::from_static("x-ratelimit-reset"),
                "4102444800",
            ),
            (header::HeaderName::from_static("x-ratelimit-used"), "1"),
            (header::HeaderName::from_static("x-request-id"), "fixed"),
        ]
    };
    let router = axum::Router::new()
        .route(
            "/app/installations/{id}/accessTokens",
            axum::routing::post(move || {
                let token = token.clone();
                async move { (axum::http::StatusCode::CREATED, headers(), token).into_response() }
            }),
        )
        .route(
            "/projects/{id}",
            axum::routing::get(move || {
                let project = Arc::clone(&project);
                async move { (headers(), project.to_vec()).into_response() }
            }),
        );
    let (listener, base) = support::bind()?;
    support::serve(listener, router);
    Ok(base)
}

/// Logging as a production app has it: a level filter (which tells
/// `tracing` the most verbose level enabled, so call sites below it cost
/// nothing), switched between runs through a reload handle.
type LevelHandle = tracing_subscriber::reload::Handle<
    tracing_subscriber::filter::LevelFilter,
    tracing_subscriber::Registry,
>;

fn install_logging() -> LevelHandle {
    use tracing_subscriber::layer::SubscriberExt as _;
    let (filter, handle) =
        tracing_subscriber::reload::Layer::new(tracing_subscriber::filter::LevelFilter::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink));
    let _ = tracing::subscriber::set_global_default(subscriber);
    handle
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let level = install_logging();
    let base_url = fixed_server(project_bytes().await?).await?;
    let keys = KeyPair::generate()?;
    let app = App::new(
        7,
        keys.private_pem(),
        ClientConfig::with_base_url(&base_url),
    )?;
    let client = app.installation::<Bench>(42);
    icr_api::projects::get_project(&client, 3001).await?;

    // Two baselines: reqwest as it comes, and with the timeouts the
    // generated client sets (every production client needs them).
    let plain = reqwest::Client::new();
    let timed = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()?;
    let url = format!("{base_url}/projects/3001");
    let raw_once = |raw: &reqwest::Client| {
        let request = raw.get(&url);
        async move {
            let body = request
                .bearer_auth("icr_inst_bench")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let project: icr_api::models::Project = serde_json::from_slice(&body)?;
            Ok::<_, Box<dyn std::error::Error>>(project)
        }
    };
    raw_once(&plain).await?;
    raw_once(&timed).await?;

    for (label, filter) in [
        ("INFO", tracing_subscriber::filter::LevelFilter::INFO),
        ("DEBUG", tracing_subscriber::filter::LevelFilter::DEBUG),
    ] {
        level.reload(filter)?;
        // Per side: µs per request in each round; the sides take turns.
        let mut rounds: [Vec<f64>; 3] = Default::default();
        for round in 0..ROUNDS {
            // Each round starts with another side, so that no side always
            // follows the same one (and finds the caches as it left them).
            for turn in 0..rounds.len() {
                let side = (round + turn) % rounds.len();
                let times = &mut rounds[side];
                let start = Instant::now();
                for _ in 0..REQUESTS {
                    match side {
                        0 => drop(icr_api::projects::get_project(&client, 3001).await?),
                        1 => drop(raw_once(&plain).await?),
                        _ => drop(raw_once(&timed).await?),
                    }
                }
                times.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(REQUESTS));
            }
        }
        let ratios = |baseline: &[f64]| {
            support::median_spread(rounds[0].iter().zip(baseline).map(|(g, b)| g / b).collect())
        };
        let (generated, _, _) = support::median_spread(rounds[0].clone());
        let (plain_us, _, _) = support::median_spread(rounds[1].clone());
        let (timed_us, _, _) = support::median_spread(rounds[2].clone());
        let (r1, lo1, hi1) = ratios(&rounds[1]);
        let (r2, lo2, hi2) = ratios(&rounds[2]);
        println!(
            "get_project, fixed-answer loopback server, logging at {label}, {ROUNDS} rounds of {REQUESTS} taking turns:\n  \
             generated client {generated:.1} µs/request\n  \
             raw reqwest + serde_json {plain_us:.1} µs/request: ratio {r1:.3}x (median; rounds {lo1:.3}x–{hi1:.3}x)\n  \
             raw reqwest with the same timeouts {timed_us:.1} µs/request: ratio {r2:.3}x (median; rounds {lo2:.3}x–{hi2:.3}x)"
        );
    }
    Ok(())
}
