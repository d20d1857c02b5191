//! `cargo bench -p tests --bench token_cache`: what sharing tokens through
//! Redis costs a request whose token is warm, against keeping them in
//! memory: requests per second of an app with a `RedisCache` over one with
//! the default `MemoryCache`, on the same loopback server.
//!
//! Each request is made as a webhook worker makes it: a new installation
//! client (`app.installation(id)`) for one of 100 installations, then one
//! call. The server answers the token request and the call with fixed
//! bytes, so the figures are the clients'. The Redis is a real
//! `redis-server` of the bench's own. Rounds alternate between the sides,
//! each round starting with another; the figure is the median of the
//! per-round ratios, with the lowest and highest. Prints figures; asserts
//! nothing.

use std::sync::Arc;
use std::time::Instant;

use axum::http::header;
use axum::response::IntoResponse;
use icr_api::cache::{EncryptionKey, RedisCache};
use icr_api::{App, ClientConfig, apps};
use icr_emulator::{AppSettings, Emulator, KeyPair};
use tests::redis_server::RedisServer;

// The loopback server and the median of the client benches.
#[path = "../../icr-api/benches/support/mod.rs"]
mod support;

icr_api::permissions! {
    /// Reads projects.
    Bench { projects: read }
}

const INSTALLATIONS: i64 = 100;
const REQUESTS: i64 = 500;
const ROUNDS: usize = 31;

/// The answer of `GET /installation/projects`, taken once from the
/// emulator.
async fn projects_bytes() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let keys = KeyPair::generate()?;
    let app_id = emulator.register_app(
        AppSettings::new("bench", keys.public_pem()).permission("projects", "read"),
    )?;
    let org = emulator.create_organization("bench");
    emulator.create_project(org, "compiler")?;
    let installation = emulator.install(app_id, org, &[("projects", "read")])?;
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )?;
    let client = app.installation::<Bench>(installation);
    let answer = client
        .send::<icr_api::permissions::needs::MetadataRead>(icr_api::Request::get(
            "/installation/projects",
        ))
        .await?;
    Ok(answer.bytes()?.to_vec())
}

/// A server on a thread of its own that answers token requests and
/// `GET /installation/projects` with fixed bytes.
fn fixed_server(projects: Vec<u8>) -> Result<String, Box<dyn std::error::Error>> {
    let token = serde_json::json!({
        "token": "icr_inst_bench",
        "expiresAt": (chrono::Utc::now() + chrono::TimeDelta::hours(2)).to_rfc3339(),
        "permissions": {"projects": "read"},
        "organization": {"id": 1, "login": "bench", "avatarUrl": "https://icr.example/a.png"},
        "projectSelection": "all",
    })
    .to_string();
    let projects: Arc<[u8]> = projects.into();
    let json = || [(header::CONTENT_TYPE, "application/json; charset=utf-8")];
    let router = axum::Router::new()
        .route(
            "/app/installations/{id}/accessTokens",
            axum::routing::post(move || {
                let token = token.clone();
                async move { (axum::http::StatusCode::CREATED, json(), token).into_response() }
            }),
        )
        .route(
            "/installation/projects",
            axum::routing::get(move || {
                let projects = Arc::clone(&projects);
                async move { (json(), projects.to_vec()).into_response() }
            }),
        );
    let (listener, base) = support::bind()?;
    support::serve(listener, router);
    Ok(base)
}

async fn requests(app: &App, count: i64) -> icr_api::Result<()> {
    for k in 0..count {
        let client = app.installation::<Bench>(1 + k % INSTALLATIONS);
        apps::list_installation_projects(&client).await?;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = fixed_server(projects_bytes().await?)?;
    let redis = RedisServer::start();
    let keys = KeyPair::generate()?;
    let config = || ClientConfig::with_base_url(&base_url);
    let memory = App::new(7, keys.private_pem(), config())?;
    let cache = RedisCache::new(&redis.url())?.encrypt_with(EncryptionKey::from_bytes(&[9; 32])?);
    let shared = App::new(7, keys.private_pem(), config())?.with_token_cache(Arc::new(cache));
    // Warm: every installation's token made and kept.
    requests(&memory, INSTALLATIONS).await?;
    requests(&shared, INSTALLATIONS).await?;

    let mut rounds: [Vec<f64>; 2] = Default::default();
    for round in 0..ROUNDS {
        for turn in 0..2 {
            let side = (round + turn) % 2;
            let app = if side == 0 { &shared } else { &memory };
            let start = Instant::now();
            requests(app, REQUESTS).await?;
            rounds[side].push(REQUESTS as f64 / start.elapsed().as_secs_f64());
        }
    }
    let (redis_rps, _, _) = support::median_spread(rounds[0].clone());
    let (memory_rps, _, _) = support::median_spread(rounds[1].clone());
    let (ratio, low, high) = support::median_spread(
        rounds[0]
            .iter()
            .zip(&rounds[1])
            .map(|(r, m)| r / m)
            .collect(),
    );
    println!(
        "warm tokens, a new installation client per request over {INSTALLATIONS} installations, {ROUNDS} rounds of {REQUESTS} taking turns:\n  \
         RedisCache (encrypted) {redis_rps:.0} requests/s\n  \
         MemoryCache {memory_rps:.0} requests/s\n  \
         ratio {ratio:.3} (median; rounds {low:.3}–{high:.3})"
    );
    Ok(())
}
