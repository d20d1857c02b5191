//! `cargo bench -p icr-api`: the cost of the generated client over raw
//! `reqwest` on the same loopback server (the emulator), per request, with
//! the token already cached. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, EmulatorConfig, KeyPair};

icr_api::permissions! {
    /// Reads projects.
    Bench { projects: read }
}

const REQUESTS: u32 = 2000;
const ROUNDS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = EmulatorConfig::default();
    config.rate_limit = u64::MAX;
    // Both sides are measured against the same answers; checking them
    // against the spec is the emulator's cost, not the client's.
    config.check_answers = false;
    let emulator = Emulator::start_with(config).await?;
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
    icr_api::projects::get_project(&client, project).await?;

    // The same request by hand: a token of the same installation.
    let token = {
        let jwt = app.jwt()?;
        let body = reqwest::Client::new()
            .post(format!(
                "{}/app/installations/{installation}/accessTokens",
                emulator.base_url()
            ))
            .bearer_auth(jwt.expose_secret())
            .send()
            .await?
            .bytes()
            .await?;
        let answer: serde_json::Value = serde_json::from_slice(&body)?;
        answer["token"].as_str().unwrap_or_default().to_owned()
    };
    let raw = reqwest::Client::new();
    let url = format!("{}/projects/{project}", emulator.base_url());

    let mut generated = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..REQUESTS {
            icr_api::projects::get_project(&client, project).await?;
        }
        generated.push(start.elapsed());
        let start = Instant::now();
        for _ in 0..REQUESTS {
            let body = raw
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await?
                .bytes()
                .await?;
            let _: icr_api::models::Project = serde_json::from_slice(&body)?;
        }
        baseline.push(start.elapsed());
    }
    let (generated, baseline) = (median(generated), median(baseline));
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(REQUESTS);
    println!(
        "get_project over loopback, {REQUESTS} requests, median of {ROUNDS} rounds: generated client {:.1} µs/request, raw reqwest + serde {:.1} µs/request; ratio {:.2}x",
        per(generated),
        per(baseline),
        generated.as_secs_f64() / baseline.as_secs_f64()
    );
    Ok(())
}
