//! One worker of a fleet that shares installation tokens through Redis, for
//! the fleet tests (`integration/fleet.rs`): an app with a `RedisCache`,
//! driven line by line on standard input.
//!
//! - `run START COUNT [SPAN]`: COUNT requests, 32 at a time, request `k` for
//!   installation `ids[START + k % SPAN]` (SPAN defaults to the rest of the
//!   list), each through a client made for it, as a webhook worker makes
//!   one per delivery; answers `done ok=N failed=M` (and the first error).
//! - `quit`: ends.
//!
//! Installation ids come from `--installations`, a file of one id per line.
//! Warnings go to standard error, through `tracing`.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use icr_api::cache::{EncryptionKey, RedisCache};
use icr_api::{App, ClientConfig, apps};

icr_api::permissions! {
    /// What the fleet's app asks its installations for.
    pub Fleet { projects: read }
}

#[derive(Parser)]
struct Options {
    /// The emulator.
    #[arg(long)]
    base_url: String,
    /// The app.
    #[arg(long)]
    app_id: i64,
    /// The app's private key, a PEM file.
    #[arg(long)]
    key_file: PathBuf,
    /// The shared Redis.
    #[arg(long)]
    redis: String,
    /// Installation ids, one per line.
    #[arg(long)]
    installations: PathBuf,
    /// The Redis lock's lease, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    lease_ms: u64,
    /// The token encryption key, as base64.
    #[arg(long)]
    encryption_key: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    let options = Options::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(options))
}

async fn serve(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut cache = RedisCache::new(&options.redis)?
        .prefix("fleet:")
        .lease(Duration::from_millis(options.lease_ms));
    if let Some(key) = &options.encryption_key {
        cache = cache.encrypt_with(EncryptionKey::from_base64(key)?);
    }
    let app = App::from_key_file(
        options.app_id,
        &options.key_file,
        ClientConfig::with_base_url(&options.base_url),
    )?
    .with_token_cache(Arc::new(cache));
    let ids: Vec<i64> = std::fs::read_to_string(&options.installations)?
        .lines()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err("no installations".into());
    }
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["run", start, count, rest @ ..] => {
                let start: usize = start.parse()?;
                let span = rest
                    .first()
                    .map_or(Ok(ids.len().saturating_sub(start)), |s| s.parse())?;
                let Some(ids) = ids.get(start..start + span).filter(|ids| !ids.is_empty()) else {
                    println!(
                        "done ok=0 failed=0 first_error=no installations {start}..{}",
                        start + span
                    );
                    continue;
                };
                let (ok, failed, first) = run(&app, ids, count.parse()?).await;
                match first {
                    Some(error) => println!("done ok={ok} failed={failed} first_error={error}"),
                    None => println!("done ok={ok} failed={failed}"),
                }
            }
            ["quit"] => break,
            _ => println!("unknown command: {line}"),
        }
    }
    Ok(())
}

async fn run(app: &App, ids: &[i64], count: usize) -> (usize, usize, Option<String>) {
    let semaphore = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..count {
        let id = ids[k % ids.len()];
        let app = app.clone();
        let Ok(permit) = Arc::clone(&semaphore).acquire_owned().await else {
            break;
        };
        tasks.spawn(async move {
            let _permit = permit;
            let client = app.installation::<Fleet>(id);
            apps::list_installation_projects(&client).await.map(|_| ())
        });
    }
    let (mut ok, mut failed, mut first) = (0, 0, None);
    while let Some(outcome) = tasks.join_next().await {
        match outcome {
            Ok(Ok(())) => ok += 1,
            Ok(Err(error)) => {
                failed += 1;
                first.get_or_insert_with(|| error.to_string().replace('\n', " "));
            }
            Err(error) => {
                failed += 1;
                first.get_or_insert_with(|| error.to_string());
            }
        }
    }
    (ok, failed, first)
}
