//! `cargo run -p icr-emulator -- [--port N] [--demo]`: runs the emulator
//! until interrupted. With `--demo` it also creates an organization, an app
//! with a fresh key pair (the private key written to a file) and an
//! installation, and prints how to use them.

use std::time::Duration;

use clap::Parser;
use icr_emulator::{AppSettings, Emulator, EmulatorConfig, KeyPair};

/// A local ICR server built from the ICR REST API description.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The loopback port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Set up an organization, an app and an installation to try.
    #[arg(long)]
    demo: bool,
    /// Requests an hour each caller may make.
    #[arg(long, default_value_t = 5000)]
    rate_limit: u64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut config = EmulatorConfig::default();
    config.port = args.port;
    config.rate_limit = args.rate_limit;
    let emulator = Emulator::start_with(config).await?;
    println!("ICR emulator listening on {}", emulator.base_url());
    if args.demo {
        let keys = KeyPair::generate()?;
        let key_path =
            std::env::temp_dir().join(format!("icr-emulator-demo-{}.pem", std::process::id()));
        write_private(&key_path, keys.private_pem())?;
        let app = emulator.register_app(
            AppSettings::new("release-notes", keys.public_pem())
                .name("Release Notes")
                .permission("projects", "write")
                .permission("issues", "write"),
        )?;
        let org = emulator.create_organization("best-organization");
        let project = emulator.create_project(org, "compiler")?;
        let installation =
            emulator.install(app, org, &[("projects", "write"), ("issues", "write")])?;
        println!("organization {org} (best-organization) with project {project} (compiler)");
        println!(
            "app {app} (release-notes), private key in {}",
            key_path.display()
        );
        println!("installation {installation} with projects: write, issues: write");
        println!();
        println!("to run icr-api's quickstart against it:");
        println!(
            "  ICR_API_URL={} ICR_APP_ID={app} ICR_APP_PRIVATE_KEY_PATH={} ICR_ORGANIZATION={org} cargo run --example quickstart",
            emulator.base_url(),
            key_path.display()
        );
    }
    loop {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

/// Writes the private key readable by its owner only.
fn write_private(path: &std::path::Path, pem: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(pem.as_bytes())
}
