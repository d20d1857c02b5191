//! The schemathesis harness (`cargo xtask schemathesis` runs it, or
//! `cargo run -p tests --bin schemathesis -- --examples N`): the spec, the
//! emulator and their agreement, judged by a third party. Starts the emulator in-process on a free
//! loopback port with an app and an installation that hold every permission
//! of the catalog (and an organization with a project, an issue, a label and
//! a milestone to find), then runs schemathesis (from PyPI, installed into
//! `target/schemathesis/` when missing) against `spec/icr.openapi.yaml`:
//!
//! - the installation endpoints with an installation access token, minus
//!   `DELETE /installation/token`, which would revoke that token mid-run and
//!   runs last, on a token of its own;
//! - the app (JWT) endpoints with a fresh JWT, last, since they include
//!   deleting the installation;
//! - every check schemathesis has, a bounded number of examples per
//!   operation.
//!
//! The endpoints that only a signed-in person may call are left out: the
//! emulator has no people to sign in. Before that, the spec itself goes to
//! the standard validators (`tests/judges/openapi_examples.py`:
//! `openapi-spec-validator`, and every example against its schema with
//! OpenAPI 3.0.3's reading of `nullable`). Any finding fails the command.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use icr_api::{App, ClientConfig};
use icr_emulator::{AppSettings, Emulator, EmulatorConfig, KeyPair, Who};
use tests::workspace_root;

/// What the harness installs from PyPI, pinned: schemathesis, and the
/// standard OpenAPI 3.0 validators the example check uses.
const PACKAGES: [&str; 2] = ["schemathesis==4.32.5", "openapi-spec-validator==0.7.2"];

/// The harness's arguments.
#[derive(Parser)]
struct Args {
    /// Examples per operation and phase.
    #[arg(long, default_value_t = 20)]
    examples: u32,
}

/// Runs the whole judgement; fails when any run of schemathesis found
/// something.
fn main() -> ExitCode {
    let examples = Args::parse().examples;
    let venv = match ensure_installed() {
        Ok(path) => path,
        Err(problem) => {
            eprintln!("schemathesis could not be installed: {problem}");
            return ExitCode::FAILURE;
        }
    };
    let examples_pass = match judge_examples(&venv) {
        Ok(pass) => pass,
        Err(problem) => {
            eprintln!("{problem}");
            return ExitCode::FAILURE;
        }
    };
    let schemathesis = venv.join("bin").join("schemathesis");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("no tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(judge(&schemathesis, examples)) {
        Ok(true) if examples_pass => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(problem) => {
            eprintln!("the harness failed: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// The virtual environment `target/schemathesis/`, with [`PACKAGES`]
/// installed into it when they are not there yet.
fn ensure_installed() -> Result<PathBuf, String> {
    let venv = workspace_root().join("target").join("schemathesis");
    let bin = venv.join("bin");
    if bin.join("schemathesis").exists() && bin.join("openapi-spec-validator").exists() {
        return Ok(venv);
    }
    eprintln!("installing {} into {}", PACKAGES.join(", "), venv.display());
    if !bin.join("pip").exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map_err(|e| format!("python3 -m venv: {e}"))?;
        if !status.success() {
            return Err(format!("python3 -m venv exited with {status}"));
        }
    }
    let status = Command::new(bin.join("pip"))
        .args(["install", "--quiet"])
        .args(PACKAGES)
        .status()
        .map_err(|e| format!("pip: {e}"))?;
    if !status.success() {
        return Err(format!("pip install exited with {status}"));
    }
    Ok(venv)
}

/// The standard validators' reading of the spec itself
/// (`tests/judges/openapi_examples.py`).
fn judge_examples(venv: &Path) -> Result<bool, String> {
    let root = workspace_root();
    let status = Command::new(venv.join("bin").join("python"))
        .arg(
            root.join("tests")
                .join("judges")
                .join("openapi_examples.py"),
        )
        .arg(root.join("spec").join("icr.openapi.yaml"))
        .status()
        .map_err(|e| format!("the example check did not start: {e}"))?;
    Ok(status.success())
}

/// A world to test in: the emulator, and the credentials schemathesis sends.
struct World {
    emulator: Emulator,
    app: App,
    installation: i64,
}

async fn world() -> Result<World, String> {
    let emulator = Emulator::start_with(EmulatorConfig::default())
        .await
        .map_err(|e| e.to_string())?;
    // Enough for every example of every operation.
    emulator.set_rate_limit(1_000_000);
    let keys = KeyPair::generate().map_err(|e| e.to_string())?;
    let everything: Vec<(String, String)> = emulator
        .catalog()
        .into_iter()
        .filter_map(|(name, levels)| Some((name, levels.last()?.clone())))
        .collect();
    let mut settings = AppSettings::new("judge", keys.public_pem());
    for (permission, level) in &everything {
        settings = settings.permission(permission, level);
    }
    let app_id = emulator.register_app(settings).map_err(|e| e.to_string())?;
    let org = emulator.create_organization("best-organization");
    emulator
        .create_project(org, "compiler")
        .map_err(|e| e.to_string())?;
    let grants: Vec<(&str, &str)> = everything
        .iter()
        .map(|(p, l)| (p.as_str(), l.as_str()))
        .collect();
    let installation = emulator
        .install(app_id, org, &grants)
        .map_err(|e| e.to_string())?;
    let app = App::new(
        app_id,
        keys.private_pem(),
        ClientConfig::with_base_url(emulator.base_url()),
    )
    .map_err(|e| e.to_string())?;
    Ok(World {
        emulator,
        app,
        installation,
    })
}

/// A new installation access token holding everything the installation
/// holds (a token request without a body).
async fn token(world: &World) -> Result<String, String> {
    let client = world.app.app_client().map_err(|e| e.to_string())?;
    let token = icr_api::apps::create_installation_access_token(&client, world.installation, None)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.token.expose_secret().to_owned())
}

/// The configuration schemathesis reads: the operations whose schema-valid
/// requests the API may still refuse for what they refer to, with the status
/// it refuses them with. (Fixed path parameters would reach more resources
/// but also replace the invalid values of negative tests, so there are
/// none.)
fn config() -> Result<PathBuf, String> {
    let text = r#"# Written by the schemathesis harness (tests/src/bin/schemathesis.rs) for one run.
# A token request may name a permission the installation does not hold, and
# an issue a milestone that does not exist: valid by the schema, refused by
# the API with 422 and a field error naming it, as the spec describes.
[[operations]]
include-operation-id = ["apps/createInstallationAccessToken", "issues/createIssue", "issues/updateIssue"]
checks.positive_data_acceptance.expected-statuses = ["2XX", 401, 403, 404, 409, 422, 429]
"#;
    let path = workspace_root().join("target").join("schemathesis.toml");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

async fn judge(schemathesis: &Path, examples: u32) -> Result<bool, String> {
    let world = world().await?;
    let config = config()?;
    let spec = workspace_root().join("spec").join("icr.openapi.yaml");
    let person_only = world.emulator.operations_for(Who::Person);
    let app_operations = world.emulator.operations_for(Who::App);
    let mut passed = true;

    let installation = token(&world).await?;
    let mut exclude = person_only.clone();
    exclude.extend(app_operations.iter().cloned());
    exclude.push("apps/revokeInstallationAccessToken".to_owned());
    passed &= schemathesis_run(
        schemathesis,
        &config,
        &world,
        "installation endpoints",
        &installation,
        &[],
        &exclude,
        examples,
        &spec,
    )
    .await?;

    let last = token(&world).await?;
    passed &= schemathesis_run(
        schemathesis,
        &config,
        &world,
        "token revocation",
        &last,
        &["apps/revokeInstallationAccessToken".to_owned()],
        &[],
        examples,
        &spec,
    )
    .await?;
    // Last: the app endpoints include deleting the installation.
    let jwt = world.app.jwt().map_err(|e| e.to_string())?;
    passed &= schemathesis_run(
        schemathesis,
        &config,
        &world,
        "app (JWT) endpoints",
        jwt.expose_secret(),
        &app_operations,
        &[],
        examples,
        &spec,
    )
    .await?;

    println!(
        "schemathesis: {} operations judged, person-only operations left out: {}",
        world.emulator.operations().len() - person_only.len(),
        person_only.join(", ")
    );
    Ok(passed)
}

/// One run of schemathesis over the operations `include` names (all when
/// empty) minus `exclude`, with `credential` as the bearer token.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site per run, each reads as a table"
)]
async fn schemathesis_run(
    schemathesis: &Path,
    config: &Path,
    world: &World,
    what: &str,
    credential: &str,
    include: &[String],
    exclude: &[String],
    examples: u32,
    spec: &Path,
) -> Result<bool, String> {
    println!("schemathesis: {what}");
    let mut command = Command::new(schemathesis);
    command
        .arg("--config-file")
        .arg(config)
        .arg("run")
        .arg(spec)
        .args(["--url", world.emulator.base_url()])
        .args(["--header", &format!("Authorization: Bearer {credential}")])
        .args(["--checks", "all"])
        .args(["--max-examples", &examples.to_string()])
        // One worker: Python 3.11's `ast` is not thread-safe enough for
        // Hypothesis's lambda descriptions with several.
        .args(["--workers", "1"])
        .args(["--seed", "1"])
        .arg("--no-color");
    for id in include {
        command.args(["--include-operation-id", id]);
    }
    for id in exclude {
        command.args(["--exclude-operation-id", id]);
    }
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("schemathesis did not start: {e}"))?;
    Ok(status.success())
}
